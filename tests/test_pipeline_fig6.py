"""Figure 6 in the smoke preset: the PMD regression of every network, the statistics, the claims, the plot."""

import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("snakemake", reason="the pipeline needs snakemake (pip install snakemake)")

from analysis.claims import COMPARISONS

SEEDS, UNITS, DIRECTIONS = 2, 8, 24  # smoke preset: 2 networks per effector, GRU 8; 24 targets
MODELS = ("fig6_arm26", "fig6_point_mass")


def test_figure6_is_drawn(smoke):
    for ext in ("pdf", "png"):
        path = smoke / "figures" / "smoke" / f"fig6.{ext}"
        assert path.stat().st_size > 50_000, path
    assert (smoke / "figures" / "smoke" / "fig6.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("model", MODELS)
def test_pmd_files_have_one_row_per_unit_per_network(smoke, model):
    results = smoke / "results" / "smoke" / "fig6"
    table = pd.read_csv(results / f"pmd_{model}.csv")
    assert len(table) == SEEDS * UNITS
    assert not table.duplicated(["seed", "unit"]).any() and set(table.model) == {model}
    pmd = table.pmd_deg.dropna()
    assert len(pmd) > 0 and ((pmd >= 0) & (pmd < 360)).all()
    assert np.allclose(pmd % 15, 0)  # PMDs are test directions
    beta = np.load(results / f"pmd_{model}.npz")
    assert beta["beta"].shape == (SEEDS, UNITS, DIRECTIONS)
    assert beta["beta"].min() >= 0 and beta["beta"].max() <= 1
    np.testing.assert_allclose(np.rad2deg(beta["pmd"]).ravel(), table.pmd_deg, equal_nan=True, atol=1e-4)
    assert (smoke / "results" / "smoke" / "logs" / f"pmd_{model}.log").exists()


def test_fig6_metrics_have_a_row_per_network_and_a_pooled_row_per_effector(smoke):
    metrics = pd.read_csv(smoke / "results" / "smoke" / "fig6_metrics.csv", dtype={"network": str})
    assert len(metrics) == 2 * (SEEDS + 1)
    for effector in ("arm26", "point_mass"):
        assert list(metrics[metrics.effector == effector].network) == ["0", "1", "pooled"]
    assert ((metrics.axial_p >= 0) & (metrics.axial_p <= 1)).all()
    assert np.isfinite(metrics.ridge_deviation_deg).all()


def test_fig6_claims_are_well_formed_records(smoke):
    records = json.loads((smoke / "results" / "smoke" / "claims" / "fig6.json").read_text())
    assert len(records) >= 6 and len({r["id"] for r in records}) == len(records)
    keys = {"id", "figure", "claim", "statistic", "value", "comparison", "threshold", "n", "pass"}
    for r in records:
        assert set(r) == keys and r["figure"] == 6 and r["id"].startswith("fig6_")
        assert r["comparison"] in COMPARISONS and isinstance(r["pass"], bool) and r["n"] > 0
        assert r["pass"] == COMPARISONS[r["comparison"]](r["value"], r["threshold"])
