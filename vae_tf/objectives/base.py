"""The objective interface: what an objective adds to the reconstruction term.

The VAE owns encoding, sampling, decoding, the reconstruction term and the Gaussian KL; an
objective supplies the regulariser (the pattern of disentanglement_lib), so every objective works
with every architecture and dataset. Objectives that train something besides the VAE (FactorVAE's
discriminator, the Non-Synergistic VAE's second step) do it in :meth:`Objective.update`, with
their own optimizers, and hand what must be checkpointed to :meth:`Objective.trackables`.
"""

import keras


def loss_scaled(optimizer, vae):
    """``optimizer`` wrapped in Keras's dynamic loss scaling when ``vae`` computes in float16
    (the ``mixed_float16`` policy), as ``compile`` wraps the VAE's own optimizer."""
    if vae.dtype_policy.name == "mixed_float16":
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


class Objective:
    """Base class. Subclasses set ``name`` and ``metric_names`` and implement ``__call__``."""

    name = ""
    # Extra scalars an objective reports (each becomes a metric tracker and a TensorBoard curve).
    metric_names = ()

    def build(self, vae):
        """Create the objective's own networks and optimizers for ``vae`` (called once, by the
        VAE's constructor, after its encoder and decoder exist, inside the run's strategy scope
        and precision policy)."""

    def trackables(self):
        """``{name: trackable}`` the run's checkpoint must hold besides the VAE and its
        optimizer."""
        return {}

    def __call__(self, kl_latent, mean, logvar, z, step):
        """Return ``(regulariser, extras)``.

        kl_latent: ``[d]`` batch-mean KL of every latent (nats); their sum is the KL term.
        mean, logvar, z: ``[B, d]`` posterior parameters and sample.
        step: the optimizer's iteration count before this update (a scalar tensor).
        extras: a dict holding a scalar for every name in ``metric_names``.
        """
        raise NotImplementedError

    def update(self, vae, x, z, step):
        """Optional training of the objective's own parts after the VAE's step on batch ``x``
        (``z``: that step's latent sample, without gradient). Take the step with
        :func:`vae_tf.models.replicas.minimize`, so it is right under a strategy and in mixed
        precision."""
