import numpy as np
import pytest

from analysis.circular import axial_statistics, mode_locations, rayleigh_test

BINS = np.deg2rad(np.arange(0, 360, 15))


def bimodal_sample(rng, n=300, kappa=4.0, modes_deg=(135, 315)):
    centres = np.deg2rad(np.asarray(modes_deg))[rng.integers(0, len(modes_deg), n)]
    return np.mod(rng.vonmises(centres, kappa), 2 * np.pi)


def histogram(theta):
    """Counts per 15 deg bin centred on BINS."""
    index = np.round(np.mod(theta, 2 * np.pi) / np.deg2rad(15)).astype(int) % len(BINS)
    return np.bincount(index, minlength=len(BINS))


def test_rayleigh_p_matches_monte_carlo_tail_probability_for_small_n():
    rng = np.random.default_rng(0)
    n = 8
    null = np.exp(1j * rng.uniform(0, 2 * np.pi, (200_000, n)))
    z_null = n * np.abs(null.mean(axis=1)) ** 2
    for R in (0.3, 0.5, 0.7):  # z = 0.72, 2, 3.92; exp(-z) would be 1.3-1.4x too large at R = 0.7
        theta = np.concatenate([np.full(n // 2, np.arccos(R)), np.full(n // 2, -np.arccos(R))])
        test = rayleigh_test(theta)
        assert test.R == pytest.approx(R)
        assert test.p == pytest.approx(np.mean(z_null >= test.z), rel=0.1)


def test_rayleigh_statistics_of_a_concentrated_sample():
    theta = np.deg2rad([10, 20, 30])
    test = rayleigh_test(theta)
    assert test.R == pytest.approx(np.abs(np.exp(1j * theta).mean()))
    assert test.z == pytest.approx(3 * test.R**2)
    assert rayleigh_test(np.full(50, 1.0)).p < 1e-10


def test_rayleigh_with_counts_equals_the_expanded_sample():
    counts = np.array([3, 0, 5, 1, 7, 2])
    angles = np.linspace(0, 2 * np.pi, 6, endpoint=False)
    assert rayleigh_test(angles, counts) == pytest.approx(rayleigh_test(np.repeat(angles, counts)))
    assert axial_statistics(angles, counts) == pytest.approx(axial_statistics(np.repeat(angles, counts)))


def test_axial_rayleigh_is_not_significant_for_uniform_angles():
    theta = np.random.default_rng(3).uniform(0, 2 * np.pi, 300)
    assert axial_statistics(theta).p > 0.05


def test_bimodal_mixture_at_135_and_315_deg_is_axial_not_unimodal():
    theta = bimodal_sample(np.random.default_rng(4))
    axial = axial_statistics(theta)
    assert axial.p < 1e-6
    assert abs(np.rad2deg(axial.axis) - 135) < 10
    assert np.rad2deg(axial.opposite) == pytest.approx(np.rad2deg(axial.axis) + 180)
    assert rayleigh_test(theta).R < 0.15  # the two opposite modes cancel without doubling


def test_axial_statistics_accept_mean_counts_over_networks():
    rng = np.random.default_rng(5)
    mean_counts = np.mean([histogram(bimodal_sample(rng, n=90)) for _ in range(8)], axis=0)
    axial = axial_statistics(BINS, mean_counts)
    assert axial.p < 1e-6 and abs(np.rad2deg(axial.axis) - 135) < 10


def test_mode_locations_finds_the_two_modes_at_135_and_315_deg():
    counts = histogram(bimodal_sample(np.random.default_rng(6)))
    modes = np.sort(np.rad2deg(mode_locations(counts, BINS)))
    np.testing.assert_allclose(modes, [135, 315], atol=15)


def test_mode_locations_keeps_modes_apart_and_orders_them_by_height():
    counts = np.zeros(24)
    counts[[0, 4]] = [10.0, 9.0]  # two peaks 60 deg apart: closer than min_separation
    counts[13] = 5.0
    modes = np.rad2deg(mode_locations(counts, BINS, n_modes=2))
    np.testing.assert_allclose(modes, [0, 195])
    np.testing.assert_allclose(np.rad2deg(mode_locations(counts, BINS, 3, min_separation=np.deg2rad(45))), [0, 60, 195])


def test_mode_locations_handles_a_mode_straddling_zero_and_unsorted_bins():
    counts = np.zeros(24)
    counts[[23, 0, 1]] = [8, 10, 8]
    counts[12] = 4
    shuffle = np.random.default_rng(7).permutation(24)
    modes = np.rad2deg(mode_locations(counts[shuffle], BINS[shuffle]))
    np.testing.assert_allclose(modes, [0, 180], atol=1e-9)


def test_mode_locations_smooths_so_a_broad_mode_beats_a_lone_spike():
    counts = np.zeros(24)
    counts[4:9] = [6, 8, 9, 8, 6]  # broad mode at 90 deg
    counts[18] = 10  # single-bin spike at 270 deg
    np.testing.assert_allclose(np.rad2deg(mode_locations(counts, BINS, n_modes=1)), [90])
