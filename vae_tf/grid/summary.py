"""A finished run's small, committable summary: what a report needs once the checkpoints are gone.

    python -m vae_tf.grid.summary --out docs/reproduction/balls checkpoints/reproduction/balls_*

For each run directory that holds an ``eval.json`` scoring its latest checkpoint, writes
``<out>/<run name>.json``: the run's settings, its ``eval.json`` record, its training and
evaluation seconds (``grid.json``), the sorted mean posterior σ per latent over the balls figure
trajectory (as the σ plots), the training and held-out reconstruction and KL against the step
(from TensorBoard) and the first step at which the training KL passed 1 nat (when the run left
the mean-frame plateau). Runs not finished are listed and skipped. No checkpoint, event file or
image is copied.
"""

import argparse
import json
import os
import sys

from vae_tf.grid.runner import EVAL_FILE, TIMES_FILE, latest_step, read_json

CURVES = ("train/reconstruction", "train/kl", "eval/reconstruction", "eval/kl")
PLATEAU_KL = 1.0  # nats


def first_step_above(steps, values, threshold):
    """The first step whose value exceeds ``threshold``, or None."""
    above = [int(step) for step, value in zip(steps, values) if value > threshold]
    return above[0] if above else None


def summarise(run_dir):
    """The summary dict of a finished run, or None when its latest checkpoint is not scored."""
    from vae_tf.figures import curves, runs, stddev

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
    if "train/kl" in scalars:
        summary["kl_passes_1_nat_at_step"] = first_step_above(*scalars["train/kl"], PLATEAU_KL)
    if run.config.dataset == "balls":
        summary["sigma_sorted"] = stddev.sorted_sigma(runs.restore(run), run.config).tolist()
    return summary


def main(argv=None, print_fn=print):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder of the summaries")
    parser.add_argument("run_dirs", nargs="+")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    for run_dir in args.run_dirs:
        summary = summarise(run_dir)
        if summary is None:
            print_fn(f"skipped {run_dir}: not finished (no eval.json of its latest checkpoint)")
            continue
        path = os.path.join(args.out, summary["run"] + ".json")
        with open(path, "w") as f:
            json.dump(summary, f, indent=1, sort_keys=True)
            f.write("\n")
        print_fn(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
