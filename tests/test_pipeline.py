"""The Snakemake pipeline: the paper preset plans every rule, and the smoke preset really builds
Figure 4 (and Figure 8, the tables) from nothing, in a scratch directory."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("snakemake", reason="the pipeline needs snakemake (pip install snakemake)")

REPO = Path(__file__).resolve().parents[1]


def snakemake(workdir, *args, timeout=300):
    """Run the repository's Snakefile with `workdir` as the working directory (results/, figures/)."""
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
               "--directory", str(workdir), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result.stdout + result.stderr


def test_paper_preset_dry_run_plans_every_figure_and_table(tmp_path):
    out = snakemake(tmp_path, "-n", "--quiet", "rules")
    for rule in ("point_mass_moment_arms", "arm_moment_arms", "passive_drift", "figure4", "muscle_paths",
                 "figure8", "parameter_tables", "model_description", "figure2", "figure3", "figure7"):
        assert rule in out, f"rule {rule} not planned:\n{out}"
    assert not (tmp_path / "results").exists()


def test_figure_paths_depend_on_the_preset(tmp_path):
    paper = snakemake(tmp_path, "-n", "figures/fig4.pdf")
    assert "results/paper/fig4/passive_drift_arm26.npz" in paper
    quick = snakemake(tmp_path, "-n", "figures/quick/fig4.pdf", "--config", "preset=quick")
    assert "results/quick/fig4/point_mass_moment_arms.npz" in quick


def test_smoke_preset_builds_figure4_without_training(tmp_path):
    snakemake(tmp_path, "--cores", "2", "figures/smoke/fig4.pdf", "figures/smoke/fig8.pdf",
              "results/smoke/tables/tables.md", "--config", "preset=smoke", timeout=240)
    for n in (4, 8):
        for ext in ("pdf", "png"):
            path = tmp_path / "figures" / "smoke" / f"fig{n}.{ext}"
            assert path.stat().st_size > 10_000, path
        assert (tmp_path / "figures" / "smoke" / f"fig{n}.pdf").read_bytes().startswith(b"%PDF")
    results = tmp_path / "results" / "smoke"
    drift = np.load(results / "fig4" / "passive_drift_arm26.npz")
    assert drift["distance"].shape == (7, 7) and int(drift["n_steps"]) == 20   # smoke grid, 200 ms
    positions = pd.read_csv(results / "fig4" / "point_mass_moment_arms_at_positions.csv")
    assert len(positions) == 2 * 4 * 2                                          # positions x muscles x dof
    for k in range(1, 6):
        assert len(pd.read_csv(results / "tables" / f"table{k}.csv")) > 0
    for rule in ("figure4", "passive_drift_arm26", "point_mass_moment_arms"):
        assert (results / "logs" / f"{rule}.log").exists()
        assert (results / "benchmarks" / f"{rule}.tsv").exists()
