"""One entry point from a run's settings to its data: the training stream and held-out images.

=====================  ==========================================================================
``--dataset``          training stream
=====================  ==========================================================================
balls                  the bouncing-balls generator (:mod:`vae_tf.data.balls`), 32x32
dsprites               the original dSprites through TFDS, in memory, factors drawn uniformly
dsprites_rendered      the same factor grid re-rendered on the fly (:mod:`.dsprites_rendered`)
mnist                  TFDS ``mnist`` train split, padded or resized as the model needs
celeb_a                TFDS ``celeb_a`` train split, 140x140 centre crop resized to 64x64 RGB
=====================  ==========================================================================

The held-out images are fixed per seed: fresh balls frames; for the dSprites variants uniformly
drawn factor combinations (the grid is finite, so they are also seen in training, as in the
dSprites studies, which train on the whole grid); the test split of MNIST and CelebA.
"""

import numpy as np
import tensorflow as tf

from vae_tf.config import input_shape
from vae_tf.data import balls, pipeline, tfds_sources

HELD_OUT = 1024
# CelebA's aligned 218x178 faces: the central 140x140 square holds the face (as in DCGAN-style
# 64x64 CelebA set-ups), resized to 64x64.
CELEB_A_CROP = 140


def ground_truth_data(config, print_fn=print):
    """The :class:`~vae_tf.data.ground_truth.GroundTruthData` of ``config.dataset``, or None for
    data sets without ground-truth factors (mnist, celeb_a)."""
    if config.dataset == "balls":
        from vae_tf.data.ball_positions import BallPositions
        return BallPositions(config.num_balls, resolution=config.image_shape[0])
    if config.dataset == "dsprites_rendered":
        from vae_tf.data.dsprites_rendered import RenderedDSprites
        return RenderedDSprites()
    if config.dataset == "dsprites":
        from vae_tf.data.dsprites import DSprites
        return DSprites(config.data_dir or None, config.manual_dir or None, print_fn=print_fn)
    return None


def _celeb_a_crop(image):
    offset_h = (image.shape[0] - CELEB_A_CROP) // 2
    offset_w = (image.shape[1] - CELEB_A_CROP) // 2
    square = tf.image.crop_to_bounding_box(image, offset_h, offset_w, CELEB_A_CROP, CELEB_A_CROP)
    return tf.cast(tf.round(tf.image.resize(square, (64, 64), antialias=True)), tf.uint8)


def _tfds_images(config, split, print_fn):
    """uint8 images of a TFDS split, brought to the model's input shape."""
    images = tfds_sources.images(config.dataset, split, config.data_dir or None,
                                 config.manual_dir or None, print_fn=print_fn)
    if config.dataset == "celeb_a":
        images = images.map(_celeb_a_crop, num_parallel_calls=tf.data.AUTOTUNE)
    shape, fit = input_shape(config.dataset, config.model)
    return images.map(lambda x: pipeline.fit_images(x, shape, fit))


def training_data(config, seed, print_fn=print, ground_truth=None, start=0):
    """``(dataset, held_out)``: the infinite training ``tf.data.Dataset`` of float32 batches of
    ``config.batch_size``, seeded by ``seed`` (an int or a sequence of ints) and starting at
    batch ``start`` of that stream (a resumed run's step: it goes on exactly where it stopped),
    and ``HELD_OUT`` fixed float32 evaluation images as a numpy array. ``ground_truth``: the
    data set's :func:`ground_truth_data` if the caller has it already (dSprites loads once)."""
    rng = np.random.default_rng([config.seed, 1])
    if config.dataset == "balls":
        dataset = pipeline.balls_dataset(config.batch_size, config.num_balls, config.friction,
                                         config.batch_mode, seed=seed,
                                         resolution=config.image_shape[0], start=start)
        held_out, _ = balls.sample_iid(HELD_OUT, config.num_balls, rng, config.image_shape[0],
                                       config.friction)
        return dataset, held_out
    data = ground_truth if ground_truth is not None else ground_truth_data(config, print_fn)
    if data is not None:
        held_out = data.sample_observations(HELD_OUT, rng)
        return pipeline.ground_truth_dataset(data, config.batch_size, seed, start), held_out
    train = _tfds_images(config, "train", print_fn)
    test = _tfds_images(config, "test", print_fn).take(HELD_OUT).batch(HELD_OUT)
    held_out = next(iter(test)).numpy().astype(np.float32) / 255.0
    shuffle_seed = int(np.random.default_rng(seed).integers(2**31))
    return pipeline.image_dataset(train, config.batch_size, shuffle_seed, start=start), held_out
