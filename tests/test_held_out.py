"""The held-out evaluation: the same number at the end of training, in TensorBoard and from
--mode=eval, for a run shorter than --save_every."""

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from vae_tf.config import TrainConfig
from vae_tf.training.build import build_vae
from vae_tf.training.evaluation import evaluate_run
from vae_tf.training.held_out import held_out_loss
from vae_tf.training.train import train


def eval_scalars(run_dir):
    events = EventAccumulator(run_dir)
    events.Reload()
    return {tag: [(event.step, float(tf.make_ndarray(event.tensor_proto)))
                  for event in events.Tensors(tag)]
            for tag in events.Tags()["tensors"] if tag.startswith("eval/")}


def test_short_run_logs_its_held_out_numbers_and_eval_reads_the_same(tmp_path):
    config = TrainConfig(train_dir=str(tmp_path / "run"), model="all_conv", hidden_size=1,
                         batch_size=32, log_every=10, max_step=20, save_every=1000,
                         jit_compile="off", metrics="mig", metric_points=100)
    result = train(config, print_fn=lambda line: None)
    scalars = eval_scalars(config.run_dir)
    for key in ("loss", "reconstruction", "kl"):
        assert scalars[f"eval/{key}"] == [(20, pytest.approx(result[key], rel=1e-6))]
    assert len([tag for tag in scalars if "/kl_per_latent/" in tag]) == 16

    lines = []
    record = evaluate_run(config, print_fn=lines.append)
    assert record["step"] == 20
    for key in ("loss", "reconstruction", "kl"):
        assert record["held_out"][key] == pytest.approx(result[key], rel=1e-5), key
    assert any(f"held-out reconstruction {result['reconstruction']:.2f}," in line
               for line in lines)


def test_evaluations_draw_the_same_noise_and_leave_training_noise_alone():
    config = TrainConfig(model="fully_connected", hidden_size=4, batch_size=32,
                         jit_compile="off")
    vae = build_vae(config)
    images = (np.random.default_rng(0).random((64, 32, 32, 1)) < 0.1).astype(np.float32)
    state = vae.sampling.seed_generator.state.numpy()
    first = held_out_loss(vae, images, 32, seed=0)
    assert held_out_loss(vae, images, 32, seed=0) == first
    np.testing.assert_array_equal(vae.sampling.seed_generator.state.numpy(), state)
    assert held_out_loss(vae, images, 32, seed=1)["reconstruction"] != first["reconstruction"]
