"""A run's checkpoints on disk: restore the newest one that reads, save without ever leaving a
broken checkpoint as the latest.

A checkpoint that cannot be read (a truncated data file, a missing index, a kill during its
write on a file system without atomic renames) costs only the steps since the one before it:
:func:`restore_newest` says which file failed and why, falls back, and sets the unreadable files
aside in ``<run_dir>/unreadable/`` (never deletes them).
"""

import glob
import os
import re
import shutil

import tensorflow as tf

from vae_tf.training.run_dir import (CHECKPOINT_STATE, RunWriteError, checkpoint_prefixes,
                                     checkpoint_step, listed_checkpoints, write_atomically)

UNREADABLE_DIR = "unreadable"
# What reading a damaged checkpoint raises: NotFoundError (no index), DataLossError or
# IndexError ("Read less bytes than requested": a truncated data file), OutOfRangeError,
# AssertionError (assert_consumed: a checkpoint of another model).
READ_ERRORS = (tf.errors.OpError, IndexError, ValueError, AssertionError, OSError)
# What writing one raises on a full, read-only or forbidden file system.
WRITE_ERRORS = (tf.errors.OpError, OSError)


class CheckpointError(RuntimeError):
    """No checkpoint of the run directory can be read."""


def reason(error):
    """Why an operation failed, in a few words: the first line of the exception's message
    without TensorFlow's ``{{function_node ...}}`` prefix, op suffix and file path (the caller
    names the file), e.g. ``No space left on device``."""
    lines = str(error).strip().splitlines()
    text = re.sub(r"^\{\{[^}]*\}\}\s*|\s*\[Op:\w+\]$", "", lines[0] if lines else "")
    if "; " in text and os.sep in text.split("; ", 1)[0]:  # "<path>; <reason>"
        text = text.split("; ", 1)[1]
    text = text or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def restore_newest(restore, run_dir, print_fn=print, set_aside=True):
    """Call ``restore(prefix)`` on the run's checkpoints, newest first, until one succeeds;
    return its prefix (None when the run has no checkpoint).

    Every one that fails gets a line naming it and why. With ``set_aside`` (the run's writer),
    the unreadable checkpoints newer than the one restored move to ``<run_dir>/unreadable/``
    and the state file is rewritten without them, so the run goes on from the restored one.
    Raises :class:`CheckpointError` when none can be read, touching nothing.
    """
    listed = candidates(run_dir)
    failed = []
    for prefix in reversed(listed):
        if not os.path.isfile(prefix + ".index"):
            problem = "its .index file is missing"
        else:
            try:
                restore(prefix)
                problem = None
            except READ_ERRORS as e:
                problem = reason(e)
        if problem is None:
            if failed and set_aside:
                _set_aside(run_dir, failed, prefix, listed, print_fn)
            return prefix
        failed.append(prefix)
        print_fn(f"checkpoint {prefix} cannot be read: {problem}")
    if listed:
        raise CheckpointError(
            f"{run_dir}: none of its {len(listed)} checkpoints can be read (left as they are); "
            "pass --overwrite to start the run again")
    return None


def candidates(run_dir):
    """The checkpoints to try, oldest first: those the state file names and any other
    ``ckpt-<step>`` whose index lies in the run directory (a state file written before a crash
    may name fewer)."""
    on_disk = [path[:-len(".index")] for path in
               glob.glob(os.path.join(glob.escape(run_dir), "ckpt-*.index"))]
    found = {os.path.normpath(p): p for p in [*listed_checkpoints(run_dir), *on_disk]}
    return tuple(sorted(found.values(), key=checkpoint_step))


def _files(prefix):
    """The files of the checkpoint ``prefix``: ``.index``, ``.data-*``, a ``_temp`` folder."""
    pattern = glob.escape(prefix)
    return sorted(glob.glob(pattern + ".*") + glob.glob(pattern + "_temp*"))


def _set_aside(run_dir, bad, good, listed, print_fn):
    """Move the files of the ``bad`` checkpoints into ``<run_dir>/unreadable/`` and make
    ``good`` the latest in the state file (with the readable ones before it)."""
    aside = os.path.join(run_dir, UNREADABLE_DIR)
    os.makedirs(aside, exist_ok=True)
    for prefix in bad:
        for path in _files(prefix):
            target = os.path.join(aside, os.path.basename(path))
            suffix = 1
            while os.path.exists(target):
                target = os.path.join(aside, f"{os.path.basename(path)}.{suffix}")
                suffix += 1
            os.replace(path, target)
    kept = [p for p in listed if p not in bad and os.path.isfile(p + ".index")]
    kept = kept[:kept.index(good) + 1]
    lines = [f'model_checkpoint_path: "{os.path.basename(good)}"']
    lines += [f'all_model_checkpoint_paths: "{os.path.basename(p)}"' for p in kept]
    # With their times the manager keeps deleting all but its newest checkpoints.
    lines += [f"all_model_checkpoint_timestamps: {os.path.getmtime(p + '.index')}" for p in kept]
    write_atomically(os.path.join(run_dir, CHECKPOINT_STATE), "\n".join(lines) + "\n")
    names = ", ".join(os.path.basename(p) for p in bad)
    print_fn(f"set aside {names} in {aside}; going on from {os.path.basename(good)}")


def save(manager, step):
    """``manager.save`` at ``step``, or :class:`RunWriteError` naming the checkpoint and the
    reason. A failed save leaves no partial files behind and the state
    file naming the previous checkpoint, which stays readable (older ones are only deleted
    after a save succeeds)."""
    prefix = os.path.join(manager.directory, f"ckpt-{step}")
    try:
        return manager.save(checkpoint_number=step)
    except WRITE_ERRORS as e:
        if prefix not in checkpoint_prefixes(manager.directory):  # not recorded: partial
            for path in _files(prefix):
                if os.path.isdir(path):
                    shutil.rmtree(path, ignore_errors=True)
                elif os.path.exists(path):
                    os.remove(path)
        raise RunWriteError(f"cannot write checkpoint {prefix} ({reason(e)})") from None
