"""Seconds per disentanglement metric beside its floor, and the encoder's images/s.

    python benchmarks/metrics.py                          # conv, one ball, standard sizes
    python benchmarks/metrics.py --run_dir=checkpoints/train_store_model_conv_num_balls_2_beta_1.0
    python benchmarks/metrics.py --dci_backend=lightgbm --untabulated   # the old path, to compare
    python benchmarks/metrics.py --model=burgess_conv --dataset=dsprites_rendered --points=1000

Without ``--run_dir`` the model is freshly initialised (the metrics' cost hardly depends on
training, except that FactorVAE skips its votes when no code dimension is active, as at
fully_connected's small initialisation). ``--points`` scales every metric's sizes as
``--metric_points`` does; 0 = the standard sizes. ``--untabulated`` renders and encodes every draw
(the evaluation before the code table). Prints one line per metric with its scores and seconds,
then the floor: the distinct observations encoded at the encoder's measured speed (the code
table's unavoidable work), plus DCI's trees.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # as main.py

import numpy as np  # noqa: E402

from vae_tf.config import (ALL_METRIC_NAMES, DATASETS, DCI_BACKENDS,  # noqa: E402
                           METRIC_NAMES, MODELS, REPRESENTATIONS, TrainConfig)
from vae_tf.data.sources import ground_truth_data  # noqa: E402
from vae_tf.training.build import build_vae, load_networks  # noqa: E402
from vae_tf.training.evaluation import metric_sizes, posterior_function, score  # noqa: E402
from vae_tf.training.run_dir import load_config  # noqa: E402


def encoder_rate(posterior, data, batch_size=4096, repeats=3):
    """Images/s of ``posterior`` on one batch of ``data``'s observations (after a warm-up)."""
    images = data.sample_observations(batch_size, np.random.RandomState(0))
    posterior(images)
    start = time.perf_counter()
    for _ in range(repeats):
        posterior(images)
    return repeats * batch_size / (time.perf_counter() - start)


def load(args):
    """``(config, vae)``: the run of ``--run_dir`` at its latest checkpoint, or a fresh model."""
    if not args.run_dir:
        config = TrainConfig(model=args.model, dataset=args.dataset, num_balls=args.num_balls)
        return config, build_vae(config)
    import tensorflow as tf
    config = load_config(args.run_dir)
    vae = build_vae(config, precision="off")
    step = load_networks(vae, tf.train.latest_checkpoint(args.run_dir))
    print(f"{args.run_dir} at step {step}")
    return config, vae


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run_dir", default="", help="a trained run to score (else a fresh "
                        "model of --model, --dataset, --num_balls)")
    parser.add_argument("--model", default="conv", choices=MODELS)
    parser.add_argument("--dataset", default="balls", choices=DATASETS)
    parser.add_argument("--num_balls", type=int, default=1)
    parser.add_argument("--points", type=int, default=0)
    parser.add_argument("--metrics", nargs="+", default=list(METRIC_NAMES),
                        choices=ALL_METRIC_NAMES)
    parser.add_argument("--dci_backend", default="sklearn", choices=DCI_BACKENDS)
    parser.add_argument("--representation", default="mean", choices=REPRESENTATIONS)
    parser.add_argument("--untabulated", action="store_true",
                        help="render and encode every draw (no code table)")
    args = parser.parse_args()
    config, vae = load(args)
    data = ground_truth_data(config)
    if data is None:
        parser.error(f"--dataset={config.dataset} has no ground-truth factors")
    posterior = posterior_function(vae)
    rate = encoder_rate(posterior, data)
    print(f"{config.model} on {config.dataset}: encoder {rate:.0f} images/s")
    start = time.perf_counter()
    _, seconds, table = score(data, posterior, args.metrics,
                              metric_sizes(args.metrics, args.points), seed=0,
                              representation=args.representation,
                              dci_backend=args.dci_backend, tabulated=not args.untabulated)
    total = time.perf_counter() - start
    print(f"total {total:.1f} s")
    if table is not None:
        floor = table.num_encoded / rate
        print(f"floor: {table.num_encoded:,} distinct observations at {rate:.0f} images/s = "
              f"{floor:.1f} s (the table took {table.seconds:.1f} s to fill)"
              + (f", plus DCI's trees {seconds['dci']:.1f} s" if "dci" in seconds else ""))


if __name__ == "__main__":
    main()
