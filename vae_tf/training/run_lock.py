"""One writer per run directory: ``lock.json`` names the process that writes the run.

``main.py`` takes the lock before it writes anything (training, or an evaluation that writes
``eval.json``) and gives it back when it ends. A second writer exits at once with the holder's
PID, host and start time. A lock whose process is gone on this host (killed with ``kill -9``,
say) is taken over with a warning; one held on another host (a shared file system) is never
taken over, as this host cannot see that process. Taking the lock is atomic on local and
network file systems alike: the record is written to a file of its own, then hard-linked to
``lock.json``, which fails if the name exists.
"""

import json
import os
import socket
import time

from vae_tf.config import ConfigError
from vae_tf.training.run_dir import LOCK_FILE, RunWriteError

# Lock files this process holds -> how many times it took each (a lock is re-entrant).
_HELD = {}


def _proc_stat(pid):
    """The fields of ``/proc/<pid>/stat`` after the command name (Linux), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _process_start(pid):
    """The start time of process ``pid`` in clock ticks since boot (Linux), or None: with the
    PID it tells a live holder from a later process that reuses its PID."""
    fields = _proc_stat(pid)
    return int(fields[19]) if fields and len(fields) > 19 else None


def _record(purpose):
    return {"pid": os.getpid(), "host": socket.gethostname(), "purpose": purpose,
            "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "process_start": _process_start(os.getpid())}


def _read(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}


def _gone(holder):
    """Whether the holder's process has ended (only knowable on this host)."""
    if holder.get("host") != socket.gethostname():
        return False
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    fields = _proc_stat(pid)
    if fields and fields[0] == "Z":  # killed, not yet reaped by its parent
        return True
    recorded = holder.get("process_start")
    return recorded is not None and _process_start(pid) not in (None, recorded)


def _describe(holder):
    return (f"PID {holder.get('pid', '?')} on {holder.get('host', '?')} since "
            f"{holder.get('started', '?')} ({holder.get('purpose', '?')})")


def acquire(run_dir, purpose, print_fn=print):
    """Take the lock of ``run_dir`` (created if missing) for ``purpose`` (a phrase such as
    ``"main.py --mode=train"``); returns the lock file's path. Raises ConfigError naming
    ``--train_dir`` when another live process holds it or the directory cannot be made,
    RunWriteError when the lock cannot be written."""
    path = os.path.join(run_dir, LOCK_FILE)
    if path in _HELD:
        _HELD[path] += 1
        return path
    mine = _record(purpose)
    tmp = f"{path}.{mine['host']}.{mine['pid']}.tmp"
    try:
        os.makedirs(run_dir, exist_ok=True)
    except OSError as e:
        raise ConfigError("train_dir", f"cannot create the run directory {run_dir} "
                                       f"({e.strerror or e})") from None
    for _ in range(10):
        try:
            with open(tmp, "w") as f:
                json.dump(mine, f)
            os.link(tmp, path)
            _HELD[path] = 1
            return path
        except FileExistsError:
            pass
        except OSError as e:
            raise RunWriteError(f"cannot write the lock {path} ({e.strerror or e})") from None
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        holder = _read(path)
        if holder is None:  # released meanwhile
            continue
        if not holder:
            raise ConfigError("train_dir", f"{run_dir} is locked by {path}, which cannot be "
                              "read; delete it if no process writes this run")
        if not _gone(holder):
            raise ConfigError("train_dir", f"{run_dir} is in use by {_describe(holder)}; "
                              f"wait for it to end, or delete {path} if that process is gone")
        stale = f"{path}.stale.{mine['pid']}"
        try:
            os.rename(path, stale)
        except FileNotFoundError:  # another process took it over first
            continue
        if _read(stale) != holder:  # renamed a newer holder's lock: give it back
            os.rename(stale, path)
            continue
        os.remove(stale)
        print_fn(f"warning: took over the lock of {run_dir} from {_describe(holder)}, "
                 "which is gone")
    raise ConfigError("train_dir", f"could not lock {run_dir}: other processes keep taking it")


def release(path):
    """Give back a lock :func:`acquire` returned (the last of its re-entries removes the
    file, if it is still this process's)."""
    if path not in _HELD:
        return
    _HELD[path] -= 1
    if _HELD[path]:
        return
    del _HELD[path]
    holder = _read(path)
    if holder and holder.get("pid") == os.getpid() and holder.get("host") == socket.gethostname():
        os.remove(path)


def release_all():
    """Give back every lock this process holds (before ``os._exit``, which skips cleanup)."""
    for path in list(_HELD):
        _HELD[path] = 1
        release(path)
