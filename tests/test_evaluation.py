"""--mode=eval, --eval_every and eval.json: the metrics on trained (or untrained) runs."""

import dataclasses
import json
import os

import numpy as np
import pytest
import tensorflow_datasets as tfds

from test_main import main_py, tensorboard_tags, train_in_process
from test_tfds_sources import _mark_prepared
from vae_tf.config import METRIC_NAMES, ConfigError, TrainConfig
from vae_tf.training.evaluation import evaluate_run, metric_sizes
from vae_tf.training.train import train

QUICK = ["--metric_points=200"]


def read_eval(run_dir):
    with open(os.path.join(run_dir, "eval.json")) as f:
        return json.load(f)


def test_untrained_balls_model_is_evaluated_end_to_end(tmp_path, run_main):
    """--max_step=0 saves the initialisation; --mode=eval scores it with every metric."""
    run_dir = f"{tmp_path}/run_model_all_conv_num_balls_1_beta_0.1"
    config = dataclasses.replace(train_in_process(tmp_path, max_step=0), metric_points=200)
    lines = []
    evaluate_run(config, print_fn=lines.append)  # --mode=eval in this process
    printed = "\n".join(lines)
    record = read_eval(run_dir)
    assert record["step"] == 0 and record["seed"] == 0 and record["metric_points"] == 200
    assert set(record["scores"]) == set(METRIC_NAMES) == set(record["seconds"])
    assert record["sizes"]["mig"]["num_train"] == 200
    assert record["sizes"]["dci"]["num_test"] == 100
    for name, scores in record["scores"].items():
        for key, value in scores.items():
            if key != "num_active_dims":
                assert 0.0 <= value <= 1.0, (name, key, value)
        assert f"  {name} " in printed  # one printed line per metric, with its time
    assert record["scores"]["factor_vae"]["num_active_dims"] <= 1  # all_conv --hidden_size=1
    # What a score needs to be compared across machines: representation, estimator, versions.
    assert record["representation"] == "mean"
    assert record["dci"]["backend"] == "sklearn"
    assert record["dci"]["hyperparameters"]["n_estimators"] == 100
    assert {"vae_tf", "tensorflow", "numpy", "scikit-learn", "lightgbm"} <= set(record["versions"])
    assert all(record["versions"][name] for name in ("tensorflow", "numpy", "scikit-learn"))
    assert 0 < record["code_table"]["distinct_observations"] <= 32 ** 2  # 32 x 32 positions
    assert "of 2 factors fitted" in printed  # DCI's progress
    assert record["held_out"]["reconstruction"] > 100  # an untrained decoder is far from the frames
    assert {f"metrics/{name}/{key}" for name, scores in record["scores"].items()
            for key in scores} <= tensorboard_tags(run_dir)

    # The same evaluation by run directory alone, with some metrics and the fast DCI: the same
    # MIG, and the backend recorded; then posterior samples instead of the mean, recorded.
    result = run_main(f"--run_dir={run_dir}", "--mode=eval", "--metrics=mig,dci",
                      "--dci_backend=lightgbm", *QUICK)
    assert result.returncode == 0, result.stderr
    again = read_eval(run_dir)
    assert set(again["scores"]) == {"mig", "dci"}
    assert again["scores"]["mig"] == record["scores"]["mig"]
    assert again["dci"]["backend"] == "lightgbm" and "DCI (lightgbm)" in result.stdout
    evaluate_run(dataclasses.replace(config, metrics="sap", representation="sampled"),
                 print_fn=lines.append)
    assert read_eval(run_dir)["representation"] == "sampled" and "dci" not in read_eval(run_dir)


def test_eval_every_scores_during_training(tmp_path):
    lines = []
    train_in_process(tmp_path, max_step=20, eval_every=10, metrics="mig", metric_points=200,
                     print_fn=lines.append)
    assert sum(line.startswith("metrics at step") for line in lines) == 2
    record = read_eval(f"{tmp_path}/run_model_all_conv_num_balls_1_beta_0.1")
    assert record["step"] == 20 and set(record["scores"]) == {"mig"}


@pytest.mark.parametrize("args, message", [
    (["--mode=eval"], "--run_dir: "),  # no run there
    (["--mode=train", "--run_dir=x"], "--run_dir: only --mode=eval"),
    (["--metrics=mig,udr"], "--metrics: "),  # UDR scores several runs: not a --metrics one
    (["--metric_points=10"], "--metric_points: "),
    (["--eval_every=-1"], "--eval_every: "),
])
def test_bad_evaluation_flags_exit_2_with_one_line(args, message, tmp_path):
    result = main_py(*args, f"--train_dir={tmp_path}/run")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line, = result.stderr.strip().splitlines()
    assert message in line


def test_eval_without_a_checkpoint_names_the_run(tmp_path):
    config = TrainConfig(train_dir=f"{tmp_path}/run", model="all_conv", hidden_size=1)
    os.makedirs(config.run_dir)
    with pytest.raises(ConfigError, match="holds no checkpoint"):
        evaluate_run(config, print_fn=lambda line: None)


def test_data_without_factors_skips_the_metrics_in_one_line(tmp_path):
    data_dir = str(tmp_path / "tfds")
    _mark_prepared(data_dir, "mnist")
    config = TrainConfig(train_dir=f"{tmp_path}/run", dataset="mnist", data_dir=data_dir,
                         model="all_conv", hidden_size=1, max_step=0)
    lines = []
    with tfds.testing.mock_data(num_examples=4, policy=tfds.testing.MockPolicy.USE_CODE):
        train(config, print_fn=lines.append)
        record = evaluate_run(config, print_fn=lines.append)
    assert "scores" not in record and np.isfinite(record["held_out"]["kl"])
    skipped = [line for line in lines if "no ground-truth factors" in line]
    assert len(skipped) == 1 and "--dataset=mnist" in skipped[0]


def test_scaled_sizes_halve_evaluation_points():
    standard, quick = metric_sizes(METRIC_NAMES), metric_sizes(METRIC_NAMES, 1000)
    assert standard["beta_vae"] == {"num_train": 10000, "num_eval": 5000}
    assert standard["mig"]["num_train"] == 10000 and standard["dci"]["num_test"] == 5000
    assert quick["beta_vae"] == {"num_train": 1000, "num_eval": 500}
    assert quick["factor_vae"]["num_variance_estimate"] == 1000
