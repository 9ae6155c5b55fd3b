"""./run.sh [--dry-run] [--parallel N] [--grid FILE] [--shard I/N] [--figure_dir DIR] [flags]

Trains and evaluates every experiment of a grid file (default ``flags/balls.grid``, the
original 18 runs), then writes the figures of their runs and ``<figure_dir>/results.md``.
main.py flags after the options go to every run (``--max_step 300``). Finished runs are
skipped; unfinished ones resume. ``--shard I/N`` runs the I-th of N disjoint slices; the
figures and results.md then cover every run of the grid that exists. Exit code 1 if any run
failed, 2 for bad options.
"""

import concurrent.futures
import os
import subprocess
import sys

from vae_tf import cli
from vae_tf.grid.experiments import (GridError, display, in_shard, main_command,
                                     normalise_flags, parse_shard, read_grid, resolve)
from vae_tf.grid.results import write_results
from vae_tf.grid.runner import run_experiment, run_grid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parser():
    p = cli.ArgumentParser("run.sh", prog="run.sh",
                           description=__doc__.split("\n\n")[1].replace("``", ""),
                           epilog="python main.py --help lists the main.py flags.")
    p.add_argument("--dry-run", action="store_true", help="print the training commands and check their "
                   "flags; train nothing")
    p.add_argument("--parallel", type=int, default=1, help="runs at once (default 1)")
    p.add_argument("--grid", default=os.path.join("flags", "balls.grid"),
                   help="grid file: one line of main.py flags per experiment")
    p.add_argument("--shard", default="0/1", help="I/N: run the I-th of N disjoint slices "
                   "of the grid (default 0/1: all of it)")
    p.add_argument("--figure_dir", default="figures", help="where figures and results.md go")
    return p


def make_figures(outcomes, figure_dir, print_fn):
    """Figures of the runs that exist, through ``python -m vae_tf.figures``."""
    run_dirs = [o.settings["run_dir"] for o in outcomes
                if o.settings and os.path.isdir(o.settings["run_dir"])]
    if not run_dirs:
        print_fn("figures: no run directory to draw from")
        return
    checkpoint_dir = os.path.commonpath([os.path.dirname(d) for d in run_dirs])
    log = os.path.join(figure_dir, "figures.log")
    os.makedirs(figure_dir, exist_ok=True)
    with open(log, "w") as out:
        code = subprocess.run([sys.executable, "-m", "vae_tf.figures",
                               f"--checkpoint_dir={checkpoint_dir}",
                               f"--figure_dir={figure_dir}"], stdout=out,
                              stderr=subprocess.STDOUT, cwd=ROOT).returncode
    print_fn(f"figures of {checkpoint_dir} in {figure_dir} "
             f"({'done' if code == 0 else f'FAILED with code {code}'}; log: {log})")
    return code


def dry_run(experiments, print_fn):
    """Print each experiment's training command and check its flags (as ``main.py
    --mode=config``, without TensorFlow); a bad one gets its one-line error under it.
    Returns 1 if any is bad, else 0."""
    def check(flags):
        try:
            resolve(ROOT, flags)
            return None
        except GridError as e:
            return str(e)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        problems = list(pool.map(check, experiments))
    for flags, problem in zip(experiments, problems):
        print_fn(display(main_command(ROOT, flags)))
        if problem:
            print_fn(f"  ^ {problem}")
    bad = sum(p is not None for p in problems)
    if bad:
        print_fn(f"{bad} of {len(experiments)} experiments have bad flags")
    return 1 if bad else 0


def main(argv=None, print_fn=None):
    print_fn = print_fn or (lambda line: print(line, flush=True))
    args, rest = parser().parse_known_args(argv)
    try:
        passed = normalise_flags(rest)
        grid = os.path.join(ROOT, args.grid) if not os.path.isabs(args.grid) else args.grid
        experiments = [flags + passed for flags in read_grid(grid)]
        shard = parse_shard(args.shard)
        if args.parallel < 1:
            raise GridError(f"--parallel: expected an integer >= 1, got {args.parallel}")
    except GridError as e:
        cli.fail("run.sh", str(e))
    mine = [i for i in range(len(experiments)) if in_shard(i, shard)]
    if args.dry_run:
        return dry_run([experiments[i] for i in mine], print_fn)
    figure_dir = os.path.join(ROOT, args.figure_dir)
    part = f" (shard {args.shard}: {len(mine)} of {len(experiments)})" if shard[1] > 1 else ""
    print_fn(f"{len(mine)} run{'s' * (len(mine) != 1)} from {args.grid}{part}, "
             f"{args.parallel} at a time; each run logs to run.log in its run directory")
    ran = dict(zip(mine, run_grid(ROOT, [experiments[i] for i in mine], args.parallel,
                                  print_fn)))
    outcomes = [ran[i] if i in ran else run_experiment(ROOT, flags, run=False)
                for i, flags in enumerate(experiments)]
    figures_code = make_figures(outcomes, figure_dir, print_fn)
    print_fn(f"results: {write_results(outcomes, os.path.join(figure_dir, 'results.md'))}")
    failed = [o for o in ran.values() if o.status == "failed"]
    counts = {s: sum(o.status == s for o in ran.values())
              for s in ("finished", "skipped", "failed")}
    print_fn(", ".join(f"{n} {s}" for s, n in counts.items()))
    for outcome in failed:
        print_fn(f"failed: {outcome.name}: {outcome.message}"
                 + (f" (log: {outcome.log})" if outcome.log else ""))
    return 1 if failed or figures_code else 0


if __name__ == "__main__":
    sys.exit(main())
