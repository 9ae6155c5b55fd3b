"""Table 1a of the reproduction report: the 18 balls runs beside the original, from run summaries.

    python -m vae_tf.grid.report    # docs/reproduction/*/*.json -> docs/reproduction.md

The command also writes tables 1b (:mod:`vae_tf.grid.full_budget_report`) and 1c
(:mod:`vae_tf.grid.dsprites_report`) between their own markers.

Reads the run summaries (:mod:`vae_tf.grid.summary`) in ``--summaries`` and rewrites the part
of ``--page`` between :data:`BEGIN` and :data:`END` (the text around it stays; a page without
the markers gets them at its end). One row per run of the original's grid (:data:`ROWS`, the
order of ``flags/reproduction_balls.grid``); a run without a summary is ``pending``. Beside the
table it draws into ``--figure_dir`` the σ-per-β graph of every (number of balls, model) and the
reconstruction-per-β graph of every number of balls that has a summarised run, with the
original's values. The page's numbers come from the summaries alone and the original's from
:data:`ORIGINAL_RECONSTRUCTION` and :data:`ORIGINAL_SIGMA`, so rerunning this after a new
summary is the table's only edit. A difference from the original over :data:`FLAG_PERCENT` is
marked ⚠ and listed; its cause is written by hand outside the markers.
"""

import argparse
import glob
import json
import os
import sys

from vae_tf.grid.summary import ACTIVE_KL, PLATEAU_FRACTION, PLATEAU_KL, active_latents

SUMMARIES = os.path.join("docs", "reproduction", "balls")
PAGE = os.path.join("docs", "reproduction.md")
FIGURE_DIR = os.path.join("docs", "reproduction")
BEGIN = "<!-- table 1a: begin (python -m vae_tf.grid.report writes what follows) -->"
END = "<!-- table 1a: end -->"
FLAG_PERCENT = 10.0
# The sorted σ column lists the latents up to the first whose σ is at least this.
SIGMA_SHOWN_BELOW = 0.9

GRID = os.path.join("flags", "reproduction_balls.grid")
ROWS = tuple((model, balls, beta) for balls in (1, 2)
             for model in ("conv", "fully_connected", "all_conv") for beta in (0.1, 0.5, 1.0))
ORIGINAL_STEP = 99000
# The original's per-image reconstruction cross-entropy (nats) at step 99,000 from a sampled z
# over 100 trajectories of 32 frames, read off its figures: reference originals.md, section 8.
ORIGINAL_RECONSTRUCTION = {
    (model, balls, beta): nats
    for (model, balls), values in {
        ("conv", 1): (21.47, 22.16, 22.97), ("all_conv", 1): (21.52, 22.26, 23.57),
        ("fully_connected", 1): (21.48, 22.05, 22.71), ("conv", 2): (43.8, 46.57, 49.2),
        ("all_conv", 2): (44.32, 47.07, 48.12), ("fully_connected", 2): (43.45, 45.1, 47.1),
    }.items() for beta, nats in zip((0.1, 0.5, 1.0), values)}
# The original's leading sorted σ, (low, high) per rank, from its σ graphs (1000 frames), the
# only model it describes (originals.md, section 8): fc, one ball; β 0.1: four below 0.2;
# β 0.5 and 1.0: two at 0.02-0.04, one at 0.63-0.66, the rest about 1.0 (its β 1 heat map,
# 128 frames, reads 0.03, 0.05, 0.65, then 1.00).
_FC_SIGMA = ((0.02, 0.04), (0.02, 0.04), (0.63, 0.66), (1.0, 1.0))
ORIGINAL_SIGMA = {
    ("fully_connected", 1, 0.1): ((0.04, 0.04), (0.045, 0.045), (0.055, 0.055), (0.18, 0.18)),
    ("fully_connected", 1, 0.5): _FC_SIGMA,
    ("fully_connected", 1, 1.0): _FC_SIGMA,
}

COLUMNS = ("model", "balls", "β", "step", "reconstruction (nats)",
           f"original, step {ORIGINAL_STEP:,}", "Δ %", "KL (nats)", "sorted σ", "original σ",
           "σ Δ %", "active latents", "MIG", "FactorVAE score", "KL > 1 nat from step",
           "reconstruction < 90 % of mean frame from step", "wall time", "heat map")


def run_key(summary):
    """``(model, num_balls, β)`` of a summary."""
    config = summary["config"]
    return config["model"], config["num_balls"], float(config["beta"])


def summaries_by_key(folder, key_of, name, print_fn=print):
    """``{key: summary}`` of the ``*.json`` summaries in ``folder``: ``key_of(summary, config)``
    gives ``(key, None)`` for one the table shows, ``(None, reason)`` for one it leaves out
    (named with the reason). ValueError when two summaries share a key (``name(key)``)."""
    found, paths = {}, {}
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        with open(path) as f:
            summary = json.load(f)
        config = summary.get("config", {}) if isinstance(summary, dict) else {}
        key, reason = key_of(summary, config)
        if reason is not None:
            print_fn(f"left out {path}: {reason}")
            continue
        if key in found:
            raise ValueError(f"{paths[key]} and {path} both summarise {name(key)}")
        found[key], paths[key] = summary, path
    return found


def load_summaries(folder, print_fn=print):
    """``{run key: summary}`` of the balls β-VAE summaries in ``folder`` (``*.json``); other
    files are named and left out. ValueError when two summaries share a key."""
    def key_of(summary, config):
        if config.get("dataset") != "balls" or config.get("objective", "beta") != "beta":
            return None, "not a summary of a balls β-VAE run"
        key = run_key(summary)
        return (key, None) if key in ROWS else (None, f"{label(key)} is not a run of table 1a")

    return summaries_by_key(folder, key_of, label, print_fn)


def label(key):
    """``conv, 1 ball, β 0.1``."""
    model, balls, beta = key
    return f"{model}, {balls} ball{'s' if balls > 1 else ''}, β {beta}"


def percent_outside(value, low, high=None):
    """How far ``value`` lies outside ``[low, high]`` (``high`` defaults to ``low``), in percent
    of the nearer bound, signed; 0 inside."""
    high = low if high is None else high
    if value > high:
        return 100.0 * (value - high) / high
    if value < low:
        return 100.0 * (value - low) / low
    return 0.0


def sigma_difference(sigma, reference):
    """``(percent, rank)``: the largest difference (:func:`percent_outside`) of the leading
    sorted ``sigma`` from ``reference``'s ``(low, high)`` per rank, rank counted from 1 (the
    first such rank on ties)."""
    differences = [(percent_outside(s, *bounds), rank)
                   for rank, (s, bounds) in enumerate(zip(sigma, reference), 1)]
    return max(differences, key=lambda d: (abs(d[0]), -d[1]))


def flagged(percent):
    return abs(percent) > FLAG_PERCENT


def sigma_text(sigma):
    """``0.02, 0.02, 0.02, 0.98 … 0.99``: sorted σ (2 decimals) up to the first of at least
    :data:`SIGMA_SHOWN_BELOW`, then the largest."""
    shown = next((i + 1 for i, s in enumerate(sigma) if s >= SIGMA_SHOWN_BELOW), len(sigma))
    text = ", ".join(f"{s:.2f}" for s in sigma[:shown])
    return text if shown >= len(sigma) else f"{text} … {sigma[-1]:.2f}"


def reference_sigma_text(reference):
    return ", ".join(str(low) if low == high else f"{low}–{high}" for low, high in reference)


def duration(seconds):
    """``1 h 18 min``, ``23 min 49 s``, ``49 s``."""
    minutes, seconds = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def number_text(value, digits):
    return "—" if value is None else f"{value:.{digits}f}"


def step_text(value):
    return "—" if value is None else f"{value:,}"


def percent_text(percent, suffix=""):
    return f"{'⚠ ' if flagged(percent) else ''}{percent:+.1f}{suffix}"


def run_active_latents(summary):
    """The summary's active latents, or those of its ``eval.json`` record for a summary
    written before they were recorded; None if unknown."""
    if "active_latents" in summary:
        return summary["active_latents"]
    return active_latents(summary.get("eval", {}).get("held_out", {}))


def row(key, summary, heat_map_dir=""):
    """``(cells, differences)`` of the run ``key`` (``summary`` None: pending):
    :data:`COLUMNS`' cells and ``[(quantity, text)]`` of its differences over
    :data:`FLAG_PERCENT`. ``heat_map_dir``: the heat maps' folder relative to the page."""
    model, balls, beta = key
    original = ORIGINAL_RECONSTRUCTION.get(key)
    reference = ORIGINAL_SIGMA.get(key)
    cells = dict.fromkeys(COLUMNS, "" if summary is None else "—")
    cells.update({"model": model, "balls": str(balls), "β": str(beta)})
    cells[COLUMNS[5]] = "—" if original is None else f"{original:g}"
    cells["original σ"] = "—" if reference is None else reference_sigma_text(reference)
    if summary is None:
        cells["step"] = "pending"
        return list(cells.values()), []
    record = summary.get("eval", {})
    held_out, scores = record.get("held_out", {}), record.get("scores", {})
    differences = []
    reconstruction = held_out.get("reconstruction")
    if reconstruction is not None and original is not None:
        percent = percent_outside(reconstruction, original)
        cells["Δ %"] = percent_text(percent)
        if flagged(percent):
            differences.append(("reconstruction", f"{reconstruction:.2f} nats against "
                                f"{original:g} ({percent:+.1f} %)"))
    sigma = summary.get("sigma_sorted")
    if sigma is not None and reference is not None:
        percent, rank = sigma_difference(sigma, reference)
        cells["σ Δ %"] = percent_text(percent, f" (rank {rank})" if percent else "")
        if flagged(percent):
            differences.append(("sorted σ", f"rank {rank}: {sigma[rank - 1]:.3f} against "
                                f"{reference_sigma_text([reference[rank - 1]])} "
                                f"({percent:+.1f} %)"))
    active = run_active_latents(summary)
    seconds = summary.get("seconds") or {}
    heat_map = summary.get("heat_map")
    cells.update({
        "step": step_text(summary.get("step")),
        "reconstruction (nats)": number_text(reconstruction, 2),
        "KL (nats)": number_text(held_out.get("kl"), 2),
        "sorted σ": "—" if sigma is None else sigma_text(sigma),
        "active latents": "—" if active is None else str(len(active)),
        "MIG": number_text(scores.get("mig", {}).get("discrete_mig"), 3),
        "FactorVAE score": number_text(scores.get("factor_vae", {}).get("eval_accuracy"), 3),
        COLUMNS[14]: step_text(summary.get("kl_above_1_nat_from_step")),
        COLUMNS[15]: step_text(summary.get("below_plateau_from_step")),
        "wall time": duration(sum(seconds.values())) if seconds else "—",
        "heat map": "—" if heat_map is None else f"[png]({heat_map_dir}/{heat_map})"})
    return list(cells.values()), differences


def distinct(summaries, describe):
    """``a (2 runs); b (1 run)``: each distinct description of the summaries, by first use."""
    counts = {}
    for summary in summaries:
        text = describe(summary)
        counts[text] = counts.get(text, 0) + 1
    return "; ".join(f"{text} ({n} run{'s' if n > 1 else ''})" for text, n in counts.items())


def budget_text(summary):
    """``20,000 steps of 128 frames`` (balls) or ``of 64 images`` (other data)."""
    config = summary["config"]
    unit = "frames" if config.get("dataset", "balls") == "balls" else "images"
    return f"{summary['step']:,} steps of {config['batch_size']} {unit}"


def machine_text(summary):
    machine = summary.get("summarised_on")
    if machine is None:
        return "not recorded (an older summary)"
    gpus = ", ".join(machine["gpus"]) or "no GPU"
    return (f"{machine['cpu']}, {machine['logical_cpus']} logical CPUs, {gpus}; "
            f"{machine['platform']}, Python {machine['python']}")


def software_text(summary):
    versions = summary.get("eval", {}).get("versions") or {}
    return ", ".join(f"{name} {version}" for name, version in versions.items()) or \
        "not recorded"


def evaluation_text(summary):
    record = summary.get("eval", {})
    points = record.get("metric_points")
    return (f"representation {record.get('representation', '—')}, "
            f"{'standard metric sizes' if not points else f'{points} points per metric'}, "
            f"seed {record.get('seed', '—')}")


def trees_text(summary):
    """The library that grew DCI's boosted trees (``--dci_backend``), or None without DCI."""
    return summary.get("eval", {}).get("dci", {}).get("backend")


def page_figures(summaries):
    """``(sigma, reconstruction)``: ``{(num_balls, model): {β: sorted σ}}`` and
    ``{num_balls: {model: {β: held-out nats}}}`` of the summarised runs, in :data:`ROWS`
    order."""
    sigma, reconstruction = {}, {}
    for key in ROWS:
        summary = summaries.get(key)
        if summary is None:
            continue
        model, balls, beta = key
        if summary.get("sigma_sorted") is not None:
            sigma.setdefault((balls, model), {})[beta] = summary["sigma_sorted"]
        nats = summary.get("eval", {}).get("held_out", {}).get("reconstruction")
        if nats is not None:
            reconstruction.setdefault(balls, {}).setdefault(model, {})[beta] = nats
    return sigma, reconstruction


def budget_of(summaries):
    """The distinct budgets of ``summaries`` in one phrase (``20,000 steps of 128 frames``)."""
    return "; ".join(dict.fromkeys(budget_text(s) for s in summaries))


def sigma_subtitle(summaries, with_original):
    from vae_tf.figures import stddev

    original = f"; original (hollow): step {ORIGINAL_STEP:,}" if with_original else ""
    return (f"mean posterior σ per latent over a {stddev.FRAMES}-frame trajectory\n"
            f"after {budget_of(summaries)}{original}")


def reconstruction_subtitle(summaries):
    from vae_tf.figures import reconstruction_loss

    return (f"held-out frames, sampled z, after {budget_of(summaries)}\noriginal (hollow, "
            f"dashed): step {ORIGINAL_STEP:,}, {reconstruction_loss.TRAJECTORIES} × "
            f"{reconstruction_loss.FRAMES} trajectory frames")


def figure_files(summaries):
    """``[(file name, caption)]`` of the figures :func:`write_figures` draws for
    ``summaries``."""
    from vae_tf.figures import plotting, reconstruction_loss, stddev

    sigma, reconstruction = page_figures(summaries)
    files = [(stddev.file_name(balls, model), f"sorted σ per β, {model}, "
              f"{plotting.ball_count(balls)} ball{'s' if balls > 1 else ''}")
             for balls, model in sigma]
    files += [(reconstruction_loss.file_name(balls), f"reconstruction per β, "
               f"{plotting.ball_count(balls)} ball{'s' if balls > 1 else ''}")
              for balls in reconstruction]
    return files


def write_figures(summaries, figure_dir):
    """Draw the σ-per-β and reconstruction-per-β graphs of ``summaries`` into ``figure_dir``;
    returns their paths, in :func:`figure_files` order."""
    from vae_tf.figures import plotting, reconstruction_loss, stddev

    sigma, reconstruction = page_figures(summaries)
    os.makedirs(figure_dir, exist_ok=True)
    figures = []
    for (balls, model), by_beta in sigma.items():
        group = [summaries[key] for key in ROWS if key[:2] == (model, balls) and key in summaries]
        reference = {beta: bounds for (m, b, beta), bounds in ORIGINAL_SIGMA.items()
                     if (m, b) == (model, balls)}
        figures.append(stddev.plot(by_beta, balls, model,
                                   sigma_subtitle(group, bool(reference)), reference))
    for balls, by_model in reconstruction.items():
        group = [summaries[key] for key in ROWS if key[1] == balls and key in summaries]
        reference = {}
        for (model, b, beta), nats in ORIGINAL_RECONSTRUCTION.items():
            if b == balls:
                reference.setdefault(model, {})[beta] = nats
        figures.append(reconstruction_loss.plot(by_model, balls, reconstruction_subtitle(group),
                                                reference))
    return [plotting.save_png(figure, os.path.join(figure_dir, name))
            for figure, (name, _) in zip(figures, figure_files(summaries))]


def table_lines(columns, rows):
    """A Markdown table: the header of ``columns``, then one line per row of cells."""
    return (["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
            + ["| " + " | ".join(cells) + " |" for cells in rows])


def setting_lines(done, runs, grid, budget_note=""):
    """The lines that open a table: how many of the ``runs`` of ``grid`` are summarised, and the
    budget (``budget_note`` after it), wall time, machine, software and evaluation of the
    summaries ``done``."""
    seconds = [s.get("seconds") or {} for s in done]
    train = sum(t.get("train_seconds", 0.0) for t in seconds)
    evaluation = sum(t.get("eval_seconds", 0.0) for t in seconds)
    scored = [s for s in done if trees_text(s)]
    trees = f"; DCI's trees from {distinct(scored, trees_text)}" if scored else ""
    wall = (f"{duration(train + evaluation)} (training {duration(train)}, evaluation "
            f"{duration(evaluation)}), the sum of the runs' seconds." if done else "—.")
    return [f"The {runs} runs of `{grid}`: {len(done)} summarised, {runs - len(done)} pending.",
            "", f"- Budget: {budget_of(done) or '—'} per run{budget_note}.",
            f"- Wall time of the table: {wall}",
            f"- Machine (where each run was summarised, which held its checkpoints): "
            f"{distinct(done, machine_text) or '—'}.",
            f"- Software: {distinct(done, software_text) or '—'}.",
            f"- Evaluation: {distinct(done, evaluation_text) or '—'}{trees}.", ""]


def difference_lines(keys, rows, against, anchor, name):
    """A table's differences over :data:`FLAG_PERCENT` from ``against``, one line each (``rows``:
    :func:`row`'s results in ``keys`` order, ``name(key)`` labels a run), pointing to their
    causes at ``#anchor``; or the line saying there is none."""
    differences = [(key, quantity, text) for key, (_, found) in zip(keys, rows)
                   for quantity, text in found]
    if not differences:
        return [f"No difference over {FLAG_PERCENT:g} % from {against}."]
    return ([f"Differences over {FLAG_PERCENT:g} % from {against} (their causes: "
             f"[below](#{anchor})):", ""]
            + [f"- {name(key)}, {quantity}: {text}" for key, quantity, text in differences])


def block(summaries, heat_map_dir, figure_link_dir):
    """The Markdown between the markers: setting, table, flagged differences and figures, from
    ``summaries`` (``{run key: summary}``). Links are relative to the page: heat maps in
    ``heat_map_dir``, the graphs in ``figure_link_dir``."""
    from vae_tf.figures import stddev

    done = [summaries[key] for key in ROWS if key in summaries]
    rows = [row(key, summaries.get(key), heat_map_dir) for key in ROWS]
    lines = [BEGIN, ""] + setting_lines(
        done, len(ROWS), GRID, f" (the original: 100,000 steps of 128 frames, figures at step "
        f"{ORIGINAL_STEP:,})")
    lines += table_lines(COLUMNS, [cells for cells, _ in rows])
    lines += [
        "", "Columns:", "",
        "- Reconstruction and KL: nats per image on the run's held-out frames (cross-entropy "
        "summed over the pixels, from a sampled z); beside it the original's reconstruction, "
        "read off its figures.",
        "- Δ %: our reconstruction's difference from the original's. σ Δ %: the largest over "
        "the ranks the original gives, outside its range, in percent of the nearer bound. "
        f"⚠: more than {FLAG_PERCENT:g} %.",
        f"- Sorted σ: mean posterior σ per latent over the σ graphs' {stddev.FRAMES}-frame "
        f"trajectory, ascending, up to the first of at least {SIGMA_SHOWN_BELOW}, then the "
        "largest.",
        f"- Active latents: those whose held-out KL exceeds {ACTIVE_KL} nats per image.",
        "- MIG: discrete; FactorVAE score: its evaluation accuracy.",
        f"- Plateau: the logged training step from which the KL stays above {PLATEAU_KL:g} "
        f"nat, and the one from which the reconstruction stays below "
        f"{PLATEAU_FRACTION * 100:g} % of the mean frame's cost.",
        "- Wall time: training plus evaluation.", ""]
    lines += difference_lines(ROWS, rows, "the original", "causes-of-the-differences", label)
    figures = figure_files(summaries)
    if figures:
        lines += ["", "Graphs from these runs, with the original's values:", ""]
        lines += [f"![{caption}]({figure_link_dir}/{name})" for name, caption in figures]
    lines += ["", "Heat maps (frame 0's sampled z, as the original's; one row per latent, "
              "smallest σ first):", "", "| run | β 0.1 | β 0.5 | β 1.0 |",
              "|---|---|---|---|"]
    for index in range(0, len(ROWS), 3):
        model, balls, _ = ROWS[index]
        cells = []
        for key in ROWS[index:index + 3]:
            name = (summaries.get(key) or {}).get("heat_map")
            cells.append("pending" if key not in summaries else "—" if name is None else
                         f"![{label(key)}]({heat_map_dir}/{name})")
        lines.append(f"| {model}, {balls} ball{'s' if balls > 1 else ''} | " + " | ".join(cells)
                     + " |")
    return "\n".join(lines + ["", END])


def replace_block(page, text, begin=BEGIN, end=END):
    """``page`` with the part from ``begin`` to ``end`` (table 1a's markers by default)
    replaced by ``text`` (appended when the page has no markers)."""
    start, stop = page.find(begin), page.find(end)
    if start < 0 or stop < start:
        return page.rstrip("\n") + "\n\n" + text + "\n"
    return page[:start] + text + page[stop + len(end):]


def page_block(page, begin=BEGIN, end=END):
    """The part of ``page`` from ``begin`` to ``end`` (table 1a's markers by default), or
    None."""
    start, stop = page.find(begin), page.find(end)
    return None if start < 0 or stop < start else page[start:stop + len(end)]


def relative(page_path, folder):
    """``folder`` relative to the page's folder, with ``/``."""
    here = os.path.dirname(os.path.abspath(page_path))
    return os.path.relpath(os.path.abspath(folder), here).replace(os.sep, "/")


def links(page_path, summaries_dir, figure_dir):
    """``(heat_map_dir, figure_link_dir)``: the folders relative to the page's."""
    return relative(page_path, summaries_dir), relative(page_path, figure_dir)


def main(argv=None, print_fn=print):
    # Tables 1b and 1c live in their own modules, which use this one's helpers.
    from vae_tf.grid import dsprites_report, full_budget_report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summaries", default=SUMMARIES, help="folder of the balls summaries")
    parser.add_argument("--full_budget_summaries", default=full_budget_report.SUMMARIES,
                        help="folder of table 1b's summary")
    parser.add_argument("--dsprites_summaries", default=dsprites_report.SUMMARIES,
                        help="folder of table 1c's summaries")
    parser.add_argument("--page", default=PAGE, help="the report page (Markdown)")
    parser.add_argument("--figure_dir", default=FIGURE_DIR, help="where the graphs go")
    args = parser.parse_args(argv)
    summaries = load_summaries(args.summaries, print_fn)
    full = full_budget_report.load_summary(args.full_budget_summaries, print_fn)
    dsprites = dsprites_report.load_summaries(args.dsprites_summaries, print_fn)
    page = ""
    if os.path.exists(args.page):
        with open(args.page) as f:
            page = f.read()
    text = replace_block(page or "# Reproduction report\n", block(
        summaries, *links(args.page, args.summaries, args.figure_dir)))
    text = replace_block(text, full_budget_report.block(
        full, summaries.get(full_budget_report.KEY), relative(args.page, args.figure_dir)),
        full_budget_report.BEGIN, full_budget_report.END)
    text = replace_block(text, dsprites_report.block(
        dsprites, relative(args.page, args.dsprites_summaries)), dsprites_report.BEGIN,
        dsprites_report.END)
    figures = write_figures(summaries, args.figure_dir)
    figures.append(full_budget_report.write_figure(full, summaries.get(full_budget_report.KEY),
                                                   args.figure_dir))
    for path in filter(None, figures):
        print_fn(f"wrote {path}")
    with open(args.page, "w") as f:
        f.write(text)
    done = sum(key in summaries for key in ROWS)
    print_fn(f"wrote {args.page}: table 1a {done} of {len(ROWS)} runs, table 1b "
             f"{'done' if full else 'pending'}, table 1c {len(dsprites)} of "
             f"{len(dsprites_report.ROWS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
