"""--dataset=image_folder: reading a folder of PNG/JPEG files the tests write."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from vae_tf.config import ConfigError, TrainConfig
from vae_tf.data import image_folder, sources

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_image(path, pixels, kind="png"):
    from vae_tf.tf_startup import import_tensorflow
    import_tensorflow()
    import tensorflow as tf

    os.makedirs(os.path.dirname(path), exist_ok=True)
    pixels = np.asarray(pixels, np.uint8)
    data = tf.io.encode_png(pixels) if kind == "png" else tf.io.encode_jpeg(pixels, quality=100)
    tf.io.write_file(path, data)


def bars(height, width, channels):
    """White outer quarters, a black middle half (columns): resize keeps some white, a
    central-square crop of a wide image none."""
    pixels = np.full((height, width, channels), 255, np.uint8)
    pixels[:, width // 4: width - width // 4] = 0
    return pixels


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Sub-folders ``cat`` (3 wide colour PNGs) and ``dog`` (2 grey JPEGs, a corrupt PNG), an
    ignored text file: 5 readable images with labels 0 and 1."""
    root = tmp_path_factory.mktemp("images")
    for i in range(3):
        write_image(f"{root}/cat/{i}.png", bars(16, 32, 3))
    for i in range(2):
        write_image(f"{root}/dog/deep/{i}.JPG", np.full((40, 40, 1), 200, np.uint8), "jpeg")
    with open(f"{root}/dog/broken.png", "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n not a png")
    with open(f"{root}/notes.txt", "w") as f:
        f.write("not an image")
    return str(root)


def config(image_dir, **settings):
    settings = {"model": "fully_connected", "image_size": 8, **settings}
    return TrainConfig(dataset="image_folder", image_dir=image_dir, **settings)


def test_scan_finds_images_recursively_with_labels_from_sub_folders(folder):
    found = image_folder.scan(folder)
    assert len(found.paths) == 6  # the corrupt PNG included, the text file not
    assert found.class_names == ("cat", "dog")
    assert list(found.labels) == [0, 0, 0, 1, 1, 1]


@pytest.mark.parametrize("channels", [1, 3])
def test_images_have_the_size_channels_and_labels_asked_and_the_corrupt_file_is_counted(
        folder, channels):
    lines = []
    images = image_folder.load(config(folder, image_channels=channels), lines.append)
    assert images.skipped == 1
    assert images.train.shape == (4, 8, 8, channels) and images.train.dtype == np.uint8
    assert images.held_out.shape == (1, 8, 8, channels)  # 10 % of 5, at least one
    labels = np.concatenate([images.train_labels, images.held_out_labels])
    assert sorted(labels) == [0, 0, 0, 1, 1]
    line, = lines
    assert line.endswith("; 1 unreadable file skipped"), line
    assert "5 images in 2 classes: cat, dog" in line and "4 train, 1 held out" in line


def test_crop_takes_the_central_square_and_resize_the_whole_image(folder):
    images = {}
    for fit in ("crop", "resize"):
        loaded = image_folder.load(config(folder, image_fit=fit), lambda line: None)
        everything = np.concatenate([loaded.train, loaded.held_out])
        labels = np.concatenate([loaded.train_labels, loaded.held_out_labels])
        images[fit] = everything[labels == 0]  # the wide cat images
    assert images["crop"].max() == 0  # the black middle half is the central square
    assert images["resize"][:, :, 0].min() > 200 and images["resize"][:, :, 4].max() < 50


def test_held_out_split_is_fixed_per_seed_and_excluded_label_leaves_training_only(folder):
    first = image_folder.load(config(folder, seed=3), lambda line: None)
    again = image_folder.load(config(folder, seed=3), lambda line: None)
    np.testing.assert_array_equal(first.held_out, again.held_out)
    np.testing.assert_array_equal(first.train, again.train)
    excluded = image_folder.load(config(folder, seed=3, exclude_label=0), lambda line: None)
    assert set(excluded.train_labels) == {1}
    np.testing.assert_array_equal(excluded.held_out_labels, first.held_out_labels)


def test_training_data_and_held_out_colours(folder):
    cfg = config(folder, batch_size=3)
    data, held_out = sources.training_data(cfg, seed=0, print_fn=lambda line: None)
    batch = next(iter(data)).numpy()
    assert batch.shape == (3, 8, 8, 1) and batch.dtype == np.float32 and batch.max() <= 1
    images, colours = sources.held_out_data(cfg, print_fn=lambda line: None)
    np.testing.assert_array_equal(images, held_out)
    assert colours.name == "label" and colours.class_names == ("cat", "dog")


def test_unlabelled_folder_and_labels_to_exclude(tmp_path, folder):
    write_image(f"{tmp_path}/top.png", np.zeros((8, 8, 1)))
    write_image(f"{tmp_path}/sub/a.png", np.zeros((8, 8, 1)))
    assert image_folder.scan(str(tmp_path)).labels is None  # an image outside any sub-folder
    with pytest.raises(ConfigError, match="^--exclude_label: .* has no labels"):
        image_folder.check(config(str(tmp_path), exclude_label=0))
    with pytest.raises(ConfigError, match=r"^--exclude_label: .* has labels 0-1 \(2 classes: "
                                          r"cat, dog\), not 5$"):
        image_folder.check(config(folder, exclude_label=5))


@pytest.mark.parametrize("make, message", [
    (lambda path: os.makedirs(path), "holds no image"),
    (lambda path: None, "does not exist"),
])
def test_empty_or_missing_folder_is_one_line_and_exit_2_before_tensorflow(
        tmp_path, make, message):
    path = str(tmp_path / "images")
    make(path)
    with pytest.raises(ConfigError, match=f"^--image_dir: .*{message}"):
        image_folder.scan(path)
    code = ("import sys, runpy; sys.argv = ['main.py', '--dataset=image_folder', "
            f"'--image_dir={path}', '--train_dir={tmp_path}/run']\n"
            "try:\n    runpy.run_path('main.py', run_name='__main__')\n"
            "finally:\n    print('tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 2
    line, = result.stderr.strip().splitlines()
    assert line.startswith("main.py: error: --image_dir: ") and message in line
    assert result.stdout.strip() == "False"  # refused before TensorFlow was imported
    assert not os.path.exists(f"{tmp_path}/run_dataset_image_folder_model_conv_beta_0.1")


def test_digits_flagfile_names_an_image_folder_run_that_keeps_its_checkpoints():
    result = subprocess.run([sys.executable, "main.py", "--flagfile=flags/digits.flags",
                             "--mode=config", "--exclude_label=8"], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["dataset"] == "image_folder" and config["image_dir"] == "/tmp/digits"
    assert config["model"] == "fc_1200" and config["image_size"] == 16
    assert config["exclude_label"] == 8 and config["keep_checkpoints"] == 8
    assert config["run_dir"] == ("./checkpoints/digits/run_dataset_image_folder_model_fc_1200_"
                                 "beta_1.0")  # the same with and without --exclude_label


def test_mnist_held_out_labels_and_excluded_label(monkeypatch):
    """The TFDS path with labels, on a fake MNIST split: label k's images are all k."""
    import tensorflow as tf

    def fake_split(name, split, data_dir=None, manual_dir=None, print_fn=print):
        labels = np.arange(40, dtype=np.int64) % 10
        images = np.repeat(labels.astype(np.uint8), 28 * 28).reshape(40, 28, 28, 1)
        return tf.data.Dataset.from_tensor_slices({"image": images, "label": labels})

    monkeypatch.setattr(sources.tfds_sources, "load_split", fake_split)
    cfg = TrainConfig(dataset="mnist", model="fully_connected", batch_size=36, exclude_label=3)
    held_out, colours = sources.held_out_data(cfg, print_fn=lambda line: None)
    assert held_out.shape == (40, 28, 28, 1)
    np.testing.assert_array_equal(colours.values, np.arange(40) % 10)
    assert colours.class_names == tuple("0123456789")
    np.testing.assert_allclose(held_out[:, 0, 0, 0] * 255, colours.values, atol=1e-4)
    data, _ = sources.training_data(cfg, seed=0, print_fn=lambda line: None)
    seen = np.round(next(iter(data)).numpy()[:, 0, 0, 0] * 255)
    assert len(seen) == 36 and 3 not in seen and set(seen) == set(range(10)) - {3}
