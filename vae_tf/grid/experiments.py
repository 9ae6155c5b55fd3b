"""Grid files and the main.py commands of their experiments.

A grid file (``flags/*.grid``) holds one experiment per line: the main.py flags of one run
(``--flagfile=`` included); ``#`` starts a comment. Flags given to run.sh after the grid's own
options pass through to every experiment and come last, so they win (``--max_step 300``).
``--shard I/N`` keeps every N-th experiment from the I-th: N machines sharing a file system (or
the N jobs of a cluster array) split a grid into disjoint parts.
"""

import json
import os
import shlex
import subprocess
import sys


class GridError(ValueError):
    """A grid file or option that cannot be used; the message names it."""


def read_grid(path):
    """The experiments of grid file ``path``: a list of flag lists, in file order."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise GridError(f"--grid: cannot read {path} ({e.strerror or e})") from None
    experiments = [shlex.split(line, comments=True) for line in lines]
    experiments = [flags for flags in experiments if flags]
    if not experiments:
        raise GridError(f"--grid: {path} lists no experiment (one line of main.py flags each)")
    return experiments


def parse_shard(text):
    """``"I/N"`` -> ``(I, N)`` with ``0 <= I < N``."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        index = count = -1
    if not 0 <= index < count:
        raise GridError(f"--shard: expected I/N with 0 <= I < N (e.g. 0/3), got {text!r}")
    return index, count


def in_shard(position, shard):
    """Whether the experiment at ``position`` of its grid belongs to ``shard`` ``(I, N)``:
    round robin, so every shard gets a mix of models and sizes."""
    index, count = shard
    return position % count == index


def normalise_flags(args):
    """``["--max_step", "300", "--friction"]`` -> ``["--max_step=300", "--friction"]``: a value
    given as the next word joins its flag."""
    flags, i = [], 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--"):
            raise GridError(f"unexpected argument {arg!r}: main.py flags take the form "
                            "--name=value or --name value")
        if "=" not in arg and i + 1 < len(args) and not args[i + 1].startswith("--"):
            arg, i = f"{arg}={args[i + 1]}", i + 1
        flags.append(arg)
        i += 1
    return flags


def main_command(root, flags, mode="train"):
    """The command line that runs main.py in ``root`` with ``flags`` in ``mode``."""
    extra = [] if mode == "train" else [f"--mode={mode}"]
    return [sys.executable, os.path.join(root, "main.py"), *flags, *extra]


def display(command):
    """``command`` as a shell line, main.py's path shortened to ``python main.py``."""
    return shlex.join(["python", "main.py", *command[2:]])


def resolve(root, flags):
    """The resolved settings of an experiment (``main.py --mode=config``), with ``run_dir``;
    GridError with main.py's one-line message when its flags are bad."""
    result = subprocess.run(main_command(root, flags, "config"), capture_output=True,
                            text=True, cwd=root)
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["main.py failed"])[-1]
        raise GridError(message)
    return json.loads(result.stdout)
