"""A finished run's small, committable summary: what a report needs once the checkpoints are gone.

    python -m vae_tf.grid.summary --out docs/reproduction/balls checkpoints/reproduction/balls_*

For each run directory that holds an ``eval.json`` scoring its latest checkpoint, writes
``<out>/<run name>.json``: the run's settings, its ``eval.json`` record, its training and
evaluation seconds (``grid.json``), the sorted mean posterior σ per latent over the balls figure
trajectory (as the σ plots), the training and held-out reconstruction and KL against the step
(from TensorBoard), and when the run left the mean-frame plateau: the step from which the training
KL stays above 1 nat, and (balls, cross-entropy) the step from which the training reconstruction
stays below 90 % of the mean frame's cost. It also records the active latents (held-out KL above
``ACTIVE_KL`` nats per image, see :func:`active_latents`) and the machine the summary was made on
(the one holding the checkpoints), and draws the run's heat map (balls,
``<out>/heat_map_<run>.png``) or latent traversal (other data, ``<out>/traversal_<run>.png``,
:mod:`vae_tf.figures.traversal_figure`), the only image written. Runs not finished are
listed and skipped.
No checkpoint or event file is copied; the run directories are only read.

A field added since a summary was written is missing from it: readers treat it as unknown, and
running this again over the run directory (while its checkpoints exist) fills it in.
"""

import argparse
import json
import os
import platform
import re
import sys

import numpy as np

from vae_tf.data import balls
from vae_tf.grid.runner import EVAL_FILE, TIMES_FILE, latest_step, read_json

CURVES = ("train/reconstruction", "train/kl", "eval/reconstruction", "eval/kl")
PLATEAU_KL = 1.0  # nats
PLATEAU_FRACTION = 0.9  # of the mean frame's reconstruction cost
MEAN_FRAME_SAMPLES = 10000
# A latent is active when its held-out KL exceeds this many nats per image: it carries
# information about the image (the KL per latent is what the posterior gains over the prior).
ACTIVE_KL = 0.01
# The heat map decodes frame 0's sampled z, as the original's.
HEAT_MAP_START = "sample"
_LATENT_KL = re.compile(r"kl_(\d+)")


def step_from_which(steps, values, condition):
    """The first step from which ``condition(value)`` holds at every later logged step, or
    None."""
    first = None
    for step, value in zip(steps, values):
        if not condition(value):
            first = None
        elif first is None:
            first = int(step)
    return first


def mean_frame_cost(num_balls, friction=False, resolution=32, seed=0):
    """Bernoulli reconstruction cost in nats per frame of always predicting the mean frame
    (per-pixel mean intensity of ``MEAN_FRAME_SAMPLES`` i.i.d. frames): the plateau a collapsed
    run sits on."""
    frames, _ = balls.sample_iid(MEAN_FRAME_SAMPLES, num_balls, np.random.default_rng(seed),
                                 resolution, friction)
    frames = frames.astype(np.float64)
    p = np.clip(frames.mean(axis=0), 1e-7, 1 - 1e-7)
    cost = -(frames * np.log(p) + (1 - frames) * np.log(1 - p))
    return float(cost.reshape(len(frames), -1).sum(axis=1).mean())


def active_latents(held_out, threshold=ACTIVE_KL):
    """Indices of the latents whose held-out KL (``kl_<j>`` of an ``eval.json`` ``held_out``
    record, nats per image) exceeds ``threshold``, ascending; None if the record has none."""
    kl = {int(m.group(1)): value for key, value in held_out.items()
          if (m := _LATENT_KL.fullmatch(key))}
    return None if not kl else [j for j in sorted(kl) if kl[j] > threshold]


def machine():
    """``{cpu, logical_cpus, gpus, platform, python}`` of this machine (GPUs as TensorFlow
    sees them)."""
    import tensorflow as tf

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.M).group(1).strip()
    except (OSError, AttributeError):
        pass
    gpus = [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
            for gpu in tf.config.list_physical_devices("GPU")]
    return {"cpu": cpu, "logical_cpus": os.cpu_count(), "gpus": gpus,
            "platform": platform.platform(), "python": platform.python_version()}


def traversal(run, step):
    """The latent-traversal figure of ``run``'s checkpoint at ``step``, swept from its first
    held-out image."""
    from vae_tf.data.sources import held_out_data
    from vae_tf.figures import runs, traversal_figure

    config = run.config
    images, _ = held_out_data(config, print_fn=lambda line: None)
    title = (f"model {config.model}, {config.dataset}, objective {config.objective} "
             f"({config.objective_label})\ncheckpoint at "
             f"step {step:,} (batches of {config.batch_size} images); sweeps of held-out image "
             "0's posterior mean")
    return traversal_figure.plot_run(*traversal_figure.traversal_data(runs.restore(run), images),
                                     title)


def summarise(run_dir, figure_dir=None):
    """The summary dict of a finished run, or None when its latest checkpoint is not scored.
    ``figure_dir``: where a balls run's heat map or another run's latent traversal goes (none is
    drawn when None)."""
    from vae_tf.figures import curves, heat_map, plotting, runs, stddev, traversal_figure
    from vae_tf.tf_startup import import_tensorflow

    import_tensorflow()  # before TensorBoard's reader: without its start-up notices
    record = read_json(os.path.join(run_dir, EVAL_FILE))
    step = latest_step(run_dir)
    if not record or step is None or record.get("step") != step:
        return None
    run, = runs.find_runs(run_dir, print_fn=lambda line: None)
    scalars = curves.read_scalars(run_dir)
    summary = {"run": os.path.basename(os.path.normpath(run_dir)), "step": step,
               "config": run.config.to_dict(), "eval": record,
               "seconds": read_json(os.path.join(run_dir, TIMES_FILE), {}),
               "curves": {tag: {"step": scalars[tag][0].tolist(),
                                "value": scalars[tag][1].tolist()}
                          for tag in CURVES if tag in scalars}}
    config = run.config
    summary["active_latents"] = active_latents(record.get("held_out", {}))
    summary["summarised_on"] = machine()
    if "train/kl" in scalars:
        summary["kl_above_1_nat_from_step"] = step_from_which(
            *scalars["train/kl"], lambda kl: kl > PLATEAU_KL)
    if config.dataset != "balls" and figure_dir is not None:
        summary["traversal"] = traversal_figure.file_name(run)
        plotting.save_png(traversal(run, step), os.path.join(figure_dir, summary["traversal"]))
    if config.dataset == "balls":
        vae = runs.restore(run)
        summary["sigma_sorted"] = stddev.sorted_sigma(vae, config).tolist()
        if figure_dir is not None:
            title = (f"{heat_map.title(config, HEAT_MAP_START)}\ncheckpoint at step {step:,} "
                     f"(batches of {config.batch_size} frames)")
            figure = heat_map.plot(*heat_map.heat_map_data(vae, config, HEAT_MAP_START), title)
            summary["heat_map"] = heat_map.file_name(run)
            plotting.save_png(figure, os.path.join(figure_dir, summary["heat_map"]))
        if config.recon_loss == "ce" and "train/reconstruction" in scalars:
            cost = mean_frame_cost(config.num_balls, config.friction, config.image_shape[0])
            summary["mean_frame_reconstruction"] = cost
            summary["below_plateau_from_step"] = step_from_which(
                *scalars["train/reconstruction"], lambda value: value < PLATEAU_FRACTION * cost)
    return summary


def main(argv=None, print_fn=print):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder of the summaries")
    parser.add_argument("run_dirs", nargs="+")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    for run_dir in args.run_dirs:
        summary = summarise(run_dir, args.out)
        if summary is None:
            print_fn(f"skipped {run_dir}: not finished (no eval.json of its latest checkpoint)")
            continue
        path = os.path.join(args.out, summary["run"] + ".json")
        with open(path, "w") as f:
            json.dump(summary, f, indent=1, sort_keys=True)
            f.write("\n")
        figure = summary.get("heat_map") or summary.get("traversal")
        print_fn(f"wrote {path}" + (f" and {figure}" if figure else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
