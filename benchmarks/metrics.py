"""Seconds per disentanglement metric, and the encoder's images/s, on a model's data.

    python benchmarks/metrics.py                          # conv, one ball, standard sizes
    python benchmarks/metrics.py --model=burgess_conv --dataset=dsprites_rendered --points=1000

The model is freshly initialised (the metrics' cost does not depend on training, except that
FactorVAE skips its votes when no code dimension is active, as at fully_connected's small
initialisation). ``--points`` scales every metric's sizes as ``--metric_points`` does; 0 = the
standard sizes. Prints one line per metric with its scores and seconds, then the total.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # as main.py

import numpy as np  # noqa: E402

from vae_tf.config import DATASETS, METRIC_NAMES, MODELS, TrainConfig  # noqa: E402
from vae_tf.data.sources import ground_truth_data  # noqa: E402
from vae_tf.training.build import build_vae  # noqa: E402
from vae_tf.training.evaluation import metric_sizes, representation_function, score  # noqa: E402


def encoder_rate(representation, data, batch_size=1024, repeats=5):
    """Images/s of ``representation`` on one batch of ``data``'s observations (after a warm-up)."""
    images = data.sample_observations(batch_size, np.random.RandomState(0))
    representation(images)
    start = time.perf_counter()
    for _ in range(repeats):
        representation(images)
    return repeats * batch_size / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="conv", choices=MODELS)
    parser.add_argument("--dataset", default="balls", choices=DATASETS)
    parser.add_argument("--num_balls", type=int, default=1)
    parser.add_argument("--points", type=int, default=0)
    parser.add_argument("--metrics", nargs="+", default=list(METRIC_NAMES), choices=METRIC_NAMES)
    args = parser.parse_args()
    config = TrainConfig(model=args.model, dataset=args.dataset, num_balls=args.num_balls)
    data = ground_truth_data(config)
    if data is None:
        parser.error(f"--dataset={args.dataset} has no ground-truth factors")
    representation = representation_function(build_vae(config))
    print(f"{args.model} on {args.dataset}: encoder "
          f"{encoder_rate(representation, data):.0f} images/s")
    start = time.perf_counter()
    score(data, representation, args.metrics, metric_sizes(args.metrics, args.points))
    print(f"total {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
