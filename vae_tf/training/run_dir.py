"""Run directories: where a run's config, flagfile, checkpoints and TensorBoard events live."""

import json
import os
import shutil

from vae_tf.config import ConfigError, TrainConfig

CONFIG_FILE = "config.json"
FLAGS_FILE = "flags.txt"


def write_atomically(path, text):
    """Write ``text`` to ``path`` through a temporary file, so a kill never leaves half a file
    (one per process: the workers of a cluster may write the same file at once)."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def checkpoint_step(prefix):
    """The step of a run's checkpoint ``.../ckpt-<step>`` (checkpoints are numbered by step)."""
    return int(prefix.rsplit("-", 1)[1])


def load_config(run_dir):
    """The :class:`TrainConfig` saved in ``run_dir``, or None if it holds none."""
    path = os.path.join(run_dir, CONFIG_FILE)
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            return TrainConfig.from_dict(json.load(f))
    except (ValueError, TypeError) as e:
        raise ConfigError("train_dir", f"{path} is not a vae_tf config ({e}); "
                                       "remove it or pass --overwrite") from None


def prepare_run_dir(config, overwrite=False):
    """Create (or, with ``overwrite``, wipe and recreate) the run directory of ``config``.

    An existing run is kept for resuming, but only if it was made with the same
    learning-relevant settings; otherwise :class:`ConfigError` names the first differing flag
    and nothing on disk changes. Writes ``config.json`` and ``flags.txt``; returns the path.
    """
    run_dir = config.run_dir
    try:
        if overwrite and os.path.isdir(run_dir):
            shutil.rmtree(run_dir)
        previous = load_config(run_dir)
        if previous is not None:
            name = previous.first_difference(config)
            if name is not None:
                raise ConfigError(name, (
                    f"{run_dir} holds a run made with --{name}={getattr(previous, name)}, "
                    f"not {getattr(config, name)}; pass the same value to resume it, "
                    "or --overwrite to start it again"))
        os.makedirs(run_dir, exist_ok=True)
        write_atomically(os.path.join(run_dir, CONFIG_FILE), config.to_json())
        write_atomically(os.path.join(run_dir, FLAGS_FILE), config.to_flagfile())
    except OSError as e:
        raise ConfigError("train_dir", f"cannot write the run directory {run_dir} "
                                       f"({e.strerror or e})") from None
    return run_dir
