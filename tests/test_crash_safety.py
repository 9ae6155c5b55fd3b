"""What happens when a run directory is damaged, contested or full, or an input cannot work:
one test per row of the README's "What happens when..." table, and exact resumption."""

import glob
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys

import numpy as np
import pytest

from vae_tf.config import TrainConfig
from vae_tf.data import balls
from vae_tf.training import run_lock
from vae_tf.training.run_dir import LOCK_FILE, RunWriteError, checkpoint_prefixes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMALL = dict(model="all_conv", hidden_size=1, batch_size=16, log_every=10, save_every=10,
             jit_compile="off")


def main_py(*args, cwd=ROOT):
    return subprocess.run([sys.executable, os.path.join(ROOT, "main.py"), *args],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


def train(tmp_path, max_step, lines=None, **settings):
    from vae_tf.training.train import train as train_run

    config = TrainConfig(train_dir=f"{tmp_path}/run", max_step=max_step, **{**SMALL, **settings})
    result = train_run(config, print_fn=(lines.append if lines is not None else
                                         lambda line: None))
    return config, result


@pytest.fixture(scope="module")
def run_of_three_checkpoints(tmp_path_factory):
    """A run saved at steps 10, 20 and 30 (copied by each test that damages it)."""
    root = tmp_path_factory.mktemp("three")
    config, _ = train(root, 30)
    return config.run_dir


def copy_run(run_dir, tmp_path):
    """A copy of ``run_dir`` under ``tmp_path`` and its config, to train to step 40."""
    target = str(tmp_path / os.path.basename(run_dir))
    shutil.copytree(run_dir, target)
    path = os.path.join(target, "config.json")
    with open(path) as f:
        saved = {**json.load(f), "train_dir": f"{tmp_path}/run"}
    with open(path, "w") as f:
        json.dump(saved, f)
    return target, TrainConfig(**{**saved, "max_step": 40})


def truncate(prefix):
    data, = glob.glob(prefix + ".data-*")
    with open(data, "r+b") as f:
        f.truncate(os.path.getsize(data) // 3)


def drop_index(prefix):
    os.remove(prefix + ".index")


@pytest.mark.parametrize("damage, reason", [(truncate, "Read less bytes than requested"),
                                            (drop_index, "its .index file is missing")])
def test_an_unreadable_newest_checkpoint_falls_back_and_is_set_aside(
        run_of_three_checkpoints, tmp_path, damage, reason):
    from vae_tf.training.train import train as train_run

    run_dir, config = copy_run(run_of_three_checkpoints, tmp_path)
    damage(os.path.join(run_dir, "ckpt-30"))
    lines = []
    result = train_run(config, print_fn=lines.append)
    assert lines[0] == f"checkpoint {run_dir}/ckpt-30 cannot be read: {reason}"
    assert lines[1] == f"set aside ckpt-30 in {run_dir}/unreadable; going on from ckpt-20"
    assert any(line.startswith(f"resuming {run_dir} from step 20 ") for line in lines)
    assert result["step"] == 40
    kept = sorted(os.listdir(os.path.join(run_dir, "unreadable")))
    assert kept and all(name.startswith("ckpt-30.") for name in kept)
    assert [os.path.basename(p) for p in checkpoint_prefixes(run_dir)][-1] == "ckpt-40"


def test_evaluation_scores_the_newest_readable_checkpoint_and_moves_nothing(
        run_of_three_checkpoints, tmp_path):
    from vae_tf.training.evaluation import evaluate_run

    run_dir, config = copy_run(run_of_three_checkpoints, tmp_path)
    truncate(os.path.join(run_dir, "ckpt-30"))
    lines = []
    record = evaluate_run(TrainConfig(**{**config.to_dict(), "metrics": "mig",
                                         "metric_points": 200}), print_fn=lines.append)
    assert record["step"] == 20
    assert lines[0].startswith(f"checkpoint {run_dir}/ckpt-30 cannot be read")
    assert os.path.exists(os.path.join(run_dir, "ckpt-30.index"))


def test_figures_draw_the_newest_readable_checkpoint_and_move_nothing(
        run_of_three_checkpoints, tmp_path):
    from vae_tf.figures import make_figures

    run_dir, _ = copy_run(run_of_three_checkpoints, tmp_path)
    truncate(os.path.join(run_dir, "ckpt-30"))
    lines = []
    written = make_figures(checkpoint_dir=str(tmp_path), figure_dir=str(tmp_path / "figures"),
                           print_fn=lines.append)
    assert any(line.startswith(f"checkpoint {run_dir}/ckpt-30 cannot be read") for line in lines)
    assert any(line.endswith("ckpt-30 (unreadable: Read less bytes than requested)")
               for line in lines)
    assert any(": step 20, " in line for line in lines)
    grids = sorted(os.path.basename(path) for path in written
                   if os.path.basename(path).startswith("grid_step_"))
    assert grids == ["grid_step_10.png", "grid_step_20.png"]
    assert os.path.exists(os.path.join(run_dir, "ckpt-30.index"))


def test_no_readable_checkpoint_is_an_error_that_touches_nothing(
        run_of_three_checkpoints, tmp_path):
    from vae_tf.training.checkpoints import CheckpointError
    from vae_tf.training.train import train as train_run

    run_dir, config = copy_run(run_of_three_checkpoints, tmp_path)
    for step in (10, 20, 30):
        truncate(os.path.join(run_dir, f"ckpt-{step}"))
    before = sorted(os.listdir(run_dir))
    with pytest.raises(CheckpointError, match=f"^{run_dir}: none of its 3 checkpoints can be "
                                              "read"):
        train_run(config, print_fn=lambda line: None)
    assert sorted(os.listdir(run_dir)) == before


def test_a_failed_save_leaves_the_last_good_checkpoint_latest(tmp_path, monkeypatch):
    """A save that runs out of space half-way: no partial files stay, the state file names
    the step before, which still restores, and the error names the checkpoint."""
    import tensorflow as tf

    original = tf.train.CheckpointManager.save

    def save_until_full(manager, checkpoint_number=None, **kwargs):
        if checkpoint_number == 20:
            prefix = os.path.join(manager.directory, "ckpt-20")
            os.makedirs(prefix + "_temp")
            open(prefix + "_temp/part-00000-of-00001.data-00000-of-00001", "w").write("x")
            raise tf.errors.ResourceExhaustedError(
                None, None, "{{function_node __wrapped__SaveV2}} " + prefix +
                "_temp/part; No space left on device [Op:SaveV2]")
        return original(manager, checkpoint_number=checkpoint_number, **kwargs)

    monkeypatch.setattr(tf.train.CheckpointManager, "save", save_until_full)
    with pytest.raises(RunWriteError) as error:
        train(tmp_path, 30)
    run_dir = f"{tmp_path}/run_model_all_conv_num_balls_1_beta_0.1"
    assert str(error.value) == (f"cannot write checkpoint {run_dir}/ckpt-20 (No space left on "
                                "device)")
    assert not glob.glob(f"{run_dir}/ckpt-20*")
    assert checkpoint_prefixes(run_dir) == (f"{run_dir}/ckpt-10",)
    monkeypatch.undo()
    lines = []
    train(tmp_path, 20, lines)
    assert any(line.startswith(f"resuming {run_dir} from step 10 ") for line in lines)


def limit_file_size():
    """In the child: files may not grow past 150 kB (a tiny disk), and writes beyond that fail
    with EFBIG instead of killing the process."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, 150_000))


def test_a_write_failure_is_one_line_and_exit_code_1(tmp_path):
    """main.py on a disk too small for the first checkpoint (conv's is about 400 kB)."""
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "main.py"), "--train_dir=r", "--model=conv",
         "--max_step=20", "--save_every=10", "--log_every=10"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, preexec_fn=limit_file_size)
    run_dir = "r_model_conv_num_balls_1_beta_0.1"
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == (f"main.py: error: cannot write checkpoint {run_dir}/ckpt-10 "
                                     f"(File too large); {run_dir} holds no checkpoint yet")
    assert not glob.glob(f"{tmp_path}/{run_dir}/ckpt-10*")
    assert not os.path.exists(f"{tmp_path}/{run_dir}/{LOCK_FILE}")


def test_a_second_writer_exits_2_naming_the_holder(tmp_path):
    config = TrainConfig(train_dir=f"{tmp_path}/run")
    run_dir = config.run_dir
    lock = run_lock.acquire(run_dir, "a test")
    with open(os.path.join(run_dir, "config.json"), "w") as f:
        f.write(config.to_json())  # a run to evaluate
    try:
        for mode in ("train", "eval"):
            result = main_py(f"--train_dir={tmp_path}/run", f"--mode={mode}", "--max_step=1")
            assert result.returncode == 2, result.stderr
            line, = result.stderr.strip().splitlines()
            assert line.startswith(f"main.py: error: --train_dir: {run_dir} is in use by PID "
                                   f"{os.getpid()} on {socket.gethostname()} since ")
            assert line.endswith(f"(a test); wait for it to end, or delete {lock} if that "
                                 "process is gone")
        assert sorted(os.listdir(run_dir)) == ["config.json", LOCK_FILE]  # nothing written
    finally:
        run_lock.release(lock)
    assert not os.path.exists(lock)


def test_a_lock_left_by_a_dead_process_is_taken_over_and_a_remote_one_is_not(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    path = tmp_path / LOCK_FILE
    path.write_text(json.dumps({"pid": int(gone), "host": socket.gethostname(),
                                "started": "yesterday", "purpose": "main.py --mode=train"}))
    lines = []
    lock = run_lock.acquire(str(tmp_path), "a test", lines.append)
    assert lines == [f"warning: took over the lock of {tmp_path} from PID {gone} on "
                     f"{socket.gethostname()} since yesterday (main.py --mode=train), which "
                     "is gone"]
    assert json.loads(path.read_text())["pid"] == os.getpid()
    assert run_lock.acquire(str(tmp_path), "again") == lock  # re-entrant in one process
    run_lock.release(lock)
    assert path.exists()
    run_lock.release(lock)
    assert not path.exists()
    path.write_text(json.dumps({"pid": int(gone), "host": "another-host", "started": "now",
                                "purpose": "main.py --mode=train"}))
    with pytest.raises(Exception, match=f"in use by PID {gone} on another-host since now"):
        run_lock.acquire(str(tmp_path), "a test")


@pytest.mark.parametrize("flags, message", [
    (["--num_balls=200", "--max_step=5"], "--num_balls: expected at most 6, got 200"),
    (["--batch_size=100000000"], "--batch_size: 100000000 images of 32x32x1 need at least "
                                 "3814.7 GiB of memory"),
    (["--objective=tcvae", "--beta=0.1"], "--beta: β-TCVAE adds (β - 1) x the total "
                                          "correlation"),
    (["--objective=factor", "--beta=4"], "--beta: belongs to --objective=beta or nonsyn or "
                                         "tcvae, not factor"),
    (["--objective=annealed", "--alpha=2"], "--alpha: belongs to --objective=nonsyn"),
    (["--strategy=multi_worker"], "--strategy: multi_worker needs a cluster: TF_CONFIG is not "
                                  "set"),
])
def test_inputs_that_cannot_work_are_refused_before_anything_is_written(flags, message,
                                                                        tmp_path):
    env_free = main_py(f"--train_dir={tmp_path}/run", *flags)
    assert env_free.returncode == 2
    assert env_free.stderr.startswith(f"main.py: error: {message}")
    assert len(env_free.stderr.strip().splitlines()) == 1
    assert os.listdir(tmp_path) == []


def test_the_ball_limit_is_where_random_starts_stop_succeeding():
    """MAX_BALLS: at least 1 random start in 10,000 is valid; one ball more, fewer."""
    def acceptance(num_balls, draws=200_000):
        x = np.random.default_rng(0).uniform(balls.START_LOW, balls.BOX,
                                             size=(draws, num_balls, 2))
        outside = np.any((x - balls.RADIUS < 0) | (x + balls.RADIUS > balls.BOX), axis=(1, 2))
        return float(np.mean(~(outside | balls._overlapping(x))))

    assert acceptance(balls.MAX_BALLS) > 1e-4 > acceptance(balls.MAX_BALLS + 1)
    with pytest.raises(ValueError, match="from 1 to 6, got 7"):
        balls.initial_state(balls.MAX_BALLS + 1, np.random.default_rng(0))


def test_stream_memory_is_estimated_from_the_batch():
    config = TrainConfig(batch_size=100)
    assert config.stream_bytes == 10 * 100 * 32 * 32 * 4


def test_a_resumed_run_reaches_the_loss_of_an_uninterrupted_one(tmp_path):
    """Stopped at step 17 (between two logs and two checkpoints) and resumed, a run ends at
    step 40 with the weights and held-out loss of one that never stopped: the data stream, the
    posterior noise and the optimizer all go on where they were."""
    from vae_tf.training.build import build_vae, checkpoint_manager

    _, whole = train(tmp_path / "whole", 40)
    train(tmp_path / "parts", 17)
    _, resumed = train(tmp_path / "parts", 40)
    assert resumed["loss"] == pytest.approx(whole["loss"], rel=1e-5)
    weights = []
    for part in ("whole", "parts"):
        config = TrainConfig(train_dir=f"{tmp_path / part}/run", max_step=40, **SMALL)
        vae = build_vae(config)
        manager = checkpoint_manager(vae, config.run_dir)
        manager.checkpoint.restore(manager.latest_checkpoint).assert_consumed()
        weights.append(np.concatenate([w.ravel() for w in vae.get_weights()]))
    np.testing.assert_allclose(weights[1], weights[0], rtol=1e-4, atol=1e-6)
