"""The reparameterisation trick as a seeded Keras layer."""

import keras

from vae_tf.models.replicas import batch_offset


class Sampling(keras.layers.Layer):
    """``z = mean + exp(logvar / 2) * eps``, ``eps ~ N(0, I)`` (Kingma & Welling 2014, eq. 10).

    The noise comes from a ``keras.random.SeedGenerator`` owned by the layer, so each call draws
    fresh noise inside a compiled train step and a fixed seed gives a repeatable stream. Under a
    strategy with several replicas the noise is drawn for the global batch and each replica takes
    its own rows: replicas get independent noise, the same as one device would draw. The layer
    computes in float32 under a mixed-precision policy.
    """

    def __init__(self, seed=None, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, mean, logvar):
        size, latent_dim = keras.ops.shape(mean)
        total, offset = batch_offset(size)
        eps = keras.random.normal((total, latent_dim), seed=self.seed_generator)
        eps = eps[offset:offset + size]
        return mean + keras.ops.exp(0.5 * logvar) * eps
