"""The training speed work: several train steps per compiled call and the fused Adam update
change no number, and the side-by-side benchmark against the PyTorch twin runs
(benchmarks/vs_pytorch.py)."""

import os
import subprocess
import sys

import numpy as np
import pytest

from vae_tf.config import MODELS, TrainConfig

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIXTY_FOUR = {"fc_1200", "burgess_conv"}


@pytest.mark.parametrize("start, settings, expected", [
    (0, {}, 100),                                             # the defaults: one call per log
    (0, dict(log_every=10, save_every=10), 10),
    (17, dict(log_every=10, save_every=10), 1),               # resumed between two logs
    (0, dict(log_every=100, save_every=1000, max_step=250), 50),
    (0, dict(log_every=500, save_every=1000), 100),           # at most 100 a call
    (0, dict(log_every=150, save_every=450, max_step=4500), 75),
    (0, dict(eval_every=30, log_every=100), 10),
    (0, dict(mixed_precision="mixed_float16"), 1),            # loss scaling skips steps
])
def test_steps_per_execution_ends_a_call_at_every_step_a_callback_acts(start, settings,
                                                                       expected):
    from vae_tf.training.train import steps_per_execution

    assert steps_per_execution(TrainConfig(**settings), start) == expected
    assert steps_per_execution(TrainConfig(**settings), start, replicas=2) == 1


def fixed_seed_run(model, steps_per_call):
    """Six steps of batch 8 (two epochs of 3) of a small ``model`` from seed 3 on fixed random
    images, as train() seeds them: ``(epoch losses, weights, optimizer)``."""
    import keras
    import tensorflow as tf

    from vae_tf.training import build

    config = TrainConfig(model=model, batch_size=8, hidden_size=4 if model != "all_conv" else 1,
                         dataset="dsprites_rendered" if model in SIXTY_FOUR else "balls", seed=3)
    images = np.random.default_rng(0).random((6, 8) + config.image_shape).astype(np.float32)
    keras.utils.set_random_seed(config.seed)
    vae = build.build_vae(config)
    vae.steps_per_execution = steps_per_call
    history = vae.fit(tf.data.Dataset.from_tensor_slices(images), steps_per_epoch=3, epochs=2,
                      verbose=0, shuffle=False)
    return history.history["loss"], vae.get_weights(), vae.optimizer


# The XLA-compiled dense models compile twice (8 s each on 2 busy cores): slow suite.
@pytest.mark.parametrize("model", [pytest.param(m, marks=pytest.mark.slow)
                                   if m in ("fully_connected", "fc_1200") else m
                                   for m in MODELS])
def test_several_steps_per_call_train_the_same_numbers(model):
    """A fixed-seed run of every model gives the same losses and weights with 3 steps per
    compiled call as with one (the code before the speed work), within float noise."""
    (losses, weights, optimizer), (losses3, weights3, optimizer3) = (
        fixed_seed_run(model, steps) for steps in (1, 3))
    assert int(optimizer.iterations.numpy()) == int(optimizer3.iterations.numpy()) == 6
    np.testing.assert_allclose(losses3, losses, rtol=1e-5)
    for w3, w in zip(weights3, weights):
        np.testing.assert_allclose(w3, w, rtol=1e-4, atol=1e-6)


def test_fused_adam_updates_as_keras_adam():
    """FusedAdam's one-kernel update equals Keras' Adam step by step (weights and both
    moments), within float noise, for every beta and epsilon the package uses."""
    import keras

    from vae_tf.models.adam import FusedAdam

    rng = np.random.default_rng(0)
    start = rng.normal(size=(2, 7, 5)).astype(np.float32)
    gradients = rng.normal(size=(30, 2, 7, 5)).astype(np.float32)
    for settings in (dict(learning_rate=1e-3, epsilon=1e-8),
                     dict(learning_rate=1e-4, beta_1=0.5, beta_2=0.9)):
        results = []
        for cls in (keras.optimizers.Adam, FusedAdam):
            weights = [keras.Variable(w) for w in start]
            optimizer = cls(**settings)
            for step_gradients in gradients:
                optimizer.apply_gradients(zip(step_gradients, weights))
            results.append([w.numpy() for w in weights]
                           + [v.numpy() for v in optimizer._momentums + optimizer._velocities])
        assert not np.allclose(results[0][0], start[0])  # it trained
        # The kernel takes 1 - beta_2 in float32 (1 - 0.999f = 0.00099998713, as TF1's Adam
        # that the original trained with), Keras in float64 then rounded (0.001): v differs by
        # 1.3e-5 relative, the weights and m by less.
        for fused, keras_value in zip(results[1], results[0]):
            np.testing.assert_allclose(fused, keras_value, rtol=2e-5, atol=1e-7)


# As above: the XLA-compiled dense models in the slow suite.
@pytest.mark.parametrize("model", [pytest.param(m, marks=pytest.mark.slow)
                                   if m in ("fully_connected", "fc_1200") else m
                                   for m in MODELS])
def test_every_model_trains_the_same_numbers_with_fused_adam(model, monkeypatch):
    """A fixed-seed run of every model gives the same losses with FusedAdam as with Keras'
    Adam (the optimizer before the speed work), within float noise. (Not every weight: Adam
    turns a near-zero gradient into a step of about the learning rate whose sign float noise
    decides, and the two differ in the last bits of 1 - beta_2, see above.)"""
    import keras

    from vae_tf.training import build

    runs = []
    for optimizer in (keras.optimizers.Adam, build.FusedAdam):
        monkeypatch.setattr(build, "FusedAdam", optimizer)
        losses, weights, used = fixed_seed_run(model, 3)
        assert type(used) is optimizer
        runs.append((losses, weights[0], used.learning_rate.numpy()))
    (losses, weights, lr), (fused_losses, fused_weights, _) = runs
    assert not np.allclose(losses[1], losses[0], rtol=1e-7, atol=0)  # it trained
    np.testing.assert_allclose(fused_losses, losses, rtol=1e-5)
    np.testing.assert_allclose(fused_weights, weights, rtol=0, atol=10 * lr)


@pytest.mark.parametrize("before", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_the_pytorch_benchmark_smoke_mode_prints_its_table(capsys, monkeypatch, before):
    """The table's row of conv (with ``--before``: and of the code before the speed work,
    checked out from the repository's history into a temporary worktree and removed after)."""
    pytest.importorskip("torch", reason="the twin needs PyTorch (pip install -e \".[bench]\"); "
                                        "CI does not install it")
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import vs_pytorch

    monkeypatch.setattr(sys, "argv", ["vs_pytorch.py", "--smoke"] + ["--before"] * before)
    vs_pytorch.main()
    out = capsys.readouterr().out
    row, = [line for line in out.splitlines()[-3:] if line.startswith("| `conv`")]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert len(cells) == 9 + 2 * before
    float(cells[5])  # ours / twin: 10 extra steps on a busy machine can even come out negative
    if before:
        float(cells[9])
        assert not any(vs_pytorch.BEFORE_REF in line for line in subprocess.run(
            ["git", "-C", ROOT, "worktree", "list"], capture_output=True, text=True
        ).stdout.splitlines())  # the temporary worktree is gone
    first, last = ([float(v) for v in cells[i].split(" / ")] for i in (7, 8))
    # Both sides start from the same loss (same initialisation and data) and learn.
    assert first[1] == pytest.approx(first[0], rel=0.05)
    assert last[0] < first[0] + 1 and last[1] < first[1] + 1
