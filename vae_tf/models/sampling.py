"""The reparameterisation trick as a seeded Keras layer."""

import keras


class Sampling(keras.layers.Layer):
    """``z = mean + exp(logvar / 2) * eps``, ``eps ~ N(0, I)`` (Kingma & Welling 2014, eq. 10).

    The noise comes from a ``keras.random.SeedGenerator`` owned by the layer, so each call draws
    fresh noise inside a compiled train step and a fixed seed gives a repeatable stream.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, mean, logvar):
        eps = keras.random.normal(keras.ops.shape(mean), seed=self.seed_generator)
        return mean + keras.ops.exp(0.5 * logvar) * eps
