"""A factor-indexed table of posterior parameters: each distinct observation encoded once.

On balls and dSprites an observation is a deterministic function of its discrete factors, and the
scored representation is a function of the posterior ``(mean, logvar)`` of that observation. The
metrics draw 10^4–10^6 factor rows (BetaVAE alone 1.92 M images), yet these fall on at most
``prod(factors_num_values)`` distinct images (1,024 for one ball). :func:`tabulate` swaps the data
set for one whose "observations" are factorial indices and the encoder for a lookup in a
:class:`CodeTable` that renders and encodes each index the first time it is asked for, in large
batches. The metrics run unchanged and draw the same random numbers in the same order, so their
scores are those of encoding every draw (up to the encoder's own batch-size dependence, see
:class:`CodeTable`).
"""

import math
import time

import numpy as np

from vae_tf.data.ground_truth import GroundTruthData

# The table is one dense array when it holds at most this many bytes, else a dictionary that
# grows with the distinct indices drawn.
MAX_DENSE_BYTES = 2**30
# Images rendered and encoded per call while filling the table.
FILL_BATCH = 4096
# Seconds between progress lines while the table fills.
PROGRESS_SECONDS = 10.0


class CodeTable:
    """``indices [N] -> (mean [N, d], logvar [N, d])``, each index encoded once.

    ``posterior(images) -> (mean, logvar)`` is the encoder. Missing indices are rendered with
    ``ground_truth_data.sample_observations_from_factors`` and encoded ``FILL_BATCH`` at a time
    (the encoder then sees large batches: on the CPU, oneDNN's dense layers can round a row
    differently in a batch of 16 than in one of 1024, by about 1e-5). ``print_fn`` gets a
    progress line at most every ``PROGRESS_SECONDS`` while a fill runs.
    """

    def __init__(self, ground_truth_data, posterior, print_fn=None,
                 max_dense_bytes=MAX_DENSE_BYTES, fill_batch=FILL_BATCH):
        self.data = ground_truth_data
        self.posterior = posterior
        self.print_fn = print_fn
        self.max_dense_bytes = max_dense_bytes
        self.fill_batch = fill_batch
        self.size = math.prod(ground_truth_data.factors_num_values)
        self.num_encoded = 0
        self.seconds = 0.0
        self._values = None  # [rows, 2, d]: (mean, logvar) per row, in the encoder's dtype
        self._row_of = None  # dense: [size] int64 row or -1; sparse: dict index -> row

    @property
    def dense(self):
        return isinstance(self._row_of, np.ndarray)

    def _allocate(self, dim, dtype):
        if self.size * 2 * dim * dtype.itemsize <= self.max_dense_bytes:
            self._row_of = np.full(self.size, -1, np.int64)
            self._values = np.empty((self.size, 2, dim), dtype)
        else:
            self._row_of = {}
            self._values = np.empty((0, 2, dim), dtype)

    def _rows(self, unique):
        """Rows of the sorted distinct ``unique`` indices (-1 where not encoded yet)."""
        if self._row_of is None:
            return np.full(len(unique), -1, np.int64)
        if self.dense:
            return self._row_of[unique]
        return np.fromiter((self._row_of.get(i, -1) for i in unique.tolist()), np.int64,
                           len(unique))

    def _store(self, indices, values):
        if self._row_of is None:
            self._allocate(values.shape[-1], values.dtype)
        if self.dense:
            self._values[indices] = values
            self._row_of[indices] = indices
            return
        start = len(self._row_of)
        if start + len(indices) > len(self._values):  # grow geometrically: amortised O(1)
            grown = np.empty((max(2 * len(self._values), start + len(indices)),)
                             + self._values.shape[1:], self._values.dtype)
            grown[:start] = self._values[:start]
            self._values = grown
        self._values[start:start + len(indices)] = values
        self._row_of.update(zip(indices.tolist(), range(start, start + len(indices))))

    def _fill(self, missing):
        start = last_report = time.perf_counter()
        for begin in range(0, len(missing), self.fill_batch):
            chunk = missing[begin:begin + self.fill_batch]
            factors = np.stack(np.unravel_index(chunk, self.data.factors_num_values), axis=1)
            images = self.data.sample_observations_from_factors(factors, None)
            mean, logvar = self.posterior(images)
            self._store(chunk, np.stack([mean, logvar], axis=1))
            self.num_encoded += len(chunk)
            now = time.perf_counter()
            if self.print_fn and now - last_report >= PROGRESS_SECONDS:
                self.print_fn(f"    encoded {self.num_encoded:,} of {self.size:,} distinct "
                              f"observations ({now - start:.0f} s)")
                last_report = now
        self.seconds += time.perf_counter() - start

    def __call__(self, indices):
        indices = np.asarray(indices, np.int64).ravel()
        unique, inverse = np.unique(indices, return_inverse=True)
        rows = self._rows(unique)
        if (rows < 0).any():
            self._fill(unique[rows < 0])
            rows = self._rows(unique)
        values = self._values[rows[inverse.ravel()]]
        return values[:, 0], values[:, 1]


class FactorIndices(GroundTruthData):
    """``ground_truth_data`` whose observations are the factorial indices of the factors.

    Factors are drawn by the wrapped data set (so an incomplete dSprites file still draws only
    the combinations it has) and the random state is consumed exactly as by it, which requires
    that its rendering draws no random numbers (``deterministic``).
    """

    deterministic = True

    def __init__(self, ground_truth_data):
        if not getattr(ground_truth_data, "deterministic", False):
            raise ValueError(f"{type(ground_truth_data).__name__} does not render its factors "
                             "deterministically: its codes cannot be tabulated")
        self.data = ground_truth_data
        self.factor_names = ground_truth_data.factor_names
        self.factors_num_values = ground_truth_data.factors_num_values
        self.observation_shape = ()

    def sample_factors(self, num, random_state):
        return self.data.sample_factors(num, random_state)

    def sample_observations_from_factors(self, factors, random_state):
        return self.data.index(factors)


def tabulate(ground_truth_data, posterior, print_fn=None):
    """``(FactorIndices(ground_truth_data), CodeTable(...))``: the data set and the posterior
    function to hand the metrics instead of ``ground_truth_data`` and ``posterior``."""
    return (FactorIndices(ground_truth_data),
            CodeTable(ground_truth_data, posterior, print_fn=print_fn))
