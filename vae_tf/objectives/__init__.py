"""Training objectives: pure loss terms and the regularisers built from them."""

from vae_tf.objectives.base import Objective
from vae_tf.objectives.beta_vae import BetaVAE
from vae_tf.objectives.terms import (RECONSTRUCTION_LOSSES, gaussian_kl, linear_warmup,
                                     reconstruction_loss)

__all__ = ["Objective", "BetaVAE", "RECONSTRUCTION_LOSSES", "gaussian_kl", "linear_warmup",
           "reconstruction_loss"]
