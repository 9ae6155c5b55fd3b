"""Latent-traversal figure: one row per latent, one column per value given to it.

Any run gets one (``traversal_<run>.png``, the reproduction report's dSprites table): the
``ROWS`` latents of largest held-out KL, the informative ones first, each swept over ``VALUES``
in the posterior mean of one held-out image while the other latents keep theirs. The balls
heat maps (:mod:`vae_tf.figures.heat_map`) draw their sweep with the same :func:`plot`.
"""

import numpy as np

from vae_tf.figures import plotting, runs, traversals
from vae_tf.training.callbacks import image_grid

ROWS = 10
VALUES = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)
GAP = 3  # pixels between cells


def file_name(run):
    return f"traversal_{run.name}.png"


def traversal_data(vae, images, index=0, rows=ROWS):
    """``(latents, kl, sweep)``: the ``rows`` latents of largest KL over ``images`` (nats per
    image, decreasing), their KL, and the decoded sweep ``[rows, len(VALUES), H, W, C]`` of
    image ``index``'s posterior mean."""
    mean, logvar = runs.encode(vae, images)
    latents = traversals.kl_order(mean, logvar)[:rows]
    kl = traversals.kl_per_latent(mean, logvar)[latents]
    sweep = traversals.traverse(lambda z: runs.decode(vae, z), mean[index], latents, VALUES)
    return latents, kl, sweep


def figure_size(rows, columns):
    """Inches of the figure of ``rows`` latents and ``columns`` values."""
    return 0.75 * columns + 2.6, 0.75 * rows + 1.4


def plot(images, values, row_labels, ylabel, title, cmap="gray"):
    """The sweep ``[rows, columns, H, W, C]`` as one picture: a row per latent (tick label from
    ``row_labels``), a column per value (tick label the value), a colour bar of the pixel
    intensity."""
    rows, columns, height, width = images.shape[:4]
    cells = images.reshape((rows * columns,) + images.shape[2:]).astype(np.float32)
    # NaN gaps stay transparent: the cells stand apart on the white figure.
    picture = image_grid(cells, columns, GAP, fill=np.nan)[0]
    figure = plotting.new_figure(*figure_size(rows, columns))
    axes = figure.subplots()
    drawn = plotting.show_image(axes, picture, cmap=cmap)
    axes.set_xticks([c * (width + GAP) + (width - 1) / 2 for c in range(columns)],
                    [f"{value:g}" for value in values[:columns]])
    axes.set_yticks([r * (height + GAP) + (height - 1) / 2 for r in range(rows)],
                    list(row_labels), fontsize=9)
    axes.tick_params(length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    axes.set_xlabel("value given to the latent")
    axes.set_ylabel(ylabel)
    figure.colorbar(drawn, ax=axes, shrink=0.5, label="pixel intensity")
    axes.set_title(title, fontsize=10)
    return figure


def plot_run(latents, kl, images, title):
    """:func:`plot` of :func:`traversal_data`: rows labelled ``z<j>`` and their KL."""
    return plot(images, VALUES, [f"z{latent}\nKL {k:.2f}" for latent, k in zip(latents, kl)],
                "latents by held-out KL (nats, decreasing)", title)
