"""Modularity and explicitness (Ridgeway & Mozer 2018, "Learning deep disentangled embeddings
with the F-statistic loss", sec. 3), in disentanglement_lib's form."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from vae_tf.metrics.codes import discretize, mutual_info_matrix, sample_codes


def modularity(mutual_information):
    """Mean over codes of ``1 − δ_j``, ``δ_j = (Σ_k m_jk² − θ_j²) / (θ_j² (K − 1))`` with
    ``θ_j = max_k m_jk``, from ``m`` ``[d, K]`` (``I(z_j; v_k)``).

    A code that is about no factor (``θ_j = 0``) scores 0, as the reference; with a single
    factor every informative code is perfectly modular (1; the reference divides by zero).
    """
    squared = np.square(np.asarray(mutual_information, np.float64))
    best = squared.max(axis=1)
    informative = best > 0
    scores = np.zeros(len(squared))
    if squared.shape[1] == 1:
        scores[informative] = 1.0
    else:
        deviation = (squared.sum(axis=1) - best)[informative] / (
            best[informative] * (squared.shape[1] - 1))
        scores[informative] = 1.0 - deviation
    return float(np.mean(scores))


def standardize(train, test):
    """``train`` and ``test`` ``[N, d]`` z-scored with the training mean and standard deviation
    (a constant training dimension is only centred)."""
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (train - mean) / std, (test - mean) / std


def _mean_auc(classifier, codes, labels):
    """Mean over the classifier's classes of the one-vs-rest ROC-AUC of its probability for the
    class; a class that is absent from ``labels`` (or all of it) has no AUC and is left out."""
    probabilities = classifier.predict_proba(codes)
    aucs = [roc_auc_score(labels == value, probabilities[:, c])
            for c, value in enumerate(classifier.classes_)
            if 0 < np.sum(labels == value) < len(labels)]
    return float(np.mean(aucs)) if aucs else float("nan")


def explicitness_per_factor(codes_train, y_train, codes_test, y_test):
    """``(train AUC, test AUC)`` of a logistic regression (scikit-learn's defaults) predicting
    the values of one factor from all codes: the mean one-vs-rest ROC-AUC over its values."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier = LogisticRegression().fit(codes_train, y_train)
    return _mean_auc(classifier, codes_train, y_train), _mean_auc(classifier, codes_test, y_test)


def explicitness(codes_train, factors_train, codes_test, factors_test):
    """``(train, test)`` explicitness: :func:`explicitness_per_factor` on z-scored codes, mean
    over factors. A factor constant in the training sample cannot be classified and is left out
    (the reference fails); if every factor is constant both are NaN."""
    codes_train, codes_test = standardize(np.asarray(codes_train, np.float64),
                                          np.asarray(codes_test, np.float64))
    factors_train, factors_test = np.asarray(factors_train), np.asarray(factors_test)
    scores = [explicitness_per_factor(codes_train, factors_train[:, k], codes_test,
                                      factors_test[:, k])
              for k in range(factors_train.shape[1]) if np.unique(factors_train[:, k]).size > 1]
    if not scores:
        return float("nan"), float("nan")
    train, test = np.nanmean(np.array(scores), axis=0)
    return float(train), float(test)


def compute_modularity_explicitness(ground_truth_data, representation_function, random_state,
                                    num_train=10000, num_test=5000, batch_size=16, num_bins=20):
    """``{"modularity_score", "explicitness_score_train", "explicitness_score_test"}``:
    :func:`modularity` of the 20-bin mutual information of ``num_train`` points and
    :func:`explicitness` trained on them and tested on ``num_test`` more."""
    codes_train, factors_train = sample_codes(ground_truth_data, representation_function,
                                              num_train, random_state, batch_size)
    codes_test, factors_test = sample_codes(ground_truth_data, representation_function,
                                            num_test, random_state, batch_size)
    m = mutual_info_matrix(discretize(codes_train, num_bins), factors_train)
    train, test = explicitness(codes_train, factors_train, codes_test, factors_test)
    return {"modularity_score": modularity(m), "explicitness_score_train": train,
            "explicitness_score_test": test}
