"""β-VAE objective (Higgins et al. 2017, eq. 4) with an optional linear KL warm-up."""

import tensorflow as tf

from vae_tf.objectives.base import Objective
from vae_tf.objectives.terms import linear_warmup


class BetaVAE(Objective):
    """Regulariser ``β_t · KL`` with ``β_t = β · min(1, step / kl_warmup_steps)``.

    ``kl_warmup_steps = 0`` keeps ``β_t = β`` from the first step; ``β = 1`` is the plain VAE.
    """

    name = "beta"
    metric_names = ("beta_t",)

    def __init__(self, beta=1.0, kl_warmup_steps=0):
        if beta < 0:
            raise ValueError(f"beta must be >= 0, got {beta}")
        self.beta = float(beta)
        self.kl_warmup_steps = int(kl_warmup_steps)

    def __call__(self, kl_latent, mean, logvar, z, step):
        beta_t = self.beta * linear_warmup(step, self.kl_warmup_steps)
        return beta_t * tf.reduce_sum(kl_latent), {"beta_t": beta_t}
