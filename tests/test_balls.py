import numpy as np
import pytest

from vae_tf.data import balls

PIXEL = balls.BOX / 32


def pairwise_distances(positions):
    """[..., n, 2] -> [..., n, n] with +inf on the diagonal."""
    d = np.sqrt(((positions[..., :, None, :] - positions[..., None, :, :]) ** 2).sum(-1))
    n = positions.shape[-2]
    d[..., np.arange(n), np.arange(n)] = np.inf
    return d


@pytest.mark.parametrize("num_balls", [1, 2, 3])
def test_simulate_shapes_and_ranges(num_balls):
    frames, positions = balls.simulate(50, num_balls=num_balls, resolution=32, seed=0)
    assert frames.shape == (50, 32, 32, 1) and frames.dtype == np.float32
    assert positions.shape == (50, num_balls, 2) and positions.dtype == np.float32
    assert frames.min() >= 0.0 and frames.max() <= 1.0
    # About 42 pixels above 0.5 per ball (the original's rendering).
    bright = (frames > 0.5).sum(axis=(1, 2, 3))
    assert 36 * num_balls <= np.median(bright) <= 46 * num_balls


def test_other_resolutions():
    frames, _ = balls.simulate(3, resolution=64, seed=0)
    assert frames.shape == (3, 64, 64, 1)


def test_deterministic_for_a_seed():
    a = balls.simulate(20, num_balls=2, seed=7)
    b = balls.simulate(20, num_balls=2, seed=7)
    c = balls.simulate(20, num_balls=2, seed=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_rejects_zero_balls():
    with pytest.raises(ValueError, match="num_balls"):
        balls.simulate(5, num_balls=0)


@pytest.mark.parametrize("num_balls", [1, 2, 3])
def test_balls_stay_in_the_box(num_balls):
    positions, _ = balls.simulate_positions(2000, num_balls, np.random.default_rng(1), batch=4)
    # Centres overshoot a wall by at most one sub-step's travel before bouncing back.
    assert positions.min() >= balls.RADIUS - 0.3
    assert positions.max() <= balls.BOX - balls.RADIUS + 0.3


@pytest.mark.parametrize("num_balls", [1, 2, 3])
def test_start_positions_inside_and_apart(num_balls):
    x, v = balls.initial_state(num_balls, np.random.default_rng(2), batch=500)
    assert x.min() >= balls.START_LOW and x.max() <= balls.BOX - balls.RADIUS
    assert pairwise_distances(x).min() >= 2 * balls.RADIUS
    np.testing.assert_allclose(np.sqrt((v**2).sum(axis=(1, 2))), balls.SPEED)


@pytest.mark.parametrize("num_balls", [1, 2, 3])
def test_kinetic_energy_is_conserved_without_friction(num_balls):
    _, velocities = balls.simulate_positions(2000, num_balls, np.random.default_rng(3), batch=4)
    joint_speed = np.sqrt((velocities**2).sum(axis=(2, 3)))
    np.testing.assert_allclose(joint_speed, balls.SPEED, rtol=1e-9)


def test_speed_changes_only_in_collisions():
    positions, velocities = balls.simulate_positions(3000, 2, np.random.default_rng(4), batch=4)
    speed = np.sqrt((velocities**2).sum(-1))  # [batch, T, balls]
    changed = np.abs(np.diff(speed, axis=1)).max(-1) > 1e-9  # [batch, T-1]
    distance = pairwise_distances(positions)[..., 0, 1]
    near = np.minimum(distance[:, :-1], distance[:, 1:]) < 2 * balls.RADIUS + 0.6
    assert changed.sum() > 10  # the balls do collide in this many frames
    assert not np.any(changed & ~near)


def test_single_ball_speed_is_constant():
    _, velocities = balls.simulate_positions(1000, 1, np.random.default_rng(5), batch=2)
    np.testing.assert_allclose(np.sqrt((velocities**2).sum(-1)), balls.SPEED, rtol=1e-9)


@pytest.mark.parametrize("num_balls", [2, 3])
def test_balls_never_overlap_by_more_than_a_pixel(num_balls):
    positions, _ = balls.simulate_positions(3000, num_balls, np.random.default_rng(6), batch=8)
    assert pairwise_distances(positions).min() >= 2 * balls.RADIUS - PIXEL


def test_friction_slows_and_drops_the_balls():
    positions, velocities = balls.simulate_positions(3000, 2, np.random.default_rng(7),
                                                     friction=True, batch=4)
    assert np.sqrt((velocities[:, -1] ** 2).sum(axis=(1, 2))).max() < 0.1
    # Gravity pulls towards larger row index: the balls end near the floor.
    assert positions[:, -200:, :, 1].mean() > balls.BOX - balls.RADIUS - 0.6


def test_rendered_centroid_matches_position():
    frames, positions = balls.simulate(400, num_balls=1, seed=9)
    inside = np.all((positions[:, 0] > 2.5) & (positions[:, 0] < 7.5), axis=-1)
    assert inside.sum() > 50
    weights = frames[inside, :, :, 0]
    centres = (np.arange(32) + 0.5) * PIXEL
    col = (weights.sum(1) * centres).sum(-1) / weights.sum((1, 2))
    row = (weights.sum(2) * centres).sum(-1) / weights.sum((1, 2))
    np.testing.assert_allclose(col, positions[inside, 0, 0], atol=0.02)
    np.testing.assert_allclose(row, positions[inside, 0, 1], atol=0.02)


def test_render_clips_overlapping_balls_at_one():
    frame = balls.render(np.array([[5.0, 5.0], [5.2, 5.0]]), 32)
    assert frame.shape == (32, 32, 1) and frame.max() == pytest.approx(1.0)


def test_iid_frames_come_from_independent_trajectories():
    frames, positions = balls.sample_iid(256, 2, np.random.default_rng(10))
    assert frames.shape == (256, 32, 32, 1) and positions.shape == (256, 2, 2)
    np.testing.assert_allclose(balls.render(positions), frames)
    # Independent frames: neighbours are as far apart as any two frames.
    step = np.abs(np.diff(positions[:, 0], axis=0)).sum(-1).mean()
    assert step > 2.0
