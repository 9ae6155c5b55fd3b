"""Ground-truth data over a TFDS data set whose images cover a grid of discrete factors.

dSprites, 3D Shapes and smallNORB each store one image per combination of their ``label_*``
classes, in an order of TFDS's own. :class:`TfdsGrid` reads the split once, puts every image at
the factorial index of its labels (last factor fastest) as uint8, and hands out float32 images in
[0, 1] per request (divided by :attr:`TfdsGrid.pixel_scale`: dSprites is stored as 0/1 already).

A grid axis may be *hidden* rather than a factor (smallNORB's instance, as in disentanglement_lib):
the factors then name a set of images, and each observation is one of them drawn at random.

A prepared data set that covers only part of the grid (a test file, say) is kept as it is:
factors are then drawn only from the combinations present, and asking for a missing one is a
ValueError.

=============  =======================  ==============================================  =========
``--dataset``  TFDS split               factors (values)                                image
=============  =======================  ==============================================  =========
dsprites       train (737,280)          shape 3, scale 6, orientation 40, x 32, y 32    64x64x1
shapes3d       train (480,000)          floor, wall and object hue 10 each, scale 8,    64x64x3
                                        shape 4, orientation 15
smallnorb      train + test (48,600)    category 5, elevation 9, azimuth 18,            96x96x1
                                        lighting 6 (instance 10 hidden)                 -> 64x64
=============  =======================  ==============================================  =========
"""

import time

import numpy as np

from vae_tf.data import tfds_sources
from vae_tf.data.ground_truth import GroundTruthData, randint

READ_BATCH = 4096
PROGRESS_SECONDS = 10.0


class TfdsGrid(GroundTruthData):
    """Base class: subclasses set the TFDS ``name``, the ``labels`` (TFDS features, one per grid
    axis in factorial order) and the :class:`GroundTruthData` attributes."""

    name = None
    split = "train"
    labels = ()
    grid_num_values = None  # sizes of the stored grid; None: factors_num_values
    hidden = ()             # grid axes that are not factors (drawn per observation)
    resize = None           # side the images are resized to while reading (None: as stored)
    pixel_scale = 1.0       # a stored pixel divided by this is in [0, 1]

    @property
    def grid_sizes(self):
        return tuple(self.grid_num_values or self.factors_num_values)

    def __init__(self, data_dir=None, manual_dir=None, print_fn=print):
        import tensorflow as tf
        dataset = tfds_sources.load_split(self.name, self.split, data_dir, manual_dir,
                                          print_fn=print_fn)
        total = int(dataset.cardinality())
        sizes = self.grid_sizes
        grid = int(np.prod(sizes))
        dataset = dataset.map(
            lambda ex: (ex["image"], tf.stack([tf.cast(ex[k], tf.int64) for k in self.labels])),
            num_parallel_calls=tf.data.AUTOTUNE).batch(READ_BATCH)
        if self.resize:
            dataset = dataset.map(lambda images, labels: (_resized(images, self.resize), labels),
                                  num_parallel_calls=tf.data.AUTOTUNE)
        dataset = dataset.prefetch(2)
        direct = total == grid  # the full grid: write each image straight to its place
        if direct:
            store = np.empty((grid,) + tuple(self.observation_shape), np.uint8)
            written = np.zeros(grid, bool)
        else:
            chunks, indices = [], []
        start = last = time.time()
        count = 0
        shown = "?" if total < 0 else f"{total:,}"
        for images, labels in dataset.as_numpy_iterator():
            index = self._grid_index(labels)
            if direct:
                store[index] = images
                written[index] = True
            else:
                chunks.append(images)
                indices.append(index)
            count += len(images)
            now = time.time()
            if now - last >= PROGRESS_SECONDS:
                last = now
                print_fn(f"{self.name}: {count:,}/{shown} images loaded "
                         f"({count / (now - start):,.0f} images/s)")
        if direct:
            present = np.flatnonzero(written)
            if len(present) < grid:
                store = store[present]
        else:
            index = np.concatenate(indices) if indices else np.zeros(0, np.int64)
            present, first = np.unique(index, return_index=True)
            store = (np.concatenate(chunks)[first] if chunks
                     else np.zeros((0,) + tuple(self.observation_shape), np.uint8))
        seconds = time.time() - start
        print_fn(f"{self.name}: {count:,} images loaded in {seconds:.1f} s "
                 f"({count / max(seconds, 1e-9):,.0f} images/s); {len(present):,} of {grid:,} "
                 f"factor combinations present")
        if not len(present):
            raise ValueError(f"the prepared {self.name} data set holds no images")
        self._images = store
        self._present = present.astype(np.int64)
        self._complete = len(present) == grid
        self._index_present()

    def _grid_index(self, labels):
        """Factorial index in the stored grid of ``labels`` ``[N, len(grid_sizes)]``."""
        labels = np.asarray(labels)
        bad = (labels < 0) | (labels >= np.asarray(self.grid_sizes))
        if bad.any():
            row = labels[np.argmax(bad.any(axis=1))]
            raise ValueError(f"{self.name}: labels {tuple(int(v) for v in row)} of "
                             f"{', '.join(self.labels)} outside the grid {self.grid_sizes}")
        return np.ravel_multi_index(tuple(labels.T), self.grid_sizes)

    def _index_present(self):
        """For each factor combination, the rows of the store that show it (one per value of
        the hidden axes present), sorted by the combination's factorial index."""
        exposed = [axis for axis in range(len(self.grid_sizes)) if axis not in self.hidden]
        if self.hidden:
            grid_factors = np.unravel_index(self._present, self.grid_sizes)
            combination = np.ravel_multi_index(tuple(grid_factors[a] for a in exposed),
                                               self.factors_num_values)
        else:
            combination = self._present
        self._rows = np.argsort(combination, kind="stable")
        self._combination = combination[self._rows]
        self._combinations_present = np.unique(self._combination)

    @property
    def num_present(self):
        """How many combinations of the stored grid have an image (737,280 for dSprites)."""
        return len(self._present)

    @property
    def present_indices(self):
        """Sorted indices in the stored grid of the combinations that have an image."""
        return self._present.copy()

    @property
    def images(self):
        """The uint8 images of the present grid combinations, in factorial order (a view)."""
        return self._images

    def sample_factors(self, num, random_state):
        if len(self._combinations_present) == np.prod(self.factors_num_values):
            return super().sample_factors(num, random_state)
        chosen = self._combinations_present[randint(random_state,
                                                    len(self._combinations_present), num)]
        factors = np.unravel_index(chosen, self.factors_num_values)
        return np.stack(factors, axis=1).astype(np.int64)

    def sample_observations_from_factors(self, factors, random_state):
        wanted = self.index(factors)
        first = np.searchsorted(self._combination, wanted, side="left")
        count = np.searchsorted(self._combination, wanted, side="right") - first
        if (count == 0).any():
            missing = np.asarray(factors)[np.argmax(count == 0)]
            raise ValueError(f"{self.name} has no image for factors "
                             f"{tuple(int(v) for v in missing)} "
                             f"({dict(zip(self.factor_names, self.factors_num_values))} values; "
                             f"only {len(self._present):,} combinations are present)")
        if self.hidden and len(count):
            first = first + randint(random_state, count, len(count))
        observations = self._images[self._rows[first]].astype(np.float32)
        if self.pixel_scale != 1:
            observations /= np.float32(self.pixel_scale)
        return observations


def _resized(images, side):
    """uint8 ``[N, H, W, C]`` images resized to ``side`` x ``side`` (Lanczos with antialiasing,
    as disentanglement_lib's PIL resize of smallNORB), rounded back to uint8."""
    import tensorflow as tf
    resized = tf.image.resize(images, (side, side), method="lanczos3", antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(resized), 0, 255), tf.uint8)


class Shapes3D(TfdsGrid):
    """3D Shapes (Burgess & Kim 2018) from TFDS ``shapes3d``: all six factors, 64x64 RGB."""

    name = "shapes3d"
    labels = ("label_floor_hue", "label_wall_hue", "label_object_hue", "label_scale",
              "label_shape", "label_orientation")
    factor_names = ("floor_hue", "wall_hue", "object_hue", "scale", "shape", "orientation")
    factors_num_values = (10, 10, 10, 8, 4, 15)
    observation_shape = (64, 64, 3)
    pixel_scale = 255.0
    deterministic = True


class SmallNORB(TfdsGrid):
    """smallNORB (LeCun et al. 2004) from TFDS ``smallnorb``, as disentanglement_lib uses it: the
    train and test splits together (all 10 instances of each category), the first camera's
    ``image`` resized from 96x96 to 64x64, factors category, elevation, azimuth and lighting; the
    instance is not a factor, each observation shows a random one."""

    name = "smallnorb"
    split = "train+test"
    labels = ("label_category", "instance", "label_elevation", "label_azimuth",
              "label_lighting")
    grid_num_values = (5, 10, 9, 18, 6)
    hidden = (1,)
    factor_names = ("category", "elevation", "azimuth", "lighting")
    factors_num_values = (5, 9, 18, 6)
    observation_shape = (64, 64, 1)
    resize = 64
    pixel_scale = 255.0
    deterministic = False


def grid_class(dataset):
    """The :class:`TfdsGrid` of ``--dataset`` (dsprites, shapes3d, smallnorb), else None."""
    from vae_tf.data.dsprites import DSprites
    return {"dsprites": DSprites, "shapes3d": Shapes3D, "smallnorb": SmallNORB}.get(dataset)
