"""Matplotlib as the figures use it: the Agg backend, a fixed resolution, reproducible files.

Figures are ``matplotlib.figure.Figure`` objects built without pyplot, so no global figure
survives from one plot to the next (the original scripts never cleared theirs, so each model's
lines piled onto the previous one's). Their pixel size is their size in inches times ``DPI``:
files are saved without tight cropping, so that size is what the file has.
"""

import math

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

DPI = 100


def pixels(size):
    """``(width, height)`` in whole pixels of a figure of ``size`` inches, as
    :func:`new_figure` makes it: the size of its PNG."""
    return tuple(int(math.floor(inches * DPI + 1e-6)) for inches in size)


def new_figure(width, height, constrained=True):
    """A figure of :func:`pixels` ``((width, height))`` at ``DPI``, with matplotlib's
    constrained layout (slow for many axes: without it, place the axes yourself)."""
    # Half a pixel over the whole pixels: matplotlib truncates the size in pixels, which a
    # float error (0.29 * 100 = 28.999...) would otherwise cut by one.
    size = [(whole + 0.5) / DPI for whole in pixels((width, height))]
    return Figure(figsize=size, dpi=DPI, layout="constrained" if constrained else None)


def save_png(figure, path):
    """Write ``figure`` as a PNG without the software tag, so reruns give identical bytes."""
    figure.savefig(path, dpi=DPI, metadata={"Software": None})
    return path


def show_image(axes, image, cmap="gray", vmin=0.0, vmax=1.0):
    """Draw an ``[H, W, C]`` image in [0, 1] pixel for pixel (``imshow``, unlike the original's
    ``pcolor``, keeps the last row and column) on ``axes`` without ticks."""
    image = image[..., 0] if image.shape[-1] == 1 else image
    drawn = axes.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    axes.set_xticks([])
    axes.set_yticks([])
    return drawn


def ball_count(num_balls):
    """``one`` / ``two`` / ... as the original's file names spell the number of balls."""
    words = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    return words[num_balls] if num_balls < len(words) else str(num_balls)
