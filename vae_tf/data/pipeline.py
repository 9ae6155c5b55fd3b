"""tf.data input pipelines for training.

Every training stream is infinite, seeded and prefetched so that producing data overlaps the
train step. Balls frames and ground-truth-factor data (uniformly sampled factor combinations)
are produced in large vectorised chunks and sliced into batches; TFDS image data sets are
decoded once, cached as uint8 in memory, shuffled and converted to float per batch.
"""

import numpy as np
import tensorflow as tf

from vae_tf.config import BATCH_MODES, PREFETCH_BATCHES
from vae_tf.data import balls

# Frames generated per vectorised call: large enough to amortise numpy's per-call overhead.
_CHUNK_FRAMES = 1024


def _chunk_rngs(seed, start, per_chunk):
    """``(rng, skip)`` per chunk of ``per_chunk`` batches, from the chunk that holds batch
    ``start`` on: chunk ``k`` draws from ``default_rng([*seed, k])``, so batch ``t`` of a
    stream is the same whether it started at step 0 or resumed at ``start`` (``skip`` is how
    many of the first chunk's batches came before ``start``). ``seed`` None: fresh entropy."""
    if seed is None:
        base = [np.random.SeedSequence().entropy]
    elif isinstance(seed, (int, np.integer)):
        base = [int(seed)]
    else:
        base = [int(s) for s in seed]
    chunk, skip = divmod(int(start), per_chunk)
    while True:
        yield np.random.default_rng([*base, chunk]), skip
        chunk, skip = chunk + 1, 0


def balls_batches(batch_size, num_balls=1, friction=False, batch_mode="iid", seed=None,
                  resolution=32, start=0):
    """Python generator of float32 ``[batch_size, res, res, 1]`` balls batches, forever.

    ``batch_mode="iid"``: every frame comes from its own trajectory (default).
    ``batch_mode="trajectory"``: a batch is ``batch_size`` consecutive frames of one fresh
    trajectory, as the original trained. ``seed``: an int or a sequence of ints; ``start``: the
    step a resumed run starts at (the stream goes on exactly where step ``start`` left it).
    """
    if batch_mode not in BATCH_MODES:
        raise ValueError(f"batch_mode must be one of {BATCH_MODES}, got {batch_mode!r}")
    per_chunk = max(1, _CHUNK_FRAMES // batch_size)
    for rng, skip in _chunk_rngs(seed, start, per_chunk):
        if batch_mode == "iid":
            frames, _ = balls.sample_iid(per_chunk * batch_size, num_balls, rng, resolution,
                                         friction)
        else:
            positions, _ = balls.simulate_positions(batch_size, num_balls, rng, friction,
                                                    batch=per_chunk)
            frames = balls.render(positions, resolution).reshape(
                (per_chunk * batch_size, resolution, resolution, 1))
        for i in range(skip, per_chunk):
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
                  resolution=32, start=0):
    """Infinite, prefetched ``tf.data.Dataset`` of balls batches; see :func:`balls_batches`."""
    return _generated(
        lambda: balls_batches(batch_size, num_balls, friction, batch_mode, seed, resolution,
                              start),
        (batch_size, resolution, resolution, 1))


def ground_truth_batches(data, batch_size, seed=None, start=0):
    """Python generator of float32 batches of ``data`` (a
    :class:`~vae_tf.data.ground_truth.GroundTruthData`), every image from factors drawn
    uniformly and independently, forever: uniform sampling from the factorial grid, as the
    dSprites studies train. ``seed`` and ``start`` as in :func:`balls_batches`."""
    per_chunk = max(1, _CHUNK_FRAMES // batch_size)
    for rng, skip in _chunk_rngs(seed, start, per_chunk):
        images = data.sample_observations(per_chunk * batch_size, rng)
        for i in range(skip, per_chunk):
            yield images[i * batch_size:(i + 1) * batch_size]


def ground_truth_dataset(data, batch_size, seed=None, start=0):
    """Infinite, prefetched ``tf.data.Dataset`` of :func:`ground_truth_batches`."""
    return _generated(lambda: ground_truth_batches(data, batch_size, seed, start),
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


def image_dataset(images, batch_size, seed=None, shuffle_buffer=50_000, start=0):
    """Infinite training batches from a finite ``tf.data.Dataset`` of uint8 ``[H, W, C]`` images
    (0..255): cached in memory as uint8, reshuffled every epoch (the same orders for a given
    ``seed``), batched, and scaled to float32 in [0, 1] per batch; the first ``start`` batches
    are skipped (a resumed run goes on where it stopped)."""
    dataset = (images.cache().shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
               .repeat().batch(batch_size, drop_remainder=True).skip(start)
               .map(lambda x: tf.cast(x, tf.float32) / 255.0))
    return _prefetched(dataset)
