"""DIP-VAE-I and DIP-VAE-II (Kumar et al. 2018, "Variational inference of disentangled latent
concepts from unlabeled observations", eqs. 6 and 7, as disentanglement_lib's ``dip_vae``)."""

import tensorflow as tf

from vae_tf.models.replicas import gather_over_replicas
from vae_tf.objectives.base import Objective


def batch_covariance(mean):
    """``Cov[μ] = E[μ μᵀ] − E[μ] E[μ]ᵀ`` ``[d, d]`` of the rows of ``mean`` ``[B, d]`` (divided
    by ``B``, not ``B − 1``)."""
    mean = tf.cast(mean, tf.float32)
    centred = mean - tf.reduce_mean(mean, axis=0, keepdims=True)
    num_points = tf.cast(tf.shape(mean)[0], tf.float32)
    return tf.matmul(centred, centred, transpose_a=True) / num_points


def aggregate_covariance(mean, logvar):
    """Covariance ``Cov[μ] + E[diag σ²]`` ``[d, d]`` of the batch's aggregate posterior."""
    variance = tf.reduce_mean(tf.exp(tf.cast(logvar, tf.float32)), axis=0)
    return batch_covariance(mean) + tf.linalg.diag(variance)


def covariance_deviations(covariance):
    """``(Σ_{i≠j} C_ij², Σ_i (C_ii − 1)²)``: how far ``covariance`` ``[d, d]`` is from the
    identity, off and on the diagonal."""
    diagonal = tf.linalg.diag_part(covariance)
    off_diagonal = tf.reduce_sum(tf.square(covariance)) - tf.reduce_sum(tf.square(diagonal))
    return off_diagonal, tf.reduce_sum(tf.square(diagonal - 1.0))


def dip_penalty(covariance, lambda_od, lambda_d):
    """``λ_od Σ_{i≠j} C_ij² + λ_d Σ_i (C_ii − 1)²``."""
    off_diagonal, diagonal = covariance_deviations(covariance)
    return lambda_od * off_diagonal + lambda_d * diagonal


class DIPVAE(Objective):
    """Regulariser ``KL + λ_od Σ_{i≠j} C_ij² + λ_d Σ_i (C_ii − 1)²``: the covariance ``C`` of the
    encoder means over the batch (``dip_type`` ``"i"``) or of the batch's aggregate posterior,
    ``Cov[μ] + E[diag σ²]`` (``"ii"``), is pulled to the identity. Under a strategy with several
    replicas the batch is the global one. Reports the unweighted deviations ``cov_off_diagonal``
    and ``cov_diagonal``."""

    metric_names = ("cov_off_diagonal", "cov_diagonal")

    def __init__(self, lambda_od, lambda_d, dip_type="i"):
        if dip_type not in ("i", "ii"):
            raise ValueError(f"dip_type must be 'i' or 'ii', got {dip_type!r}")
        self.lambda_od, self.lambda_d = float(lambda_od), float(lambda_d)
        self.dip_type = dip_type
        self.name = f"dip_vae_{dip_type}"

    def __call__(self, kl_latent, mean, logvar, z, step):
        mean = gather_over_replicas(mean)[0]
        covariance = (batch_covariance(mean) if self.dip_type == "i" else
                      aggregate_covariance(mean, gather_over_replicas(logvar)[0]))
        off_diagonal, diagonal = covariance_deviations(covariance)
        regulariser = (tf.reduce_sum(kl_latent) + self.lambda_od * off_diagonal
                       + self.lambda_d * diagonal)
        return regulariser, {"cov_off_diagonal": off_diagonal, "cov_diagonal": diagonal}
