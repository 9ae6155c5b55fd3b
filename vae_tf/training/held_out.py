"""The held-out loss that training (its periodic validation and its last line) and
``--mode=eval`` share: the same images, batches and posterior noise, so that one checkpoint
reads one number wherever it is evaluated."""

import keras
import numpy as np
import tensorflow as tf

# Counter at which the evaluation noise starts, far from the training stream's (which counts
# up from 0, one per step).
NOISE_COUNTER = 2**30


class FixedNoise(keras.callbacks.Callback):
    """Every evaluation draws the same posterior noise: the sampling layer's seed generator
    is set to ``[seed, NOISE_COUNTER]`` when an evaluation begins and put back when it ends,
    so the training noise stream does not depend on how often the run was evaluated."""

    def __init__(self, seed):
        super().__init__()
        self.seed = seed
        self._saved = None

    def on_test_begin(self, logs=None):
        state = self.model.sampling.seed_generator.state
        self._saved = state.numpy()
        state.assign(np.array([self.seed, NOISE_COUNTER], self._saved.dtype))

    def on_test_end(self, logs=None):
        self.model.sampling.seed_generator.state.assign(self._saved)


def held_out_loss(vae, images, batch_size, seed):
    """``{loss, reconstruction, kl, ...}`` per image (floats) of ``vae`` on ``images``, in
    batches of ``batch_size``, with the posterior noise of :class:`FixedNoise` (``seed``)."""
    data = tf.data.Dataset.from_tensor_slices(images).batch(batch_size)
    result = vae.evaluate(data, verbose=0, return_dict=True, callbacks=[FixedNoise(seed)])
    return {key: float(value) for key, value in result.items()}
