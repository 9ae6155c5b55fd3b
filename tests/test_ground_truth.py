import itertools

import numpy as np
import pytest

from vae_tf.data import balls
from vae_tf.data.ball_positions import BallPositions
from vae_tf.data.ground_truth import randint

PIXEL = balls.BOX / 32


def centroid(frame):
    """(column, row) intensity centroid of a [32, 32, 1] frame, in box units."""
    weights = frame[..., 0].astype(np.float64)
    centres = (np.arange(32) + 0.5) * PIXEL
    return np.array([(weights.sum(0) * centres).sum(), (weights.sum(1) * centres).sum()]) \
        / weights.sum()


@pytest.mark.parametrize("num_balls", [1, 2])
def test_shapes_and_ranges(num_balls):
    data = BallPositions(num_balls)
    names = ("ball0_x", "ball0_y", "ball1_x", "ball1_y")[:2 * num_balls]
    assert data.factor_names == names and data.num_factors == 2 * num_balls
    assert data.factors_num_values == (32,) * (2 * num_balls)
    assert data.observation_shape == (32, 32, 1)
    factors, frames = data.sample(400, np.random.default_rng(0))
    assert factors.shape == (400, 2 * num_balls) and factors.dtype == np.int64
    assert factors.min() == 0 and factors.max() == 31
    assert frames.shape == (400, 32, 32, 1) and frames.dtype == np.float32
    assert frames.min() >= 0.0 and frames.max() <= 1.0
    # Every ball is drawn: about 42 bright pixels each (fewer where two overlap).
    bright = np.median((frames > 0.5).sum(axis=(1, 2, 3)))
    assert 36 * num_balls <= bright <= 46 * num_balls


def test_bins_cover_the_reachable_range():
    data = BallPositions(1)
    ends = data.positions([[0, 31]])[0, 0]
    width = (balls.BOX - 2 * balls.RADIUS) / 32
    np.testing.assert_allclose(ends, [balls.RADIUS + width / 2,
                                      balls.BOX - balls.RADIUS - width / 2])


@pytest.mark.parametrize("axis", [0, 1])
def test_centroid_moves_one_bin_per_index(axis):
    data = BallPositions(1)
    bins = np.arange(4, 28)  # away from the walls, where the frame clips the ball
    factors = np.full((len(bins), 2), 15)
    factors[:, axis] = bins
    centres = np.array([centroid(f) for f in data.sample_observations_from_factors(factors, None)])
    width = (balls.BOX - 2 * balls.RADIUS) / 32
    np.testing.assert_allclose(np.diff(centres[:, axis]), width, atol=0.01)
    np.testing.assert_allclose(centres[:, axis], balls.RADIUS + (bins + 0.5) * width, atol=0.02)
    np.testing.assert_allclose(centres[:, 1 - axis], balls.RADIUS + 15.5 * width, atol=0.02)


def test_two_balls_render_from_their_factors():
    data = BallPositions(2, resolution=64)
    factors, frames = data.sample(200, np.random.RandomState(3))
    assert frames.shape == (200, 64, 64, 1)
    np.testing.assert_array_equal(frames, data.sample_observations_from_factors(factors, None))
    width = (balls.BOX - 2 * balls.RADIUS) / 32
    positions = balls.RADIUS + (factors.reshape(200, 2, 2) + 0.5) * width
    np.testing.assert_allclose(frames, balls.render(positions, 64), atol=1e-6)
    # Swapping the balls' factors gives the same picture.
    swapped = data.sample_observations_from_factors(factors[:, [2, 3, 0, 1]], None)
    np.testing.assert_allclose(swapped, frames, atol=1e-6)


def test_index_is_the_factorial_order():
    data = BallPositions(2, bins=3)
    factors = np.array(list(itertools.product(range(3), repeat=4)))
    np.testing.assert_array_equal(data.index(factors), np.arange(81))
    assert BallPositions(2).index([[1, 2, 3, 4]])[0] == ((1 * 32 + 2) * 32 + 3) * 32 + 4


@pytest.mark.parametrize("make", [np.random.RandomState, np.random.default_rng])
def test_randint_with_either_random_state(make):
    values = randint(make(0), 5, 5000)
    assert values.shape == (5000,) and values.min() == 0 and values.max() == 4
    np.testing.assert_allclose(np.bincount(values) / 5000, 0.2, atol=0.03)
    np.testing.assert_array_equal(values, randint(make(0), 5, 5000))
    factors = BallPositions(2).sample_factors(100, make(1))
    np.testing.assert_array_equal(factors, BallPositions(2).sample_factors(100, make(1)))


@pytest.mark.parametrize("factors", [[[32, 0]], [[0, -1]], [[0, 0, 0]]])
def test_bad_factors_raise(factors):
    with pytest.raises(ValueError):
        BallPositions(1).sample_observations_from_factors(factors, None)


def test_rejects_zero_balls():
    with pytest.raises(ValueError, match="num_balls"):
        BallPositions(0)
