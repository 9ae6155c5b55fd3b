"""tf.data input pipelines for training.

The balls stream is infinite and seeded. Frames are generated in large vectorised chunks (see
:mod:`vae_tf.data.balls`) and sliced into batches, and the pipeline prefetches so generation
overlaps the train step.
"""

import numpy as np
import tensorflow as tf

from vae_tf.config import BATCH_MODES
from vae_tf.data import balls

# Frames generated per vectorised call: large enough to amortise numpy's per-call overhead.
_CHUNK_FRAMES = 1024
PREFETCH_BATCHES = 8


def balls_batches(batch_size, num_balls=1, friction=False, batch_mode="iid", seed=None,
                  resolution=32):
    """Python generator of float32 ``[batch_size, res, res, 1]`` balls batches, forever.

    ``batch_mode="iid"``: every frame comes from its own trajectory (default).
    ``batch_mode="trajectory"``: a batch is ``batch_size`` consecutive frames of one fresh
    trajectory, as the original trained. ``seed`` is anything ``numpy.random.default_rng``
    accepts (an int, or a tuple such as ``(seed, start_step)`` for a resumed run).
    """
    if batch_mode not in BATCH_MODES:
        raise ValueError(f"batch_mode must be one of {BATCH_MODES}, got {batch_mode!r}")
    rng = np.random.default_rng(seed)
    per_chunk = max(1, _CHUNK_FRAMES // batch_size)
    while True:
        if batch_mode == "iid":
            frames, _ = balls.sample_iid(per_chunk * batch_size, num_balls, rng, resolution,
                                         friction)
        else:
            positions, _ = balls.simulate_positions(batch_size, num_balls, rng, friction,
                                                    batch=per_chunk)
            frames = balls.render(positions, resolution).reshape(
                (per_chunk * batch_size, resolution, resolution, 1))
        for i in range(per_chunk):
            yield frames[i * batch_size:(i + 1) * batch_size]


def balls_dataset(batch_size, num_balls=1, friction=False, batch_mode="iid", seed=None,
                  resolution=32):
    """Infinite, prefetched ``tf.data.Dataset`` of balls batches; see :func:`balls_batches`."""
    spec = tf.TensorSpec((batch_size, resolution, resolution, 1), tf.float32)
    dataset = tf.data.Dataset.from_generator(
        lambda: balls_batches(batch_size, num_balls, friction, batch_mode, seed, resolution),
        output_signature=spec)
    # A fixed prefetch depth with tf.data's autotuner off: on 2 cores the autotuner's own
    # work and its small initial buffer cost up to half the training speed
    # (benchmarks/throughput.py, "fed by pipeline").
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.prefetch(PREFETCH_BATCHES).with_options(options)
