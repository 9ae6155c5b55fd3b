"""``--dataset=image_folder``: your own PNG and JPEG images as a training set.

Every ``.png``, ``.jpg`` and ``.jpeg`` file under ``--image_dir`` (at any depth, in sorted path
order) becomes one ``--image_size`` square of ``--image_channels`` (1: greyscale, 3: colour):
``--image_fit=resize`` squeezes the whole image into the square, ``crop`` takes its central
square first (no distortion, the edges of the longer side lost). When every image lies in a
sub-folder, the name of its top sub-folder is its label (class names in natural order, so
folders ``0`` ... ``9`` are labels 0 ... 9); images directly in ``--image_dir`` make the set
unlabelled. A file that cannot be decoded is skipped, and the count is printed in the line
that reports the set.

A fixed share of the images (:data:`HELD_OUT_FRACTION`, at most ``HELD_OUT``), drawn with the
run's seed, is held out for evaluation and figures; the rest trains. :func:`scan` needs no
TensorFlow, so ``main.py`` refuses a missing or empty folder before TensorFlow loads.
"""

import dataclasses
import os

import numpy as np

from vae_tf.config import ConfigError

EXTENSIONS = (".png", ".jpg", ".jpeg")
# The share of a folder held out (fixed per seed), at most HELD_OUT images, at least one.
HELD_OUT_FRACTION = 0.1
HELD_OUT = 1024
# Images decoded per tf.data batch when the folder is read.
_READ_BATCH = 1024


@dataclasses.dataclass(frozen=True)
class Folder:
    """The image files under a folder: ``paths`` (sorted), ``labels`` (int64 indices into
    ``class_names``, or None when the folder is unlabelled) and ``class_names``."""

    paths: tuple
    labels: np.ndarray
    class_names: tuple


@dataclasses.dataclass(frozen=True)
class Images:
    """A folder read and split: uint8 ``train`` and ``held_out`` images ``[N, S, S, C]``, their
    labels (None when unlabelled), ``class_names`` and how many files were ``skipped``."""

    train: np.ndarray
    train_labels: np.ndarray
    held_out: np.ndarray
    held_out_labels: np.ndarray
    class_names: tuple
    skipped: int


def _natural(name):
    """Sort key: names of digits by their number (``2`` before ``10``), then the others."""
    return (0, int(name), name) if name.isdigit() else (1, 0, name)


def scan(image_dir):
    """The :class:`Folder` of the image files under ``image_dir``. Raises ConfigError naming
    ``--image_dir`` when it is missing, not a folder, or holds no PNG/JPEG file."""
    if not image_dir or not os.path.exists(image_dir):
        raise ConfigError("image_dir", f"{image_dir or repr(image_dir)} does not exist")
    if not os.path.isdir(image_dir):
        raise ConfigError("image_dir", f"{image_dir} is not a folder")
    paths = []
    for folder, subfolders, files in os.walk(image_dir):
        subfolders.sort()
        paths += [os.path.join(folder, name) for name in sorted(files)
                  if name.lower().endswith(EXTENSIONS)]
    if not paths:
        raise ConfigError("image_dir", f"{image_dir} holds no image (searched every sub-folder "
                          f"for {', '.join(EXTENSIONS)} files)")
    parts = [os.path.relpath(path, image_dir).split(os.sep) for path in paths]
    if not all(len(p) > 1 for p in parts):
        return Folder(tuple(paths), None, ())
    class_names = tuple(sorted({p[0] for p in parts}, key=_natural))
    index = {name: i for i, name in enumerate(class_names)}
    return Folder(tuple(paths), np.array([index[p[0]] for p in parts], np.int64), class_names)


def check(config):
    """Refuse, before TensorFlow loads, an image folder that cannot serve ``config``: missing,
    empty, or without the label ``--exclude_label`` names. Returns its :class:`Folder`."""
    folder = scan(config.image_dir)
    if config.exclude_label is not None:
        if folder.labels is None:
            raise ConfigError("exclude_label", f"{config.image_dir} has no labels (they come "
                              "from sub-folder names, and some images lie outside any)")
        if config.exclude_label >= len(folder.class_names):
            raise ConfigError("exclude_label", f"{config.image_dir} has labels 0-"
                              f"{len(folder.class_names) - 1} ({describe_classes(folder)}), "
                              f"not {config.exclude_label}")
    return folder


def describe_classes(folder_or_images):
    """``10 classes: 0, 1, ..., 9`` (the first and last names when there are many)."""
    names = folder_or_images.class_names
    shown = names if len(names) <= 6 else (*names[:3], "...", *names[-2:])
    return f"{len(names)} classes: {', '.join(shown)}"


def decode(paths, labels, shape, fit):
    """``(images, labels, skipped)``: the files read through tf.data as uint8 ``shape``
    images, the labels of those read, and how many could not be decoded (left out)."""
    import tensorflow as tf

    size, channels = shape[0], shape[2]

    def read(path, label):
        image = tf.io.decode_image(tf.io.read_file(path), channels=channels,
                                   expand_animations=False)
        if fit == "crop":
            height, width = tf.shape(image)[0], tf.shape(image)[1]
            side = tf.minimum(height, width)
            image = tf.image.crop_to_bounding_box(image, (height - side) // 2,
                                                  (width - side) // 2, side, side)
        image = tf.image.resize(image, (size, size), antialias=True)
        return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8), label

    dataset = (tf.data.Dataset.from_tensor_slices((list(paths), labels))
               .map(read, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
               .ignore_errors(log_warning=False).batch(_READ_BATCH))
    read_images, read_labels = [], []
    for images, batch_labels in dataset:
        read_images.append(images.numpy())
        read_labels.append(batch_labels.numpy())
    if not read_images:
        return np.zeros((0,) + tuple(shape), np.uint8), np.zeros(0, np.int64), len(paths)
    images = np.concatenate(read_images)
    return images, np.concatenate(read_labels), len(paths) - len(images)


def load(config, print_fn=print):
    """The :class:`Images` of ``config.image_dir`` at the model's input shape, split into
    training and held-out images by ``config.seed`` (training without ``--exclude_label``'s
    class). Prints one line: the images, classes and skipped files. Raises ConfigError when
    fewer than two images can be read."""
    folder = check(config)
    labels = folder.labels if folder.labels is not None else np.full(len(folder.paths), -1)
    images, labels, skipped = decode(folder.paths, labels, config.image_shape, config.image_fit)
    if len(images) < 2:
        raise ConfigError("image_dir", f"{config.image_dir}: {len(images)} of "
                          f"{len(folder.paths)} image files could be read; at least 2 are "
                          "needed (one to train on, one held out)")
    order = np.random.default_rng([config.seed, 3]).permutation(len(images))
    count = min(HELD_OUT, max(1, int(round(len(images) * HELD_OUT_FRACTION))))
    held, train = order[:count], order[count:]
    if config.exclude_label is not None:
        train = train[labels[train] != config.exclude_label]
    shape = "x".join(map(str, config.image_shape))
    classes = f" in {describe_classes(folder)}" if folder.class_names else ", unlabelled"
    excluded = (f", label {config.exclude_label} ({folder.class_names[config.exclude_label]}) "
                f"left out of training" if config.exclude_label is not None else "")
    unreadable = f"; {skipped} unreadable file{'s' * (skipped != 1)} skipped" if skipped else ""
    print_fn(f"image_folder: {len(images)} images{classes} from {config.image_dir} as {shape} "
             f"({config.image_fit}): {len(train)} train, {count} held out{excluded}{unreadable}")
    labelled = folder.labels is not None
    return Images(images[train], labels[train] if labelled else None, images[held],
                  labels[held] if labelled else None, folder.class_names, skipped)
