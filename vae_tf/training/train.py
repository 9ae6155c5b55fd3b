"""Train a VAE on a run's data set, resuming from the run directory's last checkpoint."""

import math
import shutil
import tempfile

import keras
import numpy as np
import tensorflow as tf

from vae_tf.config import ConfigError
from vae_tf.data.sources import ground_truth_data, training_data
from vae_tf.training.build import (build_vae, checkpoint_manager, restore_training_state,
                                   use_jit)
from vae_tf.training.callbacks import CheckpointGuard, Monitor
from vae_tf.training.checkpoints import restore_newest
from vae_tf.training.distribution import make_strategy
from vae_tf.training.evaluation import PeriodicEvaluation, no_factors_message
from vae_tf.training.held_out import FixedNoise, held_out_loss
from vae_tf.training.run_dir import prepare_run_dir

PICTURES = 8
OPEN_ENDED = 2**31 - 1
# The most train steps one call of the compiled train function runs (a SIGTERM or Ctrl-C waits
# for the call to end).
MAX_STEPS_PER_EXECUTION = 100


def prior_codes(seed, latent_dim, num=PICTURES):
    """The fixed draws from N(0, I) whose decodings are the ``prior_samples`` image (and the
    prior samples of the figures' grids)."""
    return np.random.default_rng([seed, 2]).standard_normal((num, latent_dim)).astype(np.float32)


class NonFiniteLossError(RuntimeError):
    """Training met a NaN or Inf loss; the last good checkpoint was kept."""


def _replicas(strategy, config):
    """The number of replicas, which must split ``--batch_size`` evenly."""
    replicas = strategy.num_replicas_in_sync
    if config.batch_size % replicas:
        raise ConfigError("batch_size", f"{config.batch_size} images do not split evenly over "
                          f"the {replicas} replicas of --strategy={config.strategy}; use a "
                          f"multiple of {replicas}")
    return replicas


def steps_per_execution(config, start, replicas=1):
    """Train steps per call of the compiled train function (Keras' ``steps_per_execution``).

    The callbacks see the model once per call, so every step at which they act must end a
    call: the number divides the resumed ``start``, ``log_every``, ``save_every``,
    ``eval_every`` and ``max_step``, and is at most :data:`MAX_STEPS_PER_EXECUTION`
    (100 with the default flags). One per call under loss scaling (``mixed_float16`` skips the
    steps whose gradients overflow, so the step count of a call is not known) and with several
    replicas. Several steps per call save the per-step host work: the call itself, the loss
    read that checks for NaN, the logs handed to the callbacks.
    """
    if replicas > 1 or config.mixed_precision == "mixed_float16":
        return 1
    steps = math.gcd(start, config.log_every, config.save_every, config.eval_every,
                     config.max_step)
    return max(n for n in range(1, min(steps, MAX_STEPS_PER_EXECUTION) + 1) if steps % n == 0)


def train(config, overwrite=False, print_fn=print):
    """Train until ``config.max_step``, resuming from the run directory if it holds a run.

    Restores the newest checkpoint that reads (:func:`~vae_tf.training.checkpoints.restore_newest`).
    Trains under the ``tf.distribute`` strategy that ``config.strategy`` names. In a multi-worker
    cluster every worker runs this with the same config and a shared run directory; only the
    chief writes it (the others checkpoint to a temporary folder, as every worker must take part
    in a save). Returns the final evaluation on the held-out frames (``loss``,
    ``reconstruction``, ``kl`` ..., per image) with the ``step`` reached. Raises
    :class:`NonFiniteLossError` if the loss becomes NaN or Inf; on ``KeyboardInterrupt`` the
    current step is checkpointed first.
    """
    strategy = make_strategy(config.strategy)  # first: multi_worker sets up TensorFlow's server
    replicas = _replicas(strategy, config)
    chief = strategy.extended.should_checkpoint
    run_dir = prepare_run_dir(config, overwrite and chief)
    keras.utils.set_random_seed(config.seed)
    vae = build_vae(config, strategy)
    keep = config.keep_checkpoints
    manager = checkpoint_manager(vae, run_dir, keep)
    if restore_newest(lambda prefix: restore_training_state(vae, prefix), run_dir, print_fn,
                      set_aside=chief):
        manager = checkpoint_manager(vae, run_dir, keep)  # the state file may name fewer now
    scratch = None if chief else tempfile.mkdtemp(prefix="vae_tf_worker_")
    if scratch:
        manager = checkpoint_manager(vae, scratch)
    try:
        return _fit(config, vae, manager, run_dir, replicas, chief, print_fn)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def _fit(config, vae, manager, run_dir, replicas, chief, print_fn):
    start = int(vae.optimizer.iterations.numpy())
    ground_truth = ground_truth_data(config, print_fn) if config.eval_every else None
    if config.eval_every and ground_truth is None:
        print_fn(no_factors_message(config.dataset))
    data, held_out = training_data(config, seed=[config.seed, 0], start=start, print_fn=print_fn,
                                   ground_truth=ground_truth)
    held_out = held_out[:len(held_out) // replicas * replicas]  # every replica the same share
    eval_data = tf.data.Dataset.from_tensor_slices(held_out).batch(config.batch_size)
    new_run = not manager.latest_checkpoint
    # TensorBoard gets what this call prints (a finished run's last numbers are there already).
    monitor = (Monitor(run_dir, config.batch_size, config.max_step, held_out[:PICTURES],
                       prior_codes(config.seed, vae.latent_dim), print_fn, config.image_every)
               if chief and (start < config.max_step or new_run) else None)

    if start >= config.max_step:
        print_fn(f"{run_dir} is at step {start} >= --max_step={config.max_step}: nothing to "
                 "train (raise --max_step to continue)")
        if new_run:  # --max_step=0 keeps the initialisation
            manager.save(checkpoint_number=start)
    else:
        print_fn(f"{'resuming' if start else 'training'} {run_dir} from step {start} "
                 f"({config.dataset}, model {config.model}, {vae.latent_dim} latents, objective "
                 f"{config.objective}, {config.objective_label}, "
                 f"XLA {'on' if use_jit(config, replicas) else 'off'}, "
                 f"strategy {config.strategy} ({replicas} replica{'s' * (replicas > 1)}), "
                 f"precision {config.mixed_precision})")
        guard = CheckpointGuard(manager, config.save_every, config.max_step)
        callbacks = [guard, FixedNoise(config.seed)] + ([monitor] if monitor else [])
        if ground_truth is not None and chief:
            callbacks.append(PeriodicEvaluation(ground_truth, run_dir, config,
                                                print_fn=print_fn))
        vae.steps_per_execution = steps_per_execution(config, start, replicas)
        try:
            # The guard stops at max_step optimizer steps; a loss-scaled (mixed_float16) run skips
            # the steps whose gradients overflow, so the number of epochs is left open.
            # Epochs are numbered from step 0, so that a resumed run still evaluates at the
            # multiples of save_every (Keras counts validation_freq in epochs).
            first = start // config.log_every
            vae.fit(data, steps_per_epoch=config.log_every, initial_epoch=first,
                    epochs=first + OPEN_ENDED, validation_data=eval_data,
                    validation_freq=max(1, config.save_every // config.log_every),
                    callbacks=callbacks, verbose=0, shuffle=False)
        except KeyboardInterrupt:
            guard.save()
            print_fn(f"interrupted: checkpoint at step {guard.saved_step} in {run_dir}; "
                     "rerun the same command to resume")
            raise
        if guard.bad_step is not None:
            raise NonFiniteLossError(
                f"loss became NaN or Inf at step {guard.bad_step}; stopped, the last good "
                f"checkpoint (step {guard.saved_step}) is kept in {run_dir}")

    result = held_out_loss(vae, held_out, config.batch_size, config.seed)
    result["step"] = int(vae.optimizer.iterations.numpy())
    print_fn(f"step {result['step']}: held-out reconstruction {result['reconstruction']:.2f} "
             f"{'nats' if config.recon_loss == 'ce' else config.recon_loss} per image, "
             f"KL {result['kl']:.2f} nats; run directory {run_dir}")
    if monitor:
        monitor.log_held_out(result)
    return result
