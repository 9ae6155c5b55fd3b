import keras
import numpy as np
import pytest
import tensorflow as tf

from vae_tf.models import architectures
from vae_tf.models.sampling import Sampling
from vae_tf.models.vae import VAE
from vae_tf.objectives import BetaVAE

# (model, hidden_size) of the original grid and the latent size each gives at 32 and 64 pixels.
GRID = [("fully_connected", 10, 10, 10), ("conv", 32, 32, 32), ("all_conv", 1, 16, 64)]


@pytest.mark.parametrize("model, hidden, latents32, latents64", GRID)
@pytest.mark.parametrize("resolution", [32, 64])
def test_output_shapes(model, hidden, latents32, latents64, resolution):
    encoder, decoder = architectures.build(model, (resolution, resolution, 1), hidden)
    latents = latents32 if resolution == 32 else latents64
    x = np.zeros((3, resolution, resolution, 1), np.float32)
    mean, logvar = encoder(x)
    assert mean.shape == (3, latents) and logvar.shape == (3, latents)
    assert decoder.input_shape == (None, latents)
    assert decoder(mean).shape == (3, resolution, resolution, 1)


def test_layer_tables():
    encoder, decoder = architectures.build("conv", (32, 32, 1), 32)
    convs = [l for l in encoder.layers if isinstance(l, keras.layers.Conv2D)]
    assert [(l.filters, l.kernel_size, l.strides) for l in convs] == [
        (8, (3, 3), (2, 2)), (8, (3, 3), (1, 1)), (8, (3, 3), (2, 2)), (4, (1, 1), (1, 1))]
    dense = [l.units for l in encoder.layers if isinstance(l, keras.layers.Dense)]
    assert dense == [128, 64]
    dense = [l.units for l in decoder.layers if isinstance(l, keras.layers.Dense)]
    assert dense == [128, 256]
    encoder, decoder = architectures.build("fully_connected", (32, 32, 1), 10)
    assert [l.units for l in encoder.layers if isinstance(l, keras.layers.Dense)] == \
        [1200, 1200, 20]
    assert [l.units for l in decoder.layers if isinstance(l, keras.layers.Dense)] == \
        [1200, 1200, 1200, 1024]


def test_initialisers():
    encoder, _ = architectures.build("conv", (32, 32, 1), 4, weight_init=0.05)
    for layer in encoder.layers:
        if isinstance(layer, keras.layers.Dense):
            np.testing.assert_allclose(layer.bias.numpy(), 0.05)
            assert np.abs(layer.kernel.numpy()).max() <= 2 * 0.05 + 1e-6  # truncated at 2 std
        elif isinstance(layer, keras.layers.Conv2D):
            np.testing.assert_allclose(layer.bias.numpy(), 0.01)
            assert layer.kernel.numpy().std() == pytest.approx(0.0088, rel=0.3)


def test_dropout_and_weight_decay_are_optional():
    encoder, decoder = architectures.build("conv", (32, 32, 1), 4)
    assert not any(isinstance(l, keras.layers.Dropout) for l in encoder.layers)
    x = np.ones((2, 32, 32, 1), np.float32)
    encoder(x)
    assert not encoder.losses
    encoder, _ = architectures.build("conv", (32, 32, 1), 4, keep_prob=0.5, weight_decay=0.01)
    assert any(isinstance(l, keras.layers.Dropout) for l in encoder.layers)
    encoder(x)
    expected = sum(0.005 * np.sum(l.kernel.numpy() ** 2) for l in encoder.layers
                   if hasattr(l, "kernel"))
    assert float(tf.add_n(encoder.losses)) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("channels", [1, 3])
def test_paper_models_at_64_pixels(channels):
    x = np.random.default_rng(0).uniform(size=(2, 64, 64, channels)).astype(np.float32)
    encoder, decoder = architectures.build("burgess_conv", (64, 64, channels), 10)
    convs = [l for l in encoder.layers if isinstance(l, keras.layers.Conv2D)]
    assert [(l.filters, l.kernel_size[0], l.strides[0]) for l in convs] == [
        (32, 4, 2), (32, 4, 2), (64, 2, 2), (64, 2, 2)]
    assert [l.units for l in encoder.layers if isinstance(l, keras.layers.Dense)] == [256, 20]
    assert [l.units for l in decoder.layers if isinstance(l, keras.layers.Dense)] == [256, 1024]
    deconvs = [l for l in decoder.layers if isinstance(l, keras.layers.Conv2DTranspose)]
    assert [(l.filters, l.kernel_size[0], l.strides[0]) for l in deconvs] == [
        (64, 4, 2), (32, 4, 2), (32, 4, 2), (channels, 4, 2)]
    mean, logvar = encoder(x)
    assert mean.shape == (2, 10) and decoder(mean).shape == (2, 64, 64, channels)
    # ReLU hidden layers, linear heads, Keras' default zero biases.
    assert convs[0].activation is keras.activations.relu
    assert deconvs[-1].activation is keras.activations.linear
    np.testing.assert_array_equal(convs[0].bias.numpy(), 0.0)

    encoder, decoder = architectures.build("fc_1200", (64, 64, 1), 10)
    assert [l.units for l in encoder.layers if isinstance(l, keras.layers.Dense)] == \
        [1200, 1200, 20]
    assert [l.units for l in decoder.layers if isinstance(l, keras.layers.Dense)] == \
        [1200, 1200, 1200, 4096]
    dense = [l for l in encoder.layers if isinstance(l, keras.layers.Dense)]
    assert dense[0].activation is keras.activations.relu


def test_sizes_the_convolutions_cannot_take():
    with pytest.raises(ValueError, match="burgess_conv.*needs 64x64 images, got 32x32"):
        architectures.build("burgess_conv", (32, 32, 1), 10)
    with pytest.raises(ValueError, match="divisible by 8"):
        architectures.build("all_conv", (28, 28, 1), 1)
    with pytest.raises(ValueError, match="model must be one of"):
        architectures.build("resnet")


def test_sampling_draws_fresh_seeded_noise():
    mean = np.zeros((1000, 4), np.float32)
    logvar = np.full((1000, 4), np.log(4.0), np.float32)
    layer = Sampling(seed=0)
    a, b = layer(mean, logvar).numpy(), layer(mean, logvar).numpy()
    assert not np.allclose(a, b)
    assert a.std() == pytest.approx(2.0, rel=0.05)
    np.testing.assert_array_equal(Sampling(seed=0)(mean, logvar).numpy(), a)


def small_vae(model="conv", hidden=8, lr=1e-3, jit=False):
    keras.utils.set_random_seed(0)
    encoder, decoder = architectures.build(model, (32, 32, 1), hidden)
    vae = VAE(encoder, decoder, BetaVAE(beta=1.0), seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(lr), jit_compile=jit)
    return vae


def test_train_step_reports_every_term():
    vae = small_vae(hidden=5)
    x = np.random.default_rng(0).uniform(size=(16, 32, 32, 1)).astype(np.float32)
    history = vae.fit(x, batch_size=4, epochs=1, verbose=0).history  # means over 4 steps
    assert {"loss", "reconstruction", "kl", "beta_t"} <= set(history)
    assert sorted(k for k in history if k.startswith("kl_")) == [f"kl_{j:02d}" for j in range(5)]
    per_latent = [history[f"kl_{j:02d}"][0] for j in range(5)]
    assert sum(per_latent) == pytest.approx(history["kl"][0], rel=1e-4)
    assert history["loss"][0] == pytest.approx(history["reconstruction"][0] + history["kl"][0],
                                               rel=1e-4)
    evaluation = vae.evaluate(x, batch_size=16, verbose=0, return_dict=True)
    assert evaluation["reconstruction"] > 0 and evaluation["kl"] >= 0


def test_mean_vector_is_the_mean_of_each_entry():
    from vae_tf.models.vae import MeanVector

    values = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    tracker = MeanVector(3)
    for row in values:
        tracker.update_state(row)
    np.testing.assert_allclose(tracker.result().numpy(), values.mean(axis=0), rtol=1e-6)
    tracker.reset_state()
    np.testing.assert_array_equal(tracker.result().numpy(), np.zeros(3))


def mean_image_nats(frames):
    """Cross-entropy (nats per image) of predicting every frame by the per-pixel mean frame:
    what a VAE whose posterior collapsed reaches."""
    p = np.clip(frames.mean(axis=0), 1e-6, 1 - 1e-6)
    return float(-(frames * np.log(p) + (1 - frames) * np.log(1 - p)).sum(axis=(1, 2, 3)).mean())


def test_short_training_run_learns_balls():
    """300 steps on balls: the reconstruction term falls to the mean-image level."""
    from vae_tf.data import balls
    from vae_tf.data.pipeline import balls_dataset

    baseline = mean_image_nats(balls.sample_iid(4096, 1, np.random.default_rng(0))[0])
    vae = small_vae("conv", hidden=8)
    data = balls_dataset(64, num_balls=1, seed=0)

    def reconstruction(steps):
        history = vae.fit(data, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False)
        return history.history["reconstruction"][0]

    first = reconstruction(20)
    reconstruction(260)
    last = reconstruction(20)
    assert first > 2 * baseline, (first, baseline)
    assert last < 1.1 * baseline, (last, baseline)


@pytest.mark.slow
def test_training_goes_below_the_mean_image(tmp_path):
    """3,000 steps of the conv model, β = 1 with KL warm-up: the code must carry the ball's
    position, so the held-out reconstruction falls far below the collapsed-posterior level."""
    from vae_tf.config import TrainConfig
    from vae_tf.data import balls
    from vae_tf.training.train import train

    baseline = mean_image_nats(balls.sample_iid(4096, 1, np.random.default_rng(0))[0])
    config = TrainConfig(train_dir=str(tmp_path / "run"), model="conv", beta=1.0,
                         kl_warmup_steps=2000, max_step=3000, log_every=500)
    result = train(config, print_fn=lambda line: None)
    assert result["step"] == 3000
    assert result["reconstruction"] < 0.3 * baseline, (result, baseline)
    assert result["kl"] > 3.0
