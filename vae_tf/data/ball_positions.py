"""Ground-truth view of the bouncing-balls data: the factors are the ball positions.

Each ball contributes two factors, its column and its row, each discretised into ``bins`` equal
bins over ``[RADIUS, BOX - RADIUS]`` (box units), the range the physics lets a ball's centre
reach. Bin ``k`` puts the centre at ``RADIUS + (k + 0.5) * (BOX - 2 * RADIUS) / bins``; with the
default 32 bins a bin is 0.2375 box units (0.76 pixels at resolution 32). Balls are drawn with
:func:`vae_tf.data.balls.render`; combinations in which two balls overlap are kept (the image
then clips at 1), as every factor combination must have an observation.

An observation is a deterministic function of its factors. It is drawn as the sum of one cached
image per ball (one ball at each of the ``bins²`` grid positions, rendered once), clipped at 1:
the same float32 operations as :func:`~vae_tf.data.balls.render`, so the same pixels, without
recomputing the super-Gaussian of every ball in every frame.
"""

import numpy as np

from vae_tf.data.balls import BOX, RADIUS, check_num_balls, render
from vae_tf.data.ground_truth import GroundTruthData


class BallPositions(GroundTruthData):
    """``num_balls`` balls, factors ``ball{i}_x`` and ``ball{i}_y`` with ``bins`` values each."""

    deterministic = True

    def __init__(self, num_balls=1, bins=32, resolution=32):
        self.num_balls = check_num_balls(num_balls)
        self.bins = int(bins)
        self.resolution = int(resolution)
        self.factor_names = tuple(f"ball{i}_{axis}" for i in range(self.num_balls)
                                  for axis in ("x", "y"))
        self.factors_num_values = (self.bins,) * (2 * self.num_balls)
        self.observation_shape = (self.resolution, self.resolution, 1)
        self.bin_width = (BOX - 2 * RADIUS) / self.bins
        self._pieces = None

    def positions(self, factors):
        """Ball centres ``[N, num_balls, 2]`` (column, row) in box units for ``factors``."""
        factors = self.check_factors(factors)
        centres = RADIUS + (factors + 0.5) * self.bin_width
        return centres.reshape(len(factors), self.num_balls, 2)

    def pieces(self):
        """float32 ``[bins², res, res, 1]``: one ball at each (column bin, row bin), row bin
        fastest."""
        if self._pieces is None:
            grid = np.stack(np.meshgrid(np.arange(self.bins), np.arange(self.bins),
                                        indexing="ij"), axis=-1).reshape(-1, 2)
            centres = RADIUS + (grid + 0.5) * self.bin_width
            self._pieces = render(centres[:, None, :], self.resolution)
        return self._pieces

    def sample_observations_from_factors(self, factors, random_state):
        factors = self.check_factors(factors)
        pieces = self.pieces()
        ball = factors[:, 0::2] * self.bins + factors[:, 1::2]  # [N, num_balls] piece index
        images = pieces[ball[:, 0]]
        for i in range(1, self.num_balls):
            images += pieces[ball[:, i]]
        return np.minimum(images, 1.0, out=images)
