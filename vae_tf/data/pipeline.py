"""tf.data input pipelines for training.

Every training stream is infinite, seeded and prefetched so that producing data overlaps the
train step. Balls frames and ground-truth-factor data (uniformly sampled factor combinations)
are produced in large vectorised chunks and sliced into batches; TFDS image data sets are
decoded once, cached as uint8 in memory, shuffled and converted to float per batch.
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


def _prefetched(dataset):
    # A fixed prefetch depth with tf.data's autotuner off: on 2 cores the autotuner's own
    # work and its small initial buffer cost up to half the training speed
    # (benchmarks/throughput.py, "fed by pipeline").
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.prefetch(PREFETCH_BATCHES).with_options(options)


def _generated(make_batches, batch_shape):
    spec = tf.TensorSpec(batch_shape, tf.float32)
    return _prefetched(tf.data.Dataset.from_generator(make_batches, output_signature=spec))


def balls_dataset(batch_size, num_balls=1, friction=False, batch_mode="iid", seed=None,
                  resolution=32):
    """Infinite, prefetched ``tf.data.Dataset`` of balls batches; see :func:`balls_batches`."""
    return _generated(
        lambda: balls_batches(batch_size, num_balls, friction, batch_mode, seed, resolution),
        (batch_size, resolution, resolution, 1))


def ground_truth_batches(data, batch_size, seed=None):
    """Python generator of float32 batches of ``data`` (a
    :class:`~vae_tf.data.ground_truth.GroundTruthData`), every image from factors drawn
    uniformly and independently, forever: uniform sampling from the factorial grid, as the
    dSprites studies train."""
    rng = np.random.default_rng(seed)
    per_chunk = max(1, _CHUNK_FRAMES // batch_size)
    while True:
        images = data.sample_observations(per_chunk * batch_size, rng)
        for i in range(per_chunk):
            yield images[i * batch_size:(i + 1) * batch_size]


def ground_truth_dataset(data, batch_size, seed=None):
    """Infinite, prefetched ``tf.data.Dataset`` of :func:`ground_truth_batches`."""
    return _generated(lambda: ground_truth_batches(data, batch_size, seed),
                      (batch_size,) + tuple(data.observation_shape))


def fit_images(images, shape, fit):
    """uint8 ``[..., H, W, C]`` images brought to ``shape``: ``fit`` is None (unchanged),
    ``"pad"`` (zeros around the centre) or ``"resize"`` (bilinear); see
    :func:`vae_tf.config.input_shape`."""
    if fit == "pad":
        return tf.image.resize_with_crop_or_pad(images, shape[0], shape[1])
    if fit == "resize":
        resized = tf.image.resize(images, shape[:2], method="bilinear")
        return tf.cast(tf.clip_by_value(tf.round(resized), 0, 255), tf.uint8)
    return images


def image_dataset(images, batch_size, seed=None, shuffle_buffer=50_000):
    """Infinite training batches from a finite ``tf.data.Dataset`` of uint8 ``[H, W, C]`` images
    (0..255): cached in memory as uint8, reshuffled every epoch, batched, and scaled to float32
    in [0, 1] per batch."""
    dataset = (images.cache().shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
               .repeat().batch(batch_size, drop_remainder=True)
               .map(lambda x: tf.cast(x, tf.float32) / 255.0))
    return _prefetched(dataset)
