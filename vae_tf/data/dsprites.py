"""The original dSprites (Matthey et al. 2017) through TFDS, held in memory as ground-truth data.

TFDS ``dsprites`` 2.0.0 stores the 737,280 images of the factor grid shape 3 x scale 6 x
orientation 40 x x 32 x y 32 (colour is constant) with their ``label_*`` classes, in an order of
its own. :class:`DSprites` reads the ``train`` split once and puts every image at the factorial
index of its labels (last factor fastest, as in the original ``.npz``), as uint8 0/1 (3 GB for the
full grid; float32 would take 12 GB), and hands out float32 0/1 images per request.

A prepared data set that covers only part of the grid (a test file, say) is kept as it is:
factors are then drawn only from the combinations present, and asking for a missing one is a
ValueError.
"""

import time

import numpy as np

from vae_tf.data import tfds_sources
from vae_tf.data.ground_truth import GroundTruthData, randint

LABELS = ("label_shape", "label_scale", "label_orientation", "label_x_position",
          "label_y_position")
READ_BATCH = 4096
PROGRESS_SECONDS = 10.0


class DSprites(GroundTruthData):
    """dSprites from TFDS; factors shape, scale, orientation, x_position, y_position."""

    factor_names = ("shape", "scale", "orientation", "x_position", "y_position")
    factors_num_values = (3, 6, 40, 32, 32)
    observation_shape = (64, 64, 1)
    deterministic = True

    def __init__(self, data_dir=None, manual_dir=None, print_fn=print):
        import tensorflow as tf
        dataset = tfds_sources.load_split("dsprites", "train", data_dir, manual_dir,
                                          print_fn=print_fn)
        total = int(dataset.cardinality())
        grid = int(np.prod(self.factors_num_values))
        dataset = dataset.map(
            lambda ex: (ex["image"], tf.stack([tf.cast(ex[k], tf.int64) for k in LABELS])),
            num_parallel_calls=tf.data.AUTOTUNE)
        dataset = dataset.batch(READ_BATCH).prefetch(2)
        direct = total == grid  # the full grid: write each image straight to its place
        if direct:
            store = np.empty((grid,) + self.observation_shape, np.uint8)
            written = np.zeros(grid, bool)
        else:
            chunks, indices = [], []
        start = last = time.time()
        count = 0
        shown = "?" if total < 0 else f"{total:,}"
        for images, labels in dataset.as_numpy_iterator():
            index = self.index(labels)
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
                print_fn(f"dsprites: {count:,}/{shown} images loaded "
                         f"({count / (now - start):,.0f} images/s)")
        if direct:
            present = np.flatnonzero(written)
            if len(present) < grid:
                store = store[present]
        else:
            index = np.concatenate(indices) if indices else np.zeros(0, np.int64)
            present, first = np.unique(index, return_index=True)
            store = (np.concatenate(chunks)[first] if chunks
                     else np.zeros((0,) + self.observation_shape, np.uint8))
        seconds = time.time() - start
        print_fn(f"dsprites: {count:,} images loaded in {seconds:.1f} s "
                 f"({count / max(seconds, 1e-9):,.0f} images/s); {len(present):,} of {grid:,} "
                 f"factor combinations present")
        if not len(present):
            raise ValueError("the prepared dsprites data set holds no images")
        self._images = store
        self._present = present.astype(np.int64)
        self._complete = len(present) == grid
        self._position = np.full(grid, -1, np.int64)
        self._position[self._present] = np.arange(len(self._present))

    @property
    def num_present(self):
        """How many factor combinations have an image (737,280 for the full data set)."""
        return len(self._present)

    @property
    def present_indices(self):
        """Sorted factorial indices of the combinations that have an image."""
        return self._present.copy()

    @property
    def images(self):
        """The uint8 0/1 images of the present combinations, in factorial order (a view)."""
        return self._images

    def sample_factors(self, num, random_state):
        if self._complete:
            return super().sample_factors(num, random_state)
        chosen = self._present[randint(random_state, len(self._present), num)]
        factors = np.unravel_index(chosen, self.factors_num_values)
        return np.stack(factors, axis=1).astype(np.int64)

    def sample_observations_from_factors(self, factors, random_state):
        positions = self._position[self.index(factors)]
        missing = positions < 0
        if missing.any():
            first = np.asarray(factors)[np.argmax(missing)]
            raise ValueError(f"dsprites has no image for factors {tuple(int(v) for v in first)} "
                             f"({dict(zip(self.factor_names, self.factors_num_values))} values; "
                             f"only {len(self._present):,} combinations are present)")
        return self._images[positions].astype(np.float32)
