"""TFDS data sets a run can train on, read from original files the user places (no download).

=========  =======  =========================================================  ==============
name       version  files a user places in ``manual_dir`` (registered names)   splits
=========  =======  =========================================================  ==============
dsprites   2.0.0    ``dsprites_ndarray_co1sh3sc6or40x32y32_64x64.hdf5``        train
mnist      3.0.1    ``train-images-idx3-ubyte.gz`` and three more              train / test
celeb_a    2.1.0    ``img_align_celeba.zip`` and four annotation text files    train / test
shapes3d   2.0.0    ``3dshapes.h5``                                            train
smallnorb  2.0.0    ``smallnorb-5x46789x9x18x6x2x96x96-training-dat.mat.gz``   train / test
                    and five more (``-cat``, ``-info``; ``-testing-`` ones)
=========  =======  =========================================================  ==============

A data set is read from ``<data_dir>/<name>/<version>`` once TFDS has prepared it there; until
then it is prepared (once) from the original files, which the user downloads and places in
``manual_dir`` under their registered names; they are verified against the registered sizes and
sha256 checksums before anything else. Nothing is ever downloaded here (without network TFDS
would retry for minutes): errors about the files name the data set and the file.

This module imports neither TensorFlow nor TFDS at the top: ``main.py`` calls
:func:`check_available` before the slow TensorFlow import.
"""

import dataclasses
import os
import time

from vae_tf.config import ConfigError


@dataclasses.dataclass(frozen=True)
class ManualFile:
    """One original file of a data set, as TFDS registers it."""

    name: str      # the registered file name TFDS looks for in manual_dir
    size: int      # bytes
    sha256: str
    url: str       # where it comes from


@dataclasses.dataclass(frozen=True)
class Source:
    """A TFDS data set: its builder name and version, its original files and its splits."""

    name: str
    version: str
    files: tuple
    where: str              # where to get the files, in words
    train_split: str
    held_out_split: object  # None: the data set has only a training split
    image_shape: tuple      # native size of the ``image`` feature

    @property
    def versioned_name(self):
        return f"{self.name}:{self.version}"


_DSPRITES_URL = ("https://github.com/deepmind/dsprites-dataset/blob/master/"
                 "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.hdf5?raw=true")
_MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
_DRIVE = "https://drive.google.com/uc?export=download&id="
_NORB_URL = "https://cs.nyu.edu/~ylclab/data/norb-v1.0-small/"


def _norb_file(part, kind, size, sha256):
    name = f"smallnorb-{part}-{kind}.mat.gz"
    return ManualFile(name, size, sha256, _NORB_URL + name)


_NORB_TRAIN, _NORB_TEST = "5x46789x9x18x6x2x96x96-training", "5x01235x9x18x6x2x96x96-testing"

SOURCES = {
    "dsprites": Source(
        "dsprites", "2.0.0",
        (ManualFile("dsprites_ndarray_co1sh3sc6or40x32y32_64x64.hdf5", 28_024_106,
                    "729fa22e884c9c500e1f17415d580746b4c5894fbbb780a1319bbcfa39a745bb",
                    _DSPRITES_URL),),
        "https://github.com/deepmind/dsprites-dataset (the .hdf5, not the .npz)",
        "train", None, (64, 64, 1)),
    "mnist": Source(
        "mnist", "3.0.1",
        (ManualFile("train-images-idx3-ubyte.gz", 9_912_422,
                    "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                    _MNIST_URL + "train-images-idx3-ubyte.gz"),
         ManualFile("train-labels-idx1-ubyte.gz", 28_881,
                    "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                    _MNIST_URL + "train-labels-idx1-ubyte.gz"),
         ManualFile("t10k-images-idx3-ubyte.gz", 1_648_877,
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                    _MNIST_URL + "t10k-images-idx3-ubyte.gz"),
         ManualFile("t10k-labels-idx1-ubyte.gz", 4_542,
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                    _MNIST_URL + "t10k-labels-idx1-ubyte.gz")),
        _MNIST_URL, "train", "test", (28, 28, 1)),
    "celeb_a": Source(
        "celeb_a", "2.1.0",
        (ManualFile("img_align_celeba.zip", 1_443_490_838,
                    "46fb89443c578308acf364d7d379fe1b9efb793042c0af734b6112e4fd3a8c74",
                    _DRIVE + "0B7EVK8r0v71pZjFTYXZWM3FlRnM"),
         ManualFile("list_eval_partition.txt", 2_836_386,
                    "fc955bcb3ef8fbdf7d5640d9a8693a8431b5f2ee291a5c1449a1549e7e073fe7",
                    _DRIVE + "0B7EVK8r0v71pY0NSMzRuSXJEVkk"),
         ManualFile("list_attr_celeba.txt", 26_721_026,
                    "f0e5da289d5ccf75ffe8811132694922b60f2af59256ed362afa03fefba324d0",
                    _DRIVE + "0B7EVK8r0v71pblRyaVFSWGxPY0U"),
         ManualFile("list_landmarks_align_celeba.txt", 12_156_055,
                    "6c02a87569907f6db2ba99019085697596730e8129f67a3d61659f198c48d43b",
                    _DRIVE + "0B7EVK8r0v71pd0FJY3Blby1HUTQ"),
         ManualFile("identity_CelebA.txt", 3_424_458,
                    "c6143857c3e2630ac2da9f782e9c1232e5e59be993a9d44e8a7916c78a6158c0",
                    _DRIVE + "1_ee_0u7vcNLOfNLegJRHmolfH5ICW-XS")),
        "the Google Drive of http://mmlab.ie.cuhk.edu.hk/projects/CelebA.html (folders Img, "
        "Anno, Eval)",
        "train", "test", (218, 178, 3)),
    "shapes3d": Source(
        "shapes3d", "2.0.0",
        (ManualFile("3dshapes.h5", 267_573_662,
                    "0a0f6ed98baff276a50f3a081a7434d788da63cb135a98189b2a5b5769be1785",
                    "https://storage.googleapis.com/3d-shapes/3dshapes.h5"),),
        "https://storage.googleapis.com/3d-shapes/3dshapes.h5 (github.com/deepmind/3d-shapes)",
        "train", None, (64, 64, 3)),
    "smallnorb": Source(
        "smallnorb", "2.0.0",
        (_norb_file(_NORB_TRAIN, "dat", 131_896_188,
                    "5ffd6272a07d32695ee1082a26a41a93a37aab8c28da047f8c34ed348d214873"),
         _norb_file(_NORB_TRAIN, "cat", 348,
                    "2784e542c1922060691090952b6cd6278879a216c90f81476f0f00256d42cdaa"),
         _norb_file(_NORB_TRAIN, "info", 71_052,
                    "de7eb932ebe7a4ee16217fead60660d0eb3d23632c2f4d1c51f88c501c17bf32"),
         _norb_file(_NORB_TEST, "dat", 130_799_817,
                    "cf7104eed3e51174d2f65b66d1e5878b9da233b886f161b0d88f4510ba2c7474"),
         _norb_file(_NORB_TEST, "cat", 347,
                    "ecaf6d5bb8c3bc5eab9cf0258f6d2198dd474e016e374836fc097f2e5ff509ff"),
         _norb_file(_NORB_TEST, "info", 10_428,
                    "16adf314226327ee006d1a44db8cfef52773c06c829951d5653a9f6f310248a2")),
        _NORB_URL + " (the six .mat.gz files, gzipped as they are there)",
        "train", "test", (96, 96, 1)),
}
DATASETS = tuple(SOURCES)


def source(name):
    """The :class:`Source` of ``name``; ConfigError naming ``--dataset`` if there is none."""
    if name not in SOURCES:
        raise ConfigError("dataset", f"{name!r} is not a TFDS data set here; choose from "
                          f"{', '.join(DATASETS)}")
    return SOURCES[name]


def default_data_dir():
    """TFDS's default data directory: ``$TFDS_DATA_DIR`` or ``~/tensorflow_datasets``."""
    return os.environ.get("TFDS_DATA_DIR") or os.path.join(os.path.expanduser("~"),
                                                           "tensorflow_datasets")


def default_manual_dir(data_dir):
    """Where TFDS looks for manually downloaded files: ``<data_dir>/downloads/manual``."""
    return os.path.join(data_dir, "downloads", "manual")


def _dirs(data_dir, manual_dir):
    data_dir = os.path.abspath(os.path.expanduser(data_dir or default_data_dir()))
    manual_dir = os.path.abspath(os.path.expanduser(manual_dir or default_manual_dir(data_dir)))
    return data_dir, manual_dir


def prepared_dir(name, data_dir=None):
    """``<data_dir>/<name>/<version>``, where TFDS keeps the prepared data set."""
    data_dir, _ = _dirs(data_dir, None)
    src = source(name)
    return os.path.join(data_dir, src.name, src.version)


def is_prepared(name, data_dir=None):
    return os.path.isfile(os.path.join(prepared_dir(name, data_dir), "dataset_info.json"))


def _describe(file):
    return f"{file.name} ({file.size:,} bytes, sha256 {file.sha256})"


def check_available(name, data_dir=None, manual_dir=None):
    """Whether ``name`` can be read without network, fast and without TensorFlow.

    Returns ``"prepared"`` when TFDS has already prepared the data set in ``data_dir``, or
    ``"manual"`` when every original file lies in ``manual_dir`` with its registered size (TFDS
    checks the sha256 while preparing). Otherwise raises a one-line ConfigError that starts with
    the data set's name and says which files to put where and where to get them."""
    src = source(name)
    data_dir, manual_dir = _dirs(data_dir, manual_dir)
    if is_prepared(name, data_dir):
        return "prepared"
    missing = [f for f in src.files if not os.path.isfile(os.path.join(manual_dir, f.name))]
    if missing:
        one = len(missing) == 1
        files = ", ".join(f"{f.name} ({f.size:,} bytes)" for f in missing)
        raise ConfigError(
            "manual_dir", f"{'file' if one else 'files'} {files} not found in {manual_dir}, and "
            f"TFDS {src.name} {src.version} is not prepared in {data_dir}; nothing is "
            f"downloaded: get {'it' if one else 'them'} from {src.where} and put "
            f"{'it' if one else 'them'} there (--manual_dir and --data_dir choose these folders)",
            subject=src.name)
    for f in src.files:
        size = os.path.getsize(os.path.join(manual_dir, f.name))
        if size != f.size:
            raise ConfigError(
                "manual_dir", f"{os.path.join(manual_dir, f.name)} has {size:,} bytes, not the "
                f"registered {_describe(f)}: its checksum cannot match; replace it with the "
                f"original from {src.where}", subject=src.name)
    return "manual"


def _checksum_error(src, manual_dir, error):
    """The one-line ConfigError for TFDS's NonMatchingChecksumError."""
    text = str(error)
    bad = [f for f in src.files if f.url in text or f.name in text] or list(src.files)
    files = "; ".join(f"{os.path.join(manual_dir, f.name)} should be {_describe(f)}"
                      for f in bad)
    return ConfigError("manual_dir", f"checksum mismatch: {files}; replace "
                       f"{'it' if len(bad) == 1 else 'them'} with the original from {src.where}",
                       subject=src.name)


def load_split(name, split, data_dir=None, manual_dir=None, print_fn=print):
    """``tf.data.Dataset`` of the TFDS example dicts of ``split`` (files in order, unshuffled).

    Reads ``<data_dir>/<name>/<version>``; prepares it there first (once) from the original
    files in ``manual_dir`` when it is not there yet. Raises ConfigError (starting with the data
    set's name) when the files are missing or do not match their registered checksums."""
    state = check_available(name, data_dir, manual_dir)
    src = source(name)
    data_dir, manual_dir = _dirs(data_dir, manual_dir)
    import tensorflow_datasets as tfds
    if state == "manual":
        from tensorflow_datasets.core.download.download_manager import NonMatchingChecksumError
        print_fn(f"Preparing TFDS {src.name} {src.version} in {data_dir} from {manual_dir} "
                 f"(once; minutes for a full data set)")
        start = time.time()
        config = tfds.download.DownloadConfig(manual_dir=manual_dir, try_download_gcs=False)
        try:
            builder = tfds.builder(src.versioned_name, data_dir=data_dir, try_gcs=False)
            builder.download_and_prepare(download_config=config)
        except NonMatchingChecksumError as e:
            raise _checksum_error(src, manual_dir, e) from None
        print_fn(f"Prepared TFDS {src.name} {src.version} in {time.time() - start:.0f} s")
    return tfds.load(src.versioned_name, split=split, data_dir=data_dir, download=False,
                     try_gcs=False, shuffle_files=False)


def images(name, split, data_dir=None, manual_dir=None, print_fn=print):
    """The uint8 ``image`` tensors of ``split``, native size (:attr:`Source.image_shape`)."""
    import tensorflow as tf
    dataset = load_split(name, split, data_dir, manual_dir, print_fn=print_fn)
    return dataset.map(lambda example: example["image"], num_parallel_calls=tf.data.AUTOTUNE)
