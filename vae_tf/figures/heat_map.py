"""Heat-map traversals of a balls run (seed 000): ``heat_map_model_<m>_num_balls_<n>_beta_<b>.png``.

The mean posterior σ of every latent is measured over a ``FRAMES``-frame trajectory; the
``ROWS`` latents of smallest σ (the ones the model uses), ascending, each get a row in which
that latent of frame 0's code takes the values of ``VALUES`` (the others stay). The code is
frame 0's sampled ``z`` as in the original (``start="sample"``, fixed noise) or its posterior
mean (``start="mean"``). Rows are labelled with σ (2 decimals), as the original's.
"""

import numpy as np

from vae_tf.data import balls
from vae_tf.figures import HEAT_MAP_STARTS, runs, traversal_figure, traversals

FRAMES = 128
ROWS = 10
VALUES = (-3.0, -1.5, 0.0, 1.5, 3.0)
TRAJECTORY_SEED = 0
NOISE_SEED = 1


def file_name(run):
    return f"heat_map_{run.name}.png"


def heat_map_data(vae, config, start="sample"):
    """``(latents, sigma, images)``: the latents of smallest mean σ (ascending), their σ, and
    the decoded sweep ``[rows, len(VALUES), H, W, C]``."""
    if start not in HEAT_MAP_STARTS:
        raise ValueError(f"start must be one of {HEAT_MAP_STARTS}, got {start!r}")
    frames, _ = balls.simulate(FRAMES, config.num_balls, config.image_shape[0], config.friction,
                               seed=TRAJECTORY_SEED)
    mean, logvar = runs.encode(vae, frames)
    latents, sigma = traversals.sigma_order(logvar, ROWS)
    if start == "mean":
        code = mean[0]
    else:
        code = runs.sample(mean[:1], logvar[:1], np.random.default_rng(NOISE_SEED))[0]
    images = traversals.traverse(lambda z: runs.decode(vae, z), code, latents, VALUES)
    return latents, sigma, images


def figure_size(rows, columns=len(VALUES)):
    """Inches of the heat map of ``rows`` latents and ``columns`` values."""
    return traversal_figure.figure_size(rows, columns)


def plot(latents, sigma, images, title):
    """The heat-map figure: the sweep as one picture, a row per latent (tick label ``z<j>`` and
    ``σ = <σ>``), a column per value (tick label the value)."""
    return traversal_figure.plot(images, VALUES, [f"z{latent}\nσ = {s:.2f}"
                                                  for latent, s in zip(latents, sigma)],
                                 "latents by mean posterior σ (ascending)", title, cmap="inferno")


def title(config, start):
    balls_word = "ball" if config.num_balls == 1 else "balls"
    return (f"model {config.model}, {config.num_balls} {balls_word}, "
            f"{config.objective_label}\n"
            f"sweeps of frame 0's {'sampled z' if start == 'sample' else 'posterior mean'} "
            f"({FRAMES}-frame trajectory)")
