"""Training under tf.distribute strategies and mixed precision (README "Several GPUs and
machines"). Mirrored and multi-worker runs are subprocesses (tests/strategy_worker.py, main.py):
logical devices and a cluster must be set up before TensorFlow starts; the one-device runs they
are compared with train in this process."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

import strategy_worker
from test_main import FAST, latest_step

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "strategy_worker.py")
# The stated tolerances of "mirrored over 2 devices == 1 device": every reported value to a
# relative 1e-5 (float32 sums in a different order), every weight after the run's 6 Adam steps to
# 2e-4 (a fifth of one step at learning rate 1e-3; Adam's normalisation turns the last-bit
# differences of near-zero gradients into up to a fraction of a step).
LOSS_RTOL = 1e-5
WEIGHT_ATOL = 2e-4


def run_worker(out, strategy, objective, devices=1, precision="off", env=None):
    args = [sys.executable, WORKER, str(out), strategy, objective, str(devices), precision]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **(env or {})})


def finish(process, timeout=300):
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output[-3000:]


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def tf_config(ports, index):
    workers = [f"127.0.0.1:{port}" for port in ports]
    return json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})


def assert_curve_close(actual, desired, name):
    """Logged values equal within LOSS_RTOL of the curve's own scale: FactorVAE's TC estimate
    is a difference of log-densities that crosses 0, where a bound relative to each value
    would demand more than float32 summation order can keep."""
    np.testing.assert_allclose(actual, desired, rtol=LOSS_RTOL,
                               atol=LOSS_RTOL * np.abs(desired).max(), err_msg=name)


# beta and nonsyn (a second update through the VAE's optimizer, its count set back) in the slow
# suite: factor exercises the same all-reduce and the discriminator's too.
@pytest.mark.parametrize("objective", [pytest.param("beta", marks=pytest.mark.slow), "factor",
                                       pytest.param("nonsyn", marks=pytest.mark.slow)])
def test_mirrored_over_two_cpu_devices_equals_one_device(objective, tmp_path):
    one, two = tmp_path / "one.npz", tmp_path / "two.npz"
    mirrored = run_worker(two, "mirrored", objective, devices=2)
    strategy_worker.main(one, "one_device", objective)  # in this process, meanwhile: one device
    finish(mirrored)
    one, two = np.load(one), np.load(two)
    assert (int(one["replicas"]), int(two["replicas"])) == (1, 2)
    assert int(one["iterations"]) == int(two["iterations"]) == strategy_worker.STEPS
    assert one["loss"][-1] < 0.5 * one["loss"][0]
    names = ["loss", "reconstruction", "kl"] + {"factor": ["tc", "disc_loss"],
                                                "nonsyn": ["synergy"]}.get(objective, [])
    for name in names:
        assert_curve_close(two[name], one[name], name)
    np.testing.assert_allclose(two["weights"], one["weights"], rtol=0, atol=WEIGHT_ATOL)


@pytest.mark.slow  # three TensorFlow processes (30 s on 2 busy cores); mirrored is checked above
def test_two_workers_on_localhost_agree_on_the_weights_and_equal_one_device(tmp_path):
    ports = free_ports(2)
    workers = [run_worker(tmp_path / f"worker{i}.npz", "multi_worker", "factor",
                          env={"TF_CONFIG": tf_config(ports, i)}) for i in range(2)]
    strategy_worker.main(tmp_path / "one.npz", "one_device", "factor")  # meanwhile
    for worker in workers:
        finish(worker)
    first, second, one = (np.load(tmp_path / f"{name}.npz")
                          for name in ("worker0", "worker1", "one"))
    assert int(first["replicas"]) == int(second["replicas"]) == 2
    np.testing.assert_array_equal(first["weights"], second["weights"])
    np.testing.assert_array_equal(first["loss"], second["loss"])
    assert first["loss"][-1] < 0.5 * first["loss"][0]
    # Each worker's data shard is its half of the global batch, so the cluster trains the
    # one-device run.
    for name in ("loss", "reconstruction", "kl", "tc", "disc_loss"):
        assert_curve_close(first[name], one[name], name)
    np.testing.assert_allclose(first["weights"], one["weights"], rtol=0, atol=WEIGHT_ATOL)


@pytest.mark.slow  # two TensorFlow processes end to end; the numerics are checked above
def test_main_py_multi_worker_writes_one_run_directory(tmp_path):
    ports = free_ports(2)
    train_dir = str(tmp_path / "run")
    args = [sys.executable, os.path.join(os.path.dirname(HERE), "main.py"),
            "--strategy=multi_worker", *FAST, "--max_step=4", "--log_every=2",
            "--save_every=4", f"--train_dir={train_dir}"]
    workers = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env={**os.environ, "TF_CONFIG": tf_config(ports, i)})
               for i in range(2)]
    outputs = [worker.communicate(timeout=300)[0] for worker in workers]
    for worker, output in zip(workers, outputs):
        assert worker.returncode == 0, output[-3000:]
        assert "strategy multi_worker (2 replicas)" in output
    run_dir = f"{train_dir}_model_all_conv_num_balls_1_beta_0.1"
    assert latest_step(run_dir) == 4
    # Only the chief (worker 0) writes: progress lines and one TensorBoard event file.
    assert "step 4/4" in outputs[0] and "step 4/4" not in outputs[1]
    events = [name for name in os.listdir(run_dir) if name.startswith("events.out")]
    assert len(events) == 1


def test_multi_worker_without_tf_config_exits_2_with_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    result = subprocess.run(
        [sys.executable, os.path.join(os.path.dirname(HERE), "main.py"),
         "--strategy=multi_worker", *FAST, "--max_step=2", f"--train_dir={tmp_path}/run"],
        capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 2
    line, = result.stderr.strip().splitlines()
    assert line.startswith(
        "main.py: error: --strategy: multi_worker needs a cluster: TF_CONFIG is not set")
    assert os.listdir(tmp_path) == []  # refused before the run directory (and TensorFlow)


def test_batch_that_does_not_split_over_the_replicas_is_refused():
    from types import SimpleNamespace

    from vae_tf.config import ConfigError, TrainConfig
    from vae_tf.training.train import _replicas

    two = SimpleNamespace(num_replicas_in_sync=2)
    assert _replicas(two, TrainConfig(batch_size=64)) == 2
    with pytest.raises(ConfigError, match="--batch_size: 65 images do not split evenly over the "
                                          "2 replicas"):
        _replicas(two, TrainConfig(batch_size=65, strategy="mirrored"))


def test_mixed_precision_bfloat16_trains(tmp_path):
    strategy_worker.main(tmp_path / "bf16.npz", "auto", "beta", precision="mixed_bfloat16")
    losses = np.load(tmp_path / "bf16.npz")["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < 0.5 * losses[0]


def _float16_config(tmp_path, max_step):
    from vae_tf.config import TrainConfig

    return TrainConfig(train_dir=str(tmp_path / "run"), model="fully_connected", hidden_size=8,
                       batch_size=32, max_step=max_step, log_every=10, save_every=20,
                       mixed_precision="mixed_float16")


@pytest.mark.slow  # float16 is emulated on CPUs: 20 steps of fully_connected take 15-20 s
def test_mixed_float16_run_learns(tmp_path):
    from vae_tf.training.train import train

    initial = train(_float16_config(tmp_path, 0), print_fn=lambda line: None)
    trained = train(_float16_config(tmp_path, 20), print_fn=lambda line: None)
    # The reconstruction falls from 11,000 to about 220 nats.
    assert trained["step"] == 20
    assert trained["reconstruction"] < 0.5 * initial["reconstruction"]


def test_mixed_float16_checkpoint_reloads_in_float32(tmp_path):
    import tensorflow as tf

    from vae_tf.training.build import build_vae, load_networks
    from vae_tf.training.train import train

    config = _float16_config(tmp_path, 0)
    train(config, print_fn=lambda line: None)  # the step-0 checkpoint of a float16 run
    mixed = build_vae(config)
    assert mixed.decoder.compute_dtype == "float16"
    assert type(mixed.optimizer).__name__ == "LossScaleOptimizer"
    full = build_vae(config, precision="off")
    assert full.decoder.compute_dtype == "float32"
    checkpoint = tf.train.latest_checkpoint(config.run_dir)
    assert load_networks(mixed, checkpoint) == load_networks(full, checkpoint) == 0
    assert all(w.dtype == np.float32 for w in full.get_weights())
    for a, b in zip(mixed.get_weights(), full.get_weights()):
        np.testing.assert_array_equal(a, b)
    # The float32 model scores the held-out images like the float16 one it was saved from.
    images = np.random.default_rng(0).random((64,) + config.image_shape) < 0.05
    images = tf.constant(images, tf.float32)
    full_loss = full.evaluate(images, verbose=0, return_dict=True)["reconstruction"]
    mixed_loss = mixed.evaluate(images, verbose=0, return_dict=True)["reconstruction"]
    assert full_loss == pytest.approx(mixed_loss, rel=0.01)
