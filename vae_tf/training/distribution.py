"""The ``tf.distribute`` strategy and the Keras precision policy a run trains under."""

import contextlib

import keras
import tensorflow as tf

from vae_tf.config import PRECISIONS, ConfigError
from vae_tf.training.cluster import tf_config_error


def make_strategy(name):
    """The strategy that ``--strategy`` names.

    ``auto``: ``MirroredStrategy`` over the GPUs when more than one is visible, else TensorFlow's
    default (one device). ``one_device``: the first GPU, or the CPU. ``mirrored``: one replica per
    GPU, or per logical CPU device when there is no GPU. ``multi_worker``:
    ``MultiWorkerMirroredStrategy`` over the cluster in ``TF_CONFIG``; create it before any
    other TensorFlow work of the process.
    """
    if name == "multi_worker":
        problem = tf_config_error()
        if problem:
            raise ConfigError("strategy", f"multi_worker needs a cluster: {problem}")
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = [device.name for device in tf.config.list_logical_devices("GPU")]
    if name == "auto":
        return (tf.distribute.MirroredStrategy(gpus) if len(gpus) > 1
                else tf.distribute.get_strategy())
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy(gpus[0] if gpus else "/cpu:0")
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(
            gpus or [device.name for device in tf.config.list_logical_devices("CPU")])
    raise ValueError(f"unknown strategy {name!r}")


def fast_precisions():
    """The mixed-precision policies this machine's hardware computes faster than float32:
    ``mixed_float16`` on GPUs of compute capability 7.0 or newer (tensor cores),
    ``mixed_bfloat16`` on 8.0 or newer; on CPUs with AVX-512 FP16 / AMX-FP16, respectively
    AVX-512 BF16 / AMX-BF16 instructions. Elsewhere both run, emulated and slower."""
    fast = set()
    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        if capability and capability >= (7, 0):
            fast.add("mixed_float16")
        if capability and capability >= (8, 0):
            fast.add("mixed_bfloat16")
    try:
        with open("/proc/cpuinfo") as f:
            cpu_flags = set(f.read().split())
    except OSError:
        cpu_flags = set()
    if cpu_flags & {"avx512_fp16", "amx_fp16"}:
        fast.add("mixed_float16")
    if cpu_flags & {"avx512_bf16", "amx_bf16"}:
        fast.add("mixed_bfloat16")
    return tuple(p for p in PRECISIONS if p in fast)


@contextlib.contextmanager
def precision_policy(mixed_precision):
    """Layers built inside compute under ``mixed_precision`` (``off``, ``mixed_float16`` or
    ``mixed_bfloat16``; their weights stay float32); the previous global policy comes back
    after."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32" if mixed_precision == "off" else mixed_precision)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
