"""TFDS data sets offline: the missing-file and checksum errors, a miniature dSprites prepared by
the real TFDS dsprites builder, and MNIST / CelebA through ``tfds.testing.mock_data``."""

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from vae_tf.config import ConfigError
from vae_tf.data import tfds_sources

h5py = pytest.importorskip("h5py")
tfds = pytest.importorskip("tensorflow_datasets")

DSPRITES_FILE = "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.hdf5"
# A sub-grid of dSprites: every shape and scale, two values of each other factor.
SUB_GRID = np.stack([a.ravel() for a in np.meshgrid(range(3), range(6), (0, 39), (0, 31),
                                                    (5, 6), indexing="ij")], axis=1)


def encode(factors):
    """A 64x64 0/1 image whose on-pixels spell out its factors."""
    shape, scale, orientation, x, y = factors
    image = np.zeros((64, 64), np.uint8)
    image[shape, scale] = 1
    image[10 + orientation, 20 + x // 2] = 1
    image[60, y] = 1
    return image


def write_hdf5(path, factors):
    """A file in the layout of the original dSprites hdf5 (colour is the constant column 0)."""
    classes = np.concatenate([np.zeros((len(factors), 1), np.int64), factors], axis=1)
    values = classes * np.array([1.0, 1.0, 0.1, 0.16, 1 / 31, 1 / 31])
    with h5py.File(path, "w") as f:
        f["imgs"] = np.stack([encode(v) for v in factors])
        f["latents/classes"] = classes.astype(np.int64)
        f["latents/values"] = values.astype(np.float64)


def prepare_with_builder(name, data_dir, splits):
    """Prepares TFDS ``name`` in ``data_dir`` with its real builder, only the location of its
    files replaced: ``splits`` maps a split name to the builder's ``_generate_examples``
    arguments (paths to files the test wrote in the original format)."""
    original = tfds.builder_cls(name)

    class Local(original, skip_registration=True):
        @classmethod
        def _get_pkg_dir_path(cls):  # README/CITATIONS of the real builder
            return original._get_pkg_dir_path()

        def _split_generators(self, dl_manager):
            return [tfds.core.SplitGenerator(name=split, gen_kwargs=kwargs)
                    for split, kwargs in splits.items()]

    Local.name = name
    Local(data_dir=data_dir).download_and_prepare(
        download_config=tfds.download.DownloadConfig(try_download_gcs=False))
    version = tfds_sources.SOURCES[name].version
    assert os.path.isfile(os.path.join(data_dir, name, version, "dataset_info.json"))
    return data_dir


def prepare(root, factors):
    """A data_dir where the real dsprites builder (only its file location replaced) prepared
    ``factors``, written in shuffled order."""
    path = str(root / "mini.hdf5")
    order = np.random.default_rng(0).permutation(len(factors))
    write_hdf5(path, factors[order])
    return prepare_with_builder("dsprites", str(root / "data"), {"train": dict(filepath=path)})


@pytest.fixture(scope="module")
def mini_dsprites(tmp_path_factory):
    return prepare(tmp_path_factory.mktemp("dsprites"), SUB_GRID)


def test_table_matches_the_installed_tfds_builders():
    for name, src in tfds_sources.SOURCES.items():
        cls = tfds.builder_cls(name)
        assert str(cls.VERSION) == src.version, name
        registered = {info.filename: info for info in cls.url_infos.values()}
        assert set(registered) == {f.name for f in src.files}, name
        for f in src.files:
            assert registered[f.name].size == f.size and registered[f.name].checksum == f.sha256


def test_default_dirs(monkeypatch, tmp_path):
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    assert tfds_sources.default_data_dir() == str(tmp_path)
    monkeypatch.delenv("TFDS_DATA_DIR")
    assert tfds_sources.default_data_dir() == os.path.expanduser("~/tensorflow_datasets")
    assert tfds_sources.default_manual_dir("/d") == "/d/downloads/manual"


def test_module_and_check_do_not_import_tensorflow(tmp_path):
    code = ("import sys; from vae_tf.data import tfds_sources as t\n"
            "try: t.check_available('mnist', sys.argv[1])\n"
            "except Exception as e: print(type(e).__name__)\n"
            "assert not any(m.startswith(('tensorflow', 'keras')) for m in sys.modules)")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=root,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ConfigError"


@pytest.mark.parametrize("name", ["dsprites", "mnist", "celeb_a", "shapes3d", "smallnorb"])
def test_missing_files_give_one_line_saying_what_to_put_where(tmp_path, name):
    data_dir = tmp_path / "data"
    with pytest.raises(ConfigError) as info:
        tfds_sources.check_available(name, str(data_dir))
    message = str(info.value)
    manual_dir = os.path.join(str(data_dir), "downloads", "manual")
    # Named by what is missing (the data set's file), not by a flag the user may never have set.
    files = tfds_sources.SOURCES[name].files
    assert info.value.flag == "manual_dir"
    assert message.startswith(f"{name}: {'file' if len(files) == 1 else 'files'} {files[0].name} ")
    assert f"not found in {manual_dir}" in message and "nothing is downloaded" in message
    assert "\n" not in message
    assert "--data_dir" in message
    for f in tfds_sources.SOURCES[name].files:
        assert f.name in message
    if name == "mnist":
        assert "storage.googleapis.com/cvdf-datasets/mnist" in message
    # An explicit manual_dir is the one named; one file present, the others still asked for.
    manual = tmp_path / "manual"
    manual.mkdir()
    first = tfds_sources.SOURCES[name].files[0]
    (manual / first.name).write_bytes(b"x")
    if len(tfds_sources.SOURCES[name].files) > 1:
        with pytest.raises(ConfigError) as info:
            tfds_sources.check_available(name, str(data_dir), str(manual))
        assert str(manual) in str(info.value) and first.name not in str(info.value)


def test_unknown_dataset_names_the_dataset_flag():
    with pytest.raises(ConfigError) as info:
        tfds_sources.check_available("balls")
    assert info.value.flag == "dataset"


def test_a_file_of_the_wrong_size_is_refused_before_tensorflow(tmp_path):
    (tmp_path / DSPRITES_FILE).write_bytes(b"not dsprites")
    with pytest.raises(ConfigError) as info:
        tfds_sources.check_available("dsprites", str(tmp_path / "data"), str(tmp_path))
    message = str(info.value)
    assert "\n" not in message and "checksum" in message and "28,024,106" in message
    assert str(tmp_path / DSPRITES_FILE) in message


def test_a_file_with_the_wrong_checksum_is_one_config_error(tmp_path):
    """Right size, wrong content: TFDS's NonMatchingChecksumError, quickly and offline."""
    manual = tmp_path / "manual"
    manual.mkdir()
    with open(manual / DSPRITES_FILE, "wb") as f:
        f.truncate(28_024_106)  # sparse zeros of the registered size
    assert tfds_sources.check_available("dsprites", str(tmp_path / "data"), str(manual)) == \
        "manual"
    outcome, lines = {}, []

    def prepare():
        try:
            tfds_sources.load_split("dsprites", "train", str(tmp_path / "data"), str(manual),
                                    print_fn=lines.append)
        except Exception as e:  # noqa: BLE001 - reported below
            outcome["error"] = e

    thread = threading.Thread(target=prepare, daemon=True)
    thread.start()
    thread.join(timeout=90)
    assert not thread.is_alive(), "preparing from a bad file hung (network retries?)"
    error = outcome.get("error")
    assert isinstance(error, ConfigError), repr(error)
    message = str(error)
    assert message.startswith("dsprites: ") and "\n" not in message
    assert "checksum" in message and str(manual / DSPRITES_FILE) in message
    assert tfds_sources.SOURCES["dsprites"].files[0].sha256 in message
    assert lines and "Preparing" in lines[0]
    assert not tfds_sources.is_prepared("dsprites", str(tmp_path / "data"))


def test_prepared_dsprites_reads_back_through_tfds(mini_dsprites, tmp_path):
    # An empty manual_dir is irrelevant once the data set is prepared.
    assert tfds_sources.check_available("dsprites", mini_dsprites, str(tmp_path)) == "prepared"
    examples = list(tfds_sources.load_split("dsprites", "train", mini_dsprites, str(tmp_path))
                    .as_numpy_iterator())
    assert len(examples) == len(SUB_GRID)
    for ex in examples[:10]:
        factors = [ex[k] for k in ("label_shape", "label_scale", "label_orientation",
                                   "label_x_position", "label_y_position")]
        np.testing.assert_array_equal(ex["image"][..., 0], encode(factors))
    images = list(tfds_sources.images("dsprites", "train", mini_dsprites).as_numpy_iterator())
    assert len(images) == len(SUB_GRID)
    stacked = np.stack(images)
    assert stacked.dtype == np.uint8 and stacked.shape[1:] == (64, 64, 1)
    assert set(np.unique(stacked)) == {0, 1}


def test_dsprites_places_every_image_at_its_factors(mini_dsprites):
    from vae_tf.data.dsprites import DSprites

    lines = []
    data = DSprites(data_dir=mini_dsprites, print_fn=lines.append)
    assert data.factor_names == ("shape", "scale", "orientation", "x_position", "y_position")
    assert data.factors_num_values == (3, 6, 40, 32, 32) and data.observation_shape == (64, 64, 1)
    assert data.num_present == len(SUB_GRID)
    np.testing.assert_array_equal(data.present_indices, np.sort(data.index(SUB_GRID)))
    assert any("144 images loaded" in line and "images/s" in line for line in lines)

    rng = np.random.RandomState(0)
    observations = data.sample_observations_from_factors(SUB_GRID, rng)
    assert observations.dtype == np.float32 and observations.shape == (len(SUB_GRID), 64, 64, 1)
    expected = np.stack([encode(v) for v in SUB_GRID])[..., None].astype(np.float32)
    np.testing.assert_array_equal(observations, expected)

    for random_state in (np.random.RandomState(1), np.random.default_rng(1)):
        factors, images = data.sample(500, random_state)
        assert factors.dtype == np.int64 and factors.shape == (500, 5)
        assert np.isin(data.index(factors), data.present_indices).all()
        assert len(np.unique(data.index(factors))) > 100  # spread over the present combos
        np.testing.assert_array_equal(
            images, np.stack([encode(v) for v in factors])[..., None].astype(np.float32))

    with pytest.raises(ValueError, match="no image"):
        data.sample_observations_from_factors([[0, 0, 1, 0, 5]], rng)
    with pytest.raises(ValueError):
        data.sample_observations_from_factors([[3, 0, 0, 0, 5]], rng)


def _mark_prepared(data_dir, name):
    """tfds_sources checks for dataset_info.json; mock_data ignores data_dir."""
    version = tfds_sources.SOURCES[name].version
    folder = os.path.join(data_dir, name, version)
    os.makedirs(folder)
    open(os.path.join(folder, "dataset_info.json"), "w").close()


@pytest.mark.parametrize("name,shape", [("mnist", (28, 28, 1)), ("celeb_a", (218, 178, 3))])
def test_images_of_mocked_tfds_data_sets(tmp_path, name, shape):
    _mark_prepared(str(tmp_path), name)
    assert tfds_sources.SOURCES[name].image_shape == shape
    with tfds.testing.mock_data(num_examples=3, policy=tfds.testing.MockPolicy.USE_CODE):
        for split in ("train", tfds_sources.SOURCES[name].held_out_split):
            images = list(tfds_sources.images(name, split, str(tmp_path)).as_numpy_iterator())
            assert len(images) == 3
            for image in images:
                assert image.dtype == np.uint8 and image.shape == shape


def test_a_complete_grid_is_read_in_place(tmp_path):
    """The full-grid path (every combination present: images written straight to their index),
    on a grid with two values of orientation, x and y."""
    from vae_tf.data.dsprites import DSprites

    class SmallGrid(DSprites):
        factors_num_values = (3, 6, 2, 2, 2)

    full = np.stack([a.ravel() for a in np.meshgrid(range(3), range(6), (0, 1), (0, 1), (0, 1),
                                                    indexing="ij")], axis=1)
    data = SmallGrid(data_dir=prepare(tmp_path, full), print_fn=lambda line: None)
    assert data.num_present == len(full) and data._complete
    expected = np.stack([encode(v) for v in full])[..., None]
    np.testing.assert_array_equal(data.images, expected)  # factorial order
    factors, images = data.sample(200, np.random.default_rng(2))
    np.testing.assert_array_equal(images, expected[data.index(factors)].astype(np.float32))
