import numpy as np
import pandas as pd
import pytest

from analysis import ablation


def test_axial_mean_wraps_at_180_degrees():
    mean, spread = ablation.axial_mean_and_spread([170.0, 10.0])  # the same axis, either side of 0/180
    assert min(mean, 180 - mean) == pytest.approx(0.0, abs=1e-9)
    assert spread == pytest.approx(np.rad2deg(np.sqrt(-2 * np.log(np.cos(np.deg2rad(20))))) / 2)
    assert ablation.axial_mean_and_spread([135.0, 135.0]) == pytest.approx((135.0, 0.0))


def test_network_row_measures_mode_distances_on_the_circle():
    row = ablation.network_row(
        {"axial_axis_deg": 120.0, "axial_p": 1e-3, "mode_1_deg": 105.0, "mode_2_deg": 345.0}, (135, 320)
    )
    assert row["mode_135_distance_deg"] == 30.0 and row["mode_320_distance_deg"] == 25.0
    assert (
        ablation.network_row(
            {"axial_axis_deg": 0.0, "axial_p": 1.0, "mode_1_deg": np.nan, "mode_2_deg": np.nan}, (135,)
        )["mode_135_distance_deg"]
        == 180.0
    )


def test_summary_has_one_row_per_cell_with_mean_and_spread():
    table = pd.DataFrame(
        {
            "muscle": ["a", "a", "b", "b"],
            "seed": [0, 1, 0, 1],
            "pmd_axis_deg": [100.0, 110.0, 130.0, 140.0],
            "endpoint_error_m": [0.01, 0.03, 0.02, 0.02],
        }
    )
    summary = ablation.summarise(table, ["muscle"]).set_index("muscle")
    assert summary.loc["a", "pmd_axis_deg_mean"] == pytest.approx(105.0)
    assert summary.loc["b", "endpoint_error_m_mean"] == pytest.approx(0.02)
    assert summary.loc["a", "endpoint_error_m_spread"] == pytest.approx(np.std([0.01, 0.03], ddof=1))
    assert list(summary.n_networks) == [2, 2]
