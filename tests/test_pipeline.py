import numpy as np
import pytest
import tensorflow as tf

from vae_tf.data.ground_truth import GroundTruthData
from vae_tf.data.pipeline import (balls_batches, balls_dataset, fit_images, ground_truth_dataset,
                                  image_dataset)


def consecutive_change(batch):
    return np.abs(np.diff(batch, axis=0)).mean()


def test_dataset_batches():
    dataset = balls_dataset(16, num_balls=2, seed=0)
    first, second = [b.numpy() for b in dataset.take(2)]
    assert first.shape == (16, 32, 32, 1) and first.dtype == np.float32
    assert 0.0 <= first.min() and first.max() <= 1.0
    assert not np.array_equal(first, second)


def test_seeded_streams_repeat():
    a = next(iter(balls_dataset(8, seed=3))).numpy()
    b = next(iter(balls_dataset(8, seed=3))).numpy()
    c = next(iter(balls_dataset(8, seed=[3, 0, 1000]))).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_trajectory_batches_are_consecutive_frames():
    trajectory = next(balls_batches(64, batch_mode="trajectory", seed=1))
    iid = next(balls_batches(64, batch_mode="iid", seed=1))
    # A ball moves 1.6 px per frame: neighbouring frames of a trajectory nearly coincide.
    assert consecutive_change(trajectory) < 0.5 * consecutive_change(iid)


def test_batch_sizes_that_do_not_divide_the_chunk():
    batches = balls_batches(700, batch_mode="trajectory", seed=0)
    assert next(batches).shape == (700, 32, 32, 1)
    assert next(balls_batches(3000, seed=0)).shape == (3000, 32, 32, 1)


def test_unknown_batch_mode():
    with pytest.raises(ValueError, match="batch_mode"):
        next(balls_batches(8, batch_mode="shuffled"))


class Grid(GroundTruthData):
    """Two factors (4 x 3); the image is a 2x2 patch holding both factor indices."""

    factors_num_values = (4, 3)
    observation_shape = (2, 2, 1)

    def sample_observations_from_factors(self, factors, random_state):
        factors = self.check_factors(factors)
        images = np.zeros((len(factors), 2, 2, 1), np.float32)
        images[:, 0, 0, 0] = factors[:, 0]
        images[:, 1, 1, 0] = factors[:, 1]
        return images


def test_ground_truth_stream_samples_the_grid_uniformly():
    batches = [b.numpy() for b in ground_truth_dataset(Grid(), 64, seed=0).take(40)]
    images = np.concatenate(batches)
    assert batches[0].shape == (64, 2, 2, 1) and images.dtype == np.float32
    first = np.bincount(images[:, 0, 0, 0].astype(int), minlength=4) / len(images)
    second = np.bincount(images[:, 1, 1, 0].astype(int), minlength=3) / len(images)
    np.testing.assert_allclose(first, 0.25, atol=0.03)
    np.testing.assert_allclose(second, 1 / 3, atol=0.03)
    again = next(iter(ground_truth_dataset(Grid(), 64, seed=0))).numpy()
    np.testing.assert_array_equal(again, batches[0])


def test_fit_images_pads_around_the_centre_or_resizes():
    image = np.full((28, 28, 1), 255, np.uint8)
    padded = fit_images(image, (32, 32, 1), "pad").numpy()
    assert padded.shape == (32, 32, 1) and padded.sum() == 255 * 28 * 28
    assert padded[2:30, 2:30].min() == 255 and padded[:2].max() == 0
    resized = fit_images(image, (64, 64, 1), "resize").numpy()
    assert resized.shape == (64, 64, 1) and resized.dtype == np.uint8 and resized.min() == 255
    assert fit_images(image, (28, 28, 1), None) is image


def test_image_dataset_reshuffles_and_scales_to_unit_range():
    values = np.arange(10, dtype=np.uint8).repeat(4).reshape(10, 2, 2, 1) * 25
    dataset = image_dataset(tf.data.Dataset.from_tensor_slices(values), 5, seed=1)
    batches = [b.numpy() for b in dataset.take(4)]
    assert batches[0].shape == (5, 2, 2, 1) and batches[0].dtype == np.float32
    epoch1 = sorted(np.concatenate(batches[:2])[:, 0, 0, 0])
    np.testing.assert_allclose(epoch1, np.arange(10) * 25 / 255, rtol=1e-6)  # every image once
    assert not np.array_equal(np.concatenate(batches[:2]), np.concatenate(batches[2:]))
