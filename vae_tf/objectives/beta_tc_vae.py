"""β-TCVAE (Chen et al. 2018, "Isolating sources of disentanglement in VAEs", eq. 4 with α = γ = 1)."""

import tensorflow as tf

from vae_tf.models.replicas import gather_over_replicas
from vae_tf.objectives.base import Objective
from vae_tf.objectives.total_correlation import total_correlation


class BetaTCVAE(Objective):
    """Regulariser ``KL + (β − 1) · TC``: of the KL's decomposition into index-code mutual
    information, total correlation and dimension-wise KL, only the total correlation (estimated
    on the batch, :func:`~vae_tf.objectives.total_correlation.total_correlation`) gets weight β,
    as in disentanglement_lib's ``beta_tc_vae``. Under a strategy with several replicas the
    aggregate posterior is the global batch's."""

    name = "tcvae"
    metric_names = ("tc",)

    def __init__(self, beta=6.0):
        self.beta = float(beta)

    def __call__(self, kl_latent, mean, logvar, z, step):
        tc = total_correlation(z, gather_over_replicas(mean)[0], gather_over_replicas(logvar)[0])
        return tf.reduce_sum(kl_latent) + (self.beta - 1.0) * tc, {"tc": tc}
