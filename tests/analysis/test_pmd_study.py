"""The PMD study's statistics (analysis.pmd_study)."""

import numpy as np
import pandas as pd
import pytest

from analysis.pmd_study import axial_distance_deg, axis_rows, loss_curve, summarise
from motornet.loss import TERMS


@pytest.mark.parametrize("a, b, distance", [(135, 105, 30), (175, 5, 10), (0, 90, 90), (10, 190, 0)])
def test_axial_distance_treats_an_axis_and_its_opposite_alike(a, b, distance):
    assert axial_distance_deg(a, b) == pytest.approx(distance)


def test_units_tuned_to_two_opposite_directions_give_that_axis_and_its_ellipse_distances():
    angles = np.deg2rad(np.arange(0, 360, 15))
    pmd = np.deg2rad(np.array([[135.0] * 10 + [315.0] * 10, [120.0] * 10 + [300.0] * 10]))
    beta = (np.abs(angles - pmd[..., None]) < 1e-9).astype(float)  # each unit's |beta| peaks at its PMD
    table = axis_rows(pmd, beta, angles, [0, 1], {"mass": 135.0, "joint": 105.0})
    assert list(table.network) == ["0", "1", "pooled"]
    np.testing.assert_allclose(table.pmd_axis_deg[:2], [135, 120], atol=1e-9)
    np.testing.assert_allclose(table.mass_distance_deg[:2], [0, 15], atol=1e-9)
    np.testing.assert_allclose(table.joint_distance_deg[:2], [30, 15], atol=1e-9)
    assert table.axial_p[0] < 1e-6


def test_loss_curves_average_the_logged_rows_of_each_bin():
    log = pd.DataFrame({"batch": [10, 20, 30, 40], **{t: [1.0, 3.0, 5.0, 7.0] for t in TERMS}})
    curve = loss_curve(log, 20)
    assert list(curve.batch) == [20, 40] and list(curve.position) == [2.0, 6.0]


def test_summary_spreads_over_networks_and_keeps_the_pooled_axis():
    rows = []
    for network, axis in (("0", 100.0), ("1", 110.0), ("pooled", 105.0)):
        rows.append(
            {
                "cell": "baseline",
                "batch": 3000,
                "shoulder_deg": 45,
                "elbow_deg": 90,
                "network": network,
                "pmd_axis_deg": axis,
                "axial_p": 0.01 if network == "0" else 0.2,
                "mass_axis_deg": 135.0,
                "joint_axis_deg": 105.0,
                "mass_distance_deg": 135.0 - axis,
                "joint_distance_deg": abs(axis - 105.0),
                "endpoint_error_m": 0.01,
                **{t: 1.0 for t in TERMS},
            }
        )
    row = summarise(pd.DataFrame(rows)).iloc[0]
    assert row.n_networks == 2 and row.pooled_axis_deg == 105.0
    assert row.axis_deg_mean == pytest.approx(105.0) and row.axis_deg_spread > 0
    assert row.significant_fraction == 0.5 and row.mass_distance_deg_mean == pytest.approx(30.0)
