import numpy as np
import pytest

from analysis.pmd import pmd_regression, sort_by_pmd
from analysis.ridge import ridge_deviation

ANGLES = np.deg2rad(np.arange(0, 360, 15))


def sorted_beta(preferred, rng):
    activity = 0.5 + 0.4 * np.cos(ANGLES[:, None] - preferred[None, :])
    result = pmd_regression(activity + 0.05 * rng.standard_normal(activity.shape), ANGLES)
    return result.beta[sort_by_pmd(result.beta, result.pmd)]


def test_ridge_of_evenly_spaced_peaks_is_a_straight_line():
    beta = np.eye(24)[np.random.default_rng(1).permutation(24)]  # one unit per direction
    assert ridge_deviation(beta, ANGLES) == pytest.approx(0.0, abs=1e-9)


def test_ridge_of_two_point_modes_180_deg_apart_deviates_45_deg():
    beta = np.eye(24)[np.repeat([9, 21], 50)]  # 135 and 315 deg
    assert ridge_deviation(beta, ANGLES) == pytest.approx(45.0, abs=0.1)


def test_ridge_is_straight_for_uniform_pmds_and_a_staircase_for_bimodal_pmds():
    rng = np.random.default_rng(0)
    uniform = ridge_deviation(sorted_beta(rng.uniform(0, 2 * np.pi, 90), rng), ANGLES)
    modes = np.deg2rad(np.array([135, 315]))[rng.integers(0, 2, 90)]
    bimodal = ridge_deviation(sorted_beta(rng.vonmises(modes, 16.0), rng), ANGLES)
    assert uniform < 15
    assert bimodal > 20
    assert bimodal > 2 * uniform


def test_ridge_deviation_does_not_depend_on_where_zero_deg_lies():
    beta = np.eye(24)[np.repeat(np.arange(4, 9), 10).tolist() + np.repeat(np.arange(16, 21), 10).tolist()]
    rotated = np.roll(beta, -6, axis=1)  # modes now straddle 0 and 180 deg
    assert ridge_deviation(rotated, ANGLES) == pytest.approx(ridge_deviation(beta, ANGLES))


def test_ridge_deviation_skips_flat_units():
    beta = np.vstack([np.eye(24), np.zeros((5, 24))])
    assert ridge_deviation(beta, ANGLES) == pytest.approx(0.0, abs=1e-9)
