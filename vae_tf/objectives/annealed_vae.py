"""Capacity-annealed β-VAE (Burgess et al. 2018, "Understanding disentangling in β-VAE", eq. 8)."""

import tensorflow as tf

from vae_tf.objectives.base import Objective
from vae_tf.objectives.capacity import capacity


class AnnealedVAE(Objective):
    """Regulariser ``γ · |KL − C_t|``, the capacity ``C_t`` rising linearly from 0 to ``c_max``
    nats over ``c_steps`` steps: the KL is pulled towards a slowly growing information budget."""

    name = "annealed"
    metric_names = ("c_t", "kl_gap")

    def __init__(self, gamma=1000.0, c_max=25.0, c_steps=100000):
        self.gamma = float(gamma)
        self.c_max = float(c_max)
        self.c_steps = int(c_steps)

    def __call__(self, kl_latent, mean, logvar, z, step):
        c_t = capacity(step, self.c_max, self.c_steps)
        gap = tf.abs(tf.reduce_sum(kl_latent) - c_t)
        return self.gamma * gap, {"c_t": c_t, "kl_gap": gap}
