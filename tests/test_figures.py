"""vae_tf.figures on tiny runs trained here: every file, its size and content, the heat map's
row order, GIF frames, stddev lines, identical reruns, skips and errors."""

import hashlib
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from vae_tf.config import TrainConfig
from vae_tf.figures import (__main__ as cli, curves, gifs, grids, ground_truth_plots, heat_map,
                            make_figures, plotting, reconstruction_loss, runs, stddev,
                            traversals)
from vae_tf.data.dsprites_rendered import RenderedDSprites
from vae_tf.training.train import train

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# 20 steps per run: seconds each (a run's fixed costs dominate), yet 2 kept checkpoints and 4
# logged points. The fully_connected one-ball runs have active latents (ground-truth plots) from
# their initialisation on.
SHORT = dict(batch_size=32, max_step=20, log_every=5, save_every=10, jit_compile="off")
RUNS = [
    dict(model="fully_connected", hidden_size=10, beta=0.1),
    dict(model="fully_connected", hidden_size=10, beta=1.0),
    dict(model="conv", hidden_size=4, beta=1.0, num_balls=2),  # the two-ball graphs
    dict(model="all_conv", hidden_size=1, beta=1.0),  # the original grid's all_conv: 16 latents
    dict(dataset="dsprites_rendered", model="burgess_conv", hidden_size=3, beta=1.0,
         batch_size=16),
]
NO_EVENTS = "model_all_conv_num_balls_1_beta_1.0"
FC_ONE_BALL = ("model_fully_connected_num_balls_1_beta_0.1",
               "model_fully_connected_num_balls_1_beta_1.0")
# The one-ball graphs compare every one-ball run; the other figures of FC_ONE_BALL's runs are
# drawn from them alone.
ALL_ONE_BALL_RUNS = "one_ball_reconstruction_loss.png"


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    """The runs, trained once; their figures made once; the lines printed."""
    root = tmp_path_factory.mktemp("figures")
    checkpoint_dir = os.path.join(root, "checkpoints")
    configs = [TrainConfig(train_dir=os.path.join(checkpoint_dir, "train_store"),
                           **{**SHORT, **spec}) for spec in RUNS]
    for config in configs:
        train(config, print_fn=lambda line: None)
    no_events = os.path.join(checkpoint_dir, f"train_store_{NO_EVENTS}")
    for name in os.listdir(no_events):
        if name.startswith("events.out.tfevents"):
            os.remove(os.path.join(no_events, name))
    unfinished = os.path.join(checkpoint_dir, "unfinished")
    os.makedirs(unfinished)
    shutil.copy(os.path.join(no_events, "config.json"), unfinished)
    figure_dir = os.path.join(root, "figures")
    lines = []
    written = make_figures(checkpoint_dir, figure_dir, print_fn=lines.append)
    return dict(root=root, checkpoint_dir=checkpoint_dir, figure_dir=figure_dir,
                written=written, lines=lines,
                runs={run.name: run for run in runs.find_runs(checkpoint_dir, lambda line: None)})


def picture(path):
    image = Image.open(path)
    image.load()
    return image


def assert_not_blank(image):
    pixels = np.asarray(image.convert("L"), np.float64)
    assert pixels.std() > 0
    background = np.bincount(pixels.astype(np.int64).ravel()).max() / pixels.size
    assert background < 0.99  # more than a frame: at least 1 % of the pixels draw something


def expected_files(figures):
    """``{relative path: (width, height)}`` of every file the runs must give (ground-truth plots
    apart: their height depends on the active latents)."""
    files = {}
    for name, run in figures["runs"].items():
        config = run.config
        latents = run.config.hidden_size * (16 if config.model == "all_conv" else 1)
        side = config.image_shape[0]
        if config.dataset == "balls":
            files[f"heat_map_{name}.png"] = plotting.pixels(heat_map.figure_size(min(10, latents)))
        for step in (10, 20):
            files[f"{name}/grid_step_{step}.png"] = plotting.pixels(
                grids.figure_size(8, side, side))
        scale = max(1, 64 // side)
        width = scale * (gifs.IMAGES * (side + gifs.GAP) - gifs.GAP)
        for rows, gif in [(latents, gifs.GRID_FILE)] + [(1, f"traversal_{rank:02d}_z")
                                                        for rank in range(latents)]:
            height = scale * (rows * (side + gifs.GAP) - gifs.GAP) + gifs.GAP + gifs.BAR
            files[f"{name}/{gif}"] = (width, height)
        if name != NO_EVENTS:
            files[f"{name}/losses.png"] = plotting.pixels(curves.losses_size(4))  # and beta_t
            files[f"{name}/kl_per_latent.png"] = plotting.pixels(curves.kl_size(latents))
    for stem in ("one_ball_stddev_fully_connected", "one_ball_stddev_all_conv",
                 "two_ball_stddev_conv"):
        files[f"{stem}.png"] = plotting.pixels(stddev.SIZE)
    for balls in ("one", "two"):
        files[f"{balls}_ball_reconstruction_loss.png"] = plotting.pixels(reconstruction_loss.SIZE)
    return files


def test_every_figure_is_written_with_its_size_and_content(figures):
    written = [os.path.relpath(path, figures["figure_dir"]) for path in figures["written"]]
    assert len(written) == len(set(written))
    expected = expected_files(figures)
    ground_truth = {path for path in written if path.endswith(ground_truth_plots.FILE_NAME)}
    keys = []
    for path in sorted(set(written) - ground_truth):
        # Per-latent GIFs carry the latent's index after their rank: match them by prefix.
        key = path if "/traversal_" not in path else path[:path.rindex("_z") + 2]
        keys.append(key)
        assert key in expected, path
        image = picture(os.path.join(figures["figure_dir"], path))
        assert image.size == expected[key], path
        assert_not_blank(image)
    assert set(keys) == set(expected) and len(keys) == len(expected)
    # The ground-truth plot: for each balls run, written (size of 1 map column by its active
    # latents) or skipped in one line because no latent is active after so few steps.
    for name, run in figures["runs"].items():
        path = f"{name}/{ground_truth_plots.FILE_NAME}"
        columns = run.config.num_balls if run.config.dataset == "balls" else 3
        if path in ground_truth:
            image = picture(os.path.join(figures["figure_dir"], path))
            sizes = [plotting.pixels(ground_truth_plots.figure_size(rows, columns))
                     for rows in range(1, run.config.hidden_size + 1)]
            assert image.size in sizes
            assert_not_blank(image)
        else:
            assert (f"{name}: no ground-truth plot (no active latent: Var(μ) <= 0.01 for every "
                    "latent)") in figures["lines"]
    assert {f"{name}/ground_truth.png" for name in FC_ONE_BALL} <= ground_truth


def test_skipped_figures_are_one_line_each(figures):
    lines = figures["lines"]
    assert all("\n" not in line for line in lines)
    unfinished = os.path.join(figures["checkpoint_dir"], "unfinished")
    assert f"skipped {unfinished}: no checkpoint (train it first)" in lines
    dsprites = "dataset_dsprites_rendered_model_burgess_conv_beta_1.0"
    assert (f"{dsprites}: no heat map, stddev or reconstruction-error graph (balls runs only; "
            "this is --dataset=dsprites_rendered)") in lines
    assert any(line.startswith(f"{NO_EVENTS}: no loss curves or KL bars (no TensorBoard scalars")
               for line in lines)
    assert lines[-1] == f"wrote {len(figures['written'])} files to {figures['figure_dir']}"


def digests(folder):
    result = {}
    for parent, _, files in os.walk(folder):
        for name in files:
            with open(os.path.join(parent, name), "rb") as f:
                result[os.path.relpath(os.path.join(parent, name), folder)] = (
                    hashlib.sha256(f.read()).hexdigest())
    return result


def test_a_second_run_writes_identical_files(figures, capsys):
    """The figures of the two fully_connected one-ball runs again, from a folder holding them
    alone: every file identical (the one-ball graph of all runs apart, which now has fewer
    lines). The slow suite redraws every run."""
    subset = os.path.join(figures["root"], "subset")
    for name in FC_ONE_BALL:
        shutil.copytree(figures["runs"][name].path, os.path.join(subset, f"train_store_{name}"),
                        copy_function=os.link)
    again = os.path.join(figures["root"], "again")
    cli.main([f"--checkpoint_dir={subset}", f"--figure_dir={again}"])
    assert "wrote" in capsys.readouterr().out
    first, second = digests(figures["figure_dir"]), digests(again)
    assert len(first) == len(figures["written"])
    mine = {path for path in first if any(name in path for name in FC_ONE_BALL)}
    assert len(mine) > 2 * 10  # heat maps, grids, GIFs, curves, ground-truth plots
    expected = mine | {"one_ball_stddev_fully_connected.png", ALL_ONE_BALL_RUNS}
    assert set(second) == expected
    assert {path: second[path] for path in expected - {ALL_ONE_BALL_RUNS}} == {
        path: first[path] for path in expected - {ALL_ONE_BALL_RUNS}}


@pytest.mark.slow  # every run's figures drawn twice
def test_a_second_run_of_every_run_writes_identical_files(figures, capsys):
    again = os.path.join(figures["root"], "again_all")
    cli.main([f"--checkpoint_dir={figures['checkpoint_dir']}", f"--figure_dir={again}"])
    assert "wrote" in capsys.readouterr().out
    first = digests(figures["figure_dir"])
    assert len(first) == len(figures["written"])
    assert digests(again) == first


def test_sigma_order_is_ascending_with_ties_in_index_order():
    sigma = np.array([0.5, 0.1, 1.0, 0.1, 0.3])
    logvar = np.tile(2 * np.log(sigma), (4, 1))
    latents, values = traversals.sigma_order(logvar, 3)
    assert latents.tolist() == [1, 3, 4]
    np.testing.assert_allclose(values, [0.1, 0.1, 0.3])
    assert traversals.sigma_order(logvar)[0].tolist() == [1, 3, 4, 0, 2]


def row_sigmas(figure):
    labels = [tick.get_text() for tick in figure.axes[0].get_yticklabels()]
    assert all(label.startswith("z") and "σ = " in label for label in labels)
    return [(int(label.split("\n")[0][1:]), float(label.rsplit("= ", 1)[1])) for label in labels]


def test_heat_map_rows_ascend_in_sigma(figures):
    run = figures["runs"][FC_ONE_BALL[1]]
    vae = runs.restore(run)
    latents, sigma, images = heat_map.heat_map_data(vae, run.config, "mean")
    assert images.shape == (10, len(heat_map.VALUES), 32, 32, 1)
    assert np.all(np.diff(sigma) >= 0)
    frames = heat_map_trajectory(run.config)
    np.testing.assert_allclose(sigma, np.sort(traversals.mean_sigma(runs.encode(vae, frames)[1])))
    rows = row_sigmas(heat_map.plot(latents, sigma, images, "title"))
    assert [latent for latent, _ in rows] == latents.tolist()
    assert [value for _, value in rows] == sorted(value for _, value in rows)
    assert [value for _, value in rows] == [round(float(s), 2) for s in sigma]
    # The sampled start (the original's) decodes a different code from the same rows.
    sampled = heat_map.heat_map_data(vae, run.config, "sample")
    assert sampled[0].tolist() == latents.tolist() and not np.allclose(sampled[2], images)


def heat_map_trajectory(config):
    from vae_tf.data import balls

    return balls.simulate(heat_map.FRAMES, config.num_balls, seed=heat_map.TRAJECTORY_SEED)[0]


def test_gifs_have_one_frame_per_value(figures):
    folder = os.path.join(figures["figure_dir"], NO_EVENTS)  # all_conv, mostly unused latents
    names = sorted(os.listdir(folder))
    gif_names = [name for name in names if name.endswith(".gif")]
    assert len(gif_names) == 1 + 16
    for name in gif_names:
        with Image.open(os.path.join(folder, name)) as image:
            assert image.n_frames == len(traversals.VALUES), name
    # Files list in KL order: rank first, then the latent's index; every latent once.
    latents = [int(name[-6:-4]) for name in gif_names if name.startswith("traversal_")]
    assert sorted(latents) == list(range(16))


def test_stddev_graph_has_one_line_per_beta(figures):
    sigma_by_beta = {}
    for name in FC_ONE_BALL:
        run = figures["runs"][name]
        sigma_by_beta[run.config.beta] = stddev.sorted_sigma(runs.restore(run), run.config)
    figure = stddev.plot(sigma_by_beta, 1, "fully_connected")
    lines = figure.axes[0].get_lines()
    assert len(lines) == 2
    assert [line.get_label() for line in lines] == ["β = 0.1", "β = 1"]
    for line in lines:
        assert len(line.get_ydata()) == 10 and np.all(np.diff(line.get_ydata()) >= 0)
    single = stddev.plot({1.0: sigma_by_beta[1.0]}, 1, "fully_connected")
    assert len(single.axes[0].get_lines()) == 1


def test_traversal_image_is_logged_to_tensorboard(figures):
    from tensorboard.backend.event_processing import plugin_event_accumulator as accumulator

    run = figures["runs"][FC_ONE_BALL[0]]
    events = accumulator.EventAccumulator(run.path)
    events.Reload()
    assert "traversals" in events.Tags()["tensors"]
    width, height = events.Tensors("traversals")[-1].tensor_proto.string_val[:2]
    assert (int(width), int(height)) == (len(traversals.VALUES) * 32, 10 * 32)


def test_sweep_codes_change_one_latent_at_a_time():
    code = np.array([0.5, -1.0, 2.0], np.float32)
    codes = traversals.sweep_codes(code, [2, 0], [-3.0, 0.0, 3.0])
    assert codes.shape == (2, 3, 3)
    np.testing.assert_array_equal(codes[0, :, 2], [-3, 0, 3])
    np.testing.assert_array_equal(codes[1, :, 0], [-3, 0, 3])
    np.testing.assert_array_equal(codes[0, :, :2], np.tile(code[:2], (3, 1)))
    np.testing.assert_array_equal(codes[1, :, 1:], np.tile(code[1:], (3, 1)))
    images = traversals.traverse(lambda z: z[:, :, None, None], code, [1], [7.0])
    assert images.shape == (1, 1, 3, 1, 1) and images[0, 0, 1, 0, 0] == 7.0


def test_kl_order_puts_the_informative_latents_first():
    mean = np.array([[0.0, 2.0, 0.5], [0.0, -2.0, 0.5]])
    logvar = np.array([[0.0, -4.0, 0.0], [0.0, -4.0, 0.0]])
    assert traversals.kl_order(mean, logvar).tolist() == [1, 2, 0]
    np.testing.assert_allclose(traversals.kl_per_latent(mean, logvar)[0], 0.0)


def test_ground_truth_layout_of_dsprites_and_balls():
    dsprites = ground_truth_plots.layout(
        ("shape", "scale", "orientation", "x_position", "y_position"))
    assert dsprites == ground_truth_plots.Layout((("position", 3, 4),), 0, (1, 2))
    balls = ground_truth_plots.layout(("ball0_x", "ball0_y", "ball1_x", "ball1_y"))
    assert balls == ground_truth_plots.Layout(
        (("ball0 position", 0, 1), ("ball1 position", 2, 3)), None, ())


def test_stratified_factors_cover_every_cell_and_average_per_cell():
    rng = np.random.default_rng(0)
    factors = ground_truth_plots.stratified_factors((3, 6, 4), (0, 2), 2, rng)
    assert factors.shape == (3 * 4 * 2, 3)
    assert factors[:, [0, 2]].tolist() == [[s, o] for s in range(3) for o in range(4)
                                           for _ in range(2)]
    assert factors[:, 1].min() >= 0 and factors[:, 1].max() < 6
    means = ground_truth_plots.cell_means(np.arange(8.0)[:, None], 2)
    np.testing.assert_array_equal(means[:, 0], [0.5, 2.5, 4.5, 6.5])
    codes = np.stack([np.zeros(100), np.linspace(-1, 1, 100), np.linspace(0, 0.1, 100)], axis=1)
    latents, variances = ground_truth_plots.active_latents(codes)
    assert latents.tolist() == [1] and variances[0] > 0.3


def test_dsprites_ground_truth_plot_has_a_map_and_a_curve_per_shape(figures):
    run = figures["runs"]["dataset_dsprites_rendered_model_burgess_conv_beta_1.0"]
    vae = runs.restore(run)
    panels, codes = ground_truth_plots.mean_activations(
        RenderedDSprites(), lambda images: runs.encode(vae, images)[0], per_cell=1)
    assert [p.kind for p in panels] == ["map", "curve", "curve"]
    assert panels[0].means.shape == (32, 32, 3)
    assert panels[1].means.shape == (3, 6, 3) and panels[2].means.shape == (3, 40, 3)
    assert panels[1].group_labels == ("square", "ellipse", "heart")
    assert codes.shape == (32 * 32 + 3 * 6 + 3 * 40, 3)
    latents, variances = ground_truth_plots.active_latents(codes, threshold=-1.0)  # all, to draw
    figure = ground_truth_plots.plot(panels, latents, variances, "title")
    assert plotting.pixels(figure.get_size_inches()) == plotting.pixels(
        ground_truth_plots.figure_size(3, 3))
    curve_axes = [ax for ax in figure.axes if ax.get_lines()]
    assert len(curve_axes) == 2 * 3 and all(len(ax.get_lines()) == 3 for ax in curve_axes)


def test_curves_panels_and_last_kl():
    steps = np.array([10, 20])
    scalars = {"train/loss": (steps, np.array([3.0, 2.0])), "eval/loss": (steps, np.ones(2)),
               "train/tc": (steps, np.zeros(2)), "train/images_per_sec": (steps, np.ones(2)),
               "train/kl_per_latent/00": (steps, np.array([1.0, 2.0])),
               "train/kl_per_latent/01": (steps, np.array([0.0, 0.5])),
               "eval/kl_per_latent/00": (np.array([10]), np.array([9.0])),
               "eval/kl_per_latent/01": (np.array([10]), np.array([8.0])),
               "metrics/mig/discrete_mig": (steps, np.zeros(2))}
    panels = curves.loss_panels(scalars)
    assert [name for name, _ in panels] == ["loss", "tc"]
    assert set(panels[0][1]) == {"train", "eval"}
    step, section, kl = curves.last_kl_per_latent(scalars)
    assert (step, section, kl.tolist()) == (20, "train", [2.0, 0.5])


def test_checkpoint_prefixes_follow_the_state_file(tmp_path):
    (tmp_path / "checkpoint").write_text(
        'model_checkpoint_path: "ckpt-30"\nall_model_checkpoint_paths: "ckpt-10"\n'
        'all_model_checkpoint_paths: "ckpt-20"\nall_model_checkpoint_paths: "ckpt-30"\n')
    for step in (20, 30):
        (tmp_path / f"ckpt-{step}.index").write_text("")
    assert runs.checkpoint_prefixes(str(tmp_path)) == (str(tmp_path / "ckpt-20"),
                                                       str(tmp_path / "ckpt-30"))
    assert runs.checkpoint_prefixes(str(tmp_path / "none")) == ()


@pytest.mark.parametrize("command, prefix", [
    ([sys.executable, "-m", "vae_tf.figures"], "vae_tf.figures: error: --checkpoint_dir: "),
    ([sys.executable, os.path.join(ROOT, "main.py"), "--mode=figures"],
     "main.py: error: --checkpoint_dir: "),
])
def test_empty_checkpoint_dir_is_one_line_and_exit_2(command, prefix, tmp_path):
    result = subprocess.run([*command, f"--checkpoint_dir={tmp_path}",
                             f"--figure_dir={tmp_path}/figures"],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 2
    line, = result.stderr.strip().splitlines()
    assert line.startswith(prefix) and "holds no run" in line
    assert result.stdout == "" and not os.path.exists(tmp_path / "figures")
