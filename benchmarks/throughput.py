"""Throughput of the train step (per model, with and without XLA) and of the balls input pipeline.

    python benchmarks/throughput.py                 # every model, both XLA settings, pipelines
    python benchmarks/throughput.py --steps=50 --models=conv

Each timing follows a warm-up that absorbs tracing and compilation. The train step is timed on
one in-memory batch repeated, so without the input pipeline (best of ``--repeats`` timings: this
machine's speed varies by about 15 % between runs), and once more, with the model's default XLA
setting, fed by the i.i.d. balls pipeline with 1 and with 2 balls. The pipeline is also timed
alone. Prints images per second. oneDNN is on, as in main.py; compare with
``TF_ENABLE_ONEDNN_OPTS=0 python benchmarks/throughput.py``.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # as main.py

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from vae_tf.config import MODELS, TrainConfig  # noqa: E402
from vae_tf.data import balls  # noqa: E402
from vae_tf.data.pipeline import balls_dataset  # noqa: E402
from vae_tf.training.train import JIT_DEFAULTS, build_vae  # noqa: E402

# The per-model flags of the original grid.
GRID_FLAGS = {
    "conv": {},
    "all_conv": {"hidden_size": 1},
    "fully_connected": {"hidden_size": 10, "lr": 5e-5, "weight_init": 0.01},
}


def train_step_rate(model, jit, batch_size, steps, warmup, repeats, num_balls=None):
    """Best images/s of ``fit``; fed one in-memory batch, or the i.i.d. balls pipeline with
    ``num_balls`` balls."""
    config = TrainConfig(model=model, batch_size=batch_size, beta=1.0,
                         jit_compile="on" if jit else "off", **GRID_FLAGS[model])
    vae = build_vae(config)
    if num_balls is None:
        frames, _ = balls.sample_iid(batch_size, 1, np.random.default_rng(0))
        data = tf.data.Dataset.from_tensors(frames).repeat()
    else:
        data = balls_dataset(batch_size, num_balls, seed=0)
    vae.fit(data, steps_per_epoch=warmup, epochs=1, verbose=0, shuffle=False)
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        vae.fit(data, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False)
        best = max(best, steps * batch_size / (time.perf_counter() - start))
    return best


def pipeline_rate(batch_mode, num_balls, batch_size, batches):
    iterator = iter(balls_dataset(batch_size, num_balls, batch_mode=batch_mode, seed=0))
    next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch_size / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--batch_size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=100, help="timed train steps per repeat")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats; the best counts")
    parser.add_argument("--warmup", type=int, default=30, help="untimed steps first")
    parser.add_argument("--batches", type=int, default=100, help="timed pipeline batches")
    args = parser.parse_args()

    onednn = os.environ["TF_ENABLE_ONEDNN_OPTS"]
    print(f"TensorFlow {tf.__version__}, {os.cpu_count()} CPUs, TF_ENABLE_ONEDNN_OPTS={onednn}, "
          f"batch {args.batch_size}, 32x32 frames")
    print(f"{'what':<34}{'XLA off':>12}{'XLA on':>12}  default  fed by pipeline (1 / 2 balls)")
    for model in args.models:
        rates = [train_step_rate(model, jit, args.batch_size, args.steps, args.warmup,
                                 args.repeats)
                 for jit in (False, True)]
        jit = JIT_DEFAULTS[model]
        fed = [train_step_rate(model, jit, args.batch_size, args.steps, args.warmup, 1, n)
               for n in (1, 2)]
        print(f"{'train step ' + model:<34}{rates[0]:>12.0f}{rates[1]:>12.0f}  "
              f"XLA {'on' if jit else 'off':<4}{fed[0]:>8.0f} / {fed[1]:.0f}", flush=True)
    for mode in ("iid", "trajectory"):
        for num_balls in (1, 2):
            rate = pipeline_rate(mode, num_balls, args.batch_size, args.batches)
            print(f"{f'pipeline {mode}, {num_balls} ball(s)':<34}{rate:>12.0f}", flush=True)
    print("(images per second)")


if __name__ == "__main__":
    main()
