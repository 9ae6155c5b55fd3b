import numpy as np
import pytest
import tensorflow as tf

from vae_tf.objectives import BetaVAE, gaussian_kl, linear_warmup, reconstruction_loss


def test_kl_matches_numpy():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(4, 6)).astype(np.float32)
    logvar = rng.normal(size=(4, 6)).astype(np.float32)
    expected = 0.5 * (mean**2 + np.exp(logvar) - logvar - 1)
    np.testing.assert_allclose(gaussian_kl(mean, logvar).numpy(), expected, rtol=1e-5)


def test_kl_closed_forms():
    zeros = np.zeros((3, 10), np.float32)
    np.testing.assert_allclose(gaussian_kl(zeros, zeros).numpy(), 0.0, atol=1e-7)
    ones, zero = np.ones((1, 10), np.float32), np.zeros((1, 10), np.float32)
    assert gaussian_kl(ones, zero).numpy().sum() == pytest.approx(5.0, abs=1e-5)
    assert gaussian_kl(ones, ones).numpy().sum() == pytest.approx(5 * (np.e - 1), abs=1e-4)
    assert 5 * (np.e - 1) == pytest.approx(8.59, abs=0.01)


@pytest.fixture
def images_and_logits():
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(3, 4, 4, 1)).astype(np.float32)
    logits = rng.normal(scale=3, size=(3, 4, 4, 1)).astype(np.float32)
    return x, logits


def test_cross_entropy_is_bernoulli_nll_summed_over_pixels(images_and_logits):
    x, logits = images_and_logits
    p = 1 / (1 + np.exp(-logits.astype(np.float64)))
    expected = -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(reconstruction_loss(x, logits, "ce").numpy(), expected, rtol=1e-5)


def test_cross_entropy_gradient_is_sigmoid_minus_x(images_and_logits):
    """The written-out gradient of the Bernoulli term: d/dlogits = sigmoid(l) - x and
    d/dx = -l per pixel, times each example's upstream weight (hand-computed in float64),
    as automatic differentiation of TensorFlow's stable form gives."""
    x, logits = (tf.constant(t) for t in images_and_logits)
    weights = tf.constant([1.0, -2.0, 0.5])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, logits])
        ours = tf.reduce_sum(weights * reconstruction_loss(x, logits, "ce"))
        autodiff = tf.reduce_sum(weights * tf.reduce_sum(
            tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits), axis=(1, 2, 3)))
    w = weights.numpy()[:, None, None, None].astype(np.float64)
    p = 1 / (1 + np.exp(-logits.numpy().astype(np.float64)))
    expected = (w * (p - x.numpy()), -w * logits.numpy())
    for ours_grad, autodiff_grad, hand in zip(tape.gradient(ours, [logits, x]),
                                              tape.gradient(autodiff, [logits, x]), expected):
        np.testing.assert_allclose(ours_grad.numpy(), hand, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ours_grad.numpy(), autodiff_grad.numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_squared_and_absolute_error(images_and_logits):
    x, logits = images_and_logits
    p = 1 / (1 + np.exp(-logits.astype(np.float64)))
    np.testing.assert_allclose(reconstruction_loss(x, logits, "mse").numpy(),
                               ((x - p) ** 2).sum(axis=(1, 2, 3)), rtol=1e-5)
    np.testing.assert_allclose(reconstruction_loss(x, logits, "ad").numpy(),
                               np.abs(x - p).sum(axis=(1, 2, 3)), rtol=1e-5)


def test_hand_computed_cross_entropy():
    # One pixel at probability 0.5 costs ln 2 whatever its value; two such pixels, 2 ln 2.
    x = np.array([[[[1.0], [0.0]]]], np.float32)
    logits = np.zeros_like(x)
    assert reconstruction_loss(x, logits, "ce").numpy()[0] == pytest.approx(2 * np.log(2))


def test_unknown_reconstruction_loss():
    with pytest.raises(ValueError, match="recon_loss"):
        reconstruction_loss(np.zeros((1, 2)), np.zeros((1, 2)), "l3")


@pytest.mark.parametrize("step, weight", [(0, 0.0), (25, 0.25), (100, 1.0), (1000, 1.0)])
def test_linear_warmup(step, weight):
    assert float(linear_warmup(step, 100)) == pytest.approx(weight)


def test_warmup_off_is_one_from_the_start():
    assert float(linear_warmup(0, 0)) == 1.0


def test_beta_vae_regulariser():
    objective = BetaVAE(beta=4.0, kl_warmup_steps=100)
    none = np.zeros((2, 3), np.float32)
    value, extras = objective([4.0, 6.0], none, none, none, step=50)
    assert float(value) == pytest.approx(20.0)
    assert float(extras["beta_t"]) == pytest.approx(2.0)
    value, extras = BetaVAE(beta=0.5)([10.0], none, none, none, step=0)
    assert float(value) == pytest.approx(5.0)


def test_beta_must_be_non_negative():
    with pytest.raises(ValueError, match="beta"):
        BetaVAE(beta=-1.0)
