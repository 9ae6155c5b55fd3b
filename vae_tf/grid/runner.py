"""Run a grid's experiments through main.py: train, then evaluate, each run once.

A run is finished when its latest checkpoint has reached ``--max_step`` and its ``eval.json``
scores that checkpoint: it is skipped. Anything less is resumed by rerunning its commands (main.py
resumes from the last checkpoint). Each run's console output is appended to ``run.log`` in its
run directory; ``grid.json`` there adds up the seconds spent training and evaluating it, also
while a phase runs (every :data:`RECORD_EVERY` seconds), so that a grid ended mid-phase, as at the
end of a session, keeps the time its run trained.
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
RECORD_EVERY = 60.0  # seconds between additions to grid.json while a phase runs


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


def _run_timed(command, out, cwd, run_dir, phase, every=RECORD_EVERY):
    """Run ``command`` (output to ``out``) to its end, adding the seconds it runs to
    ``grid.json``'s ``phase`` every ``every`` seconds and at its end; ``(exit code, seconds)``.
    Interrupted (Ctrl-C), the command is killed, as ``subprocess.run`` does."""
    start = last = time.perf_counter()
    code = None
    with subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd) as process:
        try:
            while code is None:
                try:
                    code = process.wait(timeout=every)
                except subprocess.TimeoutExpired:
                    pass
                now = time.perf_counter()
                _add_seconds(run_dir, phase, now - last)
                last = now
        except BaseException:
            process.kill()
            raise
    return code, last - start


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
            code, seconds[mode] = _run_timed(command, out, root, run_dir, f"{mode}_seconds")
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
