"""Codes of sampled observations, and the discrete information quantities the metrics share.

The conventions are disentanglement_lib's (Locatello et al. 2019, "Challenging common
assumptions in the unsupervised learning of disentangled representations", app. C): factors are
sampled independently and uniformly, codes are computed in batches, and mutual information is
the plug-in estimate on 20 equal-width bins per code dimension, in nats. Arrays are points-first:
codes ``[N, d]`` and factors ``[N, K]`` (disentanglement_lib stores them transposed).
"""

import numpy as np

# Most images a metric hands the representation function at once when it groups several
# batches into one call (BetaVAE pairs, FactorVAE votes, the FactorVAE variance estimate).
IMAGES_PER_CALL = 1024


def as_codes(codes, num_points):
    """The output of a representation function as a float64 ``[num_points, d]`` array."""
    return np.asarray(codes, np.float64).reshape(num_points, -1)


def sampled_codes(mean, logvar, rng):
    """One draw ``mean + σ ε`` from each Gaussian posterior (``σ = exp(logvar / 2)``, ``ε``
    from the numpy Generator ``rng``), float64 ``[N, d]``: the ``sampled`` representation."""
    mean, logvar = np.asarray(mean, np.float64), np.asarray(logvar, np.float64)
    return mean + np.exp(0.5 * logvar) * rng.standard_normal(mean.shape)


def encode(representation_function, observations, batch_size=IMAGES_PER_CALL):
    """Codes ``[N, d]`` (float64) of ``observations``, at most ``batch_size`` per call."""
    codes = []
    for start in range(0, len(observations), batch_size):
        batch = observations[start:start + batch_size]
        codes.append(as_codes(representation_function(batch), len(batch)))
    return np.concatenate(codes)


def sample_codes(ground_truth_data, representation_function, num_points, random_state,
                 batch_size=16):
    """``(codes [N, d] float64, factors [N, K] int64)`` of ``num_points`` uniform samples.

    Factors and observations are drawn ``batch_size`` at a time and each batch is encoded in one
    call, so ``random_state`` is consumed in the same order as disentanglement_lib's
    ``generate_batch_factor_code``.
    """
    codes, factors = [], []
    for start in range(0, num_points, batch_size):
        batch_factors, observations = ground_truth_data.sample(
            min(batch_size, num_points - start), random_state)
        factors.append(np.asarray(batch_factors, np.int64))
        codes.append(as_codes(representation_function(observations), len(batch_factors)))
    return np.concatenate(codes), np.concatenate(factors)


def discretize(codes, num_bins=20):
    """Bin indices, int64 ``[N, d]``, of each dimension of ``codes`` ``[N, d]`` in ``num_bins``
    equal-width bins.

    Bins span each dimension's own min..max and are numbered ``0 .. num_bins - 1`` (the
    reference's ``np.digitize`` numbering minus one); a value on an inner edge goes to the upper
    bin, the maximum to the last bin. A constant dimension is all bin 0.
    """
    codes = np.asarray(codes, np.float64)
    bins = np.zeros(codes.shape, np.int64)
    for j, column in enumerate(codes.T):
        low, high = column.min(), column.max()
        if high > low:
            inner_edges = np.linspace(low, high, num_bins + 1)[1:-1]
            bins[:, j] = np.searchsorted(inner_edges, column, side="right")
    return bins


def _labels(values):
    """``values`` ``[N]`` relabelled ``0 .. n - 1`` (n distinct values)."""
    return np.unique(np.asarray(values), return_inverse=True)[1].ravel()


def _sum_sorted(terms):
    """Sum in ascending order: the result depends only on the multiset of terms, so quantities
    below are exactly invariant to relabelling values (e.g. a code's sign)."""
    return float(np.sort(terms).sum())


def mutual_info(a, b):
    """Plug-in ``I(a; b)`` in nats of two discrete vectors ``[N]`` (as
    ``sklearn.metrics.mutual_info_score``): ``Σ p(a,b) log(p(a,b) / (p(a) p(b)))``, at least 0."""
    a, b = _labels(a), _labels(b)
    n, num_b = a.size, b.max() + 1
    pairs, joint = np.unique(a * num_b + b, return_counts=True)
    value_a, value_b = np.divmod(pairs, num_b)
    count_a, count_b = np.bincount(a), np.bincount(b)
    terms = joint / n * np.log(joint * float(n) / (count_a[value_a] * count_b[value_b]))
    return max(0.0, _sum_sorted(terms))


def entropy(values):
    """Plug-in entropy ``H = -Σ p log p`` in nats of a discrete vector ``[N]``."""
    counts = np.bincount(_labels(values))
    return max(0.0, _sum_sorted(counts / counts.sum() * np.log(counts.sum() / counts)))


def mutual_info_matrix(discrete_codes, factors):
    """``m[j, k] = I(z_j; v_k)`` in nats, ``[d, K]``, of discrete codes ``[N, d]`` and factors
    ``[N, K]``."""
    discrete_codes, factors = np.asarray(discrete_codes), np.asarray(factors)
    return np.array([[mutual_info(code, factor) for factor in factors.T]
                     for code in discrete_codes.T]).reshape(discrete_codes.shape[1],
                                                           factors.shape[1])


def entropies(factors):
    """``H(v_k)`` in nats of each column of ``factors`` ``[N, K]``, ``[K]``."""
    return np.array([entropy(factor) for factor in np.asarray(factors).T])
