"""Interventional Robustness Score (Suter et al. 2019, "Robustly disentangled causal mechanisms:
validating deep representations for interventional robustness"), in disentanglement_lib's form:
the factors are binned like the codes of MIG, and the largest deviation is a 99 % quantile."""

import numpy as np

from vae_tf.metrics.codes import discretize, sample_codes


def irs_matrix(codes, factors, diff_quantile=0.99):
    """``(R [d, K], max_deviations [d])``: ``R_jk = 1 − E_v[q(|z_j − E[z_j | v_k = v]|)] /
    max |z_j − E[z_j]|``, how little code ``j`` moves while factor ``k`` is held at one value
    (``q``: the ``diff_quantile`` quantile over the points sharing the value; ``E_v``: mean over
    the factor's values seen). Codes must not be constant."""
    codes, factors = np.asarray(codes, np.float64), np.asarray(factors)
    max_deviations = np.abs(codes - codes.mean(axis=0)).max(axis=0)
    deviations = np.zeros((codes.shape[1], factors.shape[1]))
    for k, factor in enumerate(factors.T):
        values = np.unique(factor)
        for value in values:
            group = codes[factor == value]
            deviations[:, k] += np.quantile(np.abs(group - group.mean(axis=0)), diff_quantile,
                                            axis=0)
        deviations[:, k] /= values.size
    return 1.0 - deviations / max_deviations[:, None], max_deviations


def irs(codes, factors, diff_quantile=0.99, num_bins=20):
    """``(IRS, active codes)``: the mean over non-constant codes of ``max_k R_jk``
    (:func:`irs_matrix`, factors in ``num_bins`` equal-width bins), weighted by each code's
    largest deviation; 0 when every code is constant."""
    codes = np.asarray(codes, np.float64)
    active = codes[:, codes.var(axis=0) > 0]
    if active.shape[1] == 0:
        return 0.0, 0
    matrix, max_deviations = irs_matrix(active, discretize(factors, num_bins), diff_quantile)
    return float(np.average(matrix.max(axis=1), weights=max_deviations)), active.shape[1]


def compute_irs(ground_truth_data, representation_function, random_state, num_train=10000,
                batch_size=16, diff_quantile=0.99):
    """``{"irs", "num_active_dims"}`` of ``num_train`` sampled points (:func:`irs`)."""
    codes, factors = sample_codes(ground_truth_data, representation_function, num_train,
                                  random_state, batch_size)
    score, active = irs(codes, factors, diff_quantile)
    return {"irs": score, "num_active_dims": active}
