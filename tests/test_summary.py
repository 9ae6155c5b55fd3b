"""python -m vae_tf.grid.summary: a finished run's committable summary."""

import json

from vae_tf.config import TrainConfig
from vae_tf.grid.summary import first_step_above, main
from vae_tf.training.evaluation import evaluate_run
from vae_tf.training.train import train


def test_first_step_above():
    assert first_step_above([100, 200, 300], [0.2, 1.5, 3.0], 1.0) == 200
    assert first_step_above([100, 200], [0.2, 0.9], 1.0) is None


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
    assert summary["kl_passes_1_nat_at_step"] == first_step_above([10, 20], kl, 1.0)
