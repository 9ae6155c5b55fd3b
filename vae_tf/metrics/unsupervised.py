"""Unsupervised scores of the codes alone (Locatello et al. 2019, sec. 4 and app. C, as
disentanglement_lib's ``unsupervised_metrics``): how far the codes are from independent, from
their covariance (treated as a Gaussian's) and from their 20-bin mutual information."""

import numpy as np

from vae_tf.metrics.codes import discretize, mutual_info_matrix, sample_codes


def gaussian_total_correlation(covariance):
    """``KL(N(0, Σ) || N(0, diag Σ)) = ½ (Σ_j log Σ_jj − log det Σ)`` in nats."""
    covariance = np.asarray(covariance, np.float64)
    return float(0.5 * (np.sum(np.log(np.diag(covariance)))
                        - np.linalg.slogdet(covariance)[1]))


def gaussian_wasserstein_correlation(covariance):
    """Squared 2-Wasserstein distance between ``N(0, Σ)`` and ``N(0, D)``, ``D = diag Σ``:
    ``2 tr Σ − 2 tr (D^½ Σ D^½)^½``; the square root's trace from the eigenvalues of that
    symmetric matrix (they are those of ``Σ D``, the reference's ``sqrtm`` argument)."""
    covariance = np.asarray(covariance, np.float64)
    scale = np.sqrt(np.diag(covariance))
    eigenvalues = np.linalg.eigvalsh(covariance * np.outer(scale, scale))
    return float(2 * np.trace(covariance) - 2 * np.sum(np.sqrt(np.clip(eigenvalues, 0, None))))


def mutual_info_score(codes, num_bins=20):
    """Mean ``I(z_i; z_j)`` in nats over pairs ``i ≠ j`` of 20-bin discretised codes (0 for a
    single code)."""
    discrete = discretize(codes, num_bins)
    m = mutual_info_matrix(discrete, discrete)
    d = m.shape[0]
    return float((m.sum() - np.trace(m)) / (d * d - d)) if d > 1 else 0.0


def unsupervised_scores(codes, num_bins=20):
    """``{"gaussian_total_correlation", "gaussian_wasserstein_correlation",
    "gaussian_wasserstein_correlation_norm", "mutual_info_score"}`` of codes ``[N, d]``; ``Σ``
    is their sample covariance (``N − 1``), and the normalised Wasserstein score divides by
    ``tr Σ``. Codes constant in the sample are left out of the total correlation (their log
    variance is −∞; the reference returns NaN); they change neither Wasserstein score."""
    codes = np.asarray(codes, np.float64)
    covariance = np.atleast_2d(np.cov(codes, rowvar=False))
    varying = np.diag(covariance) > 0
    wasserstein = gaussian_wasserstein_correlation(covariance)
    trace = np.trace(covariance)
    return {"gaussian_total_correlation":
            gaussian_total_correlation(covariance[np.ix_(varying, varying)]) if varying.any()
            else 0.0,
            "gaussian_wasserstein_correlation": wasserstein,
            "gaussian_wasserstein_correlation_norm":
            float(wasserstein / trace) if trace > 0 else 0.0,
            "mutual_info_score": mutual_info_score(codes, num_bins)}


def compute_unsupervised(ground_truth_data, representation_function, random_state,
                         num_train=10000, batch_size=16, num_bins=20):
    """:func:`unsupervised_scores` of the codes of ``num_train`` sampled points (the factors are
    drawn, as the other metrics, but not used)."""
    codes, _ = sample_codes(ground_truth_data, representation_function, num_train,
                            random_state, batch_size)
    return unsupervised_scores(codes, num_bins)
