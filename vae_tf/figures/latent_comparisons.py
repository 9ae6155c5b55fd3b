"""Latent-space figures that compare (``--latent_figures``):

================================  ==============================================================
file                              what
================================  ==============================================================
``ae_vs_vae_<run>.png``           a plain autoencoder run (``--deterministic --beta=0``) beside
                                  the VAE runs of the same settings under ``--checkpoint_dir``:
                                  PCA map, interpolations, decoded prior draws (top level)
``<run>/class_drift.png``         the held-out images' means on the latest checkpoint's PCA axes
                                  at up to 5 kept checkpoints, and each class mean's distance to
                                  its final place against the step (every kept checkpoint) (labelled runs; the label a run
                                  was resumed with, after ``--exclude_label``, stands out)
================================  ==============================================================
"""

import numpy as np

from vae_tf.config import RESUMABLE_CHANGES
from vae_tf.figures import latent_space, plotting
from vae_tf.training.callbacks import image_grid

DRIFT_FILE = "class_drift.png"
# Checkpoints drawn in the class-drift maps (evenly spread over the kept ones, both ends and
# the last one before a class was added in).
DRIFT_PANELS = 5
# Settings in which an autoencoder and its VAE runs may differ.
AE_VS_VAE_FREE = ("train_dir", "beta", "deterministic", "kl_warmup_steps") + RESUMABLE_CHANGES
COMPARED_PAIRS = 2


def ae_vs_vae_file(name):
    return f"ae_vs_vae_{name}.png"


def _shared_settings(config):
    return {k: v for k, v in config.to_dict().items() if k not in AE_VS_VAE_FREE}


def ae_vae_groups(runs):
    """``[(autoencoder, [vae, ...]), ...]``: every ``--deterministic`` run with the
    non-deterministic runs of the same settings (but β and the warm-up), by β."""
    groups = []
    for ae in runs:
        if not ae.config.deterministic:
            continue
        shared = _shared_settings(ae.config)
        vaes = sorted((r for r in runs if not r.config.deterministic
                       and _shared_settings(r.config) == shared), key=lambda r: r.config.beta)
        if vaes:
            groups.append((ae, vaes))
    return groups


def plot_ae_vs_vae(rows, title):
    """One row per run (``(label, summary)``, the summaries of
    :func:`vae_tf.figures.latent_space.run_figures` with ``prior`` added): its PCA map, its
    first interpolations and its decoded prior draws."""
    figure = plotting.new_figure(14.0, 3.6 * len(rows) + 0.8)
    grid = figure.add_gridspec(len(rows), 3, width_ratios=[1.0, 1.7, 0.9])
    for r, (label, summary) in enumerate(rows):
        ax = figure.add_subplot(grid[r, 0])
        colours = summary["colours"]
        if "points" in summary:
            mappable = latent_space.scatter(ax, summary["points"], colours, size=4)
            ax.set_xlabel(latent_space.pca_label(0, summary["explained"]), fontsize=8)
            ax.set_ylabel(latent_space.pca_label(1, summary["explained"]), fontsize=8)
            latent_space.colour_bar(figure, mappable, ax, colours)
        else:
            _note(ax, "no map (see the console)")
        ax.set_title(f"{label}\nPCA of μ, held-out images", fontsize=9)
        ax = figure.add_subplot(grid[r, 1])
        if "strips" in summary:
            strips = latent_space.strip_rows(summary["images"][:COMPARED_PAIRS],
                                             summary["strips"][:COMPARED_PAIRS])
            columns = strips.shape[1]
            plotting.show_image(ax, image_grid(strips.reshape((-1,) + strips.shape[2:]),
                                               columns, latent_space.GAP, fill=0.5)[0])
            pairs = "\n" + "; ".join(summary["pair_labels"][:COMPARED_PAIRS])
        else:
            _note(ax, "no interpolations (one held-out image)")
            pairs = ""
        ax.set_title("interpolations: image A, decoded line A → B (t = 0 ... 1), image B"
                     + pairs, fontsize=8)
        ax = figure.add_subplot(grid[r, 2])
        prior = summary["prior"]
        plotting.show_image(ax, image_grid(prior, 4, latent_space.GAP, fill=0.5)[0])
        ax.set_title(f"{len(prior)} draws z ~ N(0, I), decoded", fontsize=9)
    figure.suptitle(title, fontsize=11)
    return figure


def _note(axes, text):
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes)
    axes.set_axis_off()


def row_label(run, summary):
    kind = ("plain autoencoder (β = 0, z = μ)" if run.config.deterministic
            else f"VAE ({run.config.objective_label})")
    return f"{kind}, step {summary['step']}"


def class_means(mean, labels, classes):
    """``[classes, d]``: the mean code of each label (NaN for a label without images)."""
    means = np.full((classes, mean.shape[1]), np.nan)
    for k in range(classes):
        if np.any(labels == k):
            means[k] = mean[labels == k].mean(axis=0)
    return means


def drift_steps(steps, panels=DRIFT_PANELS, keep=None):
    """Indices of up to ``panels`` of ``steps`` (ascending), evenly spread, both ends included,
    and the last step before ``keep`` (the step a class was added) when there is one."""
    count = len(steps)
    chosen = set(np.round(np.linspace(0, count - 1, min(panels, count))).astype(int).tolist())
    before = [i for i, step in enumerate(steps) if keep is not None and step <= keep]
    if before and before[-1] not in chosen:
        chosen.discard(min(chosen - {0, count - 1}, key=lambda i: abs(i - before[-1]),
                           default=None))
        chosen.add(before[-1])
    return sorted(chosen)


def drift(means_by_step):
    """``[steps, classes]``: each class mean's distance (latent units) to its place at the
    last step, from ``[steps, classes, d]`` class means."""
    means = np.asarray(means_by_step, np.float64)
    return np.sqrt(((means - means[-1:]) ** 2).sum(axis=-1))


def plot_class_drift(steps, panels, points, labels, class_names, centres, distances, added,
                     title):
    """Top: one map for each step index in ``panels`` (``points[s]`` ``[N, 2]`` on the latest
    PCA axes, class means ``centres[s]`` ``[K, 2]`` as their names); bottom: :func:`drift`
    against every step. ``added``: ``(label, step)`` of a class added by resuming, or
    None."""
    import matplotlib

    classes = len(class_names)
    figure = plotting.new_figure(max(10.0, 3.0 * len(panels)), 7.5)
    grid = figure.add_gridspec(2, len(panels), height_ratios=[1.0, 0.9])
    cmap = matplotlib.colormaps["tab10" if classes <= 10 else "tab20"].resampled(classes)
    shown = np.concatenate([points[s] for s in panels])
    low, high = shown.min(axis=0), shown.max(axis=0)
    margin = 0.05 * (high - low + 1e-9)
    for column, s in enumerate(panels):
        ax = figure.add_subplot(grid[0, column])
        ax.scatter(points[s][:, 0], points[s][:, 1], s=3, c=labels, cmap=cmap, vmin=-0.5,
                   vmax=classes - 0.5, linewidths=0, alpha=0.5)
        for k, name in enumerate(class_names):
            if np.isnan(centres[s][k]).any():
                continue
            new = added is not None and k == added[0]
            ax.text(*centres[s][k], name, fontsize=12 if new else 9, weight="bold",
                    ha="center", va="center", color=cmap(k),
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white",
                          "ec": "black" if new else "none", "alpha": 0.8})
        ax.set_xlim(low[0] - margin[0], high[0] + margin[0])
        ax.set_ylim(low[1] - margin[1], high[1] + margin[1])
        ax.set_title(f"step {steps[s]}", fontsize=10)
        ax.set_xlabel("PC 1 of μ at the last step (latent units)", fontsize=8)
        if column == 0:
            ax.set_ylabel("PC 2 (latent units)", fontsize=8)
    ax = figure.add_subplot(grid[1, :])
    for k, name in enumerate(class_names):
        new = added is not None and k == added[0]
        ax.plot(steps, distances[:, k], "o-", color=cmap(k), linewidth=3 if new else 1.2,
                markersize=4, label=f"{name} (added)" if new else name)
    if added is not None:
        ax.axvline(added[1], color="black", linestyle="--", linewidth=1)
        ax.text(added[1], ax.get_ylim()[1], f" label {class_names[added[0]]} added",
                va="top", fontsize=9)
    ax.set_xlabel("training step")
    ax.set_ylabel("distance of the class mean μ\nto its place at the last step (latent units)")
    ax.grid(alpha=0.3)
    ax.legend(title="label", fontsize=8, ncol=2 if classes > 10 else 1, loc="upper left",
              bbox_to_anchor=(1.0, 1.0))
    figure.suptitle(title, fontsize=11)
    return figure


def class_drift(vae, run, held_out, colours, load, encode):
    """The figure of :func:`plot_class_drift` for ``run`` over its kept checkpoints (``load``
    puts a checkpoint's weights into ``vae`` and returns its step; ``encode`` gives the
    means). Leaves ``vae`` at the last checkpoint drawn (the latest)."""
    from vae_tf.training.run_dir import added_label

    steps, means = [], []
    for prefix in run.checkpoints:
        steps.append(load(vae, run, prefix))
        means.append(encode(vae, held_out))
    added = added_label(run.path)
    classes = len(colours.class_names)
    _, _, model = latent_space.pca(means[-1])
    points = [model.transform(m) for m in means]
    centres = [class_means(p, colours.values, classes) for p in points]
    distances = drift([class_means(m, colours.values, classes) for m in means])
    note = (f"; label {colours.class_names[added[0]]} trained on from step {added[1]}"
            if added else "")
    title = (f"{run.name}: the held-out means μ over the kept checkpoints (steps "
             f"{steps[0]}-{steps[-1]}){note}")
    panels = drift_steps(steps, keep=added[1] if added else None)
    return plot_class_drift(steps, panels, points, colours.values, colours.class_names,
                            centres, distances, added, title)
