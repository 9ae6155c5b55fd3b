"""Table 1b of docs/reproduction.md: the full-budget run beside table 1a's at equal steps."""

import json
import os
import re
import subprocess

import pytest
from PIL import Image

from vae_tf.figures import plotting
from vae_tf.grid import full_budget_report, report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def summary(step, every, reconstruction, sigma=(0.03, 0.04, 0.71, 0.99)):
    """A fully_connected, one ball, β 1 summary with held-out curves every ``every`` steps
    falling to ``reconstruction`` at ``step``."""
    steps = list(range(every, step + 1, every))
    curves = {"eval/reconstruction": {"step": steps,
                                      "value": [reconstruction + 1000.0 / s for s in steps]},
              "eval/kl": {"step": steps, "value": [8.0] * len(steps)}}
    config = {"dataset": "balls", "model": "fully_connected", "num_balls": 1, "beta": 1.0,
              "batch_size": 128, "max_step": step}
    return {"run": f"run_{step}", "step": step, "config": config, "curves": curves,
            "eval": {"held_out": {"reconstruction": reconstruction, "kl": 8.0}},
            "sigma_sorted": list(sigma), "seconds": {"train_seconds": 5400.0}}


def test_rows_compare_the_two_runs_at_equal_steps():
    full, short = summary(100000, 5000, 22.9), summary(20000, 1000, 23.3)
    rows = full_budget_report.rows(full, short)
    assert len(rows) == 20 and rows[0][0] == "5,000" and rows[-1][0] == "100,000"
    assert rows[3] == ["20,000", "22.95", "23.35", "8.00", "8.00"]  # 22.9 + 1000 / 20000
    assert rows[4] == ["25,000", "22.94", "—", "8.00", "—"]
    assert full_budget_report.rows(None, short) == []


def test_block_states_the_end_against_the_original_and_pending():
    text = full_budget_report.block(summary(100000, 5000, 24.0), None, "reproduction")
    assert "- Held-out reconstruction at step 100,000: 24.00 nats against the original's 22.71 " \
        "at step 99,000 (+5.7 %); KL 8.00 nats." in text
    assert "- Sorted σ: 0.03, 0.04, 0.71, 0.99 against the original's 0.02–0.04, 0.02–0.04, " \
        "0.63–0.66, 1.0 (largest difference +7.6 %)." in text
    assert f"![held-out reconstruction and KL against the step](reproduction/" \
        f"{full_budget_report.FIGURE})" in text
    assert "Pending" in full_budget_report.block(None, None, "reproduction")


def test_the_figure_and_other_summaries_left_out(tmp_path):
    full = summary(100000, 5000, 22.9)
    path = full_budget_report.write_figure(full, summary(20000, 1000, 23.3), tmp_path)
    with Image.open(path) as image:
        assert image.size == plotting.pixels(full_budget_report.SIZE)
    assert full_budget_report.write_figure(None, None, tmp_path / "none") is None
    for name, s in (("full", full), ("short", summary(20000, 1000, 23.3))):
        with open(tmp_path / f"{name}.json", "w") as f:
            json.dump(s, f)
    lines = []
    assert full_budget_report.load_summary(tmp_path, lines.append) == full
    assert lines == [f"left out {tmp_path / 'short.json'}: not the full-budget run of table 1b"]
    with open(tmp_path / "again.json", "w") as f:
        json.dump(full, f)
    with pytest.raises(ValueError, match="both summarise fully_connected, 1 ball, β 1.0"):
        full_budget_report.load_summary(tmp_path)


def test_committed_table_1b_is_what_the_committed_summaries_give():
    page_path = os.path.join(ROOT, report.PAGE)
    with open(page_path) as f:
        page = f.read()
    full = full_budget_report.load_summary(os.path.join(ROOT, full_budget_report.SUMMARIES),
                                           print_fn=lambda line: None)
    short = report.load_summaries(os.path.join(ROOT, report.SUMMARIES),
                                  print_fn=lambda line: None).get(full_budget_report.KEY)
    expected = full_budget_report.block(
        full, short, report.relative(page_path, os.path.join(ROOT, report.FIGURE_DIR)))
    assert report.page_block(page, full_budget_report.BEGIN, full_budget_report.END) == \
        expected, "rerun python -m vae_tf.grid.report"


def test_the_grid_is_the_run_of_the_table():
    result = subprocess.run([os.path.join(ROOT, "run.sh"), "--grid", full_budget_report.GRID,
                             "--dry-run"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    flags = dict(re.findall(r"--(\w+)=(\S+)", result.stdout))
    assert (flags["model"], int(flags["num_balls"]), float(flags["beta"])) == \
        full_budget_report.KEY
    assert int(flags["max_step"]) == full_budget_report.BUDGET


def test_the_causes_of_table_1b_quote_the_committed_summaries():
    """The page's reading of table 1b quotes both runs' committed summaries."""
    with open(os.path.join(ROOT, report.PAGE)) as f:
        page = f.read()
    start = page.index("### Causes of the differences in table 1b")
    text = " ".join(page[start:page.index("\n## ", start)].split())

    def load(*path):
        with open(os.path.join(ROOT, "docs", "reproduction", *path)) as f:
            return json.load(f)

    full = load("full_budget", "full_budget_model_fully_connected_num_balls_1_beta_1.0.json")
    short = load("balls", "balls_model_fully_connected_num_balls_1_beta_1.0.json")
    recon = full_budget_report.held_out_curve(full, "reconstruction")
    kl = {name: full_budget_report.held_out_curve(s, "kl") for name, s in
          (("full", full), ("short", short))}
    later = [v for step, v in recon.items() if step >= 30000]
    used = sorted((v for k, v in full["eval"]["held_out"].items() if k.startswith("kl_")),
                  reverse=True)
    scores = full["eval"]["scores"]
    quoted = [f"held out {recon[20000]:.2f} and "
              f"{short['eval']['held_out']['reconstruction']:.2f} nats; "
              f"KL {kl['full'][20000]:.2f} and {kl['short'][20000]:.2f}",
              f"gained {recon[20000] - recon[100000]:.2f} nats, "
              f"{recon[20000] - recon[30000]:.2f} of them by step 30,000 ({recon[30000]:.2f})",
              f"within {min(later):.2f}–{max(later):.2f} nats",
              f"({recon[100000]:.2f} against the original's 22.71)",
              f"σ {short['sigma_sorted'][2]:.2f}, held-out KL "
              f"{short['eval']['held_out']['kl_06']:.2f} nats",
              f"two latents in use (held-out KL {used[0]:.2f} and {used[1]:.2f} nats; every "
              f"other latent {used[2]:.2f}, σ {full['sigma_sorted'][2]:.2f})",
              f"BetaVAE {scores['beta_vae']['eval_accuracy']:.3f}",
              f"FactorVAE {scores['factor_vae']['eval_accuracy']:.3f}",
              f"MIG {scores['mig']['discrete_mig']:.3f}"]
    assert len(full["active_latents"]) == 2 and sorted(recon)[:2] == [7700, 12700]
    for quote in quoted:
        assert quote in text, quote
