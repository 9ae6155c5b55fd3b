"""Controlled KL capacity of Burgess et al. 2018, "Understanding disentangling in β-VAE", sec. 4."""

from vae_tf.objectives.terms import linear_warmup


def capacity(step, c_max, c_steps):
    """Target KL ``C = c_max · min(1, step / c_steps)`` (float32); ``c_steps = 0`` gives ``c_max``.

    The objective pulls the KL towards ``C`` with ``γ · |KL − C|`` (Burgess et al. 2018, eq. 8).
    """
    return float(c_max) * linear_warmup(step, c_steps)
