"""DCI disentanglement, completeness and informativeness (Eastwood & Williams 2018, "A framework
for the quantitative evaluation of disentangled representations", sec. 3), with
disentanglement_lib's gradient-boosted trees."""

import concurrent.futures
import ctypes
import os
import signal
import sys
import time

import numpy as np
from joblib.externals.loky import get_reusable_executor
from sklearn.ensemble import GradientBoostingClassifier

from vae_tf.data.ground_truth import randint
from vae_tf.metrics.codes import sample_codes

# Added to every importance before the entropies, as the reference (keeps log 0 away).
EPSILON = 1e-11
# Seconds between progress lines while the per-factor fits run.
PROGRESS_SECONDS = 10.0
# prctl(2) option: the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1

# The boosted trees that predict each factor. "sklearn" is disentanglement_lib's estimator
# (scikit-learn's GradientBoostingClassifier with its defaults: 100 rounds of depth-3 trees,
# learning rate 0.1, one tree per class and round), the one published DCI numbers use.
# "lightgbm" grows trees of the same size and number (at most 8 leaves, depth 3) on 255-bin
# histograms, about 50 times faster; its importances (total split gain, normalised to sum 1 per
# factor as scikit-learn's) are those of another estimator, so its D, C and I differ from the
# reference by more than the reference's seed-to-seed spread (README, "Evaluation").
DCI_BACKENDS = {
    "sklearn": {"n_estimators": 100, "learning_rate": 0.1, "max_depth": 3},
    "lightgbm": {"n_estimators": 100, "learning_rate": 0.1, "max_depth": 3, "num_leaves": 8,
                 "min_child_samples": 1, "importance_type": "gain", "deterministic": True,
                 "n_jobs": 1, "verbose": -1},
}


def _classifier(backend, seed):
    if backend == "sklearn":
        return GradientBoostingClassifier(random_state=seed, **DCI_BACKENDS[backend])
    if backend == "lightgbm":
        import lightgbm
        return lightgbm.LGBMClassifier(random_state=seed, **DCI_BACKENDS[backend])
    raise ValueError(f"unknown DCI backend {backend!r}; expected one of {sorted(DCI_BACKENDS)}")


def fit_factor(codes_train, y_train, codes_test, y_test, seed=0, backend="sklearn"):
    """``(importances [d], train_accuracy, test_accuracy)`` of the boosted trees that predict
    one factor ``y`` from all codes; importances sum to 1. A factor with a single value in the
    training points gets no importance and the accuracy of predicting that value."""
    if np.unique(y_train).size < 2:
        return (np.zeros(codes_train.shape[1]), 1.0, float(np.mean(y_test == y_train[0])))
    model = _classifier(backend, seed).fit(codes_train, y_train)
    importances = np.abs(np.asarray(model.feature_importances_, np.float64))
    if backend != "sklearn" and importances.sum() > 0:  # scikit-learn's already sum to 1
        importances = importances / importances.sum()
    return (importances, float(np.mean(model.predict(codes_train) == y_train)),
            float(np.mean(model.predict(codes_test) == y_test)))


def _init_worker(parent):
    """Worker initialiser: one thread each, as there is one worker per core; on Linux, the
    kernel kills the worker when the process ``parent`` that started it dies (an evaluation
    killed mid-fit leaves no orphan computing a fit nobody will read)."""
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died while this worker started
        os._exit(1)


def default_jobs(num_factors):
    """Worker processes for the per-factor fits: one per factor, at most one per usable core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(num_factors, cores or 1))


def importance_matrix(codes_train, factors_train, codes_test, factors_test, seed=0,
                      backend="sklearn", n_jobs=None, print_fn=None):
    """``(R [d, K], train_accuracy, test_accuracy)``.

    One boosted-tree classifier per factor (:func:`fit_factor`) predicts it from all codes;
    ``R[:, k]`` is its ``|feature_importances_|`` and the accuracies are averaged over factors.
    ``seed`` is the trees' ``random_state``: with the defaults it only breaks ties between
    equally good splits (disentanglement_lib leaves it unseeded). The fits are independent and
    run in ``n_jobs`` worker processes (default :func:`default_jobs`; 1 = in this process), with
    the same results as one after the other. ``print_fn`` gets a progress line at least every
    ``PROGRESS_SECONDS``.
    """
    codes_train, codes_test = np.asarray(codes_train), np.asarray(codes_test)
    factors_train, factors_test = np.asarray(factors_train), np.asarray(factors_test)
    num_factors = factors_train.shape[1]
    jobs = [(codes_train, factors_train[:, k], codes_test, factors_test[:, k], seed, backend)
            for k in range(num_factors)]
    n_jobs = default_jobs(num_factors) if n_jobs is None else max(1, min(n_jobs, num_factors))
    start = time.perf_counter()

    def report(done):
        if print_fn:
            print_fn(f"    DCI ({backend}): {done} of {num_factors} factors fitted "
                     f"({time.perf_counter() - start:.0f} s)")

    if n_jobs == 1:
        results = []
        for job in jobs:
            results.append(fit_factor(*job))
            report(len(results))
    else:
        # loky's workers are fresh interpreters (not forks of a process that may hold
        # TensorFlow's thread pools) that do not re-run the caller's __main__.
        pool = get_reusable_executor(n_jobs, initializer=_init_worker,
                                     initargs=(os.getpid(),))
        futures = [pool.submit(fit_factor, *job) for job in jobs]
        pending = set(futures)
        while pending:
            _, pending = concurrent.futures.wait(pending, timeout=PROGRESS_SECONDS)
            report(num_factors - len(pending))
        results = [future.result() for future in futures]
    r = np.stack([importances for importances, _, _ in results], axis=1)
    return (r, float(np.mean([train for _, train, _ in results])),
            float(np.mean([test for _, _, test in results])))


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


def dci(codes_train, factors_train, codes_test, factors_test, seed=0, backend="sklearn",
        n_jobs=None, print_fn=None):
    """``{"disentanglement", "completeness", "informativeness_train", "informativeness_test"}``;
    informativeness is the trees' prediction accuracy (:func:`importance_matrix`)."""
    r, train_accuracy, test_accuracy = importance_matrix(codes_train, factors_train, codes_test,
                                                         factors_test, seed, backend, n_jobs,
                                                         print_fn)
    return {"disentanglement": disentanglement(r), "completeness": completeness(r),
            "informativeness_train": train_accuracy, "informativeness_test": test_accuracy}


def compute_dci(ground_truth_data, representation_function, random_state, num_train=10000,
                num_test=5000, batch_size=16, backend="sklearn", n_jobs=None, print_fn=None):
    """:func:`dci` of ``num_train`` training and ``num_test`` test points; the trees' seed is
    drawn from ``random_state`` after the points. ``backend``, ``n_jobs`` and ``print_fn`` as
    :func:`importance_matrix`."""
    codes_train, factors_train = sample_codes(ground_truth_data, representation_function,
                                              num_train, random_state, batch_size)
    codes_test, factors_test = sample_codes(ground_truth_data, representation_function,
                                            num_test, random_state, batch_size)
    seed = int(randint(random_state, 2**31 - 1, None))
    return dci(codes_train, factors_train, codes_test, factors_test, seed, backend, n_jobs,
               print_fn)
