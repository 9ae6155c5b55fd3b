"""FactorVAE (Kim & Mnih 2018, "Disentangling by factorising", eq. 2 and Algorithm 1)."""

import keras
import tensorflow as tf

from vae_tf.models.adam import FusedAdam
from vae_tf.models.replicas import gather_over_replicas, minimize
from vae_tf.objectives.base import Objective, loss_scaled
from vae_tf.objectives.total_correlation import permute_dims

# Gonzalob90's discriminator: 5 x (FC 1000, LeakyReLU 0.01), then 2 logits.
DISCRIMINATOR_LAYERS = 5
DISCRIMINATOR_UNITS = 1000
LEAKY_SLOPE = 0.01


def build_discriminator(latent_dim):
    """MLP from ``z [B, d]`` to two logits: class 0 "drawn from q(z)", class 1 "from the product
    of its marginals"."""
    z = keras.Input((latent_dim,))
    h = z
    for _ in range(DISCRIMINATOR_LAYERS):
        h = keras.layers.Dense(DISCRIMINATOR_UNITS)(h)
        h = keras.layers.LeakyReLU(LEAKY_SLOPE)(h)
    return keras.Model(z, keras.layers.Dense(2)(h), name="discriminator")


def discriminator_terms(logits_joint, logits_permuted):
    """``(loss, accuracy)`` of the discriminator: mean cross-entropy of the two halves (labels 0
    for ``z``, 1 for permuted ``z``), and the fraction it classifies right."""
    ce = keras.losses.sparse_categorical_crossentropy
    joint = ce(tf.zeros(tf.shape(logits_joint)[:1], tf.int32), logits_joint, from_logits=True)
    permuted = ce(tf.ones(tf.shape(logits_permuted)[:1], tf.int32), logits_permuted,
                  from_logits=True)
    loss = 0.5 * (tf.reduce_mean(joint) + tf.reduce_mean(permuted))
    right = tf.concat([tf.cast(tf.argmax(logits_joint, -1) == 0, tf.float32),
                       tf.cast(tf.argmax(logits_permuted, -1) == 1, tf.float32)], axis=0)
    return loss, tf.reduce_mean(right)


class FactorVAE(Objective):
    """Regulariser ``β · KL + γ · TC`` with the density-ratio estimate
    ``TC ≈ mean_b [D(z)_0 − D(z)_1]`` (FactorVAE has β = 1). After every VAE step the
    discriminator takes its own Adam step (β1 0.5, β2 0.9) on ``z`` against ``z`` with every
    dimension permuted across the batch (disentanglement_lib's same-batch variant of the
    paper's second batch). Under a strategy with several replicas the permutation runs over the
    global batch, as on one device."""

    name = "factor"
    metric_names = ("tc", "disc_loss", "disc_accuracy")

    def __init__(self, gamma=6.4, disc_lr=1e-4, beta=1.0, seed=0):
        self.gamma = float(gamma)
        self.beta = float(beta)
        self.seed = int(seed)
        self.optimizer = FusedAdam(disc_lr, beta_1=0.5, beta_2=0.9)
        self.discriminator = None

    def build(self, vae):
        self.discriminator = build_discriminator(vae.latent_dim)
        self.optimizer = loss_scaled(self.optimizer, vae)
        self.optimizer.build(self.discriminator.trainable_variables)

    def trackables(self):
        return {"discriminator": self.discriminator, "discriminator_optimizer": self.optimizer}

    def _logits(self, z, step):
        """Float32 logits of ``z`` and of this replica's rows of the permuted global batch."""
        seed = tf.stack([tf.constant(self.seed, tf.int32), tf.cast(step, tf.int32)])
        everything, offset = gather_over_replicas(tf.stop_gradient(z))
        permuted = permute_dims(everything, seed)[offset:offset + tf.shape(z)[0]]
        return tuple(tf.cast(self.discriminator(t), tf.float32) for t in (z, permuted))

    def __call__(self, kl_latent, mean, logvar, z, step):
        joint, permuted = self._logits(z, step)
        tc = tf.reduce_mean(joint[:, 0] - joint[:, 1])
        loss, accuracy = discriminator_terms(tf.stop_gradient(joint), tf.stop_gradient(permuted))
        regulariser = self.beta * tf.reduce_sum(kl_latent) + self.gamma * tc
        return regulariser, {"tc": tc, "disc_loss": loss, "disc_accuracy": accuracy}

    def update(self, vae, x, z, step):
        minimize(self.optimizer, lambda: discriminator_terms(*self._logits(z, step)),
                 self.discriminator.trainable_variables)
