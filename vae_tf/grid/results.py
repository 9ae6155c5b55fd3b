"""``results.md``: one table row per run of a grid, from its eval.json and grid.json."""

import os

from vae_tf.grid.report import duration, number_text
from vae_tf.grid.runner import EVAL_FILE, TIMES_FILE, read_json

COLUMNS = ("run", "model", "data", "objective", "β", "steps", "reconstruction (nats)",
           "KL (nats)", "active latents", "MIG", "FactorVAE score", "wall time", "status")


def row(outcome):
    """The cells of one run: settings from main.py, numbers from the run's files."""
    settings = outcome.settings or {}
    run_dir = settings.get("run_dir")
    record = read_json(os.path.join(run_dir, EVAL_FILE), {}) if run_dir else {}
    times = read_json(os.path.join(run_dir, TIMES_FILE), {}) if run_dir else {}
    held_out = record.get("held_out", {})
    scores = record.get("scores", {})
    factor_vae = scores.get("factor_vae", {})
    dataset = settings.get("dataset")
    data = (f"{settings['num_balls']} ball{'s' if settings['num_balls'] > 1 else ''}"
            if dataset == "balls" else dataset or "—")
    return [outcome.name, settings.get("model", "—"), data, settings.get("objective", "—"),
            str(settings.get("beta", "—")), str(record.get("step", "—")),
            number_text(held_out.get("reconstruction"), 2), number_text(held_out.get("kl"), 2),
            str(factor_vae.get("num_active_dims", "—")),
            number_text(scores.get("mig", {}).get("discrete_mig"), 3),
            number_text(factor_vae.get("eval_accuracy"), 3),
            duration(sum(times.values())) if times else "—", outcome.status]


def write_results(outcomes, path):
    """Write the table of ``outcomes`` to ``path`` (Markdown); returns the path."""
    lines = ["# Results", "",
             "Held-out reconstruction and KL per image; active latents: codes whose encoder "
             "mean has a standard deviation of at least 0.05 (FactorVAE score's rule); MIG: "
             "discrete; FactorVAE score: eval accuracy; wall time: training plus evaluation.",
             "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row(outcome)) + " |" for outcome in outcomes]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path
