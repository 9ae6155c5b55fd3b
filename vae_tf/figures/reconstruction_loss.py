"""Reconstruction-error graphs of the balls runs (seed 000):
``{one,two}_ball_reconstruction_loss.png``.

Per run: the Bernoulli cross-entropy summed over the pixels of each image (nats per image),
decoded from a sampled ``z`` as the original measured it, averaged over ``TRAJECTORIES``
trajectories of ``FRAMES`` frames (the same frames and noise for every run with the same
number of balls). Plotted against β, one colour per model (the original's: conv blue,
all_conv red, fully_connected green).
"""

import numpy as np

from vae_tf.config import MODELS
from vae_tf.data import balls
from vae_tf.figures import plotting, runs

TRAJECTORIES = 100
FRAMES = 32
TRAJECTORY_SEED = 3
NOISE_SEED = 4
SIZE = (7.0, 4.5)  # inches
COLOURS = {"conv": "tab:blue", "all_conv": "tab:red", "fully_connected": "tab:green",
           "fc_1200": "tab:purple"}


def file_name(num_balls):
    return f"{plotting.ball_count(num_balls)}_ball_reconstruction_loss.png"


def measured_frames(config):
    """The ``TRAJECTORIES * FRAMES`` frames every run of ``config``'s kind is measured on."""
    rng = np.random.default_rng(TRAJECTORY_SEED)
    positions, _ = balls.simulate_positions(FRAMES, config.num_balls, rng, config.friction,
                                            batch=TRAJECTORIES)
    resolution = config.image_shape[0]
    frames = balls.render(positions, resolution)
    return frames.reshape((TRAJECTORIES * FRAMES, resolution, resolution, 1))


def per_image_nats(vae, frames):
    """Mean over ``frames`` of the summed Bernoulli cross-entropy of their reconstructions
    from a sampled ``z``."""
    from vae_tf.objectives.terms import reconstruction_loss

    mean, logvar = runs.encode(vae, frames)
    z = runs.sample(mean, logvar, np.random.default_rng(NOISE_SEED))
    logits = runs.decode_logits(vae, z)
    return float(np.mean(np.asarray(reconstruction_loss(frames, logits, "ce"), np.float64)))


def plot(nats_by_model, num_balls, subtitle=None, reference=None):
    """``nats_by_model``: model -> {β: nats}. Markers joined per model, in β order.
    ``subtitle`` replaces the second title line (how it was measured); ``reference``: another
    source's model -> {β: nats} (the original), hollow markers on dashed lines."""
    figure = plotting.new_figure(*SIZE)
    axes = figure.subplots()
    reference = reference or {}
    for model in sorted({*nats_by_model, *reference}, key=MODELS.index):
        for source, style, suffix in ((nats_by_model, {}, ""),
                                      (reference, {"linestyle": "--", "markerfacecolor": "none"},
                                       ", original")):
            points = sorted(source.get(model, {}).items())
            if points:
                axes.plot([b for b, _ in points], [n for _, n in points], marker="o",
                          color=COLOURS.get(model), label=model + suffix, **style)
    axes.set_xticks(sorted({beta for source in (nats_by_model, reference)
                            for by_beta in source.values() for beta in by_beta}))
    axes.set_xlabel("β")
    axes.set_ylabel("reconstruction error (nats per image)")
    axes.grid(alpha=0.3)
    axes.legend()
    subtitle = subtitle or f"from a sampled z, {TRAJECTORIES} trajectories × {FRAMES} frames"
    axes.set_title(f"{plotting.ball_count(num_balls)} ball{'s' if num_balls > 1 else ''}: "
                   f"reconstruction error by model and β\n{subtitle}", fontsize=11)
    return figure
