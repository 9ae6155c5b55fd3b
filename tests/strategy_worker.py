"""Trains a small VAE for a few steps under one tf.distribute strategy, in its own process, and
saves the per-step losses and the final weights (``.npz``) for tests/test_distribution.py.

A separate process because logical CPU devices and a multi-worker cluster must be set up before
TensorFlow initialises. ``python tests/strategy_worker.py OUT STRATEGY OBJECTIVE [DEVICES]
[PRECISION]``; a multi-worker run reads ``TF_CONFIG``.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

STEPS = 6


def main(out, strategy_name, objective, devices=1, precision="off"):
    from vae_tf.config import TrainConfig
    from vae_tf.data.sources import training_data
    from vae_tf.training.build import build_vae
    from vae_tf.training.distribution import make_strategy

    if devices > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * devices)
    strategy = make_strategy(strategy_name)
    config = TrainConfig(model="fully_connected", objective=objective, hidden_size=6,
                         batch_size=32, jit_compile="off", mixed_precision=precision,
                         seed=0, lr=1e-3)
    keras.utils.set_random_seed(config.seed)
    vae = build_vae(config, strategy)
    data, _ = training_data(config, seed=[config.seed, 0], print_fn=lambda line: None)
    history = vae.fit(data, steps_per_epoch=1, epochs=STEPS, verbose=0, shuffle=False).history
    weights = np.concatenate([w.ravel() for w in vae.get_weights()])
    extra = vae.objective.trackables().get("discriminator")
    if extra is not None:
        weights = np.concatenate([weights] + [w.ravel() for w in extra.get_weights()])
    np.savez(out, replicas=strategy.num_replicas_in_sync,
             iterations=vae.optimizer.iterations.numpy(), weights=weights,
             **{k: np.asarray(v) for k, v in history.items()})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], *(int(a) if a.isdigit() else a
                                                  for a in sys.argv[4:]))
