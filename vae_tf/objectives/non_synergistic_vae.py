"""Non-Synergistic VAE (Gonzalob90/non-synergistic-vae, after Steeg et al. 2017)."""

import tensorflow as tf

from vae_tf.models.adam import FusedAdam
from vae_tf.models.replicas import mean_over_replicas, minimize
from vae_tf.objectives.base import Objective, loss_scaled
from vae_tf.objectives.synergy import synergy_penalty
from vae_tf.objectives.terms import gaussian_kl


class NonSynergisticVAE(Objective):
    """Objective ``ELBO − α · KL(q(z_W|x) || p(z_W))`` in two steps per batch:

    1. the VAE's step on ``reconstruction + β · KL`` (β = 1 in the original);
    2. a fresh encoder pass, the greedy search for the most informative latent subset ``A``
       (discount ``omega``, :mod:`vae_tf.objectives.synergy`) and an Adam step of the encoder
       on ``α · KL_W``, the KL of the other latents ``W``.

    The second step has its own Adam state (same learning rate): the original shared one Adam
    between both steps, which here would count every batch as two training steps. It reports
    the synergy term ``α · KL_W`` and ``|A|`` (``subset_size``) of the batch.
    """

    name = "nonsyn"
    metric_names = ("synergy", "subset_size")

    def __init__(self, alpha=5.0, omega=0.9, beta=1.0, lr=1e-4):
        self.alpha = float(alpha)
        self.omega = float(omega)
        self.beta = float(beta)
        self.optimizer = FusedAdam(lr, epsilon=1e-8)
        self.variables = None

    def build(self, vae):
        self.variables = vae.encoder.trainable_variables
        self.optimizer = loss_scaled(self.optimizer, vae)
        self.optimizer.build(self.variables)

    def trackables(self):
        return {"synergy_optimizer": self.optimizer}

    def __call__(self, kl_latent, mean, logvar, z, step):
        penalty, size = synergy_penalty(kl_latent, self.omega)
        return (self.beta * tf.reduce_sum(kl_latent),
                {"synergy": self.alpha * penalty, "subset_size": size})

    def update(self, vae, x, z, step):
        def synergy():
            mean, logvar = vae.encode(x, training=True)
            kl_latent = mean_over_replicas(tf.reduce_mean(gaussian_kl(mean, logvar), axis=0))
            return self.alpha * synergy_penalty(kl_latent, self.omega)[0]
        minimize(self.optimizer, synergy, self.variables)
