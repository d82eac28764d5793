"""The PMD study (Figure 9): planned at the paper's budget with snapshots, and built on the smoke preset."""

import re

import pandas as pd
import pytest

pytest.importorskip("snakemake", reason="the pipeline needs snakemake (pip install snakemake)")

from conftest import snakemake

CELLS = ("baseline", "per_step", "summed_norms", "early_go_cue", "kistemaker")


def test_paper_preset_plans_one_ensemble_job_per_cell_with_snapshots(tmp_path):
    out = snakemake(tmp_path, "-n", "pmd_study")
    for cell in CELLS:
        assert f"train pmd_{cell} seeds 0, 1, 2, 3: 38400 batches x 64 episodes, arm26, GRU 90" in out, out
    assert "results/paper/runs/pmd_baseline/seed3/snapshots/batch001500.pt" in out
    assert re.search(r"^pmd_study_cell\s+5$", out, re.M) and re.search(r"^figure9\s+1$", out, re.M), out


def test_make_run_leaves_figure_9_out_while_its_networks_are_untrained(tmp_path):
    out = snakemake(tmp_path, "-n", "without_training")
    assert "Figure 9 (the PMD study, beyond the paper) is left out: 20 of its 20 networks are not trained" in out
    assert "figure9" not in re.findall(r"^(\w+)\s+\d+$", out, re.M)


@pytest.fixture(scope="module")
def study(smoke):
    snakemake(smoke, "--cores", "2", "pmd_study", "--config", "preset=smoke", timeout=600)
    return smoke


def test_smoke_study_builds_figure_9_from_every_cell_snapshot_and_posture(study):
    results = study / "results" / "smoke" / "pmd_study"
    table = pd.read_csv(results / "pmd_study.csv")
    # 5 cells x 2 snapshots x 2 postures x (2 networks + pooled)
    assert len(table) == 5 * 2 * 2 * 3 and set(table.cell) == set(CELLS)
    at_start = table[(table.shoulder_deg == 45) & (table.elbow_deg == 90)]
    assert (at_start.mass_axis_deg.round(6) == 135.0).all()
    summary = pd.read_csv(results / "summary.csv")
    assert len(summary) == 5 * 2 * 2 and (summary.n_networks == 2).all()
    assert set(pd.read_csv(results / "loss_curves.csv").cell) == set(CELLS)
    for ext in ("pdf", "png"):
        assert (study / "figures" / "smoke" / f"fig9.{ext}").stat().st_size > 10_000


def test_any_snapshot_runs_through_a_test_protocol(study):
    snakemake(
        study,
        "--cores",
        "1",
        "results/smoke/tests/pmd_baseline/seed1/batch000001/test_fig6.npz",
        "--config",
        "preset=smoke",
    )
    meta = (study / "results/smoke/tests/pmd_baseline/seed1/batch000001/test_fig6.json").read_text()
    assert "pmd_baseline/seed1" in meta
