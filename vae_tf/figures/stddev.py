"""Stddev graphs of the balls runs (seed 000): ``{one,two}_ball_stddev_<model>.png``.

For each run, the mean posterior σ of every latent over one ``FRAMES``-frame trajectory (the
same trajectory for every run with the same number of balls), sorted ascending: latents far
below 1 carry information, latents at 1 are unused. One line per β. The original's training
plot left out the model's name; here it is in the file name and the title.
"""

import numpy as np

from vae_tf.data import balls
from vae_tf.figures import plotting, runs, traversals

FRAMES = 1000
TRAJECTORY_SEED = 2
SIZE = (7.0, 4.5)  # inches


def file_name(num_balls, model):
    return f"{plotting.ball_count(num_balls)}_ball_stddev_{model}.png"


def sorted_sigma(vae, config):
    """Mean posterior σ per latent over the trajectory, ascending, ``[d]``."""
    frames, _ = balls.simulate(FRAMES, config.num_balls, config.image_shape[0], config.friction,
                               seed=TRAJECTORY_SEED)
    return np.sort(traversals.mean_sigma(runs.encode(vae, frames)[1]))


def plot(sigma_by_beta, num_balls, model, subtitle=None, reference=None):
    """One line per β (ascending) of the sorted σ against the latent's rank. ``subtitle``
    replaces the second title line (what was measured); ``reference``: β -> the leading sorted
    σ of another source (the original) as ``(low, high)`` per rank, drawn as hollow markers
    with the range as a bar, in that β's colour, a little apart per β."""
    figure = plotting.new_figure(*SIZE)
    axes = figure.subplots()
    reference = reference or {}
    betas = sorted({*sigma_by_beta, *reference})
    for index, beta in enumerate(betas):
        colour = f"C{index}"
        if beta in sigma_by_beta:
            sigma = sigma_by_beta[beta]
            axes.plot(np.arange(1, len(sigma) + 1), sigma, marker="o", markersize=3,
                      color=colour, label=f"β = {beta:g}")
        if beta in reference:
            low, high = np.array(reference[beta], float).T
            shift = 0.12 * (index - (len(betas) - 1) / 2)
            axes.errorbar(np.arange(1, len(low) + 1) + shift, (low + high) / 2,
                          yerr=(high - low) / 2,
                          fmt="o", markersize=6, markerfacecolor="none", color=colour,
                          capsize=3, label=f"β = {beta:g}, original")
    axes.set_xlabel("latent, sorted by mean posterior σ")
    axes.set_ylabel("mean posterior σ")
    axes.set_ylim(bottom=0.0)
    axes.grid(alpha=0.3)
    axes.legend()
    subtitle = subtitle or f"mean posterior σ per latent over a {FRAMES}-frame trajectory"
    axes.set_title(f"{plotting.ball_count(num_balls)} ball{'s' if num_balls > 1 else ''}, "
                   f"model {model}\n{subtitle}", fontsize=11)
    return figure
