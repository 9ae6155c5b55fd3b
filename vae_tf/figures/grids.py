"""Reconstruction and generation grids (seed 001): ``<run>/grid_step_<step>.png``.

One figure per kept checkpoint (the last ``KEEP_CHECKPOINTS`` save points, the latest
included): the run's fixed held-out images (the first ``PICTURES``, as in TensorBoard's
``reconstructions``), their reconstructions from the posterior mean, and the decodings of the
run's fixed prior draws (TensorBoard's ``prior_samples``).
"""

import numpy as np

from vae_tf.figures import plotting, runs
from vae_tf.training.callbacks import image_grid

GAP = 2
WIDTH = 8.0  # inches
ROWS = ("real images", "reconstructions (posterior mean)", "prior samples")


def file_name(step):
    return f"grid_step_{step}.png"


def grid_images(vae, images, prior_z):
    """``(images, reconstructions, samples)``, each ``[N, H, W, C]`` in [0, 1]."""
    mean, _ = runs.encode(vae, images)
    return np.asarray(images), runs.decode(vae, mean), runs.decode(vae, prior_z)


def figure_size(images, height, width, strips=len(ROWS)):
    """Inches of the figure of ``strips`` strips of ``images`` images of ``height x width``."""
    strip_width = images * (width + GAP) - GAP
    return WIDTH, 0.6 + strips * (WIDTH * height / strip_width + 0.35)


def plot(rows, title):
    """One labelled strip per entry of ``rows`` (``[N, H, W, C]`` each), top to bottom."""
    strips = [image_grid(images, len(images), GAP, fill=0.5)[0] for images in rows]
    figure = plotting.new_figure(*figure_size(*rows[0].shape[:3], len(strips)))
    for axes, strip, label in zip(figure.subplots(len(strips), 1, squeeze=False)[:, 0],
                                  strips, ROWS):
        plotting.show_image(axes, strip)
        axes.set_title(label, fontsize=10)
    figure.suptitle(title, fontsize=11)
    return figure
