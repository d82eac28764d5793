"""Figure 4 sweeps: the maps are the effector's own geometry, moment arms are +dL/dq of the swept
length, and passive drift behaves as physics says it must."""

import numpy as np
import pytest
import torch
from scipy.optimize import root

import motornet as mn
from analysis import sweeps


@pytest.fixture(params=["point_mass", "arm26_geometric", "arm26"])
def effector(request):
    make = {
        "point_mass": mn.effector.ReluPointMass24,
        "arm26_geometric": mn.effector.GeometricArm26,
        "arm26": mn.effector.RigidTendonArm26,
    }[request.param]
    return make().double()


def test_grid_spans_the_position_bounds(effector):
    g0, g1 = sweeps.state_grid(effector, 5)
    lower, upper = effector.pos_lower_bound.numpy(), effector.pos_upper_bound.numpy()
    assert g0.shape == g1.shape == (5, 5)
    np.testing.assert_allclose([g0.min(), g1.min()], lower)
    np.testing.assert_allclose([g0.max(), g1.max()], upper)
    assert np.all(np.diff(g0[:, 0]) > 0) and np.all(g0[:, 0] == g0[:, 3])  # axis 0 runs along dof 0


def test_moment_arm_map_equals_effector_geometry_at_sampled_points(effector):
    sweep = sweeps.moment_arm_map(effector, 11)
    rng = np.random.default_rng(0)
    for i, j in rng.integers(0, 11, size=(6, 2)):
        joint = torch.tensor([[sweep["q0"][i], sweep["q1"][j], 0.0, 0.0]], dtype=torch.float64)
        geometry = effector.get_geometry(joint)[0].numpy()
        np.testing.assert_allclose(sweep["length"][i, j], geometry[0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(sweep["moment_arm"][i, j], geometry[2:], rtol=0, atol=1e-12)


def test_moment_arm_equals_plus_length_gradient_of_the_sweep(effector):
    """Central differences of the swept musculotendon length along each grid axis give dL/dq
    (our sign convention: +dL/dq, negative for a flexor)."""
    n = 401
    sweep = sweeps.moment_arm_map(effector, n)
    for d, axis in enumerate(("q0", "q1")):
        gradient = np.gradient(sweep["length"], sweep[axis], axis=d)[1:-1, 1:-1]
        np.testing.assert_allclose(gradient, sweep["moment_arm"][1:-1, 1:-1, d], rtol=0, atol=5e-5)


def test_point_mass_moment_arms_are_unit_vectors_from_the_anchor():
    effector = mn.effector.ReluPointMass24().double()
    at = sweeps.moment_arms_at(effector, [[0.0, 0.0], [0.0, -0.9]])
    anchors = np.array([effector.get_muscle_cfg()[n]["coordinates"][0] for n in effector.muscle_name])
    for p, position in enumerate(at["position"]):
        expected = (position - anchors) / np.linalg.norm(position - anchors, axis=1, keepdims=True)
        np.testing.assert_allclose(at["moment_arm"][p], expected.T, atol=1e-12)
    # Paper 2.3.1: at the centre every muscle moves x and y equally; at (0, -0.9) the lower muscles
    # act more along x than along y.
    np.testing.assert_allclose(np.abs(at["moment_arm"][0]), np.sqrt(0.5), atol=1e-12)
    lower = [effector.muscle_name.index("LowerRight"), effector.muscle_name.index("LowerLeft")]
    assert np.all(np.abs(at["moment_arm"][1, 0, lower]) > np.abs(at["moment_arm"][1, 1, lower]))


def test_mono_articular_extensor_and_bi_articular_flexor_signs():
    """Paper 2.3.2: tricepslat has zero shoulder and positive elbow moment arms everywhere; biceps
    has negative moment arms at both joints."""
    effector = mn.effector.GeometricArm26().double()
    sweep = sweeps.moment_arm_map(effector, 31)
    tricepslat = sweep["moment_arm"][..., effector.muscle_name.index("tricepslat")]
    biceps = sweep["moment_arm"][..., effector.muscle_name.index("biceps")]
    np.testing.assert_allclose(tricepslat[..., 0], 0.0, atol=1e-12)
    assert np.all(tricepslat[..., 1] > 0)
    assert np.all(biceps < 0)


def test_passive_drift_is_zero_when_muscles_produce_no_force():
    """ReLU muscles at zero excitation have zero activation, hence zero force: nothing moves."""
    drift = sweeps.passive_drift(mn.effector.ReluPointMass24().double(), n=5)
    np.testing.assert_array_equal(drift["distance"], 0.0)
    assert drift["n_steps"] == 20 and drift["duration"] == pytest.approx(0.2)


def test_passive_drift_vanishes_at_a_static_equilibrium():
    """Find a posture of the geometric arm where the resting muscle torques cancel; starting there at
    rest, zero excitation must leave the endpoint where it is."""
    effector = mn.effector.GeometricArm26().double()

    def resting_torque(q):
        joint = torch.tensor([[q[0], q[1], 0.0, 0.0]], dtype=torch.float64)
        geometry = effector.get_geometry(joint)
        muscle = effector.muscle.get_initial_muscle_state(1, geometry)
        return (-(muscle[:, -1:] * geometry[:, 2:]).sum(-1))[0].numpy()

    solution = root(resting_torque, np.radians([60.0, 100.0]), tol=1e-13)
    assert solution.success
    lower, upper = effector.pos_lower_bound.numpy(), effector.pos_upper_bound.numpy()
    assert np.all(solution.x > lower) and np.all(solution.x < upper)
    start, end, _, _ = sweeps.drift_from(effector, solution.x[None], duration=0.2)
    np.testing.assert_allclose(end, start, atol=1e-9)
    # Away from it, the same arm does drift.
    start, end, _, _ = sweeps.drift_from(effector, (solution.x + 0.3)[None], duration=0.2)
    assert np.linalg.norm(end - start) > 1e-4


def test_batched_drift_equals_one_trial_at_a_time():
    effector = mn.effector.GeometricArm26().double()
    drift = sweeps.passive_drift(effector, n=4)
    for i, j in [(0, 0), (3, 1), (2, 3)]:
        start, end, _, _ = sweeps.drift_from(effector, [[drift["q0"][i], drift["q1"][j]]])
        np.testing.assert_allclose(end[0] - start[0], drift["displacement"][i, j], rtol=0, atol=1e-12)


def test_geometric_arm_drift_is_small_at_the_centre_and_large_at_the_edges():
    """Paper 2.3.3: drift is negligible in the centre of the joint space and grows toward its edges,
    where muscles are stretched beyond their slack length."""
    drift = sweeps.passive_drift(mn.effector.GeometricArm26().double(), n=21)["distance"]
    centre = drift[7:14, 7:14]
    edge = np.concatenate([drift[0], drift[-1], drift[:, 0], drift[:, -1]])
    assert centre.max() < 5e-3  # m
    assert edge.max() > 10 * centre.max()


def test_muscle_paths_start_at_world_anchors_and_follow_the_bones():
    effector = mn.effector.GeometricArm26().double()
    posture = np.radians([45.0, 90.0])
    paths = sweeps.muscle_paths(effector, posture)
    joints = sweeps.arm_segments(effector, posture)
    cfg = effector.get_muscle_cfg()
    for name, xy, body in zip(paths["muscle_name"], paths["paths"], paths["bodies"]):
        local = np.asarray(cfg[name]["coordinates"])
        for point, b, (u, w) in zip(xy, body, local):
            if b == 0:
                np.testing.assert_allclose(point, (u, w), atol=1e-12)
            else:
                origin, tip = joints[b - 1], joints[b]
                along = (tip - origin) / np.linalg.norm(tip - origin)
                normal = np.array([-along[1], along[0]])
                np.testing.assert_allclose(point, origin + u * along + w * normal, atol=1e-12)


def test_moment_arm_comparison_counts_sign_agreement_and_size_ratio():
    grid = np.zeros((2, 2, 2, 1))
    reference = {"muscle_name": np.array(["m"]), "moment_arm": grid.copy()}
    reference["moment_arm"][..., 0, 0] = [[-0.02, -0.02], [-0.02, -0.02]]
    other = {"muscle_name": np.array(["m"]), "moment_arm": grid.copy()}
    other["moment_arm"][..., 0, 0] = [[-0.04, -0.04], [-0.04, 0.04]]  # one point of four flips sign
    table = sweeps.compare_moment_arms(reference, other).set_index("dof")
    assert table.loc["shoulder", "sign_agreement"] == 0.75
    assert table.loc["shoulder", "mean_abs_ratio"] == pytest.approx(2.0)
    assert table.loc["elbow", "sign_agreement"] == 1.0 and np.isnan(table.loc["elbow", "mean_abs_ratio"])


def test_geometric_and_polynomial_arm26_moment_arms_agree_in_sign_and_rough_size():
    """The path coordinates (docs/model.md §4.4) against Kistemaker's polynomial: each muscle acts the same way
    at each joint over >= 90 % of the joint range (paths without wrapping lose their moment arm near
    shoulder 0 deg) and within a factor of 3 on average; where the polynomial has no moment arm, neither
    has the path."""
    poly = sweeps.moment_arm_map(mn.effector.RigidTendonArm26().double(), 21)
    geom = sweeps.moment_arm_map(mn.effector.GeometricArm26().double(), 21)
    table = sweeps.compare_moment_arms(poly, geom)
    acting = table.reference_mean.abs() > 1e-6
    assert (table[acting].sign_agreement >= 0.9).all(), table
    assert table[acting].mean_abs_ratio.between(1 / 3, 3).all(), table
    assert (table[~acting][["other_min", "other_max"]].abs() < 1e-9).all().all(), table
