import math

import numpy as np
import pytest
import tensorflow as tf

from vae_tf.objectives.capacity import capacity
from vae_tf.objectives.dip_vae import (aggregate_covariance, batch_covariance,
                                      covariance_deviations, dip_penalty)
from vae_tf.objectives.synergy import greedy_subset_numpy, synergy_mask, synergy_penalty
from vae_tf.objectives.total_correlation import (gaussian_log_density, permute_dims,
                                                 total_correlation)


@pytest.mark.parametrize("c_max, c_steps, step, c", [
    (100, 100, 0, 0.0), (100, 100, 10, 10.0), (100, 100, 50, 50.0), (100, 100, 100, 100.0),
    (100, 100, 101, 100.0), (25, 100_000, 0, 0.0), (25, 100_000, 50_000, 12.5),
    (25, 100_000, 100_000, 25.0), (25, 100_000, 200_000, 25.0), (25, 0, 0, 25.0)])
def test_capacity(c_max, c_steps, step, c):
    value = capacity(tf.constant(step), c_max, c_steps)
    assert value.dtype == tf.float32
    assert float(value) == pytest.approx(c)


# --- Non-Synergistic VAE greedy search -------------------------------------------------------

def test_zero_kl_selects_nothing():
    assert greedy_subset_numpy(np.zeros(5), 0.9) == []
    np.testing.assert_array_equal(synergy_mask(np.zeros(5, np.float32), 0.9).numpy(), 0.0)


def test_first_pick_is_first_of_tied_maxima():
    # ω = 0.5: round 1 accepts 1 (>0) then 3 (>1); the second 3 (index 2) is not > 3. Round 2:
    # KL(A) = 3, b = 3; candidates 0.5·4, 0.5·6, 0.5·5 are all <= 3, so A stays {1}.
    assert greedy_subset_numpy([1, 3, 3, 2], 0.5) == [1]


def test_omega_one_adds_every_latent_with_positive_kl():
    # ω = 1, kl = [1, 2, 0, 2]. Round 1 (b = 0): 1 > 0 pick 0, 2 > 1 pick 1, 0 and 2 are not > 2
    # -> A = {1}, b = 2. Round 2 (KL(A) = 2): v = 3 > 2 pick 0, v = 2 no, v = 4 > 3 pick 3
    # -> A = {1, 3}, b = 4. Round 3 (KL(A) = 4): v = 5 > 4 pick 0, v = 4 no -> b = 5.
    # Round 4: v = 5 + 0 is not > 5. With ω = 1 a latent joins iff its KL is positive.
    assert greedy_subset_numpy([1, 2, 0, 2], 1.0) == [1, 3, 0]


def test_hand_walk_omega_0_9():
    # kl = [5, 0.1, 3, 0.5], ω = 0.9.
    # Round 1 (A empty, b = 0): v = 5 > 0 pick 0, b = 5; 0.1, 3, 0.5 are not > 5.  A = {0}.
    # Round 2 (KL(A) = 5, b = 5): j=1 0.9·5.1 = 4.59 <= 5; j=2 0.9·8 = 7.2 > 5 pick 2, b = 8;
    #   j=3 0.9·5.5 = 4.95 <= 8.  A = {0, 2}.
    # Round 3 (KL(A) = 8, b = 8): j=1 0.9·8.1 = 7.29, j=3 0.9·8.5 = 7.65, both <= 8: no pick.
    # W = {1, 3}: penalty 0.1 + 0.5 = 0.6, |A| = 2.
    kl = np.array([5, 0.1, 3, 0.5], np.float32)
    assert greedy_subset_numpy(kl, 0.9) == [0, 2]
    np.testing.assert_array_equal(synergy_mask(kl, 0.9).numpy(), [1, 0, 1, 0])
    penalty, size = synergy_penalty(kl, 0.9)
    assert float(penalty) == pytest.approx(0.6) and float(size) == 2.0


def _random_kl(rng, d):
    kl = rng.exponential(1.0, d)
    if rng.random() < 0.5:
        kl = np.round(kl, 1)  # ties
    kl[rng.random(d) < 0.3] = 0.0
    return kl.astype(np.float32)


def _numpy_mask(kl, omega):
    mask = np.zeros(len(kl), np.float32)
    mask[greedy_subset_numpy(kl, omega)] = 1.0
    return mask


@pytest.mark.parametrize("d", [1, 4, 10])
def test_tf_mask_matches_numpy_reference(d):
    rng = np.random.default_rng(d)
    mask_fn = tf.function(synergy_mask)
    sizes = set()
    for omega in (0.5, 0.8, 0.9, 1.0):
        for _ in range(17):
            kl = _random_kl(rng, d)
            expected = _numpy_mask(kl, omega)
            sizes.add(int(expected.sum()))
            np.testing.assert_array_equal(mask_fn(kl, tf.constant(omega)).numpy(), expected,
                                          err_msg=f"kl={kl.tolist()} omega={omega}")
    assert len(sizes) > 1  # the draws reach different subset sizes


def test_tf_mask_under_xla():
    rng = np.random.default_rng(7)
    mask_fn = tf.function(synergy_mask, jit_compile=True)
    for omega in (0.5, 0.9):
        for _ in range(5):
            kl = _random_kl(rng, 10)
            np.testing.assert_array_equal(mask_fn(kl, tf.constant(omega)).numpy(),
                                          _numpy_mask(kl, omega))


def test_synergy_gradient_is_the_complement_mask():
    kl = tf.Variable([5, 0.1, 3, 0.5])
    with tf.GradientTape() as tape:
        penalty, _ = synergy_penalty(kl, 0.9)
    np.testing.assert_array_equal(tape.gradient(penalty, kl).numpy(), [0, 1, 0, 1])


# --- Total correlation ----------------------------------------------------------------------

def test_gaussian_log_density():
    # log N(1; 0, e) = -0.5 (ln 2π + 1 + 1/e)
    value = gaussian_log_density(tf.constant(1.0), tf.constant(0.0), tf.constant(1.0))
    assert float(value) == pytest.approx(-0.5 * (math.log(2 * math.pi) + 1 + math.exp(-1)))


def test_identical_posteriors_give_zero():
    # All q(z|x_k) equal: each logsumexp is (value + ln B), so after the −ln B the estimate is 0,
    # while disentanglement_lib's constant-free value is ln B − d ln B = −9 ln 1000 = −62.17.
    # (B = 1000 rather than 10000, which would need a 4 GB [B, B, d] tensor.)
    b, d = 1000, 10
    z = np.random.default_rng(0).normal(size=(b, d)).astype(np.float32)
    zeros = np.zeros_like(z)
    log_q = -0.5 * (np.log(2 * np.pi) + z.astype(np.float64) ** 2)  # [B, d], same for every k
    matrix = np.broadcast_to(log_q[:, None, :], (b, b, d))
    reference = np.mean(np.logaddexp.reduce(matrix.sum(2), 1)
                        - np.logaddexp.reduce(matrix, 1).sum(1))
    assert reference == pytest.approx(-9 * np.log(1000), abs=1e-6)
    value = float(total_correlation(z, zeros, zeros))
    assert value == pytest.approx(0.0, abs=1e-4)
    assert value == pytest.approx(reference + (d - 1) * np.log(b), abs=1e-4)


def _codes(means, variance, seed):
    z = means + np.sqrt(variance) * np.random.default_rng(seed).normal(size=means.shape)
    return z.astype(np.float32), means.astype(np.float32), np.full(means.shape, np.log(variance),
                                                                   np.float32)


def test_independent_codes():
    # Analytic TC is 0. Measured over seeds 0-7 (B = 2000, d = 4): 0.001-0.006 for posterior
    # variance 1, but 1.84-1.93 for variance 0.01: with posteriors that narrow each sample's own
    # posterior dominates the batch estimate of the 4-d joint q(z_i), a known upward bias.
    means = np.random.default_rng(0).normal(size=(2000, 4))
    assert abs(float(total_correlation(*_codes(means, 1.0, 1)))) < 0.02
    assert 1.6 < float(total_correlation(*_codes(means, 0.01, 1))) < 2.2


def test_correlated_codes():
    # Means with correlation ρ = 0.8 plus posterior variance s² = 0.01: the aggregate is Gaussian
    # with correlation ρ / (1 + s²), TC = −0.5 ln(1 − (ρ/(1+s²))²) = 0.494 (0.511 for the means
    # alone). Measured over seeds 0-7: 0.520-0.550.
    rho = 0.8
    cov = [[1, rho], [rho, 1]]
    means = np.random.default_rng(2).multivariate_normal([0, 0], cov, size=2000)
    analytic = -0.5 * np.log(1 - (rho / 1.01) ** 2)
    assert analytic == pytest.approx(0.494, abs=1e-3)
    assert float(total_correlation(*_codes(means, 0.01, 3))) == pytest.approx(analytic, abs=0.08)


# --- FactorVAE permutation ------------------------------------------------------------------

def test_permute_dims_keeps_marginals_and_breaks_the_joint():
    column = np.random.default_rng(0).normal(size=1000).astype(np.float32)
    z = np.stack([column, column, np.arange(1000, dtype=np.float32)], axis=1)
    permuted = tf.function(permute_dims, jit_compile=True)(z, tf.constant([1, 2])).numpy()
    np.testing.assert_array_equal(np.sort(permuted, axis=0), np.sort(z, axis=0))
    assert abs(np.corrcoef(permuted[:, 0], permuted[:, 1])[0, 1]) < 0.1
    assert not np.array_equal(permuted[:, 2], z[:, 2])


def test_permute_dims_depends_on_the_seed():
    z = np.tile(np.arange(50, dtype=np.float32)[:, None], (1, 3))
    first = permute_dims(z, tf.constant([0, 1])).numpy()
    np.testing.assert_array_equal(first, permute_dims(z, tf.constant([0, 1])).numpy())
    assert not np.array_equal(first, permute_dims(z, tf.constant([0, 2])).numpy())


# --- DIP-VAE covariance penalty ----------------------------------------------------------------

def test_dip_penalty_of_hand_made_covariances():
    # [[2, 0.5], [0.5, 1]]: off-diagonal 2 x 0.25 = 0.5, diagonal (2-1)² + 0 = 1.
    cov = np.array([[2.0, 0.5], [0.5, 1.0]], np.float32)
    assert [float(t) for t in covariance_deviations(cov)] == pytest.approx([0.5, 1.0])
    assert float(dip_penalty(cov, 10.0, 100.0)) == pytest.approx(5.0 + 100.0)
    assert float(dip_penalty(np.eye(3, dtype=np.float32), 10.0, 100.0)) == 0.0
    # 3x3: off-diagonal 2 (0.1² + 0.2² + 0.3²) = 0.28, diagonal 0.25 + 0.25 + 4 = 4.5.
    cov = np.array([[0.5, 0.1, -0.2], [0.1, 1.5, 0.3], [-0.2, 0.3, 3.0]], np.float32)
    assert float(dip_penalty(cov, 2.0, 1.0)) == pytest.approx(2.0 * 0.28 + 4.5)


def test_dip_covariances_match_numpy():
    rng = np.random.default_rng(1)
    mean = rng.normal(size=(50, 4)) @ rng.normal(size=(4, 4))
    logvar = rng.normal(scale=0.5, size=(50, 4))
    np.testing.assert_allclose(batch_covariance(mean.astype(np.float32)).numpy(),
                               np.cov(mean, rowvar=False, bias=True), rtol=1e-4, atol=1e-5)
    expected = np.cov(mean, rowvar=False, bias=True) + np.diag(np.exp(logvar).mean(axis=0))
    np.testing.assert_allclose(aggregate_covariance(mean.astype(np.float32),
                                                    logvar.astype(np.float32)).numpy(),
                               expected, rtol=1e-4, atol=1e-5)
