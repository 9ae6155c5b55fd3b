"""DCI disentanglement, completeness and informativeness (Eastwood & Williams 2018, "A framework
for the quantitative evaluation of disentangled representations", sec. 3), with
disentanglement_lib's gradient-boosted trees."""

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier

from vae_tf.data.ground_truth import randint
from vae_tf.metrics.codes import sample_codes

# Added to every importance before the entropies, as the reference (keeps log 0 away).
EPSILON = 1e-11


def importance_matrix(codes_train, factors_train, codes_test, factors_test, seed=0):
    """``(R [d, K], train_accuracy, test_accuracy)``.

    One scikit-learn ``GradientBoostingClassifier`` (defaults) per factor predicts it from all
    codes; ``R[:, k]`` is its ``|feature_importances_|`` and the accuracies are averaged over
    factors. ``seed`` is the trees' ``random_state``: with the defaults it only breaks ties
    between equally good splits (disentanglement_lib leaves it unseeded). A factor with a
    single value in the training points gets no importance and the accuracy of predicting that
    value.
    """
    codes_train, codes_test = np.asarray(codes_train), np.asarray(codes_test)
    factors_train, factors_test = np.asarray(factors_train), np.asarray(factors_test)
    r = np.zeros((codes_train.shape[1], factors_train.shape[1]))
    train_accuracy, test_accuracy = [], []
    for k in range(factors_train.shape[1]):
        y_train, y_test = factors_train[:, k], factors_test[:, k]
        if np.unique(y_train).size < 2:
            train_accuracy.append(1.0)
            test_accuracy.append(float(np.mean(y_test == y_train[0])))
            continue
        model = GradientBoostingClassifier(random_state=seed).fit(codes_train, y_train)
        r[:, k] = np.abs(model.feature_importances_)
        train_accuracy.append(float(np.mean(model.predict(codes_train) == y_train)))
        test_accuracy.append(float(np.mean(model.predict(codes_test) == y_test)))
    return r, float(np.mean(train_accuracy)), float(np.mean(test_accuracy))


def _weighted_concentration(r):
    """``Σ_i ρ_i (1 − H_n(P_i))`` over the rows ``i`` of ``r`` ``[m, n]``.

    ``P_i`` is row ``i`` + 1e-11, normalised; ``H_n`` its entropy in base ``n`` (0 when
    ``n = 1``); ``ρ_i`` the row's share of the total (uniform for an all-zero ``r``, as the
    reference).
    """
    r = np.asarray(r, np.float64)
    p = r + EPSILON
    p = p / p.sum(axis=1, keepdims=True)
    h = -(p * np.log(p)).sum(axis=1) / np.log(r.shape[1]) if r.shape[1] > 1 else 0.0
    weights = r if r.sum() > 0 else np.ones_like(r)
    rho = weights.sum(axis=1) / weights.sum()
    return float(np.sum(rho * (1.0 - h)))


def disentanglement(r):
    """DCI disentanglement of an importance matrix ``R [d, K]`` (Eastwood & Williams eq. 2):
    ``D = Σ_j ρ_j (1 − H_K(R_j. / Σ_k R_jk))``, ``ρ_j = Σ_k R_jk / Σ R``."""
    return _weighted_concentration(r)


def completeness(r):
    """DCI completeness of ``R [d, K]`` (Eastwood & Williams eq. 3):
    ``C = Σ_k ρ_k (1 − H_d(R_.k / Σ_j R_jk))``, ``ρ_k = Σ_j R_jk / Σ R``."""
    return _weighted_concentration(np.asarray(r).T)


def dci(codes_train, factors_train, codes_test, factors_test, seed=0):
    """``{"disentanglement", "completeness", "informativeness_train", "informativeness_test"}``;
    informativeness is the trees' prediction accuracy (:func:`importance_matrix`)."""
    r, train_accuracy, test_accuracy = importance_matrix(codes_train, factors_train, codes_test,
                                                         factors_test, seed)
    return {"disentanglement": disentanglement(r), "completeness": completeness(r),
            "informativeness_train": train_accuracy, "informativeness_test": test_accuracy}


def compute_dci(ground_truth_data, representation_function, random_state, num_train=10000,
                num_test=5000, batch_size=16):
    """:func:`dci` of ``num_train`` training and ``num_test`` test points; the trees' seed is
    drawn from ``random_state`` after the points."""
    codes_train, factors_train = sample_codes(ground_truth_data, representation_function,
                                              num_train, random_state, batch_size)
    codes_test, factors_test = sample_codes(ground_truth_data, representation_function,
                                            num_test, random_state, batch_size)
    seed = int(randint(random_state, 2**31 - 1, None))
    return dci(codes_train, factors_train, codes_test, factors_test, seed)
