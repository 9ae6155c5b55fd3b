"""Train a VAE on a run's data set, resuming from the run directory's last checkpoint."""

import math

import keras
import numpy as np
import tensorflow as tf

from vae_tf.data.sources import training_data
from vae_tf.models import architectures
from vae_tf.models.vae import VAE
from vae_tf.objectives import AnnealedVAE, BetaTCVAE, BetaVAE, FactorVAE, NonSynergisticVAE
from vae_tf.training.callbacks import CheckpointGuard, Monitor
from vae_tf.training.run_dir import prepare_run_dir

# XLA or not, per model, as measured by benchmarks/throughput.py on a 2-core CPU (see README).
JIT_DEFAULTS = {"fully_connected": True, "conv": False, "all_conv": False, "fc_1200": True,
                "burgess_conv": False}
PICTURES = 8
KEEP_CHECKPOINTS = 3


class NonFiniteLossError(RuntimeError):
    """Training met a NaN or Inf loss; the last good checkpoint was kept."""


def use_jit(config):
    """Whether the train step is XLA-compiled: ``--jit_compile`` or the per-model default."""
    if config.jit_compile == "auto":
        return JIT_DEFAULTS[config.model]
    return config.jit_compile == "on"


def build_objective(config):
    """The :class:`~vae_tf.objectives.Objective` that ``config.objective`` names."""
    if config.objective == "annealed":
        return AnnealedVAE(config.gamma, config.c_max, config.c_steps)
    if config.objective == "nonsyn":
        return NonSynergisticVAE(config.alpha, config.omega, config.beta, config.lr)
    if config.objective == "factor":
        return FactorVAE(config.gamma, config.disc_lr, seed=config.seed)
    if config.objective == "tcvae":
        return BetaTCVAE(config.beta)
    return BetaVAE(config.beta, config.kl_warmup_steps)


def build_vae(config):
    """The compiled, built VAE (and its optimizer's slots) that ``config`` describes."""
    image_shape = config.image_shape
    encoder, decoder = architectures.build(
        config.model, image_shape, config.hidden_size, weight_init=config.weight_init,
        keep_prob=config.keep_prob, weight_decay=config.weight_decay)
    objective = build_objective(config)
    vae = VAE(encoder, decoder, objective, recon_loss=config.recon_loss, seed=config.seed)
    # epsilon 1e-8: the TF1 Adam default the original trained with (Keras defaults to 1e-7).
    vae.compile(optimizer=keras.optimizers.Adam(config.lr, epsilon=1e-8),
                jit_compile=use_jit(config))
    vae(np.zeros((1,) + tuple(image_shape), np.float32))
    vae.optimizer.build(vae.trainable_variables)
    return vae


def checkpoint_manager(vae, run_dir):
    """``tf.train.CheckpointManager`` over the model, its optimizer (whose iteration count is the
    step) and what the objective trains besides (FactorVAE's discriminator, ...)."""
    checkpoint = tf.train.Checkpoint(model=vae, optimizer=vae.optimizer,
                                     **vae.objective.trackables())
    return tf.train.CheckpointManager(checkpoint, run_dir, max_to_keep=KEEP_CHECKPOINTS,
                                      checkpoint_name="ckpt")


def train(config, overwrite=False, print_fn=print):
    """Train until ``config.max_step``, resuming from the run directory if it holds a run.

    Returns the final evaluation on the held-out frames (``loss``, ``reconstruction``, ``kl``
    ..., per image) with the ``step`` reached. Raises :class:`NonFiniteLossError` if the loss
    becomes NaN or Inf; on ``KeyboardInterrupt`` the current step is checkpointed first.
    """
    run_dir = prepare_run_dir(config, overwrite)
    keras.utils.set_random_seed(config.seed)
    vae = build_vae(config)
    manager = checkpoint_manager(vae, run_dir)
    if manager.latest_checkpoint:
        manager.checkpoint.restore(manager.latest_checkpoint).assert_consumed()
    start = int(vae.optimizer.iterations)
    data, held_out = training_data(config, seed=[config.seed, 0, start], print_fn=print_fn)
    eval_data = tf.data.Dataset.from_tensor_slices(held_out).batch(config.batch_size)

    if start >= config.max_step:
        print_fn(f"{run_dir} is at step {start} >= --max_step={config.max_step}: nothing to "
                 "train (raise --max_step to continue)")
    else:
        print_fn(f"{'resuming' if start else 'training'} {run_dir} from step {start} "
                 f"({config.dataset}, model {config.model}, {vae.latent_dim} latents, objective "
                 f"{config.objective}, beta {config.beta}, "
                 f"XLA {'on' if use_jit(config) else 'off'})")
        guard = CheckpointGuard(manager, config.save_every, config.max_step)
        prior_z = np.random.default_rng([config.seed, 2]).standard_normal(
            (PICTURES, vae.latent_dim)).astype(np.float32)
        monitor = Monitor(run_dir, config.batch_size, config.max_step, held_out[:PICTURES],
                          prior_z, print_fn)
        try:
            vae.fit(data, steps_per_epoch=config.log_every,
                    epochs=math.ceil((config.max_step - start) / config.log_every),
                    validation_data=eval_data,
                    validation_freq=max(1, config.save_every // config.log_every),
                    callbacks=[guard, monitor], verbose=0, shuffle=False)
        except KeyboardInterrupt:
            guard.save()
            print_fn(f"interrupted: checkpoint at step {guard.saved_step} in {run_dir}; "
                     "rerun the same command to resume")
            raise
        if guard.bad_step is not None:
            raise NonFiniteLossError(
                f"loss became NaN or Inf at step {guard.bad_step}; stopped, the last good "
                f"checkpoint (step {guard.saved_step}) is kept in {run_dir}")

    result = vae.evaluate(eval_data, verbose=0, return_dict=True)
    result = {k: float(v) for k, v in result.items()}
    result["step"] = int(vae.optimizer.iterations)
    print_fn(f"step {result['step']}: held-out reconstruction {result['reconstruction']:.2f} "
             f"{'nats' if config.recon_loss == 'ce' else config.recon_loss} per image, "
             f"KL {result['kl']:.2f} nats; run directory {run_dir}")
    return result
