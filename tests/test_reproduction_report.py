"""python -m vae_tf.grid.report: table 1a of docs/reproduction.md from the run summaries (tables
1b and 1c: test_full_budget_report.py, test_dsprites_report.py)."""

import glob
import json
import os
import re
import subprocess

import pytest
from PIL import Image

from vae_tf.figures import plotting, reconstruction_loss, stddev
from test_dsprites_report import paragraph, run_values, unmatched
from vae_tf.grid import dsprites_report, full_budget_report, report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_FIGURE_BYTES = 8 * 2**20
FC_SIGMA = [0.03, 0.05, 0.65] + [0.99] * 7


def summary(model, balls, beta, reconstruction, sigma=FC_SIGMA, kl=(2.0, 0.005, 1.0),
            step=20000, **fields):
    """A summary as python -m vae_tf.grid.summary writes it, with only what the report reads."""
    held_out = {"reconstruction": reconstruction, "kl": sum(kl),
                **{f"kl_{j:02d}": value for j, value in enumerate(kl)}}
    record = {"held_out": held_out, "representation": "mean", "metric_points": None, "seed": 0,
              "scores": {"mig": {"discrete_mig": 0.0512}, "factor_vae": {"eval_accuracy": 0.8}},
              "versions": {"tensorflow": "2.21.0", "keras": "3.15.1"}}
    config = {"dataset": "balls", "objective": "beta", "model": model, "num_balls": balls,
              "beta": beta, "batch_size": 128, "max_step": step}
    return {"run": f"balls_model_{model}_num_balls_{balls}_beta_{beta}", "step": step,
            "config": config, "eval": record, "sigma_sorted": sigma,
            "seconds": {"train_seconds": 3000.0, "eval_seconds": 600.0}, **fields}


def write(folder, *summaries):
    os.makedirs(folder, exist_ok=True)
    for s in summaries:
        with open(os.path.join(folder, s["run"] + ".json"), "w") as f:
            json.dump(s, f)


def cells_of(key, s):
    cells, differences = report.row(key, s, "balls")
    assert len(cells) == len(report.COLUMNS)
    return dict(zip(report.COLUMNS, cells)), differences


def test_percent_outside_a_value_or_a_range():
    assert report.percent_outside(11.0, 10.0) == pytest.approx(10.0)
    assert report.percent_outside(9.0, 10.0) == pytest.approx(-10.0)
    assert report.percent_outside(0.03, 0.02, 0.04) == 0.0
    assert report.percent_outside(0.05, 0.02, 0.04) == pytest.approx(25.0)
    assert report.percent_outside(0.01, 0.02, 0.04) == pytest.approx(-50.0)


def test_sigma_difference_is_the_largest_over_the_given_ranks():
    reference = report.ORIGINAL_SIGMA[("fully_connected", 1, 1.0)]
    assert report.sigma_difference(FC_SIGMA, reference) == (pytest.approx(25.0), 2)
    assert report.sigma_difference([0.03, 0.03, 0.64, 1.0, 1.0], reference) == (0.0, 1)
    percent, rank = report.sigma_difference([0.02, 0.02, 0.98, 0.99], reference)
    assert rank == 3 and percent == pytest.approx(100 * (0.98 - 0.66) / 0.66)


def test_differences_over_ten_percent_are_flagged():
    key = ("conv", 1, 0.1)
    original = report.ORIGINAL_RECONSTRUCTION[key]
    close, differences = cells_of(key, summary(*key, 1.09 * original))
    assert close["Δ %"] == "+9.0" and differences == []
    far, differences = cells_of(key, summary(*key, 0.88 * original))
    assert far["Δ %"] == "⚠ -12.0"
    assert differences == [("reconstruction", f"{0.88 * original:.2f} nats against "
                            f"{original:g} (-12.0 %)")]
    assert far["σ Δ %"] == far["original σ"] == "—"  # the original gives σ for fc only

    key = ("fully_connected", 1, 1.0)
    cells, differences = cells_of(key, summary(*key, report.ORIGINAL_RECONSTRUCTION[key]))
    assert cells["σ Δ %"] == "⚠ +25.0 (rank 2)"
    assert cells["sorted σ"] == "0.03, 0.05, 0.65, 0.99 … 0.99"
    assert cells["original σ"] == "0.02–0.04, 0.02–0.04, 0.63–0.66, 1.0"
    assert [quantity for quantity, _ in differences] == ["sorted σ"]


def test_a_row_reads_the_summary():
    key = ("all_conv", 2, 0.5)
    s = summary(*key, 47.5, kl_above_1_nat_from_step=3900, below_plateau_from_step=4000,
                active_latents=[0, 1, 2], heat_map="heat_map_x.png")
    cells, _ = cells_of(key, s)
    assert cells["step"] == "20,000" and cells["reconstruction (nats)"] == "47.50"
    assert cells["KL (nats)"] == "3.00" and cells["active latents"] == "3"
    assert cells["MIG"] == "0.051" and cells["FactorVAE score"] == "0.800"
    assert cells["KL > 1 nat from step"] == "3,900"
    assert cells[report.COLUMNS[15]] == "4,000"
    assert cells["wall time"] == "1 h 0 min" and cells["heat map"] == "[png](balls/heat_map_x.png)"


def test_an_older_summary_shows_dashes_for_what_it_lacks():
    key = ("conv", 2, 1.0)
    cells, _ = cells_of(key, summary(*key, 50.0, sigma=None))
    assert cells["sorted σ"] == cells["heat map"] == cells["KL > 1 nat from step"] == "—"
    assert cells["active latents"] == "2"  # from eval.json's per-latent KL: 2.0 and 1.0


def test_a_pending_row_keeps_the_original_values():
    key = ("fully_connected", 1, 0.5)
    cells, differences = cells_of(key, None)
    assert cells["step"] == "pending" and differences == []
    assert cells[report.COLUMNS[5]] == "22.05" and cells["reconstruction (nats)"] == ""


def test_durations():
    assert [report.duration(s) for s in (49.4, 793, 4736)] == ["49 s", "13 min 13 s",
                                                               "1 h 18 min"]


def test_the_evaluation_line_names_each_dci_backend_with_its_runs():
    runs = [summary("conv", 1, beta, 21.0) for beta in (0.1, 0.5, 1.0)]
    runs[0]["eval"]["dci"] = {"backend": "sklearn"}
    runs[1]["eval"]["dci"] = {"backend": "lightgbm"}  # runs[2] was scored without DCI
    line = [text for text in report.setting_lines(runs, 18, "g") if "Evaluation" in text]
    assert line == ["- Evaluation: representation mean, standard metric sizes, seed 0 (3 runs); "
                    "DCI's trees from sklearn (1 run); lightgbm (1 run)."]


def test_page_table_keeps_the_text_around_it_and_draws_the_graphs(tmp_path):
    folder, figures, page = tmp_path / "reproduction" / "balls", tmp_path / "reproduction", \
        tmp_path / "reproduction.md"
    conv = summary("conv", 1, 0.1, 30.0, heat_map="heat_map_model_conv_num_balls_1_beta_0.1.png")
    fc = summary("fully_connected", 1, 1.0, 22.8)
    write(folder, conv, fc)
    plotting.save_png(plotting.new_figure(1, 1), folder / conv["heat_map"])
    page.write_text(f"# Report\n\nBefore.\n\n{report.BEGIN}\nold\n{report.END}\n\nAfter.\n")
    lines = []
    args = ["--summaries", str(folder), "--page", str(page), "--figure_dir", str(figures),
            "--full_budget_summaries", str(tmp_path / "none"),
            "--dsprites_summaries", str(tmp_path / "none")]
    assert report.main(args, print_fn=lines.append) == 0
    assert lines[-1] == f"wrote {page}: table 1a 2 of 18 runs, table 1b pending, table 1c 0 of 5"
    text = page.read_text()
    assert text.startswith("# Report\n\nBefore.\n\n" + report.BEGIN)
    # tables 1b and 1c had no markers: they go at the end
    assert report.END + "\n\nAfter.\n\n" + full_budget_report.BEGIN in text
    assert "\nold\n" not in text
    assert len(re.findall(r"^\| \w+ \| \d \| [\d.]+ \| pending \|", text, re.M)) == 16
    assert "- conv, 1 ball, β 0.1, reconstruction: 30.00 nats against 21.47 (+39.7 %)" in text
    assert "- fully_connected, 1 ball, β 1.0, sorted σ: rank 2" in text
    assert "Wall time of the table: 2 h 0 min (training 1 h 40 min, evaluation 20 min 0 s)" \
        in text
    assert f"![conv, 1 ball, β 0.1](reproduction/balls/{conv['heat_map']})" in text
    drawn = {stddev.file_name(1, "conv"): stddev.SIZE,
             stddev.file_name(1, "fully_connected"): stddev.SIZE,
             reconstruction_loss.file_name(1): reconstruction_loss.SIZE}
    assert sorted(os.listdir(figures)) == sorted([*drawn, "balls"])
    for name, size in drawn.items():
        assert f"(reproduction/{name})" in text
        with Image.open(figures / name) as image:
            assert image.size == plotting.pixels(size)
    assert report.main(args, print_fn=lines.append) == 0 and page.read_text() == text

    page.write_text("# Report\n\nNo markers.\n")  # the tables go at the end
    assert report.main(args, print_fn=lines.append) == 0
    tables = [report.page_block(text, module.BEGIN, module.END)
              for module in (report, full_budget_report, dsprites_report)]
    assert page.read_text() == "# Report\n\nNo markers.\n\n" + "\n\n".join(tables) + "\n"


def test_duplicate_summaries_are_refused_and_others_left_out(tmp_path):
    other = summary("conv", 1, 0.1, 21.0)
    other["config"]["dataset"] = "dsprites"
    write(tmp_path, other, summary("conv", 1, 4.0, 21.0))
    lines = []
    assert report.load_summaries(tmp_path, lines.append) == {}
    assert len(lines) == 2 and all(line.startswith("left out ") for line in lines)
    write(tmp_path / "twice", summary("conv", 1, 0.1, 21.0))
    with open(tmp_path / "twice" / "copy.json", "w") as f:
        json.dump(summary("conv", 1, 0.1, 22.0), f)
    with pytest.raises(ValueError, match="both summarise conv, 1 ball, β 0.1"):
        report.load_summaries(tmp_path / "twice")


def test_committed_page_is_what_the_committed_summaries_give():
    page_path = os.path.join(ROOT, report.PAGE)
    summaries_dir = os.path.join(ROOT, report.SUMMARIES)
    figure_dir = os.path.join(ROOT, report.FIGURE_DIR)
    with open(page_path) as f:
        page = f.read()
    summaries = report.load_summaries(summaries_dir, print_fn=lambda line: None)
    expected = report.block(summaries, *report.links(page_path, summaries_dir, figure_dir))
    assert report.page_block(page) == expected, "rerun python -m vae_tf.grid.report"
    images = re.findall(r"\]\(([^)\s]+\.png)\)", page)
    assert images
    for link in images:
        path = os.path.join(os.path.dirname(page_path), link)
        assert os.path.isfile(path) and os.path.getsize(path) <= MAX_FIGURE_BYTES, link
    for name, _ in report.figure_files(summaries):
        assert os.path.isfile(os.path.join(figure_dir, name)), name
    with open(os.path.join(ROOT, "README.md")) as f:
        assert "(docs/reproduction.md)" in f.read()


def test_the_grid_dry_runs_to_the_rows_and_budget_of_the_summaries():
    result = subprocess.run([os.path.join(ROOT, "run.sh"), "--grid", report.GRID, "--dry-run"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    flags = [dict(re.findall(r"--(\w+)=(\S+)", line)) for line in result.stdout.splitlines()]
    assert [(f["model"], int(f["num_balls"]), float(f["beta"])) for f in flags] == \
        list(report.ROWS)
    steps = {int(f["max_step"]) for f in flags}
    summaries = report.load_summaries(os.path.join(ROOT, report.SUMMARIES), lambda line: None)
    assert len(steps) == 1 and {s["step"] for s in summaries.values()} <= steps
    assert {s["config"]["batch_size"] for s in summaries.values()} <= {128}


@pytest.mark.parametrize("grid, runs", [("flags/reproduction_full_budget.grid", 1),
                                        ("flags/reproduction_dsprites.grid", 5)])
def test_the_report_s_other_grids_dry_run(grid, runs):
    """Tables 1b and 1c: every line is a valid run of main.py (flags and objectives checked)."""
    result = subprocess.run([os.path.join(ROOT, "run.sh"), "--grid", grid, "--dry-run"],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    commands = [line for line in result.stdout.splitlines() if line.startswith("python main.py")]
    assert len(commands) == runs


# Table 1a's causes: each paragraph and the summaries of the runs it speaks of.
CAUSES_1A = {"β 0.1 and β 0.5: three tight": ["balls/*fully_connected_num_balls_1_*"],
             "Not a difference but a caution": ["balls/*_num_balls_1_beta_0.1.json"],
             "`all_conv` leaves the plateau late": ["balls/*all_conv_*", "full_budget/*"],
             "all_conv, two balls, β 0.5": ["balls/*all_conv_num_balls_2_*"],
             "`fully_connected` with two balls": ["balls/*fully_connected_num_balls_2_*"],
             "Wall time": ["balls/*"]}


@pytest.mark.parametrize("bullet, patterns", CAUSES_1A.items())
def test_each_cause_of_table_1a_quotes_its_runs(bullet, patterns):
    """Every number with decimals in a paragraph of table 1a's causes is a committed result of
    the runs it speaks of (rounded as quoted) or a value of table 1a (the original's numbers
    are there); percentages are left out (the table's are tested above)."""
    with open(os.path.join(ROOT, report.PAGE)) as f:
        page = f.read()
    text = paragraph(page, "## Causes of the differences", bullet)
    table = report.page_block(page, report.BEGIN, report.END)
    values = [v for pattern in patterns for path in glob.glob(
        os.path.join(ROOT, "docs", "reproduction", pattern + ("" if "." in pattern else ".json")))
        for v in run_values(path)]
    assert values, patterns
    unknown, _ = unmatched(text, values, set(re.findall(r"\d+\.\d+", table)))
    assert not unknown, unknown
