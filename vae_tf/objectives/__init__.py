"""Training objectives: pure loss terms and the regularisers built from them."""

from vae_tf.objectives.annealed_vae import AnnealedVAE
from vae_tf.objectives.base import Objective
from vae_tf.objectives.beta_tc_vae import BetaTCVAE
from vae_tf.objectives.beta_vae import BetaVAE
from vae_tf.objectives.dip_vae import DIPVAE
from vae_tf.objectives.factor_vae import FactorVAE
from vae_tf.objectives.non_synergistic_vae import NonSynergisticVAE
from vae_tf.objectives.terms import (RECONSTRUCTION_LOSSES, gaussian_kl, linear_warmup,
                                     reconstruction_loss)

__all__ = ["Objective", "AnnealedVAE", "BetaTCVAE", "BetaVAE", "DIPVAE", "FactorVAE",
           "NonSynergisticVAE", "RECONSTRUCTION_LOSSES", "gaussian_kl", "linear_warmup",
           "reconstruction_loss"]
