"""Encoders and decoders of the balls β-VAE recreation (loliverhennigh), as Keras models.

Layer tables (ELU everywhere except the linear heads; SAME padding; ``cKsS`` = k x k conv with
stride S, ``tKsS`` = transposed conv):

============  ===============================================  ==================================
model         encoder                                          decoder
============  ===============================================  ==================================
fc            flatten, FC 1200, FC 1200, FC 2d                 FC 1200 x3, FC pixels
conv          c3s2 8, c3s1 8, c3s2 8, c1s1 4, FC 128, dropout, FC 128, FC 256, (res/4)^2 x 4 map,
              FC 2d                                            t1s1 8, t3s2 8, t3s1 8, t3s2 1
all_conv      c3s2 8, c3s1 8, c3s2 16, c3s1 8, c3s1 8,         (res/8)^2 x h map, t3s2 8, t3s1 8,
              c3s2 2h (mean and log-variance channels)         t3s1 16, t3s2 8, t3s1 8, t3s2 1
============  ===============================================  ==================================

Every encoder maps images ``[B, H, W, C]`` to ``(mean, logvar)``, each ``[B, d]`` (``logvar`` is
a log-variance); every decoder maps ``z [B, d]`` to Bernoulli logits ``[B, H, W, C]``.
Initialisers follow the original: conv kernels truncated normal with std 0.01 and bias 0.01;
dense kernels truncated normal with std ``weight_init`` and bias ``weight_init``.
"""

import dataclasses

import keras
from keras import layers

from vae_tf.config import MODELS

CONV_INIT = 0.01


@dataclasses.dataclass(frozen=True)
class LayerSettings:
    """What every layer of an architecture shares."""

    weight_init: float = 0.1
    weight_decay: float = 0.0

    def _regularizer(self):
        # The original's (unapplied) weight decay was wd * tf.nn.l2_loss(w) = wd/2 * sum(w^2).
        return keras.regularizers.L2(self.weight_decay / 2) if self.weight_decay > 0 else None

    def dense(self, units, activation="elu", name=None):
        return layers.Dense(
            units, activation=activation, name=name,
            kernel_initializer=keras.initializers.TruncatedNormal(stddev=self.weight_init),
            bias_initializer=keras.initializers.Constant(self.weight_init),
            kernel_regularizer=self._regularizer())

    def _conv_kwargs(self, kernel, stride, activation):
        return dict(
            kernel_size=kernel, strides=stride, padding="same", activation=activation,
            kernel_initializer=keras.initializers.TruncatedNormal(stddev=CONV_INIT),
            bias_initializer=keras.initializers.Constant(CONV_INIT),
            kernel_regularizer=self._regularizer())

    def conv(self, filters, kernel, stride, activation="elu"):
        return layers.Conv2D(filters, **self._conv_kwargs(kernel, stride, activation))

    def deconv(self, filters, kernel, stride, activation="elu"):
        return layers.Conv2DTranspose(filters, **self._conv_kwargs(kernel, stride, activation))


def _split_heads(h, name):
    mean, logvar = layers.Lambda(lambda t: keras.ops.split(t, 2, axis=-1), name=name)(h)
    return mean, logvar


def _check_divisible(image_shape, factor, model):
    height, width = image_shape[:2]
    if height % factor or width % factor:
        raise ValueError(f"model {model!r} needs image sides divisible by {factor}, "
                         f"got {height}x{width}")


def _fully_connected(image_shape, hidden_size, s, keep_prob):
    del keep_prob  # the original applies dropout only in the conv encoder
    pixels = image_shape[0] * image_shape[1] * image_shape[2]
    x = keras.Input(image_shape)
    h = layers.Flatten()(x)
    h = s.dense(1200)(h)
    h = s.dense(1200)(h)
    mean, logvar = _split_heads(s.dense(2 * hidden_size, activation=None)(h), "mean_logvar")
    encoder = keras.Model(x, [mean, logvar], name="encoder")

    z = keras.Input((hidden_size,))
    h = s.dense(1200)(z)
    h = s.dense(1200)(h)
    h = s.dense(1200)(h)
    logits = layers.Reshape(image_shape)(s.dense(pixels, activation=None)(h))
    decoder = keras.Model(z, logits, name="decoder")
    return encoder, decoder


# (filters, kernel, stride) of the ELU conv / transposed-conv stacks; each final 1-channel
# (or 2h-channel) linear layer is added by the builder.
CONV_ENCODER = ((8, 3, 2), (8, 3, 1), (8, 3, 2), (4, 1, 1))
CONV_DECODER = ((8, 1, 1), (8, 3, 2), (8, 3, 1))
ALL_CONV_ENCODER = ((8, 3, 2), (8, 3, 1), (16, 3, 2), (8, 3, 1), (8, 3, 1))
ALL_CONV_DECODER = ((8, 3, 2), (8, 3, 1), (16, 3, 1), (8, 3, 2), (8, 3, 1))


def _stack(h, layer, table):
    for filters, kernel, stride in table:
        h = layer(filters, kernel, stride)(h)
    return h


def _conv(image_shape, hidden_size, s, keep_prob):
    _check_divisible(image_shape, 4, "conv")
    x = keras.Input(image_shape)
    h = _stack(x, s.conv, CONV_ENCODER)
    map_shape = tuple(h.shape[1:])
    h = s.dense(128)(layers.Flatten()(h))
    if keep_prob < 1.0:
        h = layers.Dropout(1.0 - keep_prob)(h)
    mean, logvar = _split_heads(s.dense(2 * hidden_size, activation=None)(h), "mean_logvar")
    encoder = keras.Model(x, [mean, logvar], name="encoder")

    z = keras.Input((hidden_size,))
    h = s.dense(128)(z)
    h = s.dense(map_shape[0] * map_shape[1] * map_shape[2])(h)
    h = _stack(layers.Reshape(map_shape)(h), s.deconv, CONV_DECODER)
    logits = s.deconv(image_shape[2], 3, 2, activation=None)(h)
    decoder = keras.Model(z, logits, name="decoder")
    return encoder, decoder


def _all_conv(image_shape, hidden_size, s, keep_prob):
    del keep_prob  # no dense layer to drop out of
    _check_divisible(image_shape, 8, "all_conv")
    x = keras.Input(image_shape)
    h = _stack(x, s.conv, ALL_CONV_ENCODER)
    h = s.conv(2 * hidden_size, 3, 2, activation=None)(h)
    map_shape = tuple(h.shape[1:3]) + (hidden_size,)
    mean, logvar = _split_heads(h, "mean_logvar_channels")
    mean = layers.Flatten(name="mean")(mean)
    logvar = layers.Flatten(name="logvar")(logvar)
    encoder = keras.Model(x, [mean, logvar], name="encoder")

    z = keras.Input((map_shape[0] * map_shape[1] * hidden_size,))
    h = _stack(layers.Reshape(map_shape)(z), s.deconv, ALL_CONV_DECODER)
    logits = s.deconv(image_shape[2], 3, 2, activation=None)(h)
    decoder = keras.Model(z, logits, name="decoder")
    return encoder, decoder


_BUILDERS = {"fully_connected": _fully_connected, "conv": _conv, "all_conv": _all_conv}


def build(model, image_shape=(32, 32, 1), hidden_size=32, weight_init=0.1, keep_prob=1.0,
          weight_decay=0.0):
    """Encoder and decoder of the named architecture.

    ``hidden_size`` is the latent size, or for ``all_conv`` the channels of its
    ``res/8 x res/8`` latent map (latent size ``(res/8)^2 * hidden_size``).
    ``keep_prob < 1`` adds dropout after the conv encoder's FC 128 layer (as the original);
    ``weight_decay > 0`` adds an L2 penalty ``weight_decay/2 * sum(w^2)`` on every kernel.
    Returns ``(encoder, decoder)``; ``decoder.input_shape[-1]`` is the latent size.
    """
    if model not in _BUILDERS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    settings = LayerSettings(weight_init=weight_init, weight_decay=weight_decay)
    return _BUILDERS[model](tuple(image_shape), hidden_size, settings, keep_prob)
