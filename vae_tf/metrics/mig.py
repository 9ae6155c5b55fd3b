"""Mutual Information Gap (Chen et al. 2018, "Isolating sources of disentanglement in VAEs",
eq. 6), in disentanglement_lib's discretised form.

Chen et al. estimate ``I(z_j; v_k)`` from posterior samples, with ``log q(z_j)`` a log-mean-exp
over the posteriors of the whole factorial data set (as disentangling-vae and the
Non-Synergistic VAE code do). disentanglement_lib, followed here, instead bins the encoder means
of 10,000 sampled points into 20 equal-width bins per dimension and uses plug-in discrete mutual
information. The two give different numbers: report this one as the *discrete* MIG.
"""

import numpy as np

from vae_tf.metrics.codes import discretize, entropies, mutual_info_matrix, sample_codes


def mig(codes, factors, num_bins=20):
    """Discrete MIG of codes ``[N, d]`` and factors ``[N, K]``:
    ``(1/K) Σ_k (m_(1)k − m_(2)k) / H(v_k)``.

    ``m = I(discretize(z)_j; v_k)`` in nats and ``m_(1)k ≥ m_(2)k`` are the two largest entries
    of column ``k`` (with a single code the second is 0). A factor that is constant in the sample
    (``H(v_k) = 0``) cannot be normalised and is left out of the mean (disentanglement_lib
    divides by zero); if every factor is constant the result is NaN.
    """
    m = mutual_info_matrix(discretize(codes, num_bins), factors)
    h = entropies(factors)
    ranked = np.sort(m, axis=0)[::-1]
    second = ranked[1] if len(ranked) > 1 else np.zeros_like(ranked[0])
    kept = h > 0
    if not kept.any():
        return float("nan")
    return float(np.mean((ranked[0] - second)[kept] / h[kept]))


def compute_mig(ground_truth_data, representation_function, random_state, num_train=10000,
                batch_size=16, num_bins=20):
    """``{"discrete_mig"}`` of ``num_train`` sampled points (:func:`mig`)."""
    codes, factors = sample_codes(ground_truth_data, representation_function, num_train,
                                  random_state, batch_size)
    return {"discrete_mig": mig(codes, factors, num_bins)}
