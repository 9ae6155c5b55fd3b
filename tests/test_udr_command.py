"""python -m vae_tf.metrics.udr on two (untrained) runs: the newest checkpoint of each is
restored and scored on the first run's data; the scores are printed and written as JSON."""

import json

import pytest

from test_main import train_in_process
from vae_tf.metrics import udr


def test_udr_scores_the_newest_checkpoint_of_each_run(tmp_path, capsys):
    configs = [train_in_process(tmp_path / name, max_step=0, seed=seed)
               for seed, name in enumerate("ab")]
    output = tmp_path / "udr.json"
    assert udr.main([c.run_dir for c in configs] + ["--num_points=128", "--correlation=spearman",
                                                     "--representation=sampled",
                                                     f"--output={output}"]) == 0
    record = json.loads(output.read_text())
    assert record["representation"] == "sampled"
    assert record["checkpoints"] == [f"{c.run_dir}/ckpt-0" for c in configs]
    assert len(record["model_scores"]) == 2 and all(0 <= s <= 1 for s in record["model_scores"])
    assert record["pairwise"][0][1] == record["pairwise"][1][0]
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in printed[-2:]] == record["checkpoints"]


def test_udr_needs_two_runs(tmp_path):
    with pytest.raises(SystemExit):
        udr.main([str(tmp_path)])
