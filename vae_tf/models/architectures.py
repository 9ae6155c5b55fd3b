"""Encoders and decoders, as Keras models.

The three architectures of the balls β-VAE recreation (loliverhennigh; ELU everywhere except the
linear heads; SAME padding; ``cKsS`` = k x k conv with stride S, ``tKsS`` = transposed conv):

============  ===============================================  ==================================
model         encoder                                          decoder
============  ===============================================  ==================================
fc            flatten, FC 1200, FC 1200, FC 2d                 FC 1200 x3, FC pixels
conv          c3s2 8, c3s1 8, c3s2 8, c1s1 4, FC 128, dropout, FC 128, FC 256, (res/4)^2 x 4 map,
              FC 2d                                            t1s1 8, t3s2 8, t3s1 8, t3s2 1
all_conv      c3s2 8, c3s1 8, c3s2 16, c3s1 8, c3s1 8,         (res/8)^2 x h map, t3s2 8, t3s1 8,
              c3s2 2h (mean and log-variance channels)         t3s1 16, t3s2 8, t3s1 8, t3s2 1
============  ===============================================  ==================================

and the two 64x64 dSprites architectures of the β-VAE papers (ReLU, Keras' default Glorot
initialisers):

============  ===============================================  ==================================
fc_1200       flatten, FC 1200, FC 1200, FC 2d                 FC 1200 x3, FC pixels
              (Higgins et al. 2017, dSprites)
burgess_conv  c4s2 32, c4s2 32, c2s2 64, c2s2 64, FC 256,      FC 256, FC 1024, 4x4x64 map,
              FC 2d (Burgess et al. 2018 as in                 t4s2 64, t4s2 32, t4s2 32, t4s2 C
              disentanglement_lib; 64x64 input only)
============  ===============================================  ==================================

Every encoder maps images ``[B, H, W, C]`` to ``(mean, logvar)``, each ``[B, d]`` (``logvar`` is
a log-variance); every decoder maps ``z [B, d]`` to Bernoulli logits ``[B, H, W, C]``.
The balls models initialise as the original: conv kernels truncated normal with std 0.01 and
bias 0.01; dense kernels truncated normal with std ``weight_init`` and bias ``weight_init``.
Which image sizes a model accepts is :func:`vae_tf.config.image_shape_error`.
"""

import dataclasses

import keras
from keras import layers

from vae_tf.config import MODELS, image_shape_error

CONV_INIT = 0.01


@dataclasses.dataclass(frozen=True)
class LayerSettings:
    """What every layer of an architecture shares."""

    weight_init: float = 0.1
    weight_decay: float = 0.0
    activation: str = "elu"
    # False: the balls models' truncated-normal initialisers; True: Keras' defaults.
    keras_init: bool = False

    def _regularizer(self):
        # The original's (unapplied) weight decay was wd * tf.nn.l2_loss(w) = wd/2 * sum(w^2).
        return keras.regularizers.L2(self.weight_decay / 2) if self.weight_decay > 0 else None

    def _kwargs(self, linear, std):
        kwargs = dict(activation=None if linear else self.activation,
                      kernel_regularizer=self._regularizer())
        if not self.keras_init:
            kwargs.update(kernel_initializer=keras.initializers.TruncatedNormal(stddev=std),
                          bias_initializer=keras.initializers.Constant(std))
        return kwargs

    def dense(self, units, linear=False):
        return layers.Dense(units, **self._kwargs(linear, self.weight_init))

    def conv(self, filters, kernel, stride, linear=False):
        return layers.Conv2D(filters, kernel, stride, padding="same",
                             **self._kwargs(linear, CONV_INIT))

    def deconv(self, filters, kernel, stride, linear=False):
        return layers.Conv2DTranspose(filters, kernel, stride, padding="same",
                                      **self._kwargs(linear, CONV_INIT))


def _split_heads(h, name):
    mean, logvar = layers.Lambda(lambda t: keras.ops.split(t, 2, axis=-1), name=name)(h)
    return mean, logvar


def _fully_connected(image_shape, hidden_size, s, keep_prob):
    """Shared by ``fully_connected`` (ELU) and ``fc_1200`` (ReLU): 2 x 1200 in, 3 x 1200 out."""
    del keep_prob  # the original applies dropout only in the conv encoder
    pixels = image_shape[0] * image_shape[1] * image_shape[2]
    x = keras.Input(image_shape)
    h = layers.Flatten()(x)
    h = s.dense(1200)(h)
    h = s.dense(1200)(h)
    mean, logvar = _split_heads(s.dense(2 * hidden_size, linear=True)(h), "mean_logvar")
    encoder = keras.Model(x, [mean, logvar], name="encoder")

    z = keras.Input((hidden_size,))
    h = s.dense(1200)(z)
    h = s.dense(1200)(h)
    h = s.dense(1200)(h)
    logits = layers.Reshape(image_shape)(s.dense(pixels, linear=True)(h))
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


def _conv_dense(image_shape, hidden_size, s, keep_prob, encoder_table, units, decoder_table,
                last_kernel):
    """Conv stack, FC ``units`` (dropout if ``keep_prob < 1``), FC 2d; mirrored by FC ``units``,
    FC to the encoder's final feature map, a transposed-conv stack and a linear stride-2 layer
    (``conv`` and ``burgess_conv``)."""
    x = keras.Input(image_shape)
    h = _stack(x, s.conv, encoder_table)
    map_shape = tuple(h.shape[1:])
    h = s.dense(units)(layers.Flatten()(h))
    if keep_prob < 1.0:
        h = layers.Dropout(1.0 - keep_prob)(h)
    mean, logvar = _split_heads(s.dense(2 * hidden_size, linear=True)(h), "mean_logvar")
    encoder = keras.Model(x, [mean, logvar], name="encoder")

    z = keras.Input((hidden_size,))
    h = s.dense(units)(z)
    h = s.dense(map_shape[0] * map_shape[1] * map_shape[2])(h)
    h = _stack(layers.Reshape(map_shape)(h), s.deconv, decoder_table)
    logits = s.deconv(image_shape[2], last_kernel, 2, linear=True)(h)
    decoder = keras.Model(z, logits, name="decoder")
    return encoder, decoder


def _conv(image_shape, hidden_size, s, keep_prob):
    return _conv_dense(image_shape, hidden_size, s, keep_prob, CONV_ENCODER, 128, CONV_DECODER, 3)


def _all_conv(image_shape, hidden_size, s, keep_prob):
    del keep_prob  # no dense layer to drop out of
    x = keras.Input(image_shape)
    h = _stack(x, s.conv, ALL_CONV_ENCODER)
    h = s.conv(2 * hidden_size, 3, 2, linear=True)(h)
    map_shape = tuple(h.shape[1:3]) + (hidden_size,)
    mean, logvar = _split_heads(h, "mean_logvar_channels")
    mean = layers.Flatten(name="mean")(mean)
    logvar = layers.Flatten(name="logvar")(logvar)
    encoder = keras.Model(x, [mean, logvar], name="encoder")

    z = keras.Input((map_shape[0] * map_shape[1] * hidden_size,))
    h = _stack(layers.Reshape(map_shape)(z), s.deconv, ALL_CONV_DECODER)
    logits = s.deconv(image_shape[2], 3, 2, linear=True)(h)
    decoder = keras.Model(z, logits, name="decoder")
    return encoder, decoder


BURGESS_ENCODER = ((32, 4, 2), (32, 4, 2), (64, 2, 2), (64, 2, 2))
BURGESS_DECODER = ((64, 4, 2), (32, 4, 2), (32, 4, 2))


def _burgess_conv(image_shape, hidden_size, s, keep_prob):
    # 64x64 in: the encoder's last map is 4x4x64, the decoder's FC 1024.
    return _conv_dense(image_shape, hidden_size, s, keep_prob, BURGESS_ENCODER, 256,
                       BURGESS_DECODER, 4)


_BUILDERS = {"fully_connected": _fully_connected, "conv": _conv, "all_conv": _all_conv,
             "fc_1200": _fully_connected, "burgess_conv": _burgess_conv}
# The dSprites models of the β-VAE papers use ReLU and standard initialisers.
_PAPER_MODELS = ("fc_1200", "burgess_conv")


def build(model, image_shape=(32, 32, 1), hidden_size=32, weight_init=0.1, keep_prob=1.0,
          weight_decay=0.0):
    """Encoder and decoder of the named architecture.

    ``hidden_size`` is the latent size, or for ``all_conv`` the channels of its
    ``res/8 x res/8`` latent map (latent size ``(res/8)^2 * hidden_size``).
    ``weight_init`` applies to the balls models only.
    ``keep_prob < 1`` adds dropout after the FC layer of the conv and burgess_conv encoders;
    ``weight_decay > 0`` adds an L2 penalty ``weight_decay/2 * sum(w^2)`` on every kernel.
    Returns ``(encoder, decoder)``; ``decoder.input_shape[-1]`` is the latent size.
    """
    if model not in _BUILDERS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    problem = image_shape_error(model, image_shape)
    if problem:
        raise ValueError(f"model {model!r} {problem}")
    paper = model in _PAPER_MODELS
    settings = LayerSettings(weight_init=weight_init, weight_decay=weight_decay,
                             activation="relu" if paper else "elu", keras_init=paper)
    return _BUILDERS[model](tuple(image_shape), hidden_size, settings, keep_prob)
