import numpy as np
import pytest

from analysis.pmd import pmd_regression
from analysis.pmd_claims import POOLED, distribution_statistics, fig6_claims, pmd_statistics

ANGLES = np.deg2rad(np.arange(0, 360, 15))  # the paper's 24 test directions


def networks(preferred_sampler, rng, n_networks=8, n_units=90):
    """pmd_statistics of n_networks of cosine-tuned units whose preferred directions come from the sampler."""
    pmds, betas = [], []
    for _ in range(n_networks):
        preferred = preferred_sampler(rng, n_units)
        activity = 0.5 + 0.4 * np.cos(ANGLES[:, None] - preferred[None, :])
        result = pmd_regression(activity + 0.02 * rng.standard_normal(activity.shape), ANGLES)
        pmds.append(result.pmd)
        betas.append(result.beta)
    return pmd_statistics(np.array(pmds), np.array(betas), ANGLES, np.arange(n_networks))


def bimodal(rng, n):
    """PMDs at 135 and 320 deg (von Mises, kappa 8), as the paper reports for arm26 networks."""
    return rng.vonmises(np.deg2rad([135, 320])[rng.integers(0, 2, n)], 8.0)


def uniform(rng, n):
    return rng.uniform(0, 2 * np.pi, n)


def verdicts(records):
    return {r["id"]: r["pass"] for r in records}


def test_distribution_statistics_of_a_two_mode_histogram():
    counts = np.zeros(24)
    counts[[8, 9, 10]] = [5, 10, 5]  # 120-150 deg
    counts[[20, 21, 22]] = [4, 8, 4]  # 300-330 deg
    stats = distribution_statistics(counts, ANGLES)
    assert stats["n"] == 36
    assert stats["axial_axis_deg"] == pytest.approx(135, abs=1)
    assert stats["axial_p"] < 1e-6 and stats["rayleigh_R"] < 0.2
    assert (stats["mode_1_deg"], stats["mode_2_deg"]) == pytest.approx((135, 315))


def test_pmd_statistics_has_one_row_per_network_and_a_pooled_row():
    table = networks(uniform, np.random.default_rng(0), n_networks=3, n_units=20)
    assert list(table.network) == ["0", "1", "2", POOLED]
    assert table.n.tolist() == [20, 20, 20, 20]
    assert table.ridge_deviation_deg.iloc[-1] == pytest.approx(table.ridge_deviation_deg.iloc[:3].mean())


def test_bimodal_arm26_and_uniform_point_mass_pmds_support_every_claim():
    rng = np.random.default_rng(1)
    records = fig6_claims(networks(bimodal, rng), networks(uniform, rng))
    assert {r["figure"] for r in records} == {6}
    assert all(verdicts(records).values()), records


def test_uniform_arm26_pmds_fail_the_bimodality_claims():
    rng = np.random.default_rng(2)
    result = verdicts(fig6_claims(networks(uniform, rng), networks(uniform, rng)))
    assert not result["fig6_arm26_pmd_axial_pooled"]
    assert not result["fig6_arm26_pmd_axial_networks"]
    assert not result["fig6_pmd_axial_resultant_ratio"]


def test_bimodal_point_mass_pmds_fail_the_uniformity_and_ridge_claims():
    rng = np.random.default_rng(3)
    result = verdicts(fig6_claims(networks(uniform, rng), networks(bimodal, rng)))
    assert not result["fig6_point_mass_pmd_axial_pooled"]
    assert not result["fig6_pmd_axial_resultant_ratio"]
    assert not result["fig6_ridge_deviation_ratio"]


def test_modes_away_from_135_and_320_deg_fail_the_mode_claims():
    rng = np.random.default_rng(4)
    rotated = networks(lambda rng, n: bimodal(rng, n) + np.deg2rad(60), rng)
    result = verdicts(fig6_claims(rotated, networks(uniform, rng)))
    assert result["fig6_arm26_pmd_axial_pooled"]
    assert not result["fig6_arm26_pmd_mode_135"] and not result["fig6_arm26_pmd_mode_320"]
