"""Run a grid's experiments through main.py: train, then evaluate, each run once.

A run is finished when its latest checkpoint has reached ``--max_step`` and its ``eval.json``
scores that checkpoint: it is skipped. Anything less is resumed by rerunning its commands (main.py
resumes from the last checkpoint). Each run's console output is appended to ``run.log`` in its
run directory; ``grid.json`` there adds up the seconds spent training and evaluating it.
"""

import concurrent.futures
import dataclasses
import json
import os
import subprocess
import threading
import time

from vae_tf.training.run_dir import checkpoint_prefixes, checkpoint_step
from vae_tf.grid.experiments import GridError, display, main_command, resolve

LOG_FILE = "run.log"
TIMES_FILE = "grid.json"
EVAL_FILE = "eval.json"


@dataclasses.dataclass
class Outcome:
    """What happened to one experiment: ``status`` is ``finished``, ``skipped``, ``failed`` or
    ``pending`` (another shard's, not finished yet)."""

    flags: list
    status: str
    settings: dict = None
    message: str = ""
    log: str = None
    seconds: dict = dataclasses.field(default_factory=dict)  # phase -> seconds, this time

    @property
    def name(self):
        if self.settings:
            return os.path.basename(self.settings["run_dir"])
        return " ".join(self.flags)


def latest_step(run_dir):
    """Step of the run's latest checkpoint (``ckpt-<step>``, whose files exist), or None."""
    prefixes = checkpoint_prefixes(run_dir)
    return checkpoint_step(prefixes[-1]) if prefixes else None


def read_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def is_finished(run_dir, max_step):
    """Whether the run reached ``max_step`` and its eval.json scores that checkpoint."""
    step = latest_step(run_dir)
    record = read_json(os.path.join(run_dir, EVAL_FILE), {})
    return step is not None and step >= max_step and record.get("step") == step


def _add_seconds(run_dir, phase, seconds):
    path = os.path.join(run_dir, TIMES_FILE)
    times = read_json(path, {})
    times[phase] = times.get(phase, 0.0) + seconds
    with open(path, "w") as f:
        json.dump(times, f, indent=2, sort_keys=True)


def run_experiment(root, flags, run=True):
    """Train and evaluate one experiment unless it is finished; never raises for a bad run.
    ``run=False`` only looks (another shard's run): ``finished`` or ``pending``."""
    try:
        settings = resolve(root, flags)
    except GridError as e:
        return Outcome(flags, "failed", message=str(e))
    run_dir = settings["run_dir"] = os.path.normpath(os.path.join(root, settings["run_dir"]))
    if is_finished(run_dir, settings["max_step"]):
        return Outcome(flags, "skipped" if run else "finished", settings, "finished before")
    if not run:
        return Outcome(flags, "pending", settings, "another shard's run")
    os.makedirs(run_dir, exist_ok=True)
    log = os.path.join(run_dir, LOG_FILE)
    seconds = {}
    with open(log, "a") as out:
        for mode in ("train", "eval"):
            command = main_command(root, flags, mode)
            out.write(f"$ {display(command)}\n")
            out.flush()
            phase_start = time.perf_counter()
            code = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT,
                                  cwd=root).returncode
            seconds[mode] = time.perf_counter() - phase_start
            _add_seconds(run_dir, f"{mode}_seconds", seconds[mode])
            if code:
                return Outcome(flags, "failed", settings, f"{mode} exited with code {code}",
                               log, seconds)
    return Outcome(flags, "finished", settings, log=log, seconds=seconds)


def _describe(outcome):
    if outcome.status == "failed":
        where = f" (log: {outcome.log})" if outcome.log else ""
        return f"FAILED: {outcome.message}{where}"
    if outcome.status == "skipped":
        return "skipped (finished before)"
    return (f"trained in {outcome.seconds['train']:.0f} s, evaluated in "
            f"{outcome.seconds['eval']:.0f} s")


def run_grid(root, experiments, parallel=1, print_fn=print):
    """Run ``experiments`` (flag lists), ``parallel`` at a time; one console line per run as it
    ends. Returns the outcomes in grid order."""
    lock = threading.Lock()
    done = [0]
    width = len(str(len(experiments)))

    def work(flags):
        outcome = run_experiment(root, flags)
        with lock:
            done[0] += 1
            print_fn(f"[{done[0]:>{width}d}/{len(experiments)}] {outcome.name}: "
                     f"{_describe(outcome)}")
        return outcome

    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(work, experiments))
