"""Pure loss terms shared by every objective.

Each function takes tensors (or numpy arrays) and returns per-example or per-latent values, so
it can be checked against hand-computed numpy numbers. Reductions over the batch are left to
the caller: vae_tf sums over pixels / latents and averages over the batch.
"""

import tensorflow as tf

from vae_tf.config import RECONSTRUCTION_LOSSES


def gaussian_kl(mean, logvar):
    """KL(N(mean, exp(logvar)) || N(0, 1)) per latent, ``[B, d]`` (Kingma & Welling 2014, App. B).

    ``0.5 * (mean^2 + exp(logvar) - logvar - 1)``.
    """
    mean = tf.convert_to_tensor(mean, tf.float32)
    logvar = tf.convert_to_tensor(logvar, tf.float32)
    return 0.5 * (tf.square(mean) + tf.exp(logvar) - logvar - 1.0)


def _sum_per_example(values):
    return tf.reduce_sum(tf.reshape(values, (tf.shape(values)[0], -1)), axis=1)


@tf.custom_gradient
def bernoulli_nll(x, logits):
    """Bernoulli negative log-likelihood of ``x`` under ``logits``, summed per example, ``[B]``
    (nats): TensorFlow's stable ``max(l, 0) - l·x + log(1 + exp(-|l|))`` per pixel.

    Its gradient is written out, ``sigmoid(l) - x`` for the logits (``-l`` for ``x``), one
    fused expression where automatic differentiation of the stable form builds about ten
    pixel-sized ops: the reconstruction term is the largest elementwise work of the balls
    models' train step.
    """
    flat = tf.stack([tf.shape(logits)[0], -1])
    flat_logits, flat_x = tf.reshape(logits, flat), tf.reshape(x, flat)
    loss = tf.reduce_sum(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=flat_x, logits=flat_logits), axis=1)

    def gradient(upstream):
        upstream = upstream[:, None]
        return (tf.reshape(-upstream * flat_logits, tf.shape(x)),
                tf.reshape(upstream * (tf.sigmoid(flat_logits) - flat_x), tf.shape(logits)))

    return loss, gradient


def reconstruction_loss(x, logits, kind="ce"):
    """Per-example reconstruction loss ``[B]``, summed over pixels (and channels).

    ``ce``: Bernoulli negative log-likelihood from decoder logits, in nats.
    ``mse``: squared error between ``x`` and ``sigmoid(logits)``.
    ``ad``: absolute difference between ``x`` and ``sigmoid(logits)``.
    """
    x = tf.convert_to_tensor(x, tf.float32)
    logits = tf.convert_to_tensor(logits, tf.float32)
    if kind == "ce":
        return bernoulli_nll(x, logits)
    if kind == "mse":
        per_pixel = tf.square(x - tf.sigmoid(logits))
    elif kind == "ad":
        per_pixel = tf.abs(x - tf.sigmoid(logits))
    else:
        raise ValueError(f"recon_loss must be one of {RECONSTRUCTION_LOSSES}, got {kind!r}")
    return _sum_per_example(per_pixel)


def linear_warmup(step, warmup_steps):
    """Weight rising linearly from 0 at step 0 to 1 at ``warmup_steps``, then 1.

    ``warmup_steps = 0`` switches the warm-up off (weight 1 from the first step). The KL
    warm-up of Bowman et al. 2016 / Sønderby et al. 2016.
    """
    step = tf.cast(step, tf.float32)
    if warmup_steps <= 0:
        return tf.ones_like(step)
    return tf.minimum(step / float(warmup_steps), 1.0)
