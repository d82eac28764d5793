import numpy as np
import pytest

from analysis.pmd import pmd_counts, pmd_regression, sort_by_pmd, window_mean_activity

ANGLES = np.deg2rad(np.arange(0, 360, 15))  # the paper's 24 test directions


def circular_distance(a, b):
    return np.abs(np.angle(np.exp(1j * (np.asarray(a) - np.asarray(b)))))


def cosine_units(preferred, rng, noise=0.01, baseline=0.5, gain=0.4):
    """(n_directions, n_units) activity of cosine-tuned units, positive baseline."""
    tuning = baseline + gain * np.cos(ANGLES[:, None] - preferred[None, :])
    return tuning + noise * rng.standard_normal(tuning.shape)


def test_window_mean_activity_averages_the_window_after_go_plus_delay_per_trial():
    n_trials, n_steps, n_units = 3, 40, 2
    hidden = np.broadcast_to(np.arange(n_steps, dtype=float)[None, :, None], (n_trials, n_steps, n_units))
    go_step = np.array([10, 12, 20])
    mean = window_mean_activity(hidden, go_step, delay_steps=5, window_steps=15)
    # activity equals the step index, so the mean is the window's middle step
    np.testing.assert_allclose(mean, np.repeat((go_step + 5 + 7)[:, None], n_units, axis=1))
    np.testing.assert_allclose(window_mean_activity(hidden, 10, 5, 15), 22.0)


def test_window_mean_activity_rejects_a_window_past_the_episode():
    with pytest.raises(ValueError):
        window_mean_activity(np.zeros((2, 30, 1)), 10, 5, 16)


def test_pmd_regression_recovers_preferred_directions_of_cosine_tuned_units():
    rng = np.random.default_rng(0)
    preferred = rng.uniform(0, 2 * np.pi, 90)
    result = pmd_regression(cosine_units(preferred, rng), ANGLES)
    assert result.beta.shape == (90, 24)
    np.testing.assert_allclose(result.angles, ANGLES)
    # within one bin: the bin nearest to the preferred direction or a neighbour of it
    assert np.all(circular_distance(result.pmd, preferred) <= np.deg2rad(22.5))
    assert np.mean(circular_distance(result.pmd, preferred) <= np.deg2rad(7.5)) > 0.5


def test_pmd_regression_normalises_each_unit_to_zero_one_with_pmd_at_one():
    rng = np.random.default_rng(1)
    result = pmd_regression(cosine_units(rng.uniform(0, 2 * np.pi, 20), rng), ANGLES)
    np.testing.assert_allclose(result.beta.min(axis=1), 0.0)
    np.testing.assert_allclose(result.beta.max(axis=1), 1.0)
    np.testing.assert_allclose(result.beta[np.arange(20), np.searchsorted(result.angles, result.pmd)], 1.0)


def test_pmd_regression_uses_absolute_beta_so_strong_suppression_wins():
    activity = np.zeros((24, 1))
    activity[3] = 0.5
    activity[10] = -0.9
    result = pmd_regression(activity, ANGLES)
    assert result.pmd[0] == pytest.approx(ANGLES[10])
    assert result.beta[0, 3] == pytest.approx(0.5 / 0.9)


def test_pmd_regression_averages_repeated_trials_of_a_direction():
    rng = np.random.default_rng(2)
    activity = rng.normal(size=(48, 5))
    trial_angles = np.concatenate([ANGLES, ANGLES + 2 * np.pi])  # same 24 directions, wrapped
    pooled = pmd_regression(activity, trial_angles)
    mean = pmd_regression((activity[:24] + activity[24:]) / 2, ANGLES)
    np.testing.assert_allclose(pooled.beta, mean.beta)
    np.testing.assert_allclose(pooled.pmd, mean.pmd)


def test_pmd_regression_gives_flat_unit_zero_beta_and_nan_pmd():
    activity = np.column_stack([np.zeros(24), np.cos(ANGLES) + 2])
    result = pmd_regression(activity, ANGLES)
    np.testing.assert_array_equal(result.beta[0], 0.0)
    assert np.isnan(result.pmd[0]) and result.pmd[1] == 0.0


def test_pmd_counts_bins_to_nearest_direction_across_zero_and_skips_nan():
    pmd = np.deg2rad([0, 359, 7, 8, 180, np.nan])
    counts = pmd_counts(pmd, ANGLES)
    assert counts.sum() == 5
    assert counts[0] == 3 and counts[1] == 1 and counts[12] == 1


def test_sort_by_pmd_orders_units_by_increasing_pmd_nan_last():
    pmd = np.array([3.0, np.nan, 1.0, 2.0, 1.0])
    order = sort_by_pmd(np.zeros((5, 24)), pmd)
    np.testing.assert_array_equal(order, [2, 4, 3, 0, 1])
