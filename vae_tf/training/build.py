"""The VAE of a run, with its objective, optimizer and checkpoint, built from its config."""

import numpy as np
import tensorflow as tf

from vae_tf.models import architectures
from vae_tf.models.vae import VAE
from vae_tf.objectives import (AnnealedVAE, BetaTCVAE, BetaVAE, DIPVAE, FactorVAE,
                               NonSynergisticVAE)
from vae_tf.models.adam import FusedAdam
from vae_tf.training.distribution import precision_policy
from vae_tf.training.run_dir import checkpoint_step

# XLA or not, per model, as measured by benchmarks/throughput.py on a 2-core CPU (see README).
JIT_DEFAULTS = {"fully_connected": True, "conv": False, "all_conv": False, "fc_1200": True,
                "burgess_conv": False}
KEEP_CHECKPOINTS = 3


def use_jit(config, replicas=1):
    """Whether the train step is XLA-compiled: ``--jit_compile``, or the per-model default on
    one device (off with several replicas: XLA refuses MirroredStrategy's variables on logical
    CPU devices, and the defaults were measured on one device)."""
    if config.jit_compile == "auto":
        return JIT_DEFAULTS[config.model] and replicas == 1
    return config.jit_compile == "on"


def build_objective(config):
    """The :class:`~vae_tf.objectives.Objective` that ``config.objective`` names."""
    if config.objective == "annealed":
        return AnnealedVAE(config.gamma, config.c_max, config.c_steps)
    if config.objective == "nonsyn":
        return NonSynergisticVAE(config.alpha, config.omega, config.beta)
    if config.objective == "factor":
        return FactorVAE(config.gamma, config.disc_lr, seed=config.seed)
    if config.objective == "tcvae":
        return BetaTCVAE(config.beta)
    if config.objective in ("dip_vae_i", "dip_vae_ii"):
        return DIPVAE(config.lambda_od, config.lambda_d, config.objective.rsplit("_", 1)[1])
    return BetaVAE(config.beta, config.kl_warmup_steps)


def build_vae(config, strategy=None, precision=None):
    """The compiled, built VAE (and its optimizer's slots) that ``config`` describes, its
    variables (and the objective's) created under ``strategy`` (default: TensorFlow's current
    one) and its layers under the ``precision`` policy (default ``config.mixed_precision``).
    Under ``mixed_float16`` ``compile`` wraps the optimizer in Keras's dynamic loss scaling."""
    strategy = strategy or tf.distribute.get_strategy()
    image_shape = config.image_shape
    with strategy.scope(), precision_policy(precision or config.mixed_precision):
        encoder, decoder = architectures.build(
            config.model, image_shape, config.hidden_size, weight_init=config.weight_init,
            keep_prob=config.keep_prob, weight_decay=config.weight_decay)
        objective = build_objective(config)
        vae = VAE(encoder, decoder, objective, recon_loss=config.recon_loss, seed=config.seed,
                  deterministic=config.deterministic)
        # epsilon 1e-8: the TF1 Adam default the original trained with (Keras: 1e-7).
        vae.compile(optimizer=FusedAdam(config.lr, epsilon=1e-8),
                    jit_compile=use_jit(config, strategy.num_replicas_in_sync))
        vae(np.zeros((1,) + tuple(image_shape), np.float32))
        vae.optimizer.build(vae.trainable_variables)
    return vae


def _training_state(vae, noise=True):
    """What a checkpoint holds: the model, its optimizer (whose iteration count is the step),
    what the objective trains besides (FactorVAE's discriminator, ...) and, with ``noise``,
    the states of the model's random streams (posterior noise, dropout), which Keras leaves
    out of the model's own checkpoint."""
    parts = dict(model=vae, optimizer=vae.optimizer, **vae.objective.trackables())
    if noise:
        states = [v for v in vae.variables if v.path.endswith("seed_generator_state")]
        parts["noise"] = tf.train.Checkpoint(**{f"state_{i}": v for i, v in enumerate(states)})
    return parts


def checkpoint_manager(vae, run_dir, keep=KEEP_CHECKPOINTS):
    """``tf.train.CheckpointManager`` of the run's training state (:func:`_training_state`),
    keeping the newest ``keep`` checkpoints (``--keep_checkpoints``)."""
    return tf.train.CheckpointManager(tf.train.Checkpoint(**_training_state(vae)), run_dir,
                                      max_to_keep=keep, checkpoint_name="ckpt")


def restore_training_state(vae, checkpoint):
    """Restore all of ``checkpoint`` (a prefix) into ``vae``, asserting that every part
    matches: a resumed run goes on exactly where it stopped. A checkpoint of an older version,
    without the random streams' states, restores the rest (the noise then starts afresh)."""
    noise = any(name.startswith("noise/") for name, _ in tf.train.list_variables(checkpoint))
    tf.train.Checkpoint(**_training_state(vae, noise)).restore(checkpoint).assert_consumed()


def load_networks(vae, checkpoint):
    """Load only the encoder and decoder of ``checkpoint`` (a ``.../ckpt-<step>`` prefix) into
    ``vae``; returns the step. What scoring and figures need, whatever optimizer or precision
    trained the run: a mixed-precision run loads into a float32 VAE."""
    networks = tf.train.Checkpoint(encoder=vae.encoder, decoder=vae.decoder)
    tf.train.Checkpoint(model=networks).restore(checkpoint).expect_partial()
    return checkpoint_step(checkpoint)
