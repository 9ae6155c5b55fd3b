"""Modularity and explicitness, IRS, the unsupervised scores and UDR on numpy arrays: known
answers, identity and random codes, invariance to permuting the codes."""

import numpy as np
import pytest
import scipy.linalg

from test_metrics import DATA, K, identity, random_codes, rs, zeros
from vae_tf import metrics
from vae_tf.metrics.irs import irs
from vae_tf.metrics.modularity import explicitness, modularity
from vae_tf.metrics.udr import compute_udr, relative_strength, udr
from vae_tf.metrics.unsupervised import (gaussian_total_correlation,
                                         gaussian_wasserstein_correlation, unsupervised_scores)

PERMUTATION = np.random.default_rng(5).permutation(K)


def sampled(num, seed=0):
    """``(codes, factors)`` of ``num`` identity points: the codes are the factors."""
    factors = np.random.default_rng(seed).integers(0, 10, size=(num, K))
    return factors.astype(np.float64), factors


# --- modularity and explicitness --------------------------------------------------------------

def test_modularity_closed_forms():
    assert modularity(np.eye(3)) == 1.0
    assert modularity(np.diag([1.0, 1.0, 0.0])) == pytest.approx(2 / 3)  # an empty code: 0
    # Code 0 about factors 0 and 1 alike: δ = (2 − 1) / (1 · 2), so (0.5 + 1 + 1) / 3.
    assert modularity([[1, 1, 0], [0, 1, 0], [0, 0, 1]]) == pytest.approx(5 / 6)
    # Squares 4, 1, 0: δ = 1 / (4 · 2).
    assert modularity([[2, 1, 0]]) == pytest.approx(7 / 8)
    assert modularity([[0.5], [0.0]]) == 0.5                      # one factor


def test_modularity_explicitness_identity_high_random_low():
    sizes = {"num_train": 500, "num_test": 300}
    good = metrics.METRICS["modularity"](DATA, identity, rs(), **sizes)
    assert set(good) == {"modularity_score", "explicitness_score_train",
                         "explicitness_score_test"}
    assert min(good.values()) > 0.9
    bad = metrics.METRICS["modularity"](DATA, random_codes(), rs(), **sizes)
    assert bad["modularity_score"] < 0.4 and abs(bad["explicitness_score_test"] - 0.5) < 0.05


def test_explicitness_is_invariant_to_permuting_codes_and_skips_constant_factors():
    codes, factors = sampled(400)
    train, test = explicitness(codes[:250], factors[:250], codes[250:], factors[250:])
    permuted = explicitness(codes[:250, PERMUTATION], factors[:250], codes[250:, PERMUTATION],
                            factors[250:])
    assert permuted == pytest.approx((train, test), abs=1e-4)
    factors[:, 0] = 3  # constant: left out, the others unchanged
    assert explicitness(codes[:250], factors[:250], codes[250:], factors[250:]) == \
        pytest.approx((train, test), abs=0.01)


# --- IRS ---------------------------------------------------------------------------------------

def test_irs_identity_one_random_low_constant_zero():
    assert metrics.METRICS["irs"](DATA, identity, rs(), num_train=1000) == {
        "irs": 1.0, "num_active_dims": K}
    assert metrics.METRICS["irs"](DATA, random_codes(), rs(), num_train=1000)["irs"] < 0.45
    assert metrics.METRICS["irs"](DATA, zeros, rs(), num_train=100) == {
        "irs": 0.0, "num_active_dims": 0}


def test_irs_is_invariant_to_permuting_and_rescaling_codes():
    rng = np.random.default_rng(2)
    codes, factors = sampled(800)
    codes = codes + rng.normal(scale=2.0, size=codes.shape)
    score, active = irs(codes, factors)
    assert 0.3 < score < 1 and active == K
    assert irs(-3.0 * codes[:, PERMUTATION], factors) == (pytest.approx(score), K)


# --- unsupervised scores -----------------------------------------------------------------------

@pytest.mark.parametrize("rho", [0.0, 0.5, -0.9])
def test_gaussian_scores_closed_forms(rho):
    # Σ = [[1, ρ], [ρ, 1]]: TC = −½ ln(1 − ρ²); Σ^½ has trace √(1 + ρ) + √(1 − ρ).
    cov = np.array([[1.0, rho], [rho, 1.0]])
    assert gaussian_total_correlation(cov) == pytest.approx(-0.5 * np.log(1 - rho ** 2))
    assert gaussian_wasserstein_correlation(cov) == pytest.approx(
        4 - 2 * (np.sqrt(1 + rho) + np.sqrt(1 - rho)), abs=1e-12)


def test_wasserstein_matches_the_matrix_square_root():
    a = np.random.default_rng(3).normal(size=(4, 4))
    cov = a @ a.T + np.diag([0.1, 2.0, 0.5, 3.0])
    by_sqrtm = 2 * np.trace(cov) - 2 * np.trace(scipy.linalg.sqrtm(
        cov * np.diag(cov)[:, None])).real
    assert gaussian_wasserstein_correlation(cov) == pytest.approx(by_sqrtm, rel=1e-8)


def test_unsupervised_scores_independent_near_zero_correlated_not():
    names = {"gaussian_total_correlation", "gaussian_wasserstein_correlation",
             "gaussian_wasserstein_correlation_norm", "mutual_info_score"}
    independent = metrics.METRICS["unsupervised"](DATA, identity, rs(), num_train=3000)
    assert set(independent) == names
    assert independent["gaussian_total_correlation"] < 0.02
    assert independent["gaussian_wasserstein_correlation_norm"] < 0.01
    codes, _ = sampled(3000)
    mixed = codes @ np.random.default_rng(4).normal(size=(K, K))
    correlated = unsupervised_scores(mixed)
    assert correlated["gaussian_total_correlation"] > 1
    assert correlated["gaussian_wasserstein_correlation_norm"] > 0.1
    assert correlated["mutual_info_score"] > 3 * independent["mutual_info_score"]
    permuted = unsupervised_scores(mixed[:, PERMUTATION])
    assert permuted == pytest.approx(correlated, rel=1e-9)


def test_unsupervised_scores_leave_constant_codes_out_of_the_total_correlation():
    codes, _ = sampled(500)
    with_constant = unsupervised_scores(np.hstack([codes, np.ones((500, 1))]))
    assert with_constant["gaussian_total_correlation"] == pytest.approx(
        unsupervised_scores(codes)["gaussian_total_correlation"])
    assert with_constant["gaussian_wasserstein_correlation"] == pytest.approx(
        unsupervised_scores(codes)["gaussian_wasserstein_correlation"])


# --- UDR ---------------------------------------------------------------------------------------

def test_relative_strength_closed_forms():
    assert relative_strength(np.eye(4)) == 1.0
    assert relative_strength(np.ones((4, 4))) == pytest.approx(0.25)
    assert relative_strength(np.diag([1.0, 1.0, 0.0])) == pytest.approx(2 / 3)


@pytest.mark.parametrize("correlation", ["lasso", "spearman"])
def test_udr_ranks_models_that_agree_up_to_permutation_and_sign_highest(correlation):
    rng = np.random.default_rng(6)
    sources = rng.normal(size=(2000, 5))

    def noisy(codes):
        return codes + rng.normal(scale=0.05, size=codes.shape)

    signs = np.array([1, -1, 1, -1, -1])
    disentangled = [noisy(sources), noisy(-2 * sources[:, ::-1]),
                    noisy(signs * sources[:, [2, 0, 4, 1, 3]])]
    entangled = [noisy(sources @ rng.normal(size=(5, 5))) for _ in range(2)]
    result = udr(disentangled + entangled, correlation=correlation)
    scores = result["model_scores"]
    # Each disentangled model agrees with two of the four others: its median lies between.
    assert min(scores[:3]) > max(scores[3:]) + 0.2, scores
    assert min(np.array(result["pairwise"])[:3, :3].ravel()) > 0.85
    assert np.allclose(result["pairwise"], np.transpose(result["pairwise"]))


def test_udr_of_sampled_codes_falls_with_the_posterior_noise():
    """``representation="sampled"`` compares ``mean + σ ε``: with σ near 0 the scores are those
    of the means; with σ as large as the signal two agreeing models agree less."""
    rng = np.random.default_rng(8)
    sources = rng.uniform(-2, 2, size=(512, 3)).astype(np.float32)

    class Data:
        def sample(self, n, random_state):
            start = random_state.randint(0, len(sources) - n + 1)
            return None, sources[start:start + n]

    def model(log_sigma, permutation):
        return lambda x: (x[:, permutation], np.full(x.shape, 2 * log_sigma, np.float32))

    scores = {}
    for representation, log_sigma in (("mean", 0.0), ("sampled", -6.0), ("sampled", 0.5)):
        models = [model(log_sigma, [0, 1, 2]), model(log_sigma, [2, 0, 1])]
        scores[representation, log_sigma] = compute_udr(
            Data(), models, np.random.RandomState(0), num_points=512, correlation="spearman",
            representation=representation, seed=1)["model_scores"]
    assert min(scores["mean", 0.0]) > 0.85  # 0.91: the permutation, and chance correlations
    assert scores["sampled", -6.0] == pytest.approx(scores["mean", 0.0], abs=0.01)
    assert max(scores["sampled", 0.5]) < min(scores["mean", 0.0]) - 0.2


def test_udr_leaves_uninformative_latents_out():
    rng = np.random.default_rng(7)
    sources = rng.normal(size=(1000, 3))
    # Model 1 has a fourth latent of noise whose KL says it carries nothing.
    codes = [sources, np.hstack([sources[:, ::-1], rng.normal(size=(1000, 1))])]
    kl = [np.ones(3), np.array([1.0, 1.0, 1.0, 0.001])]
    filtered = udr(codes, kl, correlation="spearman")["model_scores"]
    assert filtered == pytest.approx([1.0, 1.0], abs=0.05)
    assert udr(codes, correlation="spearman")["model_scores"][0] < filtered[0]
