"""How far the fast DCI backend lands from the reference, in the reference's own seed-to-seed
standard deviations, on trained runs.

    python benchmarks/dci_backends.py checkpoints/train_store_model_conv_num_balls_1_beta_1.0 ...

For every run (its latest checkpoint, encoder mean, standard sizes) and metric seed 0 .. S-1,
DCI is computed with scikit-learn's trees (disentanglement_lib's estimator) and with LightGBM on
the same sampled points. Per run and score (D, C, I = test accuracy) it prints the reference's
mean and standard deviation over seeds, the fast backend's mean, the shift in reference standard
deviations, and each backend's seconds.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from vae_tf.data.sources import ground_truth_data  # noqa: E402
from vae_tf.metrics import sizes  # noqa: E402
from vae_tf.metrics.code_table import tabulate  # noqa: E402
from vae_tf.metrics.dci import compute_dci  # noqa: E402
from vae_tf.training.build import build_vae, load_networks  # noqa: E402
from vae_tf.training.evaluation import posterior_function, representation_function  # noqa: E402
from vae_tf.training.run_dir import load_config  # noqa: E402

SCORES = {"D": "disentanglement", "C": "completeness", "I": "informativeness_test"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dirs", nargs="+")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    print("run | score | sklearn mean ± sd | lightgbm mean | shift (sd) | seconds sklearn / "
          "lightgbm")
    for run_dir in args.run_dirs:
        config = load_config(run_dir)
        vae = build_vae(config, precision="off")
        step = load_networks(vae, tf.train.latest_checkpoint(run_dir))
        data, table = tabulate(ground_truth_data(config), posterior_function(vae))
        results = {"sklearn": [], "lightgbm": []}
        seconds = {"sklearn": 0.0, "lightgbm": 0.0}
        for seed in range(args.seeds):
            for backend in results:
                start = time.perf_counter()
                results[backend].append(compute_dci(
                    data, representation_function(table), np.random.RandomState(seed),
                    **sizes("dci"), backend=backend))
                seconds[backend] += time.perf_counter() - start
        name = f"{os.path.basename(os.path.normpath(run_dir))}@{step}"
        for label, key in SCORES.items():
            reference = np.array([r[key] for r in results["sklearn"]])
            fast = np.array([r[key] for r in results["lightgbm"]])
            sd = reference.std(ddof=1)
            shift = (fast.mean() - reference.mean()) / sd if sd > 0 else float("nan")
            print(f"{name} | {label} | {reference.mean():.4f} ± {sd:.4f} | {fast.mean():.4f} | "
                  f"{shift:+.1f} | {seconds['sklearn'] / args.seeds:.1f} / "
                  f"{seconds['lightgbm'] / args.seeds:.1f}", flush=True)


if __name__ == "__main__":
    main()
