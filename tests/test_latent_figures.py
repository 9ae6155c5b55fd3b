"""The latent-space figures (--latent_figures) from short runs on a labelled image folder: a
VAE trained without one label, then resumed with it, and the same model as a plain
autoencoder."""

import dataclasses
import json
import os

import numpy as np
import pytest

from vae_tf.config import ConfigError, TrainConfig

LABELS = 3


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """``(checkpoint_dir, figure_dir, written, lines)`` after training the two runs (20 steps
    each; the VAE without label 2 for its first 10) and drawing every figure."""
    from vae_tf.figures import make_figures
    from vae_tf.tf_startup import import_tensorflow
    from vae_tf.training.run_dir import prepare_run_dir
    from vae_tf.training.train import train
    import_tensorflow()
    import tensorflow as tf

    root = tmp_path_factory.mktemp("latent")
    rng = np.random.default_rng(0)
    for label in range(LABELS):  # each class a bright square in its own corner, with noise
        for i in range(12):
            pixels = rng.integers(0, 60, (8, 8, 1)).astype(np.uint8)
            row, column = divmod(label, 2)
            pixels[row * 4:row * 4 + 4, column * 4:column * 4 + 4] = 255
            path = f"{root}/images/{label}/{i}.png"
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tf.io.write_file(path, tf.io.encode_png(pixels))
    base = TrainConfig(dataset="image_folder", image_dir=f"{root}/images", image_size=8,
                       model="conv", hidden_size=3, batch_size=8, lr=1e-3,
                       max_step=20, log_every=10, save_every=10, jit_compile="off",
                       beta=1.0, keep_checkpoints=4)
    quiet = lambda line: None  # noqa: E731
    new_class = dataclasses.replace(base, train_dir=f"{root}/runs/run", max_step=10,
                                    exclude_label=2)
    train(new_class, print_fn=quiet)
    resumed = dataclasses.replace(new_class, max_step=20, exclude_label=None)
    prepare_run_dir(resumed)  # as main.py does before training
    train(resumed, print_fn=quiet)
    train(dataclasses.replace(base, train_dir=f"{root}/runs/run", beta=0.0,
                              deterministic=True), print_fn=quiet)
    lines = []
    written = make_figures(f"{root}/runs", f"{root}/figures", print_fn=lines.append,
                           latent=True)
    return f"{root}/runs", f"{root}/figures", written, lines


def test_every_latent_figure_is_written(runs):
    _, figures, written, lines = runs
    names = {os.path.relpath(path, figures) for path in written}
    for run in ("dataset_image_folder_model_conv_beta_1.0",
                "dataset_image_folder_model_conv_beta_0.0_deterministic"):
        for name in ("latent_map.png", "interpolations.png", "kl_distribution.png",
                     "class_drift.png"):
            assert f"{run}/{name}" in names
    assert ("ae_vs_vae_dataset_image_folder_model_conv_beta_0.0_deterministic.png"
            in names)
    assert not any("no autoencoder-vs-VAE" in line or "no class drift" in line
                   for line in lines), lines


def test_resuming_without_the_excluded_label_records_when_it_was_added(runs):
    checkpoints = runs[0]
    run = f"{checkpoints}/run_dataset_image_folder_model_conv_beta_1.0"
    with open(f"{run}/added_label.json") as f:
        assert json.load(f) == {"label": 2, "step": 10}
    with open(f"{run}/config.json") as f:
        assert json.load(f)["exclude_label"] is None


@pytest.fixture(scope="module")
def vae_run(runs):
    """The trained VAE run, restored, with its held-out images and their colours."""
    from vae_tf.figures import runs as found_runs
    from vae_tf.data import sources

    run, = [r for r in found_runs.find_runs(runs[0], lambda line: None)
            if r.name == "dataset_image_folder_model_conv_beta_1.0"]
    held_out, colours = sources.held_out_data(run.config, lambda line: None)
    return run, found_runs.restore(run), held_out, colours


def test_map_has_a_pca_and_a_tsne_panel_and_a_labelled_colour_bar(vae_run):
    from vae_tf.figures import latent_space, runs

    run, vae, held_out, colours = vae_run
    mean, _ = runs.encode(vae, held_out)
    projected, explained, _ = latent_space.pca(mean)
    figure = latent_space.plot_map(projected, explained, latent_space.tsne(mean), colours,
                                   "title, step 20")
    pca, tsne, bar = figure.axes
    assert pca.get_title() == "PCA" and tsne.get_title().startswith("t-SNE")
    assert "latent units" in pca.get_xlabel() and "% of variance" in pca.get_ylabel()
    assert tsne.get_xlabel().startswith("t-SNE 1")
    assert bar.get_ylabel() == "label"
    assert [t.get_text() for t in bar.get_yticklabels()] == ["0", "1", "2"]
    assert len(pca.collections[0].get_offsets()) == len(held_out) == 4  # 10 % of 36


def test_interpolation_ends_are_the_reconstructions_of_the_two_images(vae_run):
    from vae_tf.figures import grids, latent_space, runs

    run, vae, held_out, colours = vae_run
    mean, _ = runs.encode(vae, held_out)
    pairs = latent_space.pairs(len(held_out), colours.values)
    assert pairs.shape == (2, 2) and list(pairs[:, 0]) == [0, 2]
    strips = latent_space.interpolations(lambda z: runs.decode(vae, z), mean, pairs)
    assert strips.shape == (2, latent_space.STEPS, 8, 8, 1)
    _, reconstructions, _ = grids.grid_images(vae, held_out, mean[:1])
    np.testing.assert_allclose(strips[:, 0], reconstructions[pairs[:, 0]], atol=1e-5)
    np.testing.assert_allclose(strips[:, -1], reconstructions[pairs[:, 1]], atol=1e-5)
    figure = latent_space.plot_interpolations(held_out[pairs], strips, ["a", "b"], "t")
    assert len(figure.axes) == 2 and [ax.get_title() for ax in figure.axes] == ["a", "b"]
    heads = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert heads[0] == "A" and heads[1] == "t=0" and heads[-2] == "t=1" and heads[-1] == "B"


def test_interpolation_codes_hit_both_ends_exactly():
    from vae_tf.figures import latent_space

    start = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    end = np.random.default_rng(1).standard_normal((3, 5)).astype(np.float32)
    codes = latent_space.interpolation_codes(start, end, 6)
    assert codes.shape == (3, 6, 5)
    np.testing.assert_array_equal(codes[:, 0], start)
    np.testing.assert_array_equal(codes[:, -1], end)


def test_class_drift_is_zero_at_the_last_step():
    from vae_tf.figures import latent_comparisons

    means = np.stack([np.full((2, 3), 4.0), np.zeros((2, 3))])
    np.testing.assert_allclose(latent_comparisons.drift(means), [[np.sqrt(48)] * 2, [0, 0]])
    steps = [100 * (i + 1) for i in range(9)]
    assert latent_comparisons.drift_steps(steps, 5) == [0, 2, 4, 6, 8]
    assert latent_comparisons.drift_steps(steps, 5, keep=400) == [0, 3, 4, 6, 8]
    assert latent_comparisons.drift_steps(steps[:3], 5, keep=150) == [0, 1, 2]


def test_deterministic_is_a_plain_autoencoder_only():
    with pytest.raises(ConfigError, match="^--deterministic: .*--beta=0"):
        TrainConfig(deterministic=True, beta=1.0)
    assert TrainConfig(deterministic=True, beta=0.0).run_dir.endswith("beta_0.0_deterministic")


class _OneLatent:
    """A stand-in model: one latent (the first pixel), decoding to grey."""

    latent_dim = 1

    def encode(self, images, training=False):
        codes = np.asarray(images).reshape(len(images), -1)[:, :1]
        return codes, np.zeros_like(codes)

    def decode(self, codes, training=False):
        return np.zeros((len(codes), 4, 4, 1), np.float32)


def test_too_few_latents_or_images_skip_the_map_and_interpolations_with_a_line(tmp_path):
    from vae_tf.figures import latent_comparisons, latent_space

    assert latent_space.map_problem(np.zeros((3, 2))) is None
    assert "2 held-out images" in latent_space.map_problem(np.zeros((2, 4)))
    lines = []
    written, summary = latent_space.run_figures(_OneLatent(), "r", 5, np.ones((1, 4, 4, 1)),
                                                None, str(tmp_path), lines.append)
    assert lines == ["r: no latent map (one latent: nothing to lay out in 2-D)",
                     "r: no interpolations (one held-out image)"]
    assert [os.path.basename(p) for p in written] == [latent_space.KL_FILE]
    summary.update(step=5, prior=np.zeros((8, 4, 4, 1)))
    figure = latent_comparisons.plot_ae_vs_vae([("AE, step 5", summary)], "title")
    texts = [t.get_text() for ax in figure.axes for t in ax.texts]
    assert texts == ["no map (see the console)", "no interpolations (one held-out image)"]


def test_factor_colour_bars_name_the_left_end_only_for_a_horizontal_position():
    from types import SimpleNamespace

    from vae_tf.data.sources import _factor_colours

    factors = np.zeros((3, 2))
    shapes3d = SimpleNamespace(factor_names=("floor_hue", "wall_hue"), factors_num_values=(10, 10))
    balls = SimpleNamespace(factor_names=("ball0_x", "ball0_y"), factors_num_values=(32, 32))
    assert _factor_colours(shapes3d, factors).name == "floor hue (bin, 0-9)"
    assert _factor_colours(balls, factors).name == "ball0 x (bin, 0-31, 0 = left)"
