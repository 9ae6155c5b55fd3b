"""A study in the style of Locatello et al. 2019 (disentanglement_lib's ``unsupervised_study_v1``):
six objectives, each at six regularisation strengths, over several seeds, then every metric
against the strength, the metrics' rank correlations, UDR against the supervised metrics and the
best setting per method::

    python -m vae_tf.study grid --dataset=dsprites_rendered --model=burgess_conv --seeds=2 \\
        --max_step=30000 --out=flags/study_dsprites_rendered.grid
    ./run.sh --grid flags/study_dsprites_rendered.grid
    python -m vae_tf.study report --checkpoint_dir=checkpoints/study/dsprites_rendered \\
        --out=figures/study_dsprites_rendered

``grid`` writes one line per (objective, strength, seed) with the study's other settings (batch
64, Adam 1e-4, 10 latents; capacity annealing with γ 1000 over a third of the run, as the study's
100,000 of 300,000 steps). Each seed trains under its own ``--train_dir``
(``checkpoints/study/<dataset>/seed_<s>``), since a run directory's name has no seed.

``report`` reads every run's ``config.json`` and ``eval.json`` under ``--checkpoint_dir`` (at any
depth; a run without an ``eval.json`` of its latest checkpoint is pending) and writes
:data:`FIGURE_FILES` and ``study.md`` (see :func:`report`). UDR comes from the ``udr.json``
files under the folder (``python -m vae_tf.metrics.udr RUN... --output=udr.json``); with
``--udr=compute`` the report writes one per (method, strength) whose seeds have at least 2
scored checkpoints, into ``<checkpoint_dir>/udr/<objective>_<weights>/udr.json``, first.
"""

import glob
import json
import os
import sys

import numpy as np

from vae_tf import cli
from vae_tf.config import ALL_METRIC_NAMES, WEIGHT_SYMBOLS, ConfigError, TrainConfig
from vae_tf.training.run_dir import checkpoint_prefixes, checkpoint_step, configs_under

PROG = "vae_tf.study"
EVAL_FILE = "eval.json"
UDR_FILE = "udr.json"
# Each objective of the study: the setting it sweeps and the sweep, in the study's order
# (reference originals.md, section 6). The Non-Synergistic VAE is not part of it.
SWEEPS = {
    "beta": ("beta", (1, 2, 4, 6, 8, 16)),
    "annealed": ("c_max", (5, 10, 25, 50, 75, 100)),
    "factor": ("gamma", (10, 20, 30, 40, 50, 100)),
    "dip_vae_i": ("lambda_od", (1, 2, 5, 10, 20, 50)),
    "dip_vae_ii": ("lambda_od", (1, 2, 5, 10, 20, 50)),
    "tcvae": ("beta", (1, 2, 4, 6, 8, 10)),
}
METHODS = {"beta": "β-VAE", "annealed": "AnnealedVAE", "factor": "FactorVAE",
           "dip_vae_i": "DIP-VAE-I", "dip_vae_ii": "DIP-VAE-II", "tcvae": "β-TCVAE"}
# The study's settings besides the sweep: batch 64, Adam 1e-4, 10 latents; its 300,000 steps
# are --max_step's default; capacity annealing: γ 1000, C reaching C_max at a third of the run.
BATCH_SIZE, LEARNING_RATE, LATENTS, STUDY_STEPS = 64, 0.0001, 10, 300000
ANNEALED_GAMMA, ANNEALED_FRACTION = 1000, 1 / 3
# The scores the report draws: (name, label, eval.json metric, its key, higher is better).
SCORES = (
    ("beta_vae", "BetaVAE score", "beta_vae", "eval_accuracy", True),
    ("factor_vae", "FactorVAE score", "factor_vae", "eval_accuracy", True),
    ("mig", "MIG", "mig", "discrete_mig", True),
    ("dci", "DCI disentanglement", "dci", "disentanglement", True),
    ("sap", "SAP", "sap", "sap", True),
    ("modularity", "Modularity", "modularity", "modularity_score", True),
    ("explicitness", "Explicitness", "modularity", "explicitness_score_test", True),
    ("irs", "IRS", "irs", "irs", True),
    ("gaussian_tc", "Gaussian total correlation", "unsupervised",
     "gaussian_total_correlation", False),
    ("gaussian_wasserstein", "Gaussian Wasserstein correlation (norm.)", "unsupervised",
     "gaussian_wasserstein_correlation_norm", False),
    ("mutual_info", "Mean mutual information between codes", "unsupervised",
     "mutual_info_score", False),
    ("udr", "UDR", None, None, True),
)
LABELS = {name: label for name, label, *_ in SCORES}
HIGHER_IS_BETTER = {name: higher for name, *_, higher in SCORES}
SUPERVISED = ("beta_vae", "factor_vae", "mig", "dci", "sap", "modularity", "explicitness", "irs")
FIGURE_FILES = {"rank_correlation": "study_rank_correlation.png", "udr": "study_udr_vs_supervised.png"}
TABLE_FILE = "study.md"


def metric_file(name):
    """The box-plot figure of score ``name``: ``study_<name>.png``."""
    return f"study_{name}.png"


# ---------------------------------------------------------------- grid


def swept_values(objective, strengths=6):
    """``strengths`` of the objective's six swept values, spread evenly from the weakest to
    the strongest (3: the first, third and sixth)."""
    values = SWEEPS[objective][1]
    if strengths == 1:
        return values[:1]
    return tuple(values[(i * (len(values) - 1)) // (strengths - 1)] for i in range(strengths))


def grid_lines(dataset, model, seeds, max_step, train_dir=None, objectives=tuple(SWEEPS),
               metrics=",".join(ALL_METRIC_NAMES), strengths=6, extra=(), lr=LEARNING_RATE):
    """The main.py flag lines of the study: seed by seed (so that a grid stopped halfway has
    every setting of the first seeds), objective by objective, strength by strength; ``extra``
    flags end every line."""
    train_dir = train_dir or os.path.join("checkpoints", "study", dataset)
    lines = []
    for seed in range(seeds):
        for objective in objectives:
            setting = SWEEPS[objective][0]
            fixed = ([f"--gamma={ANNEALED_GAMMA}",
                      f"--c_steps={max(1, round(max_step * ANNEALED_FRACTION))}"]
                     if objective == "annealed" else [])
            for value in swept_values(objective, strengths):
                lines.append(" ".join([
                    f"--train_dir={train_dir}/seed_{seed}", f"--dataset={dataset}",
                    f"--model={model}", f"--hidden_size={LATENTS}", f"--batch_size={BATCH_SIZE}",
                    f"--lr={lr:g}", f"--max_step={max_step}", f"--seed={seed}",
                    f"--metrics={metrics}", f"--objective={objective}", f"--{setting}={value}",
                    *fixed, *extra]))
    return lines


def grid_text(dataset, model, seeds, max_step, train_dir=None, objectives=tuple(SWEEPS),
              strengths=6, extra=(), lr=LEARNING_RATE):
    """The grid file: a header saying what it is and how it was made, then :func:`grid_lines`."""
    lines = grid_lines(dataset, model, seeds, max_step, train_dir, objectives,
                       strengths=strengths, extra=extra, lr=lr)
    sweeps = "; ".join(f"{METHODS[o]} {WEIGHT_SYMBOLS[SWEEPS[o][0]]} "
                       f"{{{', '.join(map(str, swept_values(o, strengths)))}}}"
                       for o in objectives)
    command = (f"python -m vae_tf.study grid --dataset={dataset} --model={model} --seeds={seeds} "
               f"--max_step={max_step}"
               + (f" --train_dir={train_dir}" if train_dir else "")
               + ("" if tuple(objectives) == tuple(SWEEPS) else
                  f" --objectives={','.join(objectives)}")
               + ("" if strengths == 6 else f" --strengths={strengths}")
               + ("" if lr == LEARNING_RATE else f" --lr={lr:g}")
               + "".join(f" --extra={flag}" for flag in extra))
    header = [
        f"# A study in the style of Locatello et al. 2019 on {dataset} ({model}): "
        f"{len(objectives)} objectives x {strengths} strengths x {seeds} "
        f"seed{'s' * (seeds != 1)} = "
        f"{len(lines)} runs.",
        f"# Sweeps: {sweeps}.",
        f"# Budget: {max_step:,} steps of {BATCH_SIZE} images per run (the study: "
        f"{STUDY_STEPS:,}); Adam {lr:g}"
        + ("" if lr == LEARNING_RATE else f" (the study: {LEARNING_RATE:g})")
        + f", {LATENTS} latents; annealing γ "
        f"{ANNEALED_GAMMA}, C reaching C_max at a third of the run.",
        f"# Written by: {command}",
        f"# Run: ./run.sh --grid <this file>; then python -m vae_tf.study report "
        f"--checkpoint_dir={train_dir or os.path.join('checkpoints', 'study', dataset)}"]
    return "\n".join(header + lines) + "\n"


# ---------------------------------------------------------------- reading runs


class Run:
    """One run of the study: its settings, ``status`` (``scored`` or ``pending``) and
    ``scores`` (``{score name: value}``, those its eval.json holds, plus ``udr``)."""

    def __init__(self, run_dir, config, record, status, why=""):
        self.run_dir, self.config, self.record, self.status = run_dir, config, record, status
        self.why = why  # why a pending run is pending
        self.name = os.path.basename(run_dir)
        self.setting = SWEEPS[config.objective][0]
        self.strength = getattr(config, self.setting)
        self.scores = {}
        for name, _, metric, key, _ in SCORES:
            value = (record.get("scores", {}).get(metric, {}).get(key) if metric else None)
            if status == "scored" and value is not None and np.isfinite(value):
                self.scores[name] = float(value)

    @property
    def group(self):
        """``(objective, strength)``: the runs of one setting, over seeds."""
        return self.config.objective, self.strength


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def run_status(run_dir, config, record):
    """``(status, why)``: ``scored`` when eval.json scores the latest checkpoint and that
    reached ``max_step``, else ``pending`` and a phrase."""
    prefixes = checkpoint_prefixes(run_dir)
    latest = checkpoint_step(prefixes[-1]) if prefixes else None
    if record is None or "step" not in record:
        return "pending", (f"step {latest:,} of {config.max_step:,}, not evaluated"
                           if latest is not None else "no checkpoint yet")
    if latest is not None and record["step"] != latest:
        return "pending", f"eval.json scores step {record['step']:,}, the latest is {latest:,}"
    if record["step"] < config.max_step:
        return "pending", f"step {record['step']:,} of {config.max_step:,}"
    return "scored", ""


def read_runs(checkpoint_dir, print_fn=print):
    """The study's runs under ``checkpoint_dir`` (any depth), sorted by method, strength and
    seed; a folder whose config.json is not a study objective's is named and left out."""
    found = []
    for folder, config in configs_under(checkpoint_dir, print_fn):
        if config.objective not in SWEEPS:
            print_fn(f"left out {folder}: --objective={config.objective} is not in the study")
            continue
        record = read_json(os.path.join(folder, EVAL_FILE))
        status, why = run_status(folder, config, record)
        found.append(Run(folder, config, record or {}, status, why))
        if len(found) % 25 == 0:
            print_fn(f"read {len(found)} runs ...")
    order = {objective: i for i, objective in enumerate(SWEEPS)}
    return sorted(found, key=lambda r: (order[r.config.objective],
                                        strength_order(r.config.objective, r.strength),
                                        r.config.seed, r.name))


def strength_order(objective, value):
    """Sort key of a strength: its place in the study's sweep, others after it by value."""
    values = SWEEPS[objective][1]
    return (0, values.index(value), 0) if value in values else (1, 0, value)


def strengths(runs, objective):
    """The strengths ``runs`` of ``objective`` trained, in sweep order."""
    found = {r.strength for r in runs if r.config.objective == objective}
    return sorted(found, key=lambda v: strength_order(objective, v))


def describe(runs):
    """``dsprites_rendered, 30,000 steps of 64 images``: the data sets and budgets of ``runs``."""
    datasets = ", ".join(dict.fromkeys(r.config.dataset for r in runs))
    budgets = "; ".join(dict.fromkeys(f"{r.config.max_step:,} steps of {r.config.batch_size} "
                                      "images" for r in runs))
    return f"{datasets}, {budgets}"


# ---------------------------------------------------------------- UDR


def checkpoint_key(path):
    """``(run directory name, step)`` of a checkpoint ``path`` as a udr.json names it (relative
    to wherever UDR ran: only the names are compared)."""
    return os.path.basename(os.path.dirname(os.path.normpath(path))), checkpoint_step(path)


def read_udr(runs, checkpoint_dir, print_fn=print):
    """Give each scored run its UDR from the ``udr.json`` files under ``checkpoint_dir``: the
    score of the checkpoint its eval.json scored (another step's is left out, with a line)."""
    paths = sorted(glob.glob(os.path.join(checkpoint_dir, "**", UDR_FILE), recursive=True))
    scored = [r for r in runs if r.status == "scored"]
    for path in paths:
        record = read_json(path) or {}
        for checkpoint, value in zip(record.get("checkpoints", []),
                                     record.get("model_scores", [])):
            run = next((r for r in scored if checkpoint_key(checkpoint)[0] == r.name), None)
            if run is None:
                continue
            if checkpoint_step(checkpoint) != run.record.get("step"):
                print_fn(f"{path}: left out {run.name}'s UDR of step "
                         f"{checkpoint_step(checkpoint):,} (eval.json: step "
                         f"{run.record.get('step'):,}); rerun with --udr=compute")
                continue
            run.scores["udr"] = float(value)
    with_udr = sum("udr" in r.scores for r in scored)
    print_fn(f"UDR: {with_udr} of {len(scored)} scored runs, from {len(paths)} {UDR_FILE} "
             f"file{'s' * (len(paths) != 1)}")


def compute_udr(runs, checkpoint_dir, num_points, print_fn=print):
    """Write ``<checkpoint_dir>/udr/<objective>_<weights>/udr.json`` (vae_tf.metrics.udr) for
    each (method, strength) with at least 2 scored runs, unless it scores their checkpoints
    already. A setting whose UDR fails (an unreadable checkpoint) is named and skipped."""
    from vae_tf.metrics import udr

    groups = {}
    for run in runs:
        if run.status == "scored":
            groups.setdefault(run.group, []).append(run)
    todo = {g: members for g, members in groups.items() if len(members) >= 2}
    print_fn(f"UDR: {len(todo)} settings with at least 2 scored seeds "
             f"({len(groups) - len(todo)} with fewer left out)")
    for i, ((objective, _), members) in enumerate(todo.items(), 1):
        folder = os.path.join(checkpoint_dir, "udr",
                              f"{objective}_{members[0].config.objective_weights}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, UDR_FILE)
        label = f"{METHODS[objective]} {members[0].config.objective_label}"
        record = read_json(path) or {}
        wanted = sorted((r.name, r.record.get("step")) for r in members)
        if sorted(map(checkpoint_key, record.get("checkpoints", []))) == wanted:
            print_fn(f"UDR [{i}/{len(todo)}] {label}: {path} is up to date")
            continue
        print_fn(f"UDR [{i}/{len(todo)}] {label}: {len(members)} seeds ...")
        try:
            udr.main([r.run_dir for r in members] + [f"--num_points={num_points}",
                                                     f"--output={path}"])
        except SystemExit as e:  # its argument errors: a run without config or checkpoint
            print_fn(f"UDR [{i}/{len(todo)}] {label}: failed (exit {e.code}); left out")


# ---------------------------------------------------------------- the table


def values_by_strength(runs, objective, name):
    """``{strength: [values over seeds]}`` of score ``name`` for ``objective``, sweep order;
    strengths without a value are left out."""
    found = {}
    for strength in strengths(runs, objective):
        values = [r.scores[name] for r in runs if r.config.objective == objective
                  and r.strength == strength and name in r.scores]
        if values:
            found[strength] = values
    return found


def best_setting(runs, objective, name):
    """``(strength, values)`` of the strength with the best mean of ``name`` over seeds, or
    None."""
    found = values_by_strength(runs, objective, name)
    if not found:
        return None
    sign = 1 if HIGHER_IS_BETTER[name] else -1
    strength = max(found, key=lambda s: sign * np.mean(found[s]))
    return strength, found[strength]


def _mean_text(values):
    if not values:
        return "—"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{np.mean(values):.3f} ± {np.std(values, ddof=1):.3f}"


def table(runs, select, names):
    """``study.md``: the best setting per method by the mean of ``select`` over seeds, with the
    other scores ``names`` at that setting, and the pending runs."""
    pending = [r for r in runs if r.status == "pending"]
    shown = [n for n in names if n != select]
    columns = (["method", "swept", "best setting", "seeds", f"{LABELS[select]} (mean ± sd)"]
               + [LABELS[n] for n in shown] + ["runs scored", "runs pending"])
    direction = "highest" if HIGHER_IS_BETTER[select] else "lowest"
    lines = [f"# Best setting per method ({describe(runs)})", "",
             f"Chosen by the {direction} mean of {LABELS[select]} over seeds; the other scores "
             "are means ± sample sd over the same seeds. "
             f"{len(runs) - len(pending)} runs scored, {len(pending)} pending.", "",
             "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for objective in SWEEPS:
        mine = [r for r in runs if r.config.objective == objective]
        if not mine:
            continue
        waiting = sum(r.status == "pending" for r in mine)
        best = best_setting(runs, objective, select)
        symbol = WEIGHT_SYMBOLS[SWEEPS[objective][0]]
        swept = ", ".join(f"{s:g}" for s in strengths(runs, objective))
        cells = [METHODS[objective], f"{symbol} {{{swept}}}"]
        if best is None:
            cells += ["pending" if waiting == len(mine) else f"no {LABELS[select]}", "0", "—"]
            cells += ["—"] * len(shown)
        else:
            strength, values = best
            at = [r for r in mine if r.strength == strength]
            cells += [f"{symbol} = {strength:g}", str(len(values)), _mean_text(values)]
            cells += [_mean_text([r.scores[n] for r in at if n in r.scores]) for n in shown]
        cells += [str(len(mine) - waiting), str(waiting)]
        lines.append("| " + " | ".join(cells) + " |")
    if pending:
        lines += ["", f"Pending ({len(pending)}): still training or not evaluated at their "
                  "latest checkpoint:", ""]
        lines += [f"- {r.name}: {r.why}" for r in pending]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the report


def report(checkpoint_dir, out, select="mig", udr_mode="read", udr_points=10000, print_fn=print):
    """Read the runs under ``checkpoint_dir`` and write into ``out``: ``study_<score>.png`` per
    score with values (box plots over seeds per strength, a panel per method),
    ``study_rank_correlation.png``, ``study_udr.png`` (when UDR is known) and ``study.md``.
    Returns the written paths. Raises ConfigError when the folder holds no study run."""
    from vae_tf.figures import plotting, study_plots

    if not os.path.isdir(checkpoint_dir):
        raise ConfigError("checkpoint_dir", f"{checkpoint_dir} is not a folder")
    runs = read_runs(checkpoint_dir, print_fn)
    if not runs:
        raise ConfigError("checkpoint_dir", f"{checkpoint_dir} holds no run of the study "
                          "(a folder with config.json of a study objective)")
    pending = [r for r in runs if r.status == "pending"]
    print_fn(f"{len(runs)} runs under {checkpoint_dir}: {len(runs) - len(pending)} scored, "
             f"{len(pending)} pending")
    if pending:
        print_fn(f"pending: {', '.join(r.name for r in pending[:5])}"
                 + (f" and {len(pending) - 5} more" if len(pending) > 5 else "")
                 + f" (listed in {TABLE_FILE})")
    if udr_mode == "compute":
        compute_udr(runs, checkpoint_dir, udr_points, print_fn)
    if udr_mode != "off":
        read_udr(runs, checkpoint_dir, print_fn)
    os.makedirs(out, exist_ok=True)
    context = describe(runs)
    written, names = [], []
    for name, label, *_ in SCORES:
        if not any(name in r.scores for r in runs):
            print_fn(f"{label}: no run has it; no {metric_file(name)}")
            continue
        names.append(name)
        figure = study_plots.boxes(runs, name, context)
        written.append(plotting.save_png(figure, os.path.join(out, metric_file(name))))
        print_fn(f"wrote {written[-1]}")
    if len(names) >= 2:
        figure = study_plots.rank_correlation(runs, names, context)
        written.append(plotting.save_png(figure, os.path.join(
            out, FIGURE_FILES["rank_correlation"])))
        print_fn(f"wrote {written[-1]}")
    else:
        print_fn("rank correlation: fewer than 2 scores with values; no figure")
    supervised = [n for n in SUPERVISED if n in names]
    if "udr" in names and supervised:
        figure = study_plots.udr_scatter(runs, supervised, context)
        written.append(plotting.save_png(figure, os.path.join(out, FIGURE_FILES["udr"])))
        print_fn(f"wrote {written[-1]}")
    else:
        print_fn("UDR against the supervised metrics: "
                 + ("no UDR (python -m vae_tf.metrics.udr, or --udr=compute)" if "udr" not in
                    names else "no supervised metric") + "; no figure")
    if select not in names:
        print_fn(f"--select={select}: no run has it; the table chooses by "
                 f"{names[0] if names else 'nothing'}")
        select = names[0] if names else select
    path = os.path.join(out, TABLE_FILE)
    with open(path, "w") as f:
        f.write(table(runs, select, names))
    written.append(path)
    print_fn(f"wrote {path}")
    print_fn(f"study of {len(runs)} runs ({len(runs) - len(pending)} scored, {len(pending)} "
             f"pending): {len(written)} files in {out}")
    return written


# ---------------------------------------------------------------- command line


def parser():
    p = cli.ArgumentParser(PROG, prog=f"python -m {PROG}",
                           description=__doc__.split("\n\n")[0].replace("``", ""))
    commands = p.add_subparsers(dest="command", required=True)
    grid = commands.add_parser("grid", error_prog=PROG, help="write the study's grid file for ./run.sh --grid")
    grid.add_argument("--dataset", default="dsprites_rendered")
    grid.add_argument("--model", default="burgess_conv")
    grid.add_argument("--seeds", type=int, default=2, help="seeds per setting (the study: 50)")
    grid.add_argument("--max_step", type=int, default=STUDY_STEPS,
                      help=f"steps per run (default: the study's {STUDY_STEPS:,})")
    grid.add_argument("--train_dir", help="run directories' prefix, one folder per seed under "
                      "it (default: checkpoints/study/<dataset>)")
    grid.add_argument("--objectives", default=",".join(SWEEPS),
                      help=f"comma-separated subset of {', '.join(SWEEPS)} (default: all)")
    grid.add_argument("--strengths", type=int, default=6,
                      help="strengths per objective, spread evenly over its six (default 6)")
    grid.add_argument("--lr", type=float, default=LEARNING_RATE,
                      help=f"Adam's learning rate (default: the study's {LEARNING_RATE:g}; a "
                           "short budget may need more)")
    grid.add_argument("--extra", action="append", default=[],
                      help="a main.py flag added to every run, e.g. --extra=--dci_backend=lightgbm "
                           "(repeatable)")
    grid.add_argument("--out", required=True, help="the grid file to write")
    rep = commands.add_parser("report", error_prog=PROG, help="figures and the best-setting table of the runs")
    rep.add_argument("--checkpoint_dir", required=True, help="folder of the study's runs")
    rep.add_argument("--out", required=True, help="folder for the figures and study.md")
    rep.add_argument("--select", default="mig", choices=[n for n, *_ in SCORES],
                     help="score that picks the best setting per method (default: mig)")
    rep.add_argument("--udr", default="read", choices=("read", "compute", "off"),
                     help="UDR from the udr.json files under --checkpoint_dir (read), computed "
                          "first per setting with 2+ scored seeds (compute; loads every model), "
                          "or none (default: read)")
    rep.add_argument("--udr_points", type=int, default=10000,
                     help="observations UDR encodes with --udr=compute (default 10,000)")
    return p


def write_grid(args, print_fn):
    objectives = tuple(o.strip() for o in args.objectives.split(",") if o.strip())
    unknown = [o for o in objectives if o not in SWEEPS]
    if unknown or not objectives:
        cli.fail(PROG, f"--objectives: expected a comma-separated subset of "
                 f"{', '.join(SWEEPS)}, got {args.objectives!r}")
    if args.seeds < 1 or args.max_step < 1:
        cli.fail(PROG, "--seeds and --max_step: expected integers >= 1")
    if not 1 <= args.strengths <= 6:
        cli.fail(PROG, f"--strengths: expected an integer from 1 to 6, got {args.strengths}")
    bad = [flag for flag in args.extra if not flag.startswith("--")]
    if bad:
        cli.fail(PROG, f"--extra: expected a main.py flag such as --dci_backend=lightgbm, "
                 f"got {bad[0]!r}")
    try:  # the data set and model, checked as main.py would
        TrainConfig(dataset=args.dataset, model=args.model, hidden_size=LATENTS)
    except ConfigError as e:
        cli.fail(PROG, str(e))
    text = grid_text(args.dataset, args.model, args.seeds, args.max_step, args.train_dir,
                     objectives, args.strengths, tuple(args.extra), args.lr)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    runs = sum(1 for line in text.splitlines() if not line.startswith("#"))
    print_fn(f"wrote {args.out}: {runs} runs ({len(objectives)} objectives x {args.strengths} "
             f"strengths x {args.seeds} seeds, {args.max_step:,} steps each); check it with "
             f"./run.sh "
             f"--grid {args.out} --dry-run")


def main(argv=None, print_fn=None):
    print_fn = print_fn or (lambda line: print(line, flush=True))
    args = parser().parse_args(argv)
    if args.command == "grid":
        write_grid(args, print_fn)
        return 0
    try:
        report(args.checkpoint_dir, args.out, args.select, args.udr, args.udr_points, print_fn)
    except ConfigError as e:
        cli.fail(PROG, str(e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
