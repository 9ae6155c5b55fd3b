import numpy as np
import pytest

from vae_tf.data.pipeline import balls_batches, balls_dataset


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
