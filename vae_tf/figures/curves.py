"""Training curves of a run, from its TensorBoard events: ``<run>/losses.png`` and
``<run>/kl_per_latent.png``.

``losses.png`` has one panel per logged quantity (``loss``, ``reconstruction``, ``kl`` and the
objective's own, such as ``beta_t`` or ``c_t``), training values (every ``--log_every`` steps)
and held-out values (every ``--save_every`` steps) against the step. ``kl_per_latent.png`` is a
bar per latent of the KL at the last logged step, held-out if it was evaluated there, else the
training value. Throughput and metric scores are left out.
"""

import re

import numpy as np

from vae_tf.figures import plotting

LOSSES_FILE = "losses.png"
KL_FILE = "kl_per_latent.png"
SECTIONS = ("train", "eval")
LEFT_OUT = ("images_per_sec",)
PER_IMAGE = ("loss", "reconstruction", "kl")
_KL_LATENT = re.compile(r"kl_per_latent/(\d+)")


def read_scalars(run_dir):
    """``{tag: (steps, values)}`` of every scalar in ``run_dir``'s TensorBoard events (numpy
    arrays in step order); empty if it holds none."""
    from tensorboard.backend.event_processing import plugin_event_accumulator as accumulator
    from tensorboard.util import tensor_util

    # Every scalar (0 = keep all), one of each image.
    events = accumulator.EventAccumulator(run_dir, size_guidance={accumulator.TENSORS: 1},
                                          tensor_size_guidance={"scalars": 0})
    events.Reload()
    scalars = {}
    for tag in events.Tags()[accumulator.TENSORS]:
        if events.SummaryMetadata(tag).plugin_data.plugin_name != "scalars":
            continue
        records = sorted(events.Tensors(tag), key=lambda r: r.step)
        scalars[tag] = (np.array([r.step for r in records]),
                        np.array([float(tensor_util.make_ndarray(r.tensor_proto))
                                  for r in records]))
    return scalars


def loss_panels(scalars):
    """``[(quantity, {section: (steps, values)})]`` in order of first appearance, ``loss``,
    ``reconstruction`` and ``kl`` first."""
    panels = {name: {} for name in ("loss", "reconstruction", "kl")}
    for tag in sorted(scalars):
        section, _, quantity = tag.partition("/")
        if section in SECTIONS and quantity not in LEFT_OUT and not _KL_LATENT.fullmatch(quantity):
            panels.setdefault(quantity, {})[section] = scalars[tag]
    return [(name, curves) for name, curves in panels.items() if curves]


def last_kl_per_latent(scalars):
    """``(step, section, kl [d])``: the per-latent KL at the last step it was logged (held-out
    where evaluated there), or None if the events hold none."""
    best = None
    for section in SECTIONS:
        tags = {int(m.group(1)): tag for tag in scalars
                if tag.startswith(section + "/") and (m := _KL_LATENT.fullmatch(
                    tag[len(section) + 1:]))}
        if not tags:
            continue
        step = int(scalars[tags[0]][0][-1])
        if best is None or step >= best[0]:
            best = (step, section, np.array([scalars[tags[j]][1][-1] for j in sorted(tags)]))
    return best


def losses_size(panels):
    """Inches of the loss figure of ``panels`` panels (3 to a row)."""
    columns = min(3, panels)
    return 4.0 * columns + 0.4, 3.0 * -(-panels // columns) + 0.6


def kl_size(latents):
    """Inches of the KL bar chart of ``latents`` bars."""
    return max(5.0, 0.25 * latents + 1.5), 3.6


def plot_losses(panels, title):
    """One panel per ``(quantity, {section: (steps, values)})`` of :func:`loss_panels`."""
    columns = min(3, len(panels))
    rows = -(-len(panels) // columns)
    figure = plotting.new_figure(*losses_size(len(panels)))
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, (quantity, curves) in zip(axes, panels):
        for section in SECTIONS:
            if section in curves:
                steps, values = curves[section]
                ax.plot(steps, values, marker="o" if section == "eval" else None,
                        markersize=3, label="held-out" if section == "eval" else "training")
        ax.set_title(quantity, fontsize=10)
        ax.set_xlabel("step")
        ax.set_ylabel(f"{quantity} per image" if quantity in PER_IMAGE else quantity)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    figure.suptitle(title, fontsize=11)
    return figure


def plot_kl(step, section, kl, title):
    """Bars of the per-latent ``kl`` of :func:`last_kl_per_latent`."""
    figure = plotting.new_figure(*kl_size(len(kl)))
    ax = figure.subplots()
    ax.bar(np.arange(len(kl)), kl, color="tab:blue")
    ax.set_xticks(np.arange(len(kl)), [str(j) for j in range(len(kl))], fontsize=8)
    ax.set_xlabel("latent")
    ax.set_ylabel("KL (nats per image)")
    ax.grid(axis="y", alpha=0.3)
    where = "held-out images" if section == "eval" else "training batches"
    ax.set_title(f"{title}\nKL per latent at step {step} ({where})", fontsize=10)
    return figure
