"""Table 1c of the reproduction report: the dSprites objectives on ``burgess_conv``.

Written by ``python -m vae_tf.grid.report`` (with tables 1a and 1b) from the run summaries in
:data:`SUMMARIES` (:mod:`vae_tf.grid.summary`, which also draws each run's latent traversal).
One row per objective of ``flags/reproduction_dsprites.grid`` (:data:`ROWS`); a run without a
summary is ``pending``. Beside our numbers: disentangling-vae's committed dSprites training
losses (:data:`DISENTANGLING_VAE`) and, per metric, a value published for the same method on
dSprites (:data:`PUBLISHED`, with its source) or "none found".
"""

import os

from vae_tf import study
from vae_tf.grid import report

SUMMARIES = os.path.join("docs", "reproduction", "dsprites")
GRID = os.path.join("flags", "reproduction_dsprites.grid")
BEGIN = "<!-- table 1c: begin (python -m vae_tf.grid.report writes what follows) -->"
END = "<!-- table 1c: end -->"
ROWS = ("beta", "annealed", "factor", "tcvae", "nonsyn")
METHODS = {"beta": "β-VAE", "annealed": "capacity-annealed β-VAE", "factor": "FactorVAE",
           "tcvae": "β-TCVAE", "nonsyn": "Non-Synergistic VAE"}
# The settings each objective's row shows (TrainConfig fields, with their symbols).
SETTINGS = {"beta": (("beta", "β"),),
            "annealed": (("gamma", "γ"), ("c_max", "C_max"), ("c_steps", "C reached at step")),
            "factor": (("gamma", "γ"),), "tcvae": (("beta", "β"),),
            "nonsyn": (("beta", "β"), ("alpha", "α"), ("omega", "ω"))}
# YannDubs/disentangling-vae's committed dSprites training losses, nats per image:
# (reconstruction, KL, its model name).
DISENTANGLING_VAE = {"beta": (35.61, 15.35, "betaH_dsprites (β 4)"),
                     "tcvae": (42.21, 13.60, "btcvae_dsprites"),
                     "factor": (36.63, 21.74, "factor_dsprites")}
# The scores of the table, as the study reads them: (eval.json metric, its key, label).
METRICS = tuple((metric, key, label) for name, label, metric, key, _ in study.SCORES
                if name in ("beta_vae", "factor_vae", "mig", "dci", "sap"))
# Published values for the same method on dSprites: {(objective, metric): (value, source)}.
# The only one found stated as a number (the others are in figures; see the page's causes).
PUBLISHED = {
    ("beta", "beta_vae"): (
        0.9923, "Higgins et al. 2017, \"β-VAE: Learning basic visual concepts with a "
        "constrained variational framework\" (ICLR), section 4.2: 99.23 ± 0.1 % for β-VAE on "
        "dSprites, with the paper's own classifier and sample sizes (disentanglement_lib's "
        "BetaVAE score uses other sizes); quoted from the paper, not re-read from a copy on "
        "this machine"),
}

COLUMNS = ("objective", "settings", "data", "step", "training reconstruction (nats)",
           "disentangling-vae reconstruction", "reconstruction Δ %", "training KL (nats)",
           "disentangling-vae KL", "KL Δ %", "held-out reconstruction", "held-out KL",
           "active latents", "KL > 1 nat from step", "wall time", "traversal")


def load_summaries(folder, print_fn=print):
    """``{objective: summary}`` of the ``burgess_conv`` dSprites summaries in ``folder``; others
    are named and left out. ValueError when two summaries share an objective."""
    def key_of(summary, config):
        objective = config.get("objective", "beta")
        if str(config.get("dataset", "")).startswith("dsprites") and objective in ROWS:
            return objective, None
        return None, "not a summary of a table 1c run"

    return report.summaries_by_key(folder, key_of, str, print_fn)


def settings_text(objective, config):
    return ", ".join(f"{symbol} {config[name]:g}" for name, symbol in SETTINGS[objective]
                     if config.get(name) is not None)


def last_value(summary, tag):
    """The last logged value of the summary's curve ``tag``, or None."""
    values = (summary.get("curves", {}).get(tag) or {}).get("value")
    return values[-1] if values else None


def _compared(ours, theirs):
    """``(ours, theirs, Δ %)`` cells and the percent (None when either is missing)."""
    if ours is None:
        return ("—", "—" if theirs is None else f"{theirs:g}", "—"), None
    if theirs is None:
        return (f"{ours:.2f}", "—", "—"), None
    percent = report.percent_outside(ours, theirs)
    return (f"{ours:.2f}", f"{theirs:g}", report.percent_text(percent)), percent


def row(objective, summary, link_dir=""):
    """``(cells, differences)`` of ``objective``'s run (``summary`` None: pending):
    :data:`COLUMNS`' cells and ``[(quantity, text)]`` of its differences from
    disentangling-vae over :data:`report.FLAG_PERCENT`."""
    reference = DISENTANGLING_VAE.get(objective)
    cells = dict.fromkeys(COLUMNS, "")
    cells["objective"] = METHODS[objective]
    if summary is None:
        cells["step"] = "pending"
        for column, index in (("disentangling-vae reconstruction", 0),
                              ("disentangling-vae KL", 1)):
            cells[column] = "—" if reference is None else f"{reference[index]:g}"
        return list(cells.values()), []
    config = summary["config"]
    held_out = summary.get("eval", {}).get("held_out", {})
    differences = []
    for quantity, tag, index, columns in (
            ("training reconstruction", "train/reconstruction", 0, COLUMNS[4:7]),
            ("training KL", "train/kl", 1, COLUMNS[7:10])):
        ours = last_value(summary, tag)
        texts, percent = _compared(ours, None if reference is None else reference[index])
        cells.update(zip(columns, texts))
        if percent is not None and report.flagged(percent):
            differences.append((quantity, f"{ours:.2f} nats against disentangling-vae's "
                                f"{reference[index]:g} ({percent:+.1f} %)"))
    active = report.run_active_latents(summary)
    seconds = summary.get("seconds") or {}
    traversal = summary.get("traversal")
    cells.update({
        "settings": settings_text(objective, config), "data": config.get("dataset", "—"),
        "step": report.step_text(summary.get("step")),
        "held-out reconstruction": report.number_text(held_out.get("reconstruction"), 2),
        "held-out KL": report.number_text(held_out.get("kl"), 2),
        "active latents": "—" if active is None else str(len(active)),
        "KL > 1 nat from step": report.step_text(summary.get("kl_above_1_nat_from_step")),
        "wall time": report.duration(sum(seconds.values())) if seconds else "—",
        "traversal": "—" if traversal is None else f"[png]({link_dir}/{traversal})"})
    return list(cells.values()), differences


def metric_rows(summaries):
    """Rows of the metrics table: per objective, each score (3 decimals) and the published
    value beside it (``published <v> [<n>]`` or ``none found``); and the numbered sources."""
    sources, rows = [], []
    for objective in ROWS:
        summary = summaries.get(objective)
        cells = [METHODS[objective]]
        for metric, key, _ in METRICS:
            scores = (summary or {}).get("eval", {}).get("scores", {})
            ours = ("pending" if summary is None else
                    report.number_text(scores.get(metric, {}).get(key), 3))
            published = PUBLISHED.get((objective, metric))
            if published is None:
                cells.append(f"{ours} (none found)")
                continue
            value, source = published
            if source not in sources:
                sources.append(source)
            cells.append(f"{ours} (published {value:g} [{sources.index(source) + 1}])")
        rows.append(cells)
    return rows, sources


def block(summaries, link_dir):
    """The Markdown between the markers, from ``summaries`` (``{objective: summary}``); the
    traversal figures are linked in ``link_dir``, relative to the page."""
    done = [summaries[key] for key in ROWS if key in summaries]
    rows = [row(key, summaries.get(key), link_dir) for key in ROWS]
    data = ", ".join(dict.fromkeys(s["config"]["dataset"] for s in done)) or "—"
    lines = [BEGIN, ""] + report.setting_lines(done, len(ROWS), GRID, f"; data: {data}")
    lines += report.table_lines(COLUMNS, [cells for cells, _ in rows])
    lines += [
        "", "Columns:", "",
        "- Training reconstruction and KL: the last logged training means (nats per image), "
        "beside disentangling-vae's committed dSprites training losses "
        f"({', '.join(name for *_, name in DISENTANGLING_VAE.values())}); Δ %: ours against "
        f"theirs, ⚠ over {report.FLAG_PERCENT:g} %.",
        "- Held-out reconstruction and KL: nats per image on the run's held-out images "
        "(sampled z).",
        f"- Active latents: held-out KL over {report.ACTIVE_KL} nats per image.", ""]
    lines += report.difference_lines(ROWS, rows, "disentangling-vae",
                                     "causes-of-the-differences-in-table-1c", METHODS.get)
    metrics, sources = metric_rows(summaries)
    labels = [label for *_, label in METRICS]
    lines += ["", "Disentanglement scores (disentanglement_lib's definitions and sizes), each "
              "beside a value published for the same method on dSprites:", ""]
    lines += report.table_lines(["objective"] + labels, metrics)
    if sources:
        lines += ["", "Sources:", ""]
        lines += [f"{n}. {source}" for n, source in enumerate(sources, 1)]
    traversals = [(key, summaries[key]["traversal"]) for key in ROWS
                  if (summaries.get(key) or {}).get("traversal")]
    if traversals:
        lines += ["", "Latent traversals (the 10 latents of largest held-out KL, each swept "
                  "from -3 to 3 in held-out image 0's posterior mean):", ""]
        lines += [f"![{METHODS[key]}]({link_dir}/{name})" for key, name in traversals]
    return "\n".join(lines + ["", END])
