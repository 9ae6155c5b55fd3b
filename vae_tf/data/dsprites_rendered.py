"""Procedural re-rendering of the dSprites factor grid (Matthey et al. 2017).

dSprites holds 737,280 binary 64x64 images, one per combination of five factors in factorial
order (last factor fastest): shape (square, ellipse, heart), scale (6 values in [0.5, 1]),
orientation (40 values in [0, 2π)), x position and y position (32 values in [0, 1] each).
This module draws the same grid from implicit shapes instead of reading the released file.

Geometry, in pixel units (pixel ``k`` of an axis has its centre at ``k + 0.5``):

* A sprite is an implicit region in unit coordinates ``(u, v)``, ``u`` to the right and ``v``
  up: square ``max(|u|, |v|) <= 1``; ellipse ``u² + (2v)² <= 1`` (2:1, long axis along ``u``);
  heart ``(u² + w² - 1)³ - u² w³ <= 0`` with ``w = v + HEART_CENTROID``, i.e. the classic
  heart curve (lobes up, point down) shifted so that its centroid is the origin.
* The sprite is rotated counter-clockwise on screen by the orientation and scaled by
  ``scale * BASE_SIZE`` pixels per unit, so a scale-1 square is 16 px wide (a quarter of the
  image).
* The x index moves the centre right (increasing column) and the y index moves it down
  (increasing row): position ``p`` in [0, 1] puts the centre at
  ``MARGIN + p * (RESOLUTION - 2 * MARGIN)``, where ``MARGIN = BASE_SIZE * sqrt(2)`` is the
  largest distance from the centre of any scale-1 sprite (the square's corner). No sprite is
  ever clipped by the frame.
* A pixel is on (1) when its centre lies inside the sprite.

Rendering evaluates each sprite only on a ``WINDOW x WINDOW`` pixel window around its centre
(enough for the largest sprite) and scatters the windows into blank frames.
"""

import numpy as np

from vae_tf.data.ground_truth import GroundTruthData

FACTOR_NAMES = ("shape", "scale", "orientation", "x_position", "y_position")
FACTORS_NUM_VALUES = (3, 6, 40, 32, 32)
SHAPES = ("square", "ellipse", "heart")
SCALES = np.linspace(0.5, 1.0, 6)
ORIENTATIONS = np.linspace(0.0, 2 * np.pi, 40, endpoint=False)
POSITIONS = np.linspace(0.0, 1.0, 32)
RESOLUTION = 64

BASE_SIZE = 8.0  # pixels per sprite unit at scale 1
MARGIN = BASE_SIZE * np.sqrt(2.0)  # circumradius of the scale-1 square, the largest sprite
# Centroid height of the region (u² + v² - 1)³ <= u² v³ (numerical integration).
HEART_CENTROID = 0.2935
# Pixels whose centre is within MARGIN of a centre c lie in ceil(c - MARGIN - 0.5) ..
# floor(c + MARGIN - 0.5): at most floor(2 * MARGIN) + 1 of them.
WINDOW = int(np.floor(2 * MARGIN)) + 1
CHUNK = 4096  # rows rendered at once: bounds the float32 temporaries to ~10 MB each


def _inside(shape, u, v):
    """Boolean mask of the points ``(u, v)`` (unit coordinates) inside sprite ``shape``."""
    if shape == 0:
        return np.maximum(np.abs(u), np.abs(v)) <= 1
    if shape == 1:
        return u * u + 4 * v * v <= 1
    w = v + np.float32(HEART_CENTROID)
    uu = u * u
    return (uu + w * w - 1) ** 3 <= uu * w**3


def _render_chunk(factors, out):
    """Draw the sprites of ``factors`` [n, 5] into the zeroed uint8 frames ``out`` [n, 64, 64]."""
    n = len(factors)
    span = RESOLUTION - 2 * MARGIN
    centre = MARGIN + POSITIONS[factors[:, 3:5]] * span  # [n, 2] (column, row)
    start = np.clip(np.ceil(centre - MARGIN - 0.5), 0, RESOLUTION - WINDOW).astype(np.int64)
    pixels = start[:, :, None] + np.arange(WINDOW)  # [n, 2, W] pixel indices
    offset = (pixels + 0.5 - centre[:, :, None]).astype(np.float32)
    inverse_size = (1.0 / (BASE_SIZE * SCALES[factors[:, 1]])).astype(np.float32)
    offset *= inverse_size[:, None, None]
    dx = offset[:, 0, None, :]  # [n, 1, W], to the right
    dy = -offset[:, 1, :, None]  # [n, W, 1], up
    angle = ORIENTATIONS[factors[:, 2]]
    cos = np.cos(angle).astype(np.float32)[:, None, None]
    sin = np.sin(angle).astype(np.float32)[:, None, None]
    # Rotating the sprite by +angle = rotating the sample points by -angle.
    u = cos * dx + sin * dy  # [n, W, W]
    v = cos * dy - sin * dx
    mask = np.empty((n, WINDOW, WINDOW), dtype=bool)
    for shape in range(FACTORS_NUM_VALUES[0]):
        rows = factors[:, 0] == shape
        mask[rows] = _inside(shape, u[rows], v[rows])
    out[np.arange(n)[:, None, None], pixels[:, 1, :, None], pixels[:, 0, None, :]] = mask


def render(factors):
    """uint8 images ``[N, 64, 64, 1]`` in {0, 1} for factor indices ``factors`` [N, 5]."""
    factors = np.asarray(factors, dtype=np.int64)
    images = np.zeros((len(factors), RESOLUTION, RESOLUTION), dtype=np.uint8)
    for begin in range(0, len(factors), CHUNK):
        _render_chunk(factors[begin:begin + CHUNK], images[begin:begin + CHUNK])
    return images[..., None]


def foreground_counts(images):
    """Number of on pixels (values > 0.5) of each image of ``images`` [N, ...]."""
    images = np.asarray(images)
    return np.count_nonzero(images.reshape(len(images), -1) > 0.5, axis=1)


def mean_count_per_shape_scale(factors, counts):
    """``[3, 6]`` mean of ``counts`` per (shape, scale), from factor indices ``factors``
    [N, >= 2] whose first two columns are shape and scale (NaN where a cell is empty)."""
    factors = np.asarray(factors)
    num_shapes, num_scales = FACTORS_NUM_VALUES[:2]
    cell = factors[:, 0] * num_scales + factors[:, 1]
    size = num_shapes * num_scales
    total = np.bincount(cell, weights=counts, minlength=size)
    number = np.bincount(cell, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (total / number).reshape(num_shapes, num_scales)


class RenderedDSprites(GroundTruthData):
    """The dSprites grid, rendered on the fly by :func:`render`."""

    factor_names = FACTOR_NAMES
    factors_num_values = FACTORS_NUM_VALUES
    observation_shape = (RESOLUTION, RESOLUTION, 1)
    deterministic = True

    def sample_observations_from_factors(self, factors, random_state):
        return render(self.check_factors(factors)).astype(np.float32)
