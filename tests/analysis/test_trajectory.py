import numpy as np
import pytest

from analysis.trajectory import (
    endpoint_error,
    max_distance,
    max_lateral_deviation,
    path_straightness,
    return_error,
    time_to_target,
)

START = np.zeros((8, 2))
TARGET = 0.1 * np.column_stack([np.cos(np.deg2rad(np.arange(0, 360, 45))), np.sin(np.deg2rad(np.arange(0, 360, 45)))])


def straight_reaches(n_steps=50):
    fraction = np.linspace(0, 1, n_steps)[None, :, None]
    return START[:, None] + fraction * (TARGET - START)[:, None]


def arc(chord, sagitta, n_steps=2001):
    """Circular arc from (0, 0) to (chord, 0) bulging to +y by `sagitta` (m)."""
    radius = (chord**2 / 4 + sagitta**2) / (2 * sagitta)
    half_angle = np.arcsin(chord / (2 * radius))
    phi = np.linspace(-half_angle, half_angle, n_steps)
    xy = np.column_stack([chord / 2 + radius * np.sin(phi), radius * np.cos(phi) - (radius - sagitta)])
    return xy[None], 2 * radius * half_angle


def test_straight_reaches_have_straightness_one_and_no_lateral_deviation():
    xy = straight_reaches()
    np.testing.assert_allclose(path_straightness(xy, START, TARGET), 1.0)
    np.testing.assert_allclose(max_lateral_deviation(xy, START, TARGET), 0.0, atol=1e-15)
    np.testing.assert_allclose(endpoint_error(xy, TARGET), 0.0, atol=1e-15)


def test_arc_of_known_sagitta_gives_that_deviation_and_its_arc_length_ratio():
    xy, length = arc(chord=0.1, sagitta=0.02)
    start, target = np.zeros((1, 2)), np.array([[0.1, 0.0]])
    assert max_lateral_deviation(xy, start, target)[0] == pytest.approx(0.02, rel=1e-6)
    assert path_straightness(xy, start, target)[0] == pytest.approx(length / 0.1, rel=1e-5)
    assert path_straightness(xy, start, target)[0] > 1.05


def test_straightness_to_the_target_circle_ignores_wandering_once_on_the_target():
    reach = straight_reaches(n_steps=1001)
    angle = np.linspace(0, 20 * np.pi, 500)
    wander = TARGET[:, None] + 0.008 * np.stack([np.cos(angle), np.sin(angle)], axis=-1)[None]  # 8 mm circles
    xy = np.concatenate([reach, wander], axis=1)
    assert (path_straightness(xy, START, TARGET) > 4).all()  # the whole path counts
    np.testing.assert_allclose(path_straightness(xy, START, TARGET, radius=0.01), 1.0, atol=2e-3)
    # a curved reach stays curved; one that never comes within the radius counts its whole path
    bent, _ = arc(chord=0.1, sagitta=0.02)
    start, target = np.zeros((1, 2)), np.array([[0.1, 0.0]])
    assert path_straightness(bent, start, target, radius=0.01)[0] > 1.05
    short = bent[:, :1000]
    np.testing.assert_allclose(
        path_straightness(short, start, target, radius=0.001),
        path_straightness(short, start, target) * 0.1 / 0.099,
        rtol=1e-12,
    )


def test_lateral_deviation_is_positive_counter_clockwise_and_negative_clockwise():
    xy, _ = arc(chord=0.1, sagitta=0.02)
    start, target = np.zeros((1, 2)), np.array([[0.1, 0.0]])
    # mirrored arc (bulging to -y, right of a rightward reach): clockwise, negative
    mirrored = xy * np.array([1, -1])
    assert max_lateral_deviation(mirrored, start, target)[0] == pytest.approx(-0.02, rel=1e-6)
    # rotating the whole reach by 90 deg keeps the side relative to the reach direction
    rotate = np.array([[0, 1], [-1, 0]])  # row vectors: (x, y) -> (-y, x)
    assert max_lateral_deviation(xy @ rotate, start, target @ rotate)[0] == pytest.approx(0.02, rel=1e-6)


def test_endpoint_error_over_last_steps_averages_distance_to_target():
    xy = np.zeros((1, 10, 2))
    xy[0, -3:, 0] = [0.03, 0.02, 0.01]
    target = np.zeros((1, 2))
    assert endpoint_error(xy, target)[0] == pytest.approx(0.01)
    assert endpoint_error(xy, target, last_steps=3)[0] == pytest.approx(0.02)


def test_return_error_is_distance_from_start_at_the_end():
    xy = np.zeros((2, 5, 2))
    xy[0, -1] = [0.003, 0.004]
    np.testing.assert_allclose(return_error(xy, np.zeros((2, 2))), [0.005, 0.0])


def test_time_to_target_is_first_entry_into_the_radius_or_nan():
    xy = straight_reaches(n_steps=11)  # 1 cm per step towards a 10 cm target
    times = time_to_target(xy, TARGET, radius=0.0151, dt=0.01)
    np.testing.assert_allclose(times, 0.09)  # 1 cm left after 9 steps; 2 cm after 8
    never = time_to_target(xy[:, :5], TARGET, radius=0.01, dt=0.01)
    assert np.all(np.isnan(never))


def test_max_distance_from_a_point_is_the_largest_excursion():
    xy = straight_reaches()
    np.testing.assert_allclose(max_distance(xy, START), 0.1)
    np.testing.assert_allclose(max_distance(xy, TARGET), 0.1)


def test_max_distance_from_a_trajectory_is_the_largest_pointwise_gap():
    reference = straight_reaches()
    bump = np.zeros_like(reference)
    bump[:, 20] = [0.0, 0.03]
    bump[:, 30] = [0.01, 0.0]
    np.testing.assert_allclose(max_distance(reference + bump, reference), 0.03)
    np.testing.assert_allclose(max_distance(reference, reference), 0.0)
