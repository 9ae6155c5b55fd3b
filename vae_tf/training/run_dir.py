"""Run directories: where a run's config, flagfile, checkpoints and TensorBoard events live.

Needs no TensorFlow: ``main.py`` prepares the directory before the slow import.
"""

import json
import os
import re
import shutil

from vae_tf.config import ConfigError, TrainConfig

CONFIG_FILE = "config.json"
FLAGS_FILE = "flags.txt"
# The state file tf.train.CheckpointManager keeps: the latest checkpoint and those kept.
CHECKPOINT_STATE = "checkpoint"
# Kept through --overwrite: the lock of the process overwriting (vae_tf.training.run_lock).
LOCK_FILE = "lock.json"
# Written when a run resumes without the label it left out (--exclude_label): the label and the
# step from which it is trained on (the class-drift figure marks it).
ADDED_LABEL_FILE = "added_label.json"


class RunWriteError(RuntimeError):
    """A file of the run could not be written (no space, read-only, permission); the message
    names the file and why. What was written before is intact."""


def write_atomically(path, text):
    """Write ``text`` to ``path`` through a temporary file, so a kill or a full disk never
    leaves half a file (one per process: the workers of a cluster may write the same file at
    once). Raises :class:`RunWriteError`."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise RunWriteError(f"cannot write {path} ({e.strerror or e})") from None


def listed_checkpoints(run_dir):
    """Prefixes of the checkpoints ``run_dir``'s state file names, oldest first with the latest
    last, whether or not their files exist (relative names lie in the run directory; an
    absolute one that predates a move is looked up by its base name)."""
    path = os.path.join(run_dir, CHECKPOINT_STATE)
    if not os.path.isfile(path):
        return ()
    with open(path) as f:
        text = f.read()
    listed = re.findall(r'^all_model_checkpoint_paths:\s*"(.*)"\s*$', text, re.M)
    latest = re.findall(r'^model_checkpoint_path:\s*"(.*)"\s*$', text, re.M)
    prefixes = []
    for name in [*listed, *latest]:
        prefix = os.path.join(run_dir, name)
        if not os.path.isfile(prefix + ".index"):
            prefix = os.path.join(run_dir, os.path.basename(name))
        if prefix in prefixes:
            prefixes.remove(prefix)
        prefixes.append(prefix)
    return tuple(prefixes)


def checkpoint_prefixes(run_dir):
    """The :func:`listed_checkpoints` whose index files exist; empty if none."""
    return tuple(p for p in listed_checkpoints(run_dir) if os.path.isfile(p + ".index"))


def last_good_checkpoint(run_dir):
    """A phrase naming the run's latest checkpoint, for the errors of writes that failed."""
    kept = checkpoint_prefixes(run_dir)
    return (f"the last good checkpoint is {kept[-1]}" if kept else
            f"{run_dir} holds no checkpoint yet")


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


def configs_under(checkpoint_dir, print_fn=print):
    """``(folder, config)`` of every folder under ``checkpoint_dir`` (at any depth, in sorted
    path order) that holds a config.json; one this version cannot read is left out with one
    line saying so."""
    for folder, subfolders, files in os.walk(checkpoint_dir):
        subfolders.sort()
        if CONFIG_FILE not in files:
            continue
        try:
            config = load_config(folder)
        except ConfigError as e:
            print_fn(f"skipped {folder}: its {CONFIG_FILE} is unusable ({e})")
            continue
        yield folder, config


def prepare_run_dir(config, overwrite=False):
    """Create (or, with ``overwrite``, wipe and recreate) the run directory of ``config``.

    An existing run is kept for resuming, but only if it was made with the same
    learning-relevant settings; otherwise :class:`ConfigError` names the first differing flag
    and nothing on disk changes. Writes ``config.json`` and ``flags.txt``; returns the path.
    Raises :class:`RunWriteError` when the directory cannot be written.
    """
    run_dir = config.run_dir
    try:
        if overwrite and os.path.isdir(run_dir):
            _empty(run_dir)
        previous = load_config(run_dir)
        if previous is not None:
            name = previous.first_difference(config)
            if name is not None:
                raise ConfigError(name, (
                    f"{run_dir} holds a run made with --{name}={getattr(previous, name)}, "
                    f"not {getattr(config, name)}; pass the same value to resume it, "
                    "or --overwrite to start it again"))
            _record_added_label(run_dir, previous, config)
        os.makedirs(run_dir, exist_ok=True)
        write_atomically(os.path.join(run_dir, CONFIG_FILE), config.to_json())
        write_atomically(os.path.join(run_dir, FLAGS_FILE), config.to_flagfile())
    except OSError as e:
        raise RunWriteError(f"cannot write the run directory {run_dir} "
                            f"({e.strerror or e})") from None
    return run_dir


def _record_added_label(run_dir, previous, config):
    """Write :data:`ADDED_LABEL_FILE` when ``config`` resumes ``previous`` with the label it
    left out now trained on."""
    if previous.exclude_label is None or config.exclude_label == previous.exclude_label:
        return
    kept = checkpoint_prefixes(run_dir)
    added = {"label": previous.exclude_label, "step": checkpoint_step(kept[-1]) if kept else 0}
    write_atomically(os.path.join(run_dir, ADDED_LABEL_FILE), json.dumps(added) + "\n")


def added_label(run_dir):
    """``(label, step)`` of :data:`ADDED_LABEL_FILE`, or None if the run has none."""
    try:
        with open(os.path.join(run_dir, ADDED_LABEL_FILE)) as f:
            added = json.load(f)
        return int(added["label"]), int(added["step"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _empty(run_dir):
    """Delete everything in ``run_dir`` but the lock of the process that empties it."""
    for name in os.listdir(run_dir):
        path = os.path.join(run_dir, name)
        if name == LOCK_FILE:
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)
