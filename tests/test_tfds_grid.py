"""3D Shapes and smallNORB through TFDS: miniature files in the original formats (the
``3dshapes.h5`` HDF5, smallNORB's binary ``.mat`` matrices) prepared by the real TFDS builders,
read back as ground-truth data (factors, placement, the hidden smallNORB instance), trained on
and scored with every metric. Missing files: test_tfds_sources.py and test_main.py."""

import dataclasses
import importlib
import os

import numpy as np
import pytest

from test_tfds_sources import prepare_with_builder
from vae_tf import config as config_module
from vae_tf.data.tfds_grid import Shapes3D, SmallNORB

h5py = pytest.importorskip("h5py")

# Two values of every factor: TFDS's shapes3d builder numbers the distinct values it finds.
SHAPES_GRID = np.stack([a.ravel() for a in np.meshgrid(*[(0, 1)] * 6, indexing="ij")], axis=1)
SHAPES_VALUES = [np.linspace(0, 0.9, 10), np.linspace(0, 0.9, 10), np.linspace(0, 0.9, 10),
                 np.linspace(0.75, 1.25, 8), np.arange(4.0), np.linspace(-30, 30, 15)]
# smallNORB: categories, elevations, azimuths and lightings 0 and 1, all ten instances; the
# original splits the instances 4, 6, 7, 8, 9 (training) and 0, 1, 2, 3, 5 (testing).
NORB_GRID = np.stack([a.ravel() for a in np.meshgrid((0, 1), range(10), (0, 1), (0, 1), (0, 1),
                                                     indexing="ij")], axis=1)
NORB_SPLITS = {"train": (4, 6, 7, 8, 9), "test": (0, 1, 2, 3, 5)}


def shapes_image(factors):
    """A 64x64 RGB image whose red pixels in row 0 spell out its factors."""
    image = np.zeros((64, 64, 3), np.uint8)
    image[0, :6, 0] = 40 * (np.asarray(factors) + 1)
    image[5, 5, 2] = 255
    return image


def write_3dshapes(path, grid):
    """A file in the layout of the original ``3dshapes.h5``: ``images`` and the factor values
    in ``labels`` (the builder turns them into classes)."""
    values = np.stack([SHAPES_VALUES[i][grid[:, i]] for i in range(6)], axis=1)
    with h5py.File(path, "w") as f:
        f["images"] = np.stack([shapes_image(v) for v in grid])
        f["labels"] = values.astype(np.float64)


def norb_image(category, instance, elevation, azimuth, lighting):
    """A 96x96 image of four flat 48x48 quadrants whose grey levels encode the labels."""
    image = np.empty((96, 96), np.uint8)
    image[:48, :48] = 20 * category + 10 + instance
    image[:48, 48:] = 50 + 60 * elevation
    image[48:, :48] = 70 + 60 * azimuth
    image[48:, 48:] = 90 + 60 * lighting
    return image


def decode_norb(observations):
    """The labels ``norb_image`` wrote, read at the quadrant centres of 64x64 observations."""
    grey = np.rint(observations[:, [16, 16, 48, 48], [16, 48, 16, 48], 0] * 255).astype(int)
    category, instance = (grey[:, 0] - 10) // 20, (grey[:, 0] - 10) % 20
    return np.stack([category, instance, (grey[:, 1] - 50) // 60, (grey[:, 2] - 70) // 60,
                     (grey[:, 3] - 90) // 60], axis=1)


def write_norb_matrix(path, array):
    """smallNORB's binary matrix format: magic (uint8 or int32), ndim, at least 3 dims, data."""
    magic = 507333717 if array.dtype == np.uint8 else 507333716
    dims = list(array.shape) + [1] * (3 - array.ndim)
    header = np.array([magic, array.ndim] + dims, "<i4")
    data = array if array.dtype == np.uint8 else array.astype("<i4")
    with open(path, "wb") as f:
        f.write(header.tobytes() + np.ascontiguousarray(data).tobytes())


def write_norb_split(folder, rows, prefix):
    """The three files of one smallNORB split (``-dat``, ``-cat``, ``-info``) for ``rows`` of
    (category, instance, elevation, azimuth, lighting), the second camera all white."""
    first = np.stack([norb_image(*row) for row in rows])
    dat = np.stack([first, np.full_like(first, 255)], axis=1)
    info = np.stack([rows[:, 1], rows[:, 2], 2 * rows[:, 3], rows[:, 4]], axis=1)  # azimuth 0, 2..
    paths = {}
    for kind, array in (("dat", dat), ("cat", rows[:, 0].astype(np.int32)),
                        ("info", info.astype(np.int32))):
        paths[f"{kind}_path"] = os.path.join(folder, f"{prefix}-{kind}.mat")
        write_norb_matrix(paths[f"{kind}_path"], array)
    return paths


@pytest.fixture(scope="module")
def mini_shapes3d(tmp_path_factory):
    root = tmp_path_factory.mktemp("shapes3d")
    order = np.random.default_rng(0).permutation(len(SHAPES_GRID))
    write_3dshapes(str(root / "3dshapes.h5"), SHAPES_GRID[order])
    return prepare_with_builder("shapes3d", str(root / "data"),
                                {"train": dict(filepath=str(root / "3dshapes.h5"))})


@pytest.fixture(scope="module")
def mini_smallnorb(tmp_path_factory):
    root = tmp_path_factory.mktemp("smallnorb")
    rows = NORB_GRID[np.random.default_rng(0).permutation(len(NORB_GRID))]
    splits = {split: dict(split_prefix=f"{split}_", **write_norb_split(
        str(root), rows[np.isin(rows[:, 1], instances)], split))
        for split, instances in NORB_SPLITS.items()}
    return prepare_with_builder("smallnorb", str(root / "data"), splits)


def test_shapes3d_places_every_image_at_its_factors(mini_shapes3d):
    lines = []
    data = Shapes3D(data_dir=mini_shapes3d, print_fn=lines.append)
    assert data.factor_names == ("floor_hue", "wall_hue", "object_hue", "scale", "shape",
                                 "orientation")
    assert data.factors_num_values == (10, 10, 10, 8, 4, 15)
    assert data.observation_shape == (64, 64, 3) and data.num_factors == 6
    assert data.deterministic and data.num_present == 64
    assert any("shapes3d: 64 images loaded" in line for line in lines)
    np.testing.assert_array_equal(data.present_indices, np.sort(data.index(SHAPES_GRID)))
    for random_state in (np.random.RandomState(1), np.random.default_rng(1)):
        factors, images = data.sample(200, random_state)
        assert factors.shape == (200, 6) and images.dtype == np.float32
        assert set(np.unique(factors)) == {0, 1}  # only the combinations present
        expected = np.stack([shapes_image(v) for v in factors]).astype(np.float32) / 255
        np.testing.assert_allclose(images, expected, atol=1e-7)  # pixels / 255, RGB
    with pytest.raises(ValueError, match="shapes3d has no image"):
        data.sample_observations_from_factors([[2, 0, 0, 0, 0, 0]], np.random.RandomState(0))


def test_smallnorb_resizes_to_64_and_draws_the_instance(mini_smallnorb):
    data = SmallNORB(data_dir=mini_smallnorb, print_fn=lambda line: None)
    # As disentanglement_lib: the instance is no factor; both TFDS splits are read.
    assert data.factor_names == ("category", "elevation", "azimuth", "lighting")
    assert data.factors_num_values == (5, 9, 18, 6) and data.observation_shape == (64, 64, 1)
    assert not data.deterministic and data.num_present == len(NORB_GRID)
    assert data.images.shape == (len(NORB_GRID), 64, 64, 1)  # resized while reading
    rng = np.random.RandomState(0)
    factors = data.sample_factors(400, rng)
    assert factors.shape == (400, 4) and set(np.unique(factors)) == {0, 1}
    observations = data.sample_observations_from_factors(factors, rng)
    assert observations.shape == (400, 64, 64, 1) and observations.dtype == np.float32
    decoded = decode_norb(observations)  # the first camera's image, at its labels
    np.testing.assert_array_equal(decoded[:, [0, 2, 3, 4]], factors)
    # Each observation shows one of the ten instances, drawn uniformly.
    counts = np.bincount(decoded[:, 1], minlength=10)
    assert len(counts) == 10 and counts.min() > 15, counts
    with pytest.raises(ValueError, match="smallnorb has no image"):
        data.sample_observations_from_factors([[4, 0, 0, 0]], rng)


@pytest.mark.parametrize("dataset, steps", [("shapes3d", 1), ("smallnorb", 0)])
def test_trains_and_scores_every_metric(dataset, steps, mini_shapes3d, mini_smallnorb, tmp_path,
                                        monkeypatch):
    """A step of burgess_conv (smallnorb: its initialisation, to spare a second trace of the
    training step), then --mode=eval with every metric (DCI's fast backend, in this process),
    on a grid shrunk to the two values of each factor the files hold (complete, as the metrics
    need)."""
    from vae_tf.training.evaluation import evaluate_run
    from vae_tf.training.train import train

    if dataset == "shapes3d":
        data_dir = mini_shapes3d
        monkeypatch.setattr(Shapes3D, "factors_num_values", (2,) * 6)
    else:
        data_dir = mini_smallnorb
        monkeypatch.setattr(SmallNORB, "grid_num_values", (2, 10, 2, 2, 2))
        monkeypatch.setattr(SmallNORB, "factors_num_values", (2,) * 4)
    dci_module = importlib.import_module("vae_tf.metrics.dci")
    monkeypatch.setattr(dci_module, "default_jobs", lambda num_factors: 1)  # no worker start-up
    metrics = getattr(config_module, "ALL_METRIC_NAMES", config_module.METRIC_NAMES)
    config = config_module.TrainConfig(
        train_dir=f"{tmp_path}/run", dataset=dataset, data_dir=data_dir, model="burgess_conv",
        hidden_size=2, batch_size=16, max_step=steps, log_every=1, save_every=1)
    assert config.image_shape == config_module.DATASET_SHAPES[dataset]
    lines = []
    train(config, print_fn=lines.append)
    record = evaluate_run(dataclasses.replace(config, metrics=",".join(metrics),
                                              metric_points=100, dci_backend="lightgbm"),
                          print_fn=lines.append)
    assert record["step"] == steps and set(record["scores"]) == set(metrics)
    assert np.isfinite(record["held_out"]["reconstruction"])
