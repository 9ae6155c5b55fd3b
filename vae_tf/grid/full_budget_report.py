"""Table 1b of the reproduction report: one balls run at the original's full budget.

Written by ``python -m vae_tf.grid.report`` from the summary in :data:`SUMMARIES` of the run of
``flags/reproduction_full_budget.grid`` (``fully_connected``, one ball, β 1, 100,000 steps),
compared at equal steps with table 1a's 20,000-step run of the same settings (both runs'
held-out curves, measured at every checkpoint) and at the end with the original's step-99,000
reconstruction and σ profile. Draws :data:`FIGURE`: held-out reconstruction and KL against the
step for both runs.
"""

import os

from vae_tf.grid import report

SUMMARIES = os.path.join("docs", "reproduction", "full_budget")
GRID = os.path.join("flags", "reproduction_full_budget.grid")
BEGIN = "<!-- table 1b: begin (python -m vae_tf.grid.report writes what follows) -->"
END = "<!-- table 1b: end -->"
KEY = ("fully_connected", 1, 1.0)  # (model, balls, β), as table 1a's rows
BUDGET = 100000
FIGURE = "full_budget_curves.png"
SIZE = (10.0, 4.2)  # inches
COLUMNS = ("step", "reconstruction, 100k run (nats)", "reconstruction, 20k run (nats)",
           "KL, 100k run (nats)", "KL, 20k run (nats)")


def load_summary(folder, print_fn=print):
    """The summary in ``folder`` of the full-budget run, or None; other files are named and
    left out."""
    def key_of(summary, config):
        if config.get("dataset") == "balls" and report.run_key(summary) == KEY and \
                config.get("max_step") == BUDGET:
            return KEY, None
        return None, "not the full-budget run of table 1b"

    return report.summaries_by_key(folder, key_of, report.label, print_fn).get(KEY)


def held_out_curve(summary, quantity):
    """``{step: nats}`` of the summary's held-out ``quantity`` (reconstruction or kl)."""
    curve = (summary or {}).get("curves", {}).get(f"eval/{quantity}") or {}
    return dict(zip(curve.get("step", []), curve.get("value", [])))


def rows(full, short):
    """Cells per step of the full run's held-out curve (the short run's value where it was
    measured at the same step)."""
    if full is None:
        return []
    values = [held_out_curve(summary, quantity) for quantity in ("reconstruction", "kl")
              for summary in (full, short)]
    return [[f"{step:,}"] + [report.number_text(by_step.get(step), 2) for by_step in values]
            for step in sorted(values[0])]


def plot(full, short):
    """Held-out reconstruction and KL against the step, both runs, with the original's
    step-99,000 reconstruction."""
    from vae_tf.figures import plotting

    figure = plotting.new_figure(*SIZE)
    reconstruction, kl = figure.subplots(1, 2)
    for summary, label, style in ((full, f"{full['step']:,}-step run", {}),
                                  (short, "table 1a's 20,000-step run", {"linestyle": "--"})):
        if summary is None:
            continue
        for axes, quantity in ((reconstruction, "reconstruction"), (kl, "kl")):
            points = sorted(held_out_curve(summary, quantity).items())
            axes.plot([s for s, _ in points], [v for _, v in points], marker=".", label=label,
                      **style)
    original = report.ORIGINAL_RECONSTRUCTION[KEY]
    reconstruction.plot([report.ORIGINAL_STEP], [original], marker="o", linestyle="none",
                        markerfacecolor="none", color="black",
                        label=f"original, step {report.ORIGINAL_STEP:,}")
    for axes, quantity in ((reconstruction, "held-out reconstruction"), (kl, "held-out KL")):
        axes.set_xlabel("training step (batches of 128 frames)")
        axes.set_ylabel(f"{quantity} (nats per frame)")
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8)
    if reconstruction.get_ylim()[1] > 2 * original:  # the mean-frame plateau would flatten it
        reconstruction.set_ylim(top=2 * original)
        reconstruction.set_title(f"axis cut at {2 * original:g} nats (twice the original's)",
                                 fontsize=9)
    figure.suptitle("fully_connected, one ball, β 1: held-out reconstruction and KL against the "
                    f"step\nmeasured at every checkpoint; budgets {BUDGET:,} and 20,000 steps",
                    fontsize=11)
    return figure


def write_figure(full, short, figure_dir):
    """Draw :data:`FIGURE` into ``figure_dir`` when the full run is summarised; its path or
    None."""
    if full is None:
        return None
    from vae_tf.figures import plotting

    os.makedirs(figure_dir, exist_ok=True)
    return plotting.save_png(plot(full, short), os.path.join(figure_dir, FIGURE))


def block(full, short, figure_link_dir):
    """The Markdown between the markers from the full run's summary (None: pending) and table
    1a's run of the same settings (None if not summarised)."""
    lines = [BEGIN, ""]
    if full is None:
        lines += [f"Pending: the run of `{GRID}` ({BUDGET:,} steps of 128 frames) has no "
                  "summary yet.", "", END]
        return "\n".join(lines)
    held_out = full.get("eval", {}).get("held_out", {})
    nats = held_out.get("reconstruction")
    original = report.ORIGINAL_RECONSTRUCTION[KEY]
    sigma = full.get("sigma_sorted")
    reference = report.ORIGINAL_SIGMA[KEY]
    seconds = full.get("seconds") or {}
    lines += [
        f"- Budget: {report.budget_text(full)}; wall time "
        f"{report.duration(sum(seconds.values())) if seconds else '—'}; machine: "
        f"{report.machine_text(full)}; software: {report.software_text(full)}.",
        f"- Held-out reconstruction at step {full['step']:,}: "
        f"{report.number_text(nats, 2)} nats against the original's {original:g} at step "
        f"{report.ORIGINAL_STEP:,}"
        + ("" if nats is None else
           f" ({report.percent_text(report.percent_outside(nats, original))} %)") + "; KL "
        f"{report.number_text(held_out.get('kl'), 2)} nats.",
        "- Sorted σ: " + ("—" if sigma is None else report.sigma_text(sigma))
        + f" against the original's {report.reference_sigma_text(reference)}"
        + ("" if sigma is None else " (largest difference "
           + report.percent_text(report.sigma_difference(sigma, reference)[0]) + " %)") + ".",
        "", "Held-out reconstruction and KL at each checkpoint (nats per frame; the 20,000-step "
        "run of table 1a where it was measured at the same step):", ""]
    lines += report.table_lines(COLUMNS, rows(full, short))
    lines += ["", f"![held-out reconstruction and KL against the step]"
              f"({figure_link_dir}/{FIGURE})", "", END]
    return "\n".join(lines)
