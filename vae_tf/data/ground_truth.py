"""The ground-truth-factor interface that disentanglement metrics are written against.

It is the interface of disentanglement_lib (Locatello et al. 2019, ``GroundTruthData``): a data
set is a product of ``num_factors`` discrete factors, factor ``i`` taking the values
``0 .. factors_num_values[i] - 1``; one can sample factors uniformly and get observations
(images) for any given factors. Metrics only ever call these methods, so they run unchanged on
balls, dSprites and the re-rendered dSprites.

``random_state`` is a ``numpy.random.RandomState`` (as in disentanglement_lib) or a
``numpy.random.Generator``.
"""

import numpy as np


def randint(random_state, high, size):
    """Integers uniform on ``[0, high)`` from either kind of numpy random state."""
    if hasattr(random_state, "integers"):
        return random_state.integers(0, high, size=size)
    return random_state.randint(0, high, size=size)


class GroundTruthData:
    """Base class: subclasses set ``factor_names``, ``factors_num_values``,
    ``observation_shape`` and implement :meth:`sample_observations_from_factors`."""

    factor_names = ()
    factors_num_values = ()
    observation_shape = ()
    # True when an observation is a function of its factors alone (no random numbers drawn):
    # metrics may then encode each factor combination once (vae_tf.metrics.code_table).
    deterministic = False

    @property
    def num_factors(self):
        return len(self.factors_num_values)

    def sample_factors(self, num, random_state):
        """``[num, num_factors]`` int64 factor indices, each factor uniform and independent."""
        columns = [randint(random_state, n, num) for n in self.factors_num_values]
        return np.stack(columns, axis=1).astype(np.int64)

    def sample_observations_from_factors(self, factors, random_state):
        """float32 images ``[num] + observation_shape`` in [0, 1] showing ``factors``."""
        raise NotImplementedError

    def sample(self, num, random_state):
        """``(factors, observations)`` for ``num`` uniformly sampled factor combinations."""
        factors = self.sample_factors(num, random_state)
        return factors, self.sample_observations_from_factors(factors, random_state)

    def sample_observations(self, num, random_state):
        return self.sample(num, random_state)[1]

    def check_factors(self, factors):
        """``factors`` as an int64 ``[num, num_factors]`` array; ValueError if out of range."""
        factors = np.asarray(factors)
        if factors.ndim != 2 or factors.shape[1] != self.num_factors:
            raise ValueError(f"factors must have shape [num, {self.num_factors}], "
                             f"got {factors.shape}")
        if (factors < 0).any() or (factors >= np.asarray(self.factors_num_values)).any():
            raise ValueError(f"factor indices must lie in [0, n) for n in "
                             f"{tuple(self.factors_num_values)}")
        return factors.astype(np.int64)

    def index(self, factors):
        """Position of each factor combination in the factorial order (last factor fastest)."""
        factors = self.check_factors(factors)
        return np.ravel_multi_index(tuple(factors.T), tuple(self.factors_num_values))
