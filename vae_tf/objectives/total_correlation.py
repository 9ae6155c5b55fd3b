"""Total correlation of the aggregate posterior (β-TCVAE, Chen et al. 2018) and FactorVAE's
dimension permutation (Kim & Mnih 2018)."""

import math

import tensorflow as tf


def gaussian_log_density(x, mean, logvar):
    """Elementwise ``log N(x; mean, exp(logvar))``."""
    return -0.5 * (math.log(2 * math.pi) + logvar + tf.square(x - mean) * tf.exp(-logvar))


def total_correlation(z, mean, logvar):
    """Minibatch estimate of ``TC(z) = KL(q(z) || Π_j q(z_j))`` (Chen et al. 2018, sec. 4.1), a scalar.

    ``mean``, ``logvar`` are ``[B, d]``, the posteriors of the batch; ``z`` ``[b, d]`` holds
    samples of some of them (all ``B``, or one replica's rows). The aggregate posterior is
    estimated from the batch, ``log q(z_i) ≈ logsumexp_k log q(z_i|x_k) − log B``, and likewise per dimension for the marginals ``q(z_ij)``; the result is the batch
    mean of ``log q(z_i) − Σ_j log q(z_ij)``. Chen et al.'s minibatch-weighted sampling also
    subtracts ``log N`` (dataset size) inside each log, which shifts the estimate by the
    constant ``(d−1)·log N``; disentanglement_lib drops both constants, a shift of
    ``(1−d)·log B``. Neither changes gradients; normalising by ``B`` makes independent
    codes estimate ≈ 0.
    """
    z, mean, logvar = (tf.cast(t, tf.float32) for t in (z, mean, logvar))
    log_b = tf.math.log(tf.cast(tf.shape(mean)[0], tf.float32))
    # [b (sample i), B (posterior k), d]
    log_qz_given_x = gaussian_log_density(z[:, None, :], mean[None], logvar[None])
    log_qz = tf.reduce_logsumexp(tf.reduce_sum(log_qz_given_x, axis=2), axis=1) - log_b
    log_marginals = tf.reduce_logsumexp(log_qz_given_x, axis=1) - log_b
    return tf.reduce_mean(log_qz - tf.reduce_sum(log_marginals, axis=1))


def permute_dims(z, seed):
    """Shuffle every column of ``z`` ``[B, d]`` independently over the batch (Kim & Mnih 2018, Alg. 1).

    Stateless: each column is reordered by the argsort of uniform noise drawn from ``seed``
    (shape ``[2]``), so it runs under ``jit_compile``.
    """
    z = tf.convert_to_tensor(z)
    order = tf.argsort(tf.random.stateless_uniform(tf.shape(z), seed), axis=0)
    return tf.transpose(tf.gather(tf.transpose(z), tf.transpose(order), batch_dims=1))
