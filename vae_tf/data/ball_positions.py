"""Ground-truth view of the bouncing-balls data: the factors are the ball positions.

Each ball contributes two factors, its column and its row, each discretised into ``bins`` equal
bins over ``[RADIUS, BOX - RADIUS]`` (box units), the range the physics lets a ball's centre
reach. Bin ``k`` puts the centre at ``RADIUS + (k + 0.5) * (BOX - 2 * RADIUS) / bins``; with the
default 32 bins a bin is 0.2375 box units (0.76 pixels at resolution 32). Balls are drawn with
:func:`vae_tf.data.balls.render`; combinations in which two balls overlap are kept (the image
then clips at 1), as every factor combination must have an observation.
"""

from vae_tf.data.balls import BOX, RADIUS, check_num_balls, render
from vae_tf.data.ground_truth import GroundTruthData


class BallPositions(GroundTruthData):
    """``num_balls`` balls, factors ``ball{i}_x`` and ``ball{i}_y`` with ``bins`` values each."""

    def __init__(self, num_balls=1, bins=32, resolution=32):
        self.num_balls = check_num_balls(num_balls)
        self.bins = int(bins)
        self.resolution = int(resolution)
        self.factor_names = tuple(f"ball{i}_{axis}" for i in range(self.num_balls)
                                  for axis in ("x", "y"))
        self.factors_num_values = (self.bins,) * (2 * self.num_balls)
        self.observation_shape = (self.resolution, self.resolution, 1)
        self.bin_width = (BOX - 2 * RADIUS) / self.bins

    def positions(self, factors):
        """Ball centres ``[N, num_balls, 2]`` (column, row) in box units for ``factors``."""
        factors = self.check_factors(factors)
        centres = RADIUS + (factors + 0.5) * self.bin_width
        return centres.reshape(len(factors), self.num_balls, 2)

    def sample_observations_from_factors(self, factors, random_state):
        return render(self.positions(factors), self.resolution)
