"""python -m vae_tf.study: the study's grid file, and its report from a synthetic tree of runs."""

import json
import os
import subprocess
import sys

import pytest

from test_main import ROOT
from vae_tf import study
from vae_tf.config import TrainConfig
from vae_tf.grid.experiments import read_grid

COMMITTED = os.path.join(ROOT, "flags", "study_dsprites_rendered.grid")
COMMITTED_ARGS = ["--dataset=dsprites_rendered", "--model=burgess_conv", "--seeds=2",
                  "--max_step=30000"]


def write_run(root, objective, strength, seed, scores=None, step=300, max_step=300,
              checkpoint_step=None):
    """A run directory of the study under ``root``: config.json, a checkpoint's state and index
    files (at ``checkpoint_step``, default ``step``) and, with ``scores``
    (``{metric: {key: value}}``), an eval.json of ``step``."""
    setting = study.SWEEPS[objective][0]
    config = TrainConfig(train_dir=os.path.join(root, f"seed_{seed}"),
                         dataset="dsprites_rendered", model="burgess_conv", batch_size=64,
                         max_step=max_step, seed=seed, objective=objective,
                         **{setting: float(strength)})
    run_dir = config.run_dir
    os.makedirs(run_dir)
    with open(os.path.join(run_dir, "config.json"), "w") as f:
        f.write(config.to_json())
    latest = step if checkpoint_step is None else checkpoint_step
    with open(os.path.join(run_dir, "checkpoint"), "w") as f:
        f.write(f'model_checkpoint_path: "ckpt-{latest}"\n'
                f'all_model_checkpoint_paths: "ckpt-{latest}"\n')
    open(os.path.join(run_dir, f"ckpt-{latest}.index"), "w").close()
    if scores is not None:
        with open(os.path.join(run_dir, "eval.json"), "w") as f:
            json.dump({"step": step, "checkpoint": os.path.join(run_dir, f"ckpt-{step}"),
                       "scores": scores}, f)
    return run_dir


def synthetic_study(root):
    """β-VAE at β 1, 4, 16 and FactorVAE at γ 10, 100 over two seeds, scores growing with the
    strength; MIG missing from FactorVAE's runs, SAP from every run; one FactorVAE run still
    training, one evaluated at an older checkpoint; UDR for β-VAE's runs from a udr.json."""
    runs = {}
    for seed in (0, 1):
        for objective, values in (("beta", (1, 4, 16)), ("factor", (10, 100))):
            for rank, strength in enumerate(values):
                value = 0.1 * rank + 0.01 * seed
                scores = {"factor_vae": {"eval_accuracy": 0.5 + value},
                          "dci": {"disentanglement": value},
                          "unsupervised": {"gaussian_total_correlation": 1 + value}}
                if objective == "beta":
                    scores["mig"] = {"discrete_mig": value / 2}
                key = (objective, strength, seed)
                if key == ("factor", 100, 1):
                    runs[key] = write_run(root, objective, strength, seed, None, step=100)
                elif key == ("factor", 10, 1):
                    runs[key] = write_run(root, objective, strength, seed, scores,
                                          checkpoint_step=400, max_step=400)
                else:
                    runs[key] = write_run(root, objective, strength, seed, scores)
    udr_record = {"checkpoints": [os.path.join(runs["beta", s, seed], "ckpt-300")
                                  for s in (1, 4, 16) for seed in (0, 1)],
                  "model_scores": [0.2, 0.25, 0.4, 0.45, 0.6, 0.65]}
    os.makedirs(os.path.join(root, "udr"))
    with open(os.path.join(root, "udr", "udr.json"), "w") as f:
        json.dump(udr_record, f)
    return runs


def test_grid_writes_every_objective_strength_and_seed(tmp_path):
    lines = study.grid_lines("dsprites_rendered", "burgess_conv", 2, 3000)
    assert len(lines) == 6 * 6 * 2 == 72 and len(set(lines)) == 72
    assert all("--batch_size=64 --lr=0.0001" in line and "--hidden_size=10" in line
               for line in lines)
    assert lines[0].startswith("--train_dir=checkpoints/study/dsprites_rendered/seed_0 ")
    assert all("seed_0" in line and "--seed=0" in line for line in lines[:36])
    assert all("seed_1" in line and "--seed=1" in line for line in lines[36:])
    annealed = [line for line in lines if "--objective=annealed" in line]
    assert [line.split("--c_max=")[1].split()[0] for line in annealed[:6]] == [
        "5", "10", "25", "50", "75", "100"]
    assert all(line.endswith("--gamma=1000 --c_steps=1000") for line in annealed)
    out = tmp_path / "study.grid"
    assert study.main(["grid", *COMMITTED_ARGS[:2], "--seeds=1", "--max_step=500",
                       "--objectives=beta,tcvae", f"--out={out}"], print_fn=lambda _: None) == 0
    experiments = read_grid(str(out))
    assert len(experiments) == 12 and "--beta=16" in experiments[5]
    assert "--objective=tcvae" in experiments[6] and "--beta=10" in experiments[11]


def test_grid_with_fewer_strengths_spreads_them_and_adds_the_extra_flags(tmp_path):
    assert study.swept_values("beta", 3) == (1, 4, 16)
    assert study.swept_values("factor", 2) == (10, 100)
    assert study.swept_values("dip_vae_i", 1) == (1,)
    assert study.swept_values("tcvae", 6) == study.SWEEPS["tcvae"][1]
    out = tmp_path / "study.grid"
    assert study.main(["grid", "--dataset=balls", "--model=conv", "--seeds=2", "--max_step=50",
                       "--strengths=3", "--extra=--dci_backend=lightgbm", f"--out={out}"],
                      print_fn=lambda _: None) == 0
    text = out.read_text()
    assert "6 objectives x 3 strengths x 2 seeds = 36 runs" in text
    assert "--strengths=3 --extra=--dci_backend=lightgbm" in text
    experiments = read_grid(str(out))
    assert len(experiments) == 36
    assert all(e[-1] == "--dci_backend=lightgbm" for e in experiments)
    assert ["--gamma=10" in e for e in experiments[6:9]] == [True, False, False]
    for bad in ("--strengths=7", "--extra=dci_backend"):
        with pytest.raises(SystemExit) as e:
            study.main(["grid", bad, f"--out={out}"], print_fn=lambda _: None)
        assert e.value.code == 2


def dry_run(*args):
    return subprocess.run([os.path.join(ROOT, "run.sh"), "--grid", COMMITTED, "--dry-run",
                           *args], capture_output=True, text=True, timeout=240)


def test_the_committed_grid_is_the_generators_and_its_lines_pass_the_dry_run(tmp_path):
    out = tmp_path / "again.grid"
    study.main(["grid", *COMMITTED_ARGS, f"--out={out}"], print_fn=lambda _: None)
    with open(COMMITTED) as f:
        assert f.read() == out.read_text(), "regenerate flags/study_dsprites_rendered.grid"
    assert len(read_grid(COMMITTED)) == 72
    # Every 5th line (15, 36 s at load 14 for all 72): each objective, both seeds, several
    # strengths.
    result = dry_run("--shard", "0/5")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 15 and "^" not in result.stdout
    assert {f"--objective={o}" for o in study.SWEEPS} <= {
        word for line in lines for word in line.split()}


@pytest.mark.slow
def test_every_line_of_the_committed_grid_passes_the_dry_run():
    result = dry_run()
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert len(result.stdout.splitlines()) == 72 and "^" not in result.stdout


def test_grid_refuses_unknown_objectives_and_models(tmp_path):
    for bad in (["--objectives=beta,nonsyn"], ["--dataset=balls", "--model=burgess_conv"]):
        result = subprocess.run([sys.executable, "-m", "vae_tf.study", "grid", *bad,
                                 f"--out={tmp_path / 'x.grid'}"], capture_output=True,
                                text=True, cwd=ROOT, timeout=60)
        assert result.returncode == 2 and result.stderr.startswith("vae_tf.study: error: ")


def test_report_from_a_synthetic_tree(tmp_path):
    root, out = str(tmp_path / "runs"), str(tmp_path / "report")
    synthetic_study(root)
    lines = []
    written = study.report(root, out, select="mig", print_fn=lines.append)
    names = sorted(os.path.basename(p) for p in written)
    assert names == sorted(["study_factor_vae.png", "study_mig.png", "study_dci.png",
                            "study_gaussian_tc.png", "study_udr.png",
                            "study_udr_vs_supervised.png", "study_rank_correlation.png",
                            "study.md"])
    text = "\n".join(lines)
    assert "10 runs under" in text and "8 scored, 2 pending" in text
    assert "SAP: no run has it; no study_sap.png" in text
    assert "UDR: 6 of 8 scored runs, from 1 udr.json file" in text
    assert lines[-1].startswith("study of 10 runs (8 scored, 2 pending): 8 files in")
    table = (tmp_path / "report" / "study.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| method | swept | best setting | seeds | MIG (mean ± sd) |")
    beta = rows[1].split(" | ")
    assert beta[:5] == ["| β-VAE", "β {1, 4, 16}", "β = 16", "2", "0.103 ± 0.004"]
    assert beta[-2:] == ["6", "0 |"]
    factor = rows[2].split(" | ")  # no MIG: no best setting; one scored, two pending
    assert factor[:4] == ["| FactorVAE", "γ {10, 100}", "no MIG", "0"] and factor[-2:] == ["2", "2 |"]
    assert "Pending (2)" in table and "not evaluated" in table
    assert "eval.json scores step 300, the latest is 400" in table


def test_best_setting_follows_the_score_direction(tmp_path):
    root = str(tmp_path / "runs")
    synthetic_study(root)
    runs = study.read_runs(root, print_fn=lambda _: None)
    assert study.best_setting(runs, "beta", "dci")[0] == 16
    assert study.best_setting(runs, "beta", "gaussian_tc")[0] == 1  # lower is better
    # Seed 1's runs are pending at both strengths: seed 0's values alone.
    assert study.best_setting(runs, "factor", "factor_vae") == (100, [0.6])
    assert [r.strength for r in runs if r.config.objective == "beta"] == [1, 1, 4, 4, 16, 16]


def test_the_figures_have_titles_labels_and_no_empty_panel(tmp_path):
    from vae_tf.figures import study_plots

    root = str(tmp_path / "runs")
    synthetic_study(root)
    runs = study.read_runs(root, print_fn=lambda _: None)
    study.read_udr(runs, root, print_fn=lambda _: None)
    context = study.describe(runs)
    assert context == "dsprites_rendered, 300 steps of 64 images; 400 steps of 64 images"
    mig = study_plots.boxes(runs, "mig", context)
    panels = [ax for ax in mig.axes if ax.get_visible()]
    assert len(panels) == 1 and panels[0].get_xlabel() == "β"
    assert [t.get_text() for t in panels[0].get_xticklabels()] == ["1", "4", "16"]
    assert "dsprites_rendered, 300 steps" in mig._suptitle.get_text()
    heat = study_plots.rank_correlation(runs, ["factor_vae", "mig", "dci"], context)
    assert heat.axes[1].get_ylabel() == "Spearman rank correlation ρ"
    matrix = study_plots.correlation_matrix(runs, ["factor_vae", "mig", "dci"])
    assert matrix[0, 2] == pytest.approx(1.0) and matrix[1, 1] == pytest.approx(1.0)
    scatter = study_plots.udr_scatter(runs, ["factor_vae", "mig", "dci"], context)
    shown = [ax for ax in scatter.axes if ax.get_visible()]
    assert [ax.get_xlabel() for ax in shown] == ["UDR"] * 3


def test_report_refuses_a_folder_without_runs(tmp_path):
    result = subprocess.run([sys.executable, "-m", "vae_tf.study", "report",
                             f"--checkpoint_dir={tmp_path}", f"--out={tmp_path / 'o'}"],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2
    assert "holds no run of the study" in result.stderr


@pytest.mark.slow
def test_a_two_seed_study_end_to_end_on_balls(tmp_path):
    """Two seeds of β-VAE at β 1 on one ball, 200 steps, through run.sh, then the report with
    UDR computed from their checkpoints."""
    lines = [line for line in study.grid_lines("balls", "conv", 2, 200,
                                               str(tmp_path / "study"), ("beta",))
             if line.endswith("--beta=1")]
    grid = tmp_path / "two.grid"
    grid.write_text("\n".join(lines) + "\n")
    result = subprocess.run([os.path.join(ROOT, "run.sh"), "--grid", str(grid), "--figure_dir",
                             str(tmp_path / "figures"), "--metrics=mig,factor_vae",
                             "--metric_points=200", "--log_every=50", "--save_every=100"],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = []
    written = study.report(str(tmp_path / "study"), str(tmp_path / "report"), udr_mode="compute",
                           udr_points=500, print_fn=lines.append)
    text = "\n".join(lines)
    assert "2 runs under" in text and "2 scored, 0 pending" in text
    assert "UDR: 2 of 2 scored runs, from 1 udr.json file" in text
    assert {os.path.basename(p) for p in written} >= {
        "study_mig.png", "study_factor_vae.png", "study_udr.png", "study_rank_correlation.png",
        "study_udr_vs_supervised.png", "study.md"}
    table = (tmp_path / "report" / "study.md").read_text()
    assert "| β-VAE | β {1} | β = 1 | 2 |" in table
    lines.clear()
    study.report(str(tmp_path / "study"), str(tmp_path / "report"), udr_mode="compute",
                 print_fn=lines.append)
    assert any(line.endswith("udr.json is up to date") for line in lines)


STUDY_DOCS = os.path.join(ROOT, "docs", "study", "balls")


def test_the_committed_balls_study_is_what_its_runs_give():
    """docs/study/balls: study.md is the table the committed runs' config.json, eval.json and
    udr.json files give, and every score's figure is there."""
    runs_dir = os.path.join(STUDY_DOCS, "runs")
    runs = study.read_runs(runs_dir, print_fn=lambda _: None)
    assert len(runs) == 36 and all(r.status == "scored" for r in runs)
    study.read_udr(runs, runs_dir, print_fn=lambda _: None)
    names = [name for name, *_ in study.SCORES if any(name in r.scores for r in runs)]
    assert "udr" in names and "irs" in names and "modularity" in names
    with open(os.path.join(STUDY_DOCS, study.TABLE_FILE)) as f:
        assert f.read() == study.table(runs, "mig", names)
    figures = {study.metric_file(name) for name in names} | set(study.FIGURE_FILES.values())
    assert figures <= set(os.listdir(STUDY_DOCS))
    # The README's count of runs still on the mean-frame plateau.
    plateau = [r for r in runs if r.record["held_out"]["reconstruction"] > 160]
    assert len(plateau) == 21
    assert {r.config.objective for r in runs if r not in plateau} >= {"beta", "factor"}
    assert all(r in plateau for r in runs if r.config.objective in ("tcvae", "annealed"))
