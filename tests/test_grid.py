"""run.sh / python -m vae_tf.grid: dry runs, a tiny grid end to end (twice), failures, results."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from test_main import ROOT
from vae_tf.grid import __main__ as grid_main, runner
from vae_tf.grid.__main__ import main
from vae_tf.grid.experiments import GridError, normalise_flags, read_grid

TINY = ["--model=all_conv", "--hidden_size=1", "--batch_size=32", "--log_every=10"]


def run_sh(*args):
    return subprocess.run([os.path.join(ROOT, "run.sh"), *args], capture_output=True, text=True,
                          timeout=120)


def test_dry_run_prints_the_18_original_commands():
    result = run_sh("--dry-run")
    assert result.returncode == 0, result.stderr
    per_model = {"conv": "", "all_conv": " --hidden_size=1",
                 "fully_connected": " --hidden_size=10 --lr=.00005 --weight_init=.01"}
    expected = {f"python main.py --model={model} --num_balls={balls} --beta={beta}{extra}"
                for model, extra in per_model.items() for balls in (1, 2)
                for beta in ("0.1", "0.5", "1.0")}
    lines = result.stdout.splitlines()
    assert len(lines) == 18 and set(lines) == expected


def test_passed_flags_reach_every_run_and_come_last():
    result = run_sh("--dry-run", "--grid", "flags/dsprites.grid", "--max_step", "300")
    lines = result.stdout.splitlines()
    assert len(lines) == 5 and all(line.endswith(" --max_step=300") for line in lines)
    assert normalise_flags(["--max_step", "300", "--friction", "--beta=1"]) == [
        "--max_step=300", "--friction", "--beta=1"]
    with pytest.raises(GridError, match="unexpected argument '300'"):
        normalise_flags(["300"])


def test_grid_files_skip_comments_and_blank_lines(tmp_path):
    path = tmp_path / "g.grid"
    path.write_text("# two runs\n--beta=1  # the first\n\n--beta=2\n")
    assert read_grid(str(path)) == [["--beta=1"], ["--beta=2"]]
    path.write_text("# nothing\n")
    with pytest.raises(GridError, match="lists no experiment"):
        read_grid(str(path))


def test_shards_split_the_grid_into_disjoint_parts():
    shards = [run_sh("--dry-run", "--shard", f"{i}/3").stdout.splitlines() for i in range(3)]
    everything = run_sh("--dry-run").stdout.splitlines()
    assert [len(lines) for lines in shards] == [6, 6, 6]
    assert sorted(sum(shards, [])) == sorted(everything) and len(set(everything)) == 18


@pytest.mark.parametrize("args, message", [
    (["--parallel", "0"], "--parallel: "),
    (["--shard", "3/3"], "--shard: "),
    (["--shard", "a/b"], "--shard: "),
    (["--grid", "flags/no_such.grid"], "--grid: cannot read"),
    (["--dry-run", "stray"], "unexpected argument 'stray'"),
])
def test_bad_options_exit_2_with_one_line(args, message):
    result = run_sh(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line, = result.stderr.strip().splitlines()
    assert line.startswith("run.sh: error: ") and message in line


def test_tiny_grid_runs_in_shards_resumes_and_reports_failures(tmp_path, monkeypatch):
    """A run and one with a bad flag, in two shards: the good one finishes, the bad one is
    named, the exit code is 1, results.md merges the shards (one row per run: the other shard's
    run pending, then finished); a full pass afterwards trains nothing. The shard that trains
    draws the figures (a subprocess drawing every run); the other passes record which runs
    they would draw."""
    grid = tmp_path / "tiny.grid"
    grid.write_text("--beta=0.1\n--beta=0.5 --keep_prob=7\n")
    args = ["--grid", str(grid), "--figure_dir", str(tmp_path / "figures"), "--parallel", "2",
            *TINY, "--max_step", "20", "--metrics=mig", "--metric_points=200",
            f"--train_dir={tmp_path}/run"]
    run_dir = f"{tmp_path}/run_model_all_conv_num_balls_1_beta_0.1"

    def rows():
        with open(tmp_path / "figures" / "results.md") as f:
            return [line for line in f if line.startswith("| ") and "---" not in line][1:]

    def statuses():
        return [row.rstrip(" |\n").rsplit(" | ", 1)[1] for row in rows()]

    def trained_lines(lines):
        return [line for line in lines
                if re.search(r": trained in \d+ s, evaluated in \d+ s$", line)]

    drawn = []

    def record_figures(outcomes, figure_dir, print_fn):
        drawn.append(sorted(o.settings["run_dir"] for o in outcomes
                            if o.settings and os.path.isdir(o.settings["run_dir"])))

    monkeypatch.setattr(grid_main, "make_figures", record_figures)
    lines = []
    assert main([*args, "--shard", "1/2"], print_fn=lines.append) == 1
    assert lines[0].startswith("1 run from ") and "0 finished, 0 skipped, 1 failed" in lines
    failed = [line for line in lines if line.startswith("failed: ")]
    assert len(failed) == 1 and "--keep_prob" in failed[0]
    assert statuses() == ["pending", "failed"] and drawn == [[]]
    assert rows()[0].split(" | ")[6:12] == ["—"] * 6  # the pending run has no numbers yet
    monkeypatch.undo()

    lines = []
    assert main([*args, "--shard", "0/2"], print_fn=lines.append) == 0
    assert "1 finished, 0 skipped, 0 failed" in lines and len(trained_lines(lines)) == 1
    assert statuses() == ["finished", "failed"]
    assert os.path.exists(os.path.join(run_dir, "eval.json"))
    with open(os.path.join(run_dir, "run.log")) as f:
        log = f.read()
    assert log.count("$ python main.py") == 2 and "held-out reconstruction" in log
    assert any(line.startswith("figures of ") and "(done;" in line for line in lines)
    assert (tmp_path / "figures" / "heat_map_model_all_conv_num_balls_1_beta_0.1.png").exists()
    cells = rows()[0].split(" | ")
    assert cells[5] == "20" and re.fullmatch(r"(\d+ min )?\d+ s", cells[11])

    monkeypatch.setattr(grid_main, "make_figures", record_figures)
    lines = []
    assert main([*args, "--shard", "1/2"], print_fn=lines.append) == 1
    assert statuses() == ["finished", "failed"]  # the other shard's run, finished
    assert drawn[-1] == [run_dir]
    lines = []
    assert main(args, print_fn=lines.append) == 1
    assert drawn[-1] == [run_dir] and not trained_lines(lines)
    assert "0 finished, 1 skipped, 1 failed" in lines
    with open(os.path.join(run_dir, "run.log")) as f:
        assert f.read().count("$ python main.py") == 2  # nothing ran again


def test_a_dry_run_checks_every_experiment_s_flags(tmp_path):
    grid = tmp_path / "bad.grid"
    grid.write_text("--model=conv --max_step=10\n--objective=factor --beta=4\n")
    result = subprocess.run([os.path.join(ROOT, "run.sh"), "--grid", str(grid), "--dry-run"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[2] == ("  ^ main.py: error: --beta: belongs to --objective=beta or nonsyn or "
                        "tcvae, not factor; leave it out")
    assert lines[-1] == "1 of 2 experiments have bad flags"


def test_a_grid_killed_mid_phase_keeps_the_seconds_its_run_trained(tmp_path):
    """The phase's seconds reach grid.json while it runs: a grid ended by SIGKILL (a session's
    end) 1 s after its first record has recorded more than 1 s of the phase (before: nothing)."""
    script = ("import sys; from vae_tf.grid import runner; "
              "runner._run_timed([sys.executable, '-c', 'import time; time.sleep(60)'], None, "
              f"'.', {str(tmp_path)!r}, 'train_seconds', every=0.1)")
    grid = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, start_new_session=True)
    path = tmp_path / runner.TIMES_FILE
    try:
        deadline = time.monotonic() + 120  # the interpreter's start and imports come first
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
    finally:
        os.killpg(grid.pid, signal.SIGKILL)
        grid.wait()
    with open(path) as f:
        seconds = json.load(f)["train_seconds"]
    assert seconds > 1.0
