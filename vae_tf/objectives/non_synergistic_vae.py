"""Non-Synergistic VAE (Gonzalob90/non-synergistic-vae, after Steeg et al. 2017)."""

import tensorflow as tf

from vae_tf.models.replicas import mean_over_replicas, minimize
from vae_tf.objectives.base import Objective
from vae_tf.objectives.synergy import synergy_penalty
from vae_tf.objectives.terms import gaussian_kl


class NonSynergisticVAE(Objective):
    """Objective ``ELBO − α · KL(q(z_W|x) || p(z_W))`` in two steps per batch:

    1. the VAE's step on ``reconstruction + β · KL`` (β = 1 in the original);
    2. a fresh encoder pass, the greedy search for the most informative latent subset ``A``
       (discount ``omega``, :mod:`vae_tf.objectives.synergy`) and a step of the VAE's own
       optimizer on ``α · KL_W``, the KL of the other latents ``W``.

    As in the original, both steps go through one Adam: the second step's gradient enters the
    moments the first step's gradients built, and the decoder, whose gradient is zero there,
    moves once more on its momentum (PyTorch 0.4's ``zero_grad`` left zero gradients, which its
    Adam applies). The second step's size is thus its gradient's against the ELBO's RMS; an Adam
    of its own would normalise it to about ``lr`` per weight whatever its size (measured here:
    KL 0 through 10,000 steps of Adam 5e-4 on dSprites; docs/reproduction.md, table 1c). The
    iteration count, which is the training step, still counts batches: the second step takes
    the bias corrections of the next count and the count is then set back (the original's Adam
    counted two per batch; the two agree once ``β2^t`` is small, after about 5,000 batches).
    It reports the synergy term ``α · KL_W`` and ``|A|`` (``subset_size``) of the batch.
    """

    name = "nonsyn"
    metric_names = ("synergy", "subset_size")

    def __init__(self, alpha=5.0, omega=0.9, beta=1.0):
        self.alpha = float(alpha)
        self.omega = float(omega)
        self.beta = float(beta)

    def __call__(self, kl_latent, mean, logvar, z, step):
        penalty, size = synergy_penalty(kl_latent, self.omega)
        return (self.beta * tf.reduce_sum(kl_latent),
                {"synergy": self.alpha * penalty, "subset_size": size})

    def update(self, vae, x, z, step):
        def synergy():
            mean, logvar = vae.encode(x, training=True)
            kl_latent = mean_over_replicas(tf.reduce_mean(gaussian_kl(mean, logvar), axis=0))
            return self.alpha * synergy_penalty(kl_latent, self.omega)[0]
        count = tf.identity(vae.optimizer.iterations)
        minimize(vae.optimizer, synergy, vae.trainable_weights, unconnected_zero=True)
        vae.optimizer.iterations.assign(count)
