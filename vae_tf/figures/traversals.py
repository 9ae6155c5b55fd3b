"""Latent traversals: decode a code with one latent swept over a range of values.

One sweep serves every traversal picture: the heat maps (the 10 latents of smallest mean
posterior σ, 5 values), the traversal GIFs and the ``traversals`` TensorBoard image (every
latent, ordered by KL, over ``VALUES``). Everything here is numpy; the decoder comes in as a
function, so this module imports neither TensorFlow nor matplotlib.
"""

import numpy as np

# Akella17's sweep: 10 values from -3 to 3 (the GIFs' frames, the TensorBoard image's columns).
VALUES = np.linspace(-3.0, 3.0, 10)


def sweep_codes(code, latents, values):
    """``[len(latents), len(values), d]`` float32: ``code`` with latent ``latents[i]`` set to
    ``values[j]``, every other latent left as it is."""
    code = np.asarray(code, np.float32)
    latents = np.asarray(latents, np.int64)
    values = np.asarray(values, np.float32)
    codes = np.array(np.broadcast_to(code, (len(latents), len(values), code.shape[-1])))
    codes[np.arange(len(latents))[:, None], np.arange(len(values))[None, :],
          latents[:, None]] = values[None, :]
    return codes


def traverse(decode, code, latents, values):
    """Images ``[len(latents), len(values), H, W, C]`` of :func:`sweep_codes`; ``decode`` maps
    codes ``[N, d]`` to images ``[N, H, W, C]`` in [0, 1]."""
    codes = sweep_codes(code, latents, values)
    images = np.asarray(decode(codes.reshape((-1, codes.shape[-1]))))
    return images.reshape(codes.shape[:2] + images.shape[1:])


def kl_per_latent(mean, logvar):
    """Mean over the images of each latent's KL to N(0, 1), ``[d]`` (nats)."""
    mean = np.asarray(mean, np.float64)
    logvar = np.asarray(logvar, np.float64)
    return (0.5 * (mean**2 + np.exp(logvar) - logvar - 1.0)).mean(axis=0)


def kl_order(mean, logvar):
    """Latent indices by decreasing KL (ties in index order): the informative latents first."""
    return np.argsort(-kl_per_latent(mean, logvar), kind="stable")


def mean_sigma(logvar):
    """Mean posterior standard deviation of each latent over the images, ``[d]``."""
    return np.exp(0.5 * np.asarray(logvar, np.float64)).mean(axis=0)


def sigma_order(logvar, count=None):
    """``(latents, sigma)``: the ``count`` latents (all if None) of smallest mean posterior σ,
    ascending (ties in index order), and their σ."""
    sigma = mean_sigma(logvar)
    latents = np.argsort(sigma, kind="stable")[:count]
    return latents, sigma[latents]
