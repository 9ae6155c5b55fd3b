"""Disentanglement metrics with disentanglement_lib's definitions and sample sizes.

Every metric is a function ``fn(ground_truth_data, representation_function, random_state,
**sizes) -> dict`` of named scores (:data:`METRICS`); the representation function maps a float32
batch of observations ``[B, ...]`` to codes ``[B, d]`` (numpy), and ``random_state`` is a numpy
``RandomState`` (``RandomState(0)`` reproduces the reference's protocol) or ``Generator``. Each
metric also has a pure core on arrays: codes ``[N, d]`` and integer factors ``[N, K]``.
"""

from vae_tf.metrics.beta_vae_score import beta_vae_score
from vae_tf.metrics.codes import (discretize, entropies, mutual_info, mutual_info_matrix,
                                  sample_codes)
from vae_tf.metrics.dci import completeness, compute_dci, dci, disentanglement, importance_matrix
from vae_tf.metrics.factor_vae_score import factor_vae_score
from vae_tf.metrics.irs import compute_irs, irs, irs_matrix
from vae_tf.metrics.mig import compute_mig, mig
from vae_tf.metrics.modularity import compute_modularity_explicitness, explicitness, modularity
from vae_tf.metrics.sap import compute_sap, sap, sap_score_matrix
from vae_tf.metrics.unsupervised import compute_unsupervised, unsupervised_scores

# UDR (vae_tf.metrics.udr) is not here: it scores several models at once (and the package does not
# import it, so that python -m vae_tf.metrics.udr runs it cleanly).
METRICS = {"beta_vae": beta_vae_score, "factor_vae": factor_vae_score, "mig": compute_mig,
           "dci": compute_dci, "sap": compute_sap, "modularity": compute_modularity_explicitness,
           "irs": compute_irs, "unsupervised": compute_unsupervised}

# disentanglement_lib's sample sizes: training points first, then evaluation / test points.
STANDARD_SIZES = {
    "beta_vae": {"num_train": 10000, "num_eval": 5000},
    "factor_vae": {"num_train": 10000, "num_eval": 5000, "num_variance_estimate": 10000},
    "mig": {"num_train": 10000},
    "dci": {"num_train": 10000, "num_test": 5000},
    "sap": {"num_train": 10000, "num_test": 5000},
    "modularity": {"num_train": 10000, "num_test": 5000},
    "irs": {"num_train": 10000},
    "unsupervised": {"num_train": 10000},
}


def scaled_sizes(name, num_points):
    """Metric ``name``'s size keywords with ``num_points`` training points.

    Every standard size is scaled by ``num_points / 10000`` (rounded down, at least 2):
    evaluation and test sets get half of ``num_points``, FactorVAE's variance estimate all of
    it. Batch sizes are not sizes and stay standard.
    """
    if num_points < 2:
        raise ValueError(f"num_points must be at least 2, got {num_points}")
    sizes = STANDARD_SIZES[name]
    return {key: max(2, value * num_points // sizes["num_train"]) for key, value in sizes.items()}


def sizes(name, num_points=None):
    """Metric ``name``'s size keywords: the standard ones (``num_points`` None or 0), or
    :func:`scaled_sizes` to ``num_points``."""
    return scaled_sizes(name, num_points) if num_points else dict(STANDARD_SIZES[name])


def compute_metric(name, ground_truth_data, representation_function, random_state,
                   num_points=None):
    """Scores of metric ``name`` at the standard sizes, or scaled to ``num_points``."""
    return METRICS[name](ground_truth_data, representation_function, random_state,
                         **sizes(name, num_points))


__all__ = ["METRICS", "STANDARD_SIZES", "beta_vae_score", "completeness", "compute_dci",
           "compute_irs", "compute_metric", "compute_mig", "compute_modularity_explicitness",
           "compute_sap", "compute_unsupervised", "dci", "discretize",
           "disentanglement", "entropies", "explicitness", "factor_vae_score",
           "importance_matrix", "irs", "irs_matrix", "mig", "modularity", "mutual_info",
           "mutual_info_matrix", "sample_codes", "sap", "sap_score_matrix", "scaled_sizes",
           "sizes", "unsupervised_scores"]
