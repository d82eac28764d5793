"""Figure 5 in the smoke pipeline: the figure, one metrics row per test trial, well-formed claim records."""

import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("snakemake", reason="the pipeline needs snakemake (pip install snakemake)")

NETWORKS = {"fig5_perturbation_trained": "perturbation-trained", "fig5_perturbation_free": "perturbation-free"}
# (test, perturbation N) -> trials per network: 8 targets x (0, +-3, +-6 N); 4 directions x (6, 12 N)
TRIALS = {"centre_out": {0.0: 8, 3.0: 8, -3.0: 8, 6.0: 8, -6.0: 8}, "posture": {6.0: 4, 12.0: 4}}


def test_figure_5_is_drawn(smoke):
    for ext in ("pdf", "png"):
        path = smoke / "figures" / "smoke" / f"fig5.{ext}"
        assert path.stat().st_size > 20_000, path


def test_metrics_have_one_row_per_test_trial_of_each_network(smoke):
    metrics = pd.read_csv(smoke / "results" / "smoke" / "fig5_metrics.csv")
    assert len(metrics) == 2 * sum(sum(counts.values()) for counts in TRIALS.values())
    assert dict(zip(metrics.model, metrics.network)) == NETWORKS
    for (model, test), rows in metrics.groupby(["model", "test"]):
        assert rows.perturbation_N.value_counts().to_dict() == TRIALS[test], (model, test)
    assert np.isfinite(metrics[["final_error_m", "max_deviation_m"]].to_numpy()).all()
    assert (metrics.final_error_m >= 0).all() and (metrics.max_deviation_m >= 0).all()
    unperturbed = metrics[metrics.perturbation_N == 0]
    assert (unperturbed.max_deviation_m == 0).all() and unperturbed.perturbation_direction_deg.isna().all()
    # in distribution: up to the training maximum, 4 N in reaches and 8 N in (postural) catch trials
    ood = metrics[~metrics.in_distribution].groupby("test").perturbation_N.apply(lambda m: set(m.abs()))
    assert ood.to_dict() == {"centre_out": {6.0}, "posture": {12.0}}


def test_claims_are_well_formed_records(smoke):
    records = json.loads((smoke / "results" / "smoke" / "claims" / "fig5.json").read_text())
    ids = [r["id"] for r in records]
    assert set(ids) == {
        "fig5_centre_out_final_error_perturbation_trained",
        "fig5_centre_out_final_error_perturbation_free",
        "fig5_posture_return_error",
        "fig5_posture_ratio",
    }
    for r in records:
        assert set(r) == {"id", "figure", "claim", "statistic", "value", "comparison", "threshold", "n", "pass"}
        assert r["figure"] == 5 and r["n"] > 0 and np.isfinite(r["value"]) and isinstance(r["pass"], bool)
        assert r["pass"] == {"<": r["value"] < r["threshold"], ">": r["value"] > r["threshold"]}[r["comparison"]]
