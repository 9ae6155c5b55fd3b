"""Throughput of the train step (per model, with and without XLA) and of the input pipelines.

    python benchmarks/throughput.py                 # every model, both XLA settings, pipelines
    python benchmarks/throughput.py --steps=50 --models=conv

Each timing follows a warm-up that absorbs tracing and compilation. The train step is timed on
one in-memory batch repeated, so without the input pipeline (best of ``--repeats`` timings: this
machine's speed varies by about 15 % between runs), and once more, with the model's default XLA
setting, fed by its real pipeline: the balls models by the i.i.d. balls stream with 1 and with
2 balls (32x32), the 64x64 dSprites models by the re-rendered dSprites stream. The pipelines are
also timed alone, with the cached TFDS image path (``image_dataset``) on 60,000 in-memory
28x28 images, the size of MNIST. Prints images per second. oneDNN is on, as in main.py; compare with
``TF_ENABLE_ONEDNN_OPTS=0 python benchmarks/throughput.py``.

A second table times every model under each ``--strategy`` this machine offers (``auto``,
``one_device``, ``mirrored``; ``multi_worker`` needs a cluster, see the README) in float32 and in
each mixed precision its hardware runs fast (``--precisions`` to time others anyway). Without
GPUs, ``--cpu_devices=N`` splits the CPU into N logical devices, so ``mirrored`` has N replicas.
Under several replicas XLA is off (``--jit_compile=auto``); otherwise each model's default.

    python benchmarks/throughput.py --tables strategies --cpu_devices 2
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # as main.py

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from vae_tf.config import MODELS, PRECISIONS, STRATEGIES, TrainConfig  # noqa: E402
from vae_tf.data.dsprites_rendered import RenderedDSprites  # noqa: E402
from vae_tf.data.pipeline import balls_dataset, ground_truth_dataset, image_dataset  # noqa: E402
from vae_tf.data.sources import training_data  # noqa: E402
from vae_tf.training.build import JIT_DEFAULTS, build_vae, use_jit  # noqa: E402
from vae_tf.training.distribution import fast_precisions, make_strategy  # noqa: E402

# The per-model flags of the original grid; the paper models train on (re-rendered) dSprites.
MODEL_FLAGS = {
    "conv": {},
    "all_conv": {"hidden_size": 1},
    "fully_connected": {"hidden_size": 10, "lr": 5e-5, "weight_init": 0.01},
    "fc_1200": {"dataset": "dsprites_rendered"},
    "burgess_conv": {"dataset": "dsprites_rendered"},
}


def train_step_rate(model, jit, batch_size, steps, warmup, repeats, num_balls=None,
                    strategy=None, precision="off"):
    """Best images/s of ``fit``; fed one in-memory batch (``num_balls`` None), or the model's
    real pipeline (balls models: with ``num_balls`` balls). ``jit`` None: the default under
    ``strategy`` (a ``tf.distribute`` strategy; default TensorFlow's)."""
    config = TrainConfig(model=model, batch_size=batch_size, beta=1.0,
                         jit_compile="auto" if jit is None else "on" if jit else "off",
                         num_balls=num_balls or 1, mixed_precision=precision,
                         **MODEL_FLAGS[model])
    vae = build_vae(config, strategy)
    data, held_out = training_data(config, seed=0)
    if num_balls is None:
        data = tf.data.Dataset.from_tensors(held_out[:batch_size]).repeat()
    vae.fit(data, steps_per_epoch=warmup, epochs=1, verbose=0, shuffle=False)
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        vae.fit(data, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False)
        best = max(best, steps * batch_size / (time.perf_counter() - start))
    return best


def strategy_table(args):
    """Images/s of every model under each local strategy and precision (one in-memory batch)."""
    # One strategy object each for the whole process: two MirroredStrategy objects over the same
    # devices reuse collective keys, and their all-reduces collide.
    strategies = {name: make_strategy(name) for name in STRATEGIES if name != "multi_worker"}
    precisions = ["off", *(args.precisions or fast_precisions())]
    columns = [(name, precision) for precision in precisions for name in strategies]
    replicas = {name: strategy.num_replicas_in_sync for name, strategy in strategies.items()}
    counts = ", ".join(f"{name} {count}" for name, count in replicas.items())
    print(f"train step by strategy and precision (replicas: {counts}; multi_worker needs a "
          "cluster, see the README)")
    print(f"{'model':<18}" + "".join(f"{s + ' ' + ('fp32' if p == 'off' else p[6:]):>22}"
                                      for s, p in columns))
    for model in args.models:
        rates = []
        for name, precision in columns:
            rates.append(train_step_rate(model, None, args.batch_size, args.steps, args.warmup,
                                         args.repeats, strategy=strategies[name],
                                         precision=precision))
        jit = [use_jit(TrainConfig(model=model), replicas[name]) for name, _ in columns]
        print(f"{model:<18}" + "".join(f"{rate:>18.0f}{' XLA' if on else '    '}"
                                        for rate, on in zip(rates, jit)), flush=True)


def pipeline_rate(dataset, batch_size, batches):
    iterator = iter(dataset)
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
    parser.add_argument("--tables", nargs="+", default=["xla", "pipelines", "strategies"],
                        choices=["xla", "pipelines", "strategies"], help="what to time")
    parser.add_argument("--precisions", nargs="+", choices=PRECISIONS[1:],
                        help="mixed precisions of the strategy table (default: those the "
                             "hardware runs fast)")
    parser.add_argument("--cpu_devices", type=int, default=1,
                        help="logical CPU devices (the replicas of mirrored without a GPU)")
    args = parser.parse_args()
    if args.cpu_devices > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * args.cpu_devices)

    onednn = os.environ["TF_ENABLE_ONEDNN_OPTS"]
    print(f"TensorFlow {tf.__version__}, {os.cpu_count()} CPUs, TF_ENABLE_ONEDNN_OPTS={onednn}, "
          f"batch {args.batch_size}; balls models 32x32, fc_1200 and burgess_conv 64x64")
    if "xla" in args.tables:
        xla_table(args)
    if "pipelines" in args.tables:
        pipeline_table(args)
    if "strategies" in args.tables:
        strategy_table(args)
    print("(images per second)")


def xla_table(args):
    """Images/s of every model with XLA off and on (one in-memory batch), and with its default
    fed by its real pipeline."""
    print(f"{'what':<34}{'XLA off':>12}{'XLA on':>12}  default  fed by pipeline "
          "(balls: 1 / 2 balls; 64x64: dsprites_rendered)")
    for model in args.models:
        rates = [train_step_rate(model, jit, args.batch_size, args.steps, args.warmup,
                                 args.repeats)
                 for jit in (False, True)]
        jit = JIT_DEFAULTS[model]
        balls_model = "dataset" not in MODEL_FLAGS[model]
        fed = [train_step_rate(model, jit, args.batch_size, args.steps, args.warmup, 1, n)
               for n in ((1, 2) if balls_model else (1,))]
        print(f"{'train step ' + model:<34}{rates[0]:>12.0f}{rates[1]:>12.0f}  "
              f"XLA {'on' if jit else 'off':<4}{' / '.join(f'{r:.0f}' for r in fed):>8}",
              flush=True)


def pipeline_table(args):
    """Images/s of the input pipelines alone."""
    pipelines = {f"pipeline balls {mode}, {n} ball(s)":
                 balls_dataset(args.batch_size, n, batch_mode=mode, seed=0)
                 for mode in ("iid", "trajectory") for n in (1, 2)}
    pipelines["pipeline dsprites_rendered"] = ground_truth_dataset(RenderedDSprites(),
                                                                   args.batch_size, seed=0)
    mnist_sized = np.random.default_rng(0).integers(0, 256, (60000, 28, 28, 1), np.uint8)
    pipelines["pipeline image_dataset, 28x28"] = image_dataset(
        tf.data.Dataset.from_tensor_slices(mnist_sized), args.batch_size, seed=0)
    for name, dataset in pipelines.items():
        rate = pipeline_rate(dataset, args.batch_size, args.batches)
        print(f"{name:<34}{rate:>12.0f}", flush=True)


if __name__ == "__main__":
    main()
