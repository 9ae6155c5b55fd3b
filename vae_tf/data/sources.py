"""One entry point from a run's settings to its data: the training stream and held-out images.

=====================  ==========================================================================
``--dataset``          training stream
=====================  ==========================================================================
balls                  the bouncing-balls generator (:mod:`vae_tf.data.balls`), 32x32
dsprites               the original dSprites through TFDS, in memory, factors drawn uniformly
dsprites_rendered      the same factor grid re-rendered on the fly (:mod:`.dsprites_rendered`)
mnist                  TFDS ``mnist`` train split, padded or resized as the model needs
celeb_a                TFDS ``celeb_a`` train split, 140x140 centre crop resized to 64x64 RGB
shapes3d, smallnorb    TFDS ``shapes3d`` / ``smallnorb`` in memory (:mod:`.tfds_grid`), factors
                       drawn uniformly; smallnorb resized to 64x64, its instance drawn at random
image_folder           your PNG/JPEG files (:mod:`.image_folder`), resized or cropped
=====================  ==========================================================================

The held-out images are fixed per seed: fresh balls frames; for the dSprites variants uniformly
drawn factor combinations (the grid is finite, so they are also seen in training, as in the
dSprites studies, which train on the whole grid); the test split of MNIST and CelebA; a share of
an image folder. :func:`held_out_data` also gives what colours them in the latent maps: their
labels (mnist, image_folder) or a ground-truth factor (balls, dSprites).
"""

import dataclasses

import numpy as np
import tensorflow as tf

from vae_tf.config import input_shape
from vae_tf.data import balls, image_folder, pipeline, tfds_sources

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
    from vae_tf.data.tfds_grid import grid_class
    grid = grid_class(config.dataset)  # dsprites, shapes3d, smallnorb
    if grid is not None:
        return grid(config.data_dir or None, config.manual_dir or None, print_fn=print_fn)
    return None


@dataclasses.dataclass(frozen=True)
class Colours:
    """What tells held-out images apart in the latent maps: ``values`` ``[N]`` (labels, or a
    ground-truth factor), their ``name`` with units (a colour bar's label) and, for labels, the
    ``class_names`` (empty for a continuous factor)."""

    values: np.ndarray
    name: str
    class_names: tuple = ()


def _factor_colours(data, factors):
    """The x position among ``data``'s factors (dSprites: ``x_position``; else the first); the
    colour bar says which end is left only for a horizontal position."""
    names = list(data.factor_names)
    index = names.index("x_position") if "x_position" in names else 0
    horizontal = names[index] == "x_position" or names[index].endswith("_x")
    return Colours(factors[:, index], f"{names[index].replace('_', ' ')} (bin, 0-"
                   f"{data.factors_num_values[index] - 1}{', 0 = left' if horizontal else ''})")


def held_out_data(config, print_fn=print, ground_truth=None):
    """``(images, colours)``: the ``HELD_OUT`` fixed float32 held-out images of ``config`` (as
    :func:`training_data` returns them) and their :class:`Colours` (None where there is
    nothing to colour by)."""
    rng = np.random.default_rng([config.seed, 1])
    if config.dataset == "image_folder":
        images = image_folder.load(config, print_fn)
        return _folder_held_out(images)
    if config.dataset == "balls":
        held_out, positions = balls.sample_iid(HELD_OUT, config.num_balls, rng,
                                               config.image_shape[0], config.friction)
        return held_out, Colours(positions[:, 0, 0], f"ball 1 column (box units, 0-{balls.BOX:g})")
    data = ground_truth if ground_truth is not None else ground_truth_data(config, print_fn)
    if data is not None:
        factors, held_out = data.sample(HELD_OUT, rng)
        return held_out, _factor_colours(data, factors)
    examples = _tfds_examples(config, "test", print_fn).take(HELD_OUT).batch(HELD_OUT)
    images, labels = next(iter(examples))
    held_out = images.numpy().astype(np.float32) / 255.0
    if config.dataset != "mnist":
        return held_out, None
    return held_out, Colours(labels.numpy(), "label", tuple(str(i) for i in range(10)))


def _folder_held_out(images):
    held_out = images.held_out.astype(np.float32) / 255.0
    if images.held_out_labels is None:
        return held_out, None
    return held_out, Colours(images.held_out_labels, "label", images.class_names)


def _celeb_a_crop(image):
    offset_h = (image.shape[0] - CELEB_A_CROP) // 2
    offset_w = (image.shape[1] - CELEB_A_CROP) // 2
    square = tf.image.crop_to_bounding_box(image, offset_h, offset_w, CELEB_A_CROP, CELEB_A_CROP)
    return tf.cast(tf.round(tf.image.resize(square, (64, 64), antialias=True)), tf.uint8)


def _tfds_examples(config, split, print_fn):
    """``(image, label)`` pairs of a TFDS split, the uint8 images brought to the model's input
    shape (label None for data sets without labels); the training split leaves out
    ``--exclude_label``."""
    examples = tfds_sources.load_split(config.dataset, split, config.data_dir or None,
                                       config.manual_dir or None, print_fn=print_fn)
    if split == "train" and config.exclude_label is not None:
        examples = examples.filter(lambda x: x["label"] != config.exclude_label)
    shape, fit = input_shape(config.dataset, config.model)

    def image_and_label(example):
        image = example["image"]
        if config.dataset == "celeb_a":
            image = _celeb_a_crop(image)
        label = example["label"] if "label" in example else tf.constant(-1, tf.int64)
        return pipeline.fit_images(image, shape, fit), label

    return examples.map(image_and_label, num_parallel_calls=tf.data.AUTOTUNE)


def training_data(config, seed, print_fn=print, ground_truth=None, start=0):
    """``(dataset, held_out)``: the infinite training ``tf.data.Dataset`` of float32 batches of
    ``config.batch_size``, seeded by ``seed`` (an int or a sequence of ints) and starting at
    batch ``start`` of that stream (a resumed run's step: it goes on exactly where it stopped),
    and ``HELD_OUT`` fixed float32 evaluation images as a numpy array. ``ground_truth``: the
    data set's :func:`ground_truth_data` if the caller has it already (dSprites loads once)."""
    shuffle_seed = int(np.random.default_rng(seed).integers(2**31))
    if config.dataset == "image_folder":
        images = image_folder.load(config, print_fn)
        train = tf.data.Dataset.from_tensor_slices(images.train)
        return (pipeline.image_dataset(train, config.batch_size, shuffle_seed, start=start),
                _folder_held_out(images)[0])
    if config.dataset == "balls":
        dataset = pipeline.balls_dataset(config.batch_size, config.num_balls, config.friction,
                                         config.batch_mode, seed=seed,
                                         resolution=config.image_shape[0], start=start)
        return dataset, held_out_data(config, print_fn)[0]
    data = ground_truth if ground_truth is not None else ground_truth_data(config, print_fn)
    held_out = held_out_data(config, print_fn, data)[0]
    if data is not None:
        return pipeline.ground_truth_dataset(data, config.batch_size, seed, start), held_out
    train = _tfds_examples(config, "train", print_fn).map(lambda image, label: image)
    return pipeline.image_dataset(train, config.batch_size, shuffle_seed, start=start), held_out
