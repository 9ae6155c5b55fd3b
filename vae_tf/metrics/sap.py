"""Separated Attribute Predictability (Kumar et al. 2018, "Variational inference of disentangled
latent concepts from unlabeled observations", sec. 3), with disentanglement_lib's classifier."""

import numpy as np
from sklearn.svm import LinearSVC

from vae_tf.metrics.codes import sample_codes

# A code whose training variance is at most this scores 0 (continuous factors), as the reference.
MIN_VARIANCE = 1e-12


def _squared_correlations(codes, factors):
    """``corr(z_j, v_k)^2`` ``[d, K]``; 0 for a (near-)constant code or a constant factor."""
    x = codes - codes.mean(axis=0)
    y = factors - factors.mean(axis=0)
    covariance = x.T @ y
    variances = np.outer((x ** 2).sum(axis=0), (y ** 2).sum(axis=0))
    usable = (np.var(codes, axis=0, ddof=1)[:, None] > MIN_VARIANCE) & (variances > 0)
    return np.where(usable, covariance ** 2 / np.where(usable, variances, 1.0), 0.0)


def _svm_accuracy(code_train, y_train, code_test, y_test):
    """Test accuracy of a linear SVM (C 0.01, balanced classes) predicting ``y`` from one code.

    Nothing can be learnt from a constant code or a single-valued factor: such a pair scores the
    trivial accuracy of always predicting the most frequent training value.
    """
    values, counts = np.unique(y_train, return_counts=True)
    if values.size < 2 or np.ptp(code_train) == 0:
        return float(np.mean(y_test == values[np.argmax(counts)]))
    model = LinearSVC(C=0.01, class_weight="balanced").fit(code_train[:, None], y_train)
    return float(np.mean(model.predict(code_test[:, None]) == y_test))


def sap_score_matrix(codes_train, factors_train, codes_test, factors_test,
                     continuous_factors=False):
    """``S [d, K]``: how well code ``j`` alone predicts factor ``k``.

    Discrete factors: test accuracy of a linear SVM trained on code ``j``
    (:func:`_svm_accuracy`). Continuous factors: squared correlation on the training points
    (the test points are unused, as the reference).
    """
    codes_train = np.asarray(codes_train, np.float64)
    factors_train = np.asarray(factors_train)
    if continuous_factors:
        return _squared_correlations(codes_train, factors_train.astype(np.float64))
    codes_test, factors_test = np.asarray(codes_test, np.float64), np.asarray(factors_test)
    return np.array([[_svm_accuracy(codes_train[:, j], factors_train[:, k], codes_test[:, j],
                                    factors_test[:, k])
                      for k in range(factors_train.shape[1])]
                     for j in range(codes_train.shape[1])]).reshape(codes_train.shape[1],
                                                                    factors_train.shape[1])


def sap(codes_train, factors_train, codes_test, factors_test, continuous_factors=False):
    """SAP: ``(1/K) Σ_k (S_(1)k − S_(2)k)``, the mean gap between the two best codes of each
    factor in :func:`sap_score_matrix` (with a single code the second is 0)."""
    s = sap_score_matrix(codes_train, factors_train, codes_test, factors_test,
                         continuous_factors)
    ranked = np.sort(s, axis=0)[::-1]
    second = ranked[1] if len(ranked) > 1 else np.zeros_like(ranked[0])
    return float(np.mean(ranked[0] - second))


def compute_sap(ground_truth_data, representation_function, random_state, num_train=10000,
                num_test=5000, batch_size=16, continuous_factors=False):
    """``{"sap"}`` of ``num_train`` training and ``num_test`` test points (:func:`sap`)."""
    codes_train, factors_train = sample_codes(ground_truth_data, representation_function,
                                              num_train, random_state, batch_size)
    codes_test, factors_test = sample_codes(ground_truth_data, representation_function,
                                            num_test, random_state, batch_size)
    return {"sap": sap(codes_train, factors_train, codes_test, factors_test,
                       continuous_factors)}
