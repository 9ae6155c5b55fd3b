"""python -m vae_tf.grid.summary: a finished run's committable summary."""

import json
import os

from PIL import Image

from vae_tf.config import TrainConfig
from vae_tf.figures import plotting, traversal_figure
from vae_tf.grid.summary import active_latents, main, mean_frame_cost, step_from_which
from vae_tf.training.evaluation import evaluate_run
from vae_tf.training.train import train


def test_step_from_which_a_condition_holds_for_good():
    above = lambda value: value > 1.0  # noqa: E731
    assert step_from_which([100, 200, 300], [0.2, 1.5, 3.0], above) == 200
    assert step_from_which([100, 200, 300, 400], [4.0, 0.5, 2.0, 3.0], above) == 300
    assert step_from_which([100, 200], [0.2, 0.9], above) is None
    assert step_from_which([100, 200], [2.0, 0.9], above) is None


def test_active_latents_are_those_above_a_hundredth_of_a_nat():
    held_out = {"kl": 3.02, "kl_00": 2.0, "kl_01": 0.005, "kl_02": 0.011, "kl_10": 1.0,
                "reconstruction": 20.0}
    assert active_latents(held_out) == [0, 2, 10]
    assert active_latents(held_out, threshold=1.5) == [0]
    assert active_latents({"kl": 3.0}) is None


def test_mean_frame_cost_is_the_balls_plateau():
    one, two = mean_frame_cost(1), mean_frame_cost(2)
    assert 155 < one < 175 and 260 < two < 295  # README: about 165 and 278 nats


def test_summary_of_a_finished_run(tmp_path):
    quiet = {"print_fn": lambda line: None}
    config = TrainConfig(train_dir=f"{tmp_path}/run", model="all_conv", hidden_size=1,
                         batch_size=32, max_step=20, log_every=10, save_every=10,
                         metrics="mig", metric_points=200)
    train(config, **quiet)
    lines = []
    out = ["--out", str(tmp_path / "out"), config.run_dir]
    assert main(out, print_fn=lines.append) == 0  # trained, not yet scored
    assert lines == [f"skipped {config.run_dir}: not finished (no eval.json of its latest "
                     "checkpoint)"]
    record = evaluate_run(config, **quiet)
    assert main(out, print_fn=lines.append) == 0 and lines[1].startswith("wrote ")
    with open(tmp_path / "out" / "run_model_all_conv_num_balls_1_beta_0.1.json") as f:
        summary = json.load(f)
    assert summary["step"] == 20 and summary["eval"] == record
    assert summary["config"]["max_step"] == 20
    assert summary["curves"]["train/kl"]["step"] == [10, 20]
    assert summary["curves"]["eval/reconstruction"]["step"][-1] == 20
    sigma = summary["sigma_sorted"]
    assert len(sigma) == 16 and sigma == sorted(sigma) and 0 < sigma[0] <= sigma[-1] < 3
    kl = summary["curves"]["train/kl"]["value"]
    assert summary["kl_above_1_nat_from_step"] == step_from_which([10, 20], kl,
                                                                  lambda value: value > 1.0)
    assert 155 < summary["mean_frame_reconstruction"] < 175
    assert "below_plateau_from_step" in summary
    assert summary["active_latents"] == active_latents(record["held_out"])
    assert summary["summarised_on"]["logical_cpus"] >= 1
    assert summary["heat_map"] == "heat_map_model_all_conv_num_balls_1_beta_0.1.png"
    with Image.open(tmp_path / "out" / summary["heat_map"]) as image:
        assert image.format == "PNG"


def test_summary_of_a_dsprites_run_draws_its_latent_traversal(tmp_path):
    quiet = {"print_fn": lambda line: None}
    config = TrainConfig(train_dir=f"{tmp_path}/run", dataset="dsprites_rendered",
                         model="burgess_conv", objective="tcvae", beta=6.0, hidden_size=4,
                         batch_size=16, max_step=10, log_every=5, save_every=10,
                         metrics="mig", metric_points=100)
    train(config, **quiet)
    evaluate_run(config, **quiet)
    lines = []
    assert main(["--out", str(tmp_path / "out"), config.run_dir], print_fn=lines.append) == 0
    name = os.path.basename(config.run_dir)
    with open(tmp_path / "out" / f"{name}.json") as f:
        summary = json.load(f)
    assert "sigma_sorted" not in summary and "heat_map" not in summary
    assert summary["traversal"] == f"traversal_{name[len('run_'):]}.png"  # the run's name
    assert lines == [f"wrote {tmp_path / 'out' / name}.json and {summary['traversal']}"]
    with Image.open(tmp_path / "out" / summary["traversal"]) as image:
        # one row per latent (4), one column per value
        assert image.format == "PNG" and image.size == plotting.pixels(
            traversal_figure.figure_size(4, len(traversal_figure.VALUES)))
