import numpy as np
import pytest

from vae_tf.data import dsprites_rendered as ds

STEP = (ds.RESOLUTION - 2 * ds.MARGIN) / 31  # pixels per position index
CORNERS = [(0, 0), (0, 31), (31, 0), (31, 31)]


def grid(shapes=range(3), scales=range(6), orientations=range(40), xs=(16,), ys=(16,)):
    """Factor rows of a sub-grid, in factorial order."""
    axes = np.meshgrid(shapes, scales, orientations, xs, ys, indexing="ij")
    return np.stack([a.ravel() for a in axes], axis=1)


def centroids(images):
    """(column, row) intensity centroids [N, 2] in pixel units (pixel k centred at k + 0.5)."""
    images = images[..., 0].astype(np.float64)
    centres = np.arange(ds.RESOLUTION) + 0.5
    mass = images.sum((1, 2))
    return np.stack([(images.sum(1) * centres).sum(-1) / mass,
                     (images.sum(2) * centres).sum(-1) / mass], axis=1)


def test_grid_is_the_dsprites_grid():
    data = ds.RenderedDSprites()
    assert np.prod(data.factors_num_values) == 737280
    assert data.factor_names == ds.FACTOR_NAMES and data.num_factors == 5
    assert data.observation_shape == (64, 64, 1)
    np.testing.assert_allclose(ds.SCALES, [0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    assert ds.ORIENTATIONS[0] == 0 and ds.ORIENTATIONS[-1] < 2 * np.pi
    np.testing.assert_allclose(np.diff(ds.ORIENTATIONS), 2 * np.pi / 40)


def test_pixels_are_binary():
    factors = ds.RenderedDSprites().sample_factors(500, np.random.default_rng(0))
    images = ds.render(factors)
    assert images.shape == (500, 64, 64, 1) and images.dtype == np.uint8
    assert set(np.unique(images)) == {0, 1}
    observations = ds.RenderedDSprites().sample_observations_from_factors(factors, None)
    assert observations.dtype == np.float32
    np.testing.assert_array_equal(observations, images)


def test_smallest_sprites_are_drawn_everywhere():
    factors = np.concatenate([grid(scales=[0], xs=[x], ys=[y]) for x, y in CORNERS])
    counts = ds.foreground_counts(ds.render(factors))
    # Smallest areas: ellipse π·4·2 ≈ 25 px, square 8·8 = 64 px, heart ≈ 3.66·16 ≈ 59 px.
    assert counts.min() >= 18


def test_largest_sprites_are_not_clipped_at_the_corners():
    centre = ds.foreground_counts(ds.render(grid(scales=[5])))
    for x, y in CORNERS:
        corner = ds.foreground_counts(ds.render(grid(scales=[5], xs=[x], ys=[y])))
        # Only the sampling of the outline by the pixel grid differs.
        np.testing.assert_allclose(corner, centre, rtol=0.06, atol=3)
    # The margin is tight: a square turned by 45° reaches the frame's edges.
    rows, cols = np.nonzero(ds.render([[0, 5, 5, 0, 0], [0, 5, 5, 31, 31]])[..., 0].any(0))
    assert rows.min() == cols.min() == 0 and rows.max() == cols.max() == ds.RESOLUTION - 1


def test_sprites_are_centred_on_their_position():
    images = ds.render(grid(xs=[0, 16, 31], ys=[0, 16, 31]))
    factors = grid(xs=[0, 16, 31], ys=[0, 16, 31])
    expected = ds.MARGIN + ds.POSITIONS[factors[:, 3:5]] * (ds.RESOLUTION - 2 * ds.MARGIN)
    np.testing.assert_allclose(centroids(images), expected, atol=0.5)


@pytest.mark.parametrize("axis", [0, 1])
def test_position_index_moves_the_sprite(axis):
    positions = np.arange(32)
    xs, ys = (positions, [10]) if axis == 0 else ([10], positions)
    factors = grid(shapes=[0, 1, 2], scales=[2], orientations=[3], xs=xs, ys=ys)
    centre = centroids(ds.render(factors)).reshape(3, 32, 2)
    slope = np.polyfit(positions, centre[..., axis].T, 1)[0]
    np.testing.assert_allclose(slope, STEP, rtol=0.02)  # right (x) or down (y)
    assert np.ptp(centre[..., 1 - axis], axis=1).max() < 0.5


def test_scale_grows_the_area_quadratically():
    counts = ds.foreground_counts(ds.render(grid())).reshape(3, 6, 40).mean(-1)
    assert np.all(np.diff(counts, axis=1) > 0)
    np.testing.assert_allclose(counts[:, 5] / counts[:, 0], 4.0, rtol=0.15)
    # Unit areas: square 4, ellipse π/2, heart 3.662 (numerical integration).
    expected = np.outer([4.0, np.pi / 2, 3.662], (ds.BASE_SIZE * ds.SCALES) ** 2)
    np.testing.assert_allclose(counts, expected, rtol=0.05)


def test_orientation_keeps_the_area():
    counts = ds.foreground_counts(ds.render(grid(scales=[5]))).reshape(3, 40)
    mean = counts.mean(-1, keepdims=True)
    assert np.abs(counts / mean - 1).max() < 0.04


def extent(image):
    """Pixel distance from the centroid to the (left, right, top, bottom) outermost on pixel."""
    rows, cols = np.nonzero(image[..., 0])
    col, row = centroids(image[None])[0] - 0.5
    return np.array([col - cols.min(), cols.max() - col, row - rows.min(), rows.max() - row])


def test_orientation_rotates_counter_clockwise():
    # The heart points down at orientation 0 and right after a quarter turn; the ellipse's
    # long axis turns from horizontal to vertical.
    heart = ds.render([[2, 5, 0, 16, 16], [2, 5, 10, 16, 16], [2, 5, 20, 16, 16]])
    left, right, top, bottom = extent(heart[0])
    assert bottom > top + 2 and abs(left - right) < 1
    left, right, top, bottom = extent(heart[1])
    assert right > left + 2 and abs(top - bottom) < 1
    left, right, top, bottom = extent(heart[2])
    assert top > bottom + 2
    ellipse = ds.render([[1, 5, 0, 16, 16], [1, 5, 10, 16, 16]])
    width, height = extent(ellipse[0])[:2].sum(), extent(ellipse[0])[2:].sum()
    assert width > 1.8 * height
    width, height = extent(ellipse[1])[:2].sum(), extent(ellipse[1])[2:].sum()
    assert height > 1.8 * width
    # A square turned by 45° keeps its corners: half-diagonal 8·√2 px at scale 1.
    square = ds.render([[0, 5, 5, 16, 16]])
    np.testing.assert_allclose(extent(square[0]), ds.BASE_SIZE * np.sqrt(2), atol=1.5)


def test_the_three_shapes_differ():
    images = ds.render(grid(scales=[5], orientations=[0, 7])).reshape(3, 2, -1).astype(int)
    for a in range(3):
        for b in range(a):
            assert np.abs(images[a] - images[b]).sum(-1).min() > 40


def test_observations_match_the_sampled_factors():
    data = ds.RenderedDSprites()
    factors, observations = data.sample(300, np.random.RandomState(1))
    assert factors.shape == (300, 5) and observations.shape == (300, 64, 64, 1)
    assert np.all(factors < np.array(ds.FACTORS_NUM_VALUES)) and factors.min() == 0
    np.testing.assert_array_equal(observations, ds.render(factors))
    again = data.sample_observations_from_factors(factors, None)
    np.testing.assert_array_equal(observations, again)


def test_mean_count_per_shape_scale():
    factors = grid(orientations=[0, 1])
    counts = np.arange(len(factors), dtype=float)
    table = ds.mean_count_per_shape_scale(factors, counts)
    assert table.shape == (3, 6)
    np.testing.assert_allclose(table.ravel(), counts.reshape(18, 2).mean(-1))


@pytest.mark.parametrize("factors", [[[3, 0, 0, 0, 0]], [[0, 6, 0, 0, 0]], [[0, 0, 40, 0, 0]],
                                     [[0, 0, 0, 32, 0]], [[0, 0, 0, 0, -1]], [[0, 0, 0, 0]]])
def test_bad_factors_raise(factors):
    with pytest.raises(ValueError):
        ds.RenderedDSprites().sample_observations_from_factors(factors, None)
