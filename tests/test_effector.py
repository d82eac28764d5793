"""Effector integration: energy, gradients, drift, and trajectories against the spec's equations."""

import math

import numpy as np
import pytest
import torch

import motornet as mn
from motornet.effector import ARM26_MUSCLES, ARM26_POLYNOMIAL, ARM26_SKELETON


def free_arm(method, dt):
    """arm26's skeleton with one force-free muscle (ReLU, zero excitation) and no bounds in reach."""
    params = {k: v for k, v in ARM26_SKELETON.items() if not k.startswith("pos_")}
    skeleton = mn.skeleton.TwoDofArm(**params, pos_lower_bound=-100.0, pos_upper_bound=100.0)
    effector = mn.effector.Effector(skeleton, mn.muscle.ReluMuscle(), timestep=dt, integration_method=method)
    effector.add_muscle(path_fixation_body=(0, 2), path_coordinates=((0.1, 0.0), (0.1, 0.0)), max_isometric_force=1.0)
    return effector.double()


def arm_energy(skeleton, joint):
    q2, qd1, qd2 = joint[:, 1], joint[:, 2], joint[:, 3]
    m11 = skeleton._c11 + skeleton._k11 * torch.cos(q2)
    m12 = skeleton._c12 + skeleton.coriolis * torch.cos(q2)
    return 0.5 * (m11 * qd1**2 + 2 * m12 * qd1 * qd2 + skeleton._c12 * qd2**2)


@pytest.mark.parametrize("method, tolerance", [("rk4", 1e-9), ("euler", 1e-2)])
def test_free_arm_conserves_kinetic_energy(method, tolerance):
    effector = free_arm(method, dt=1e-3)
    effector.reset(options={"joint_state": [[0.5, 1.0, 2.0, -3.0]]})
    e0 = arm_energy(effector.skeleton, effector.states["joint"])
    zero = torch.zeros(1, 1, dtype=torch.float64)
    for _ in range(1000):
        effector.step(zero)
    e1 = arm_energy(effector.skeleton, effector.states["joint"])
    assert abs(e1 - e0).item() / e0.item() < tolerance
    assert not torch.allclose(effector.states["joint"][:, :2], torch.tensor([[0.5, 1.0]], dtype=torch.float64))


def test_rk4_is_fourth_order_accurate():
    def final_state(dt):
        effector = free_arm("rk4", dt)
        effector.reset(options={"joint_state": [[0.5, 1.0, 2.0, -3.0]]})
        for _ in range(round(0.2 / dt)):
            effector.step(torch.zeros(1, 1, dtype=torch.float64))
        return effector.states["joint"]

    reference = final_state(0.0005)
    err_coarse = (final_state(0.02) - reference).abs().max()
    err_fine = (final_state(0.01) - reference).abs().max()
    assert 12 < (err_coarse / err_fine).item() < 20  # 2^4 = 16


def test_gradients_through_effector_steps_match_finite_differences():
    for make, method in (
        (mn.effector.RigidTendonArm26, "euler"),
        (mn.effector.RigidTendonArm26, "rk4"),
        (mn.effector.ReluPointMass24, "euler"),
        (mn.effector.GeometricArm26, "euler"),
    ):
        effector = make(integration_method=method).double()
        start = effector.draw_fixed_states(
            2, [0.8, 1.2] if effector.dof == 2 and make != mn.effector.ReluPointMass24 else [0.1, -0.2]
        )

        def rollout(excitation, load, effector=effector, start=start):
            effector.reset(options={"joint_state": start})
            for t in range(4):
                effector.step(excitation[t], endpoint_load=load)
            return torch.cat([effector.states["joint"], effector.states["muscle"].flatten(1)], dim=1)

        torch.manual_seed(3)
        excitation = (0.2 + 0.6 * torch.rand(4, 2, effector.n_muscles, dtype=torch.float64)).requires_grad_()
        load = torch.randn(2, 2, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(rollout, (excitation, load), eps=1e-6, atol=1e-5, rtol=1e-4)


def passive_drift(effector, n=21, steps=20):
    """Endpoint drift (m) after `steps` of zero excitation from a grid over the joint range, and
    whether every muscle is below its slack length at the start."""
    lo, hi = effector.pos_lower_bound, effector.pos_upper_bound
    grid = torch.cartesian_prod(*(torch.linspace(float(a), float(b), n, dtype=torch.float64) for a, b in zip(lo, hi)))
    effector.reset(options={"joint_state": grid})
    slack = (effector.states["muscle"][:, 3] == 0).all(dim=1)
    start = effector.states["fingertip"].clone()
    for _ in range(steps):
        effector.step(torch.zeros(len(grid), effector.n_muscles, dtype=torch.float64))
    return (effector.states["fingertip"] - start).norm(dim=1), slack


def test_zero_input_causes_no_drift_where_muscles_are_below_slack_length():
    drift, slack = passive_drift(mn.effector.GeometricArm26().double())
    assert slack.sum() > 20 and (~slack).sum() > 20
    # where passive forces are zero only the 0.1 % minimal activation acts: millimetre-scale drift
    assert drift[slack].max() < 3e-3
    assert drift[~slack].max() > 10 * drift[slack].max()
    drift, slack = passive_drift(mn.effector.RigidTendonArm26().double())
    assert slack.all() and drift.max() < 2e-3


def numpy_arm26_rollout(joint, excitation, n_steps, dt=0.01):
    """Independent float64 implementation of docs/model.md §1, §2.3, §3 and §5.4 (Euler), muscle by muscle."""
    sk = ARM26_SKELETON
    lo, hi = np.array(sk["pos_lower_bound"]), np.array(sk["pos_upper_bound"])
    m1, m2, l1, l1g, l2g, i1, i2 = sk["m1"], sk["m2"], sk["l1"], sk["l1g"], sk["l2g"], sk["i1"], sk["i2"]
    a0, a1, a2 = (np.array(ARM26_POLYNOMIAL[k]) for k in ("a0", "a1", "a2"))
    phi = np.array(ARM26_POLYNOMIAL["phi"])
    params = list(ARM26_MUSCLES.values())

    def geometry(q, qd):
        th = q - phi
        length = a0 + th @ a1 + th**2 @ a2
        r = a1 + 2 * a2 * th[:, None]
        return length, r.T @ qd, r

    def muscle_force(a, length, velocity):
        out = []
        for i, (_, _, f_max, l_se, l_ce, _) in enumerate(params):
            l = max(length[i] - l_se, 0.0)
            ln, vn = l / l_ce, velocity[i] / (10 * l_ce)
            f_pe = (max((l - 1.4 * l_ce) / l_ce, 0.0)) ** 2 / (1.66 - 1.4) ** 2
            f_l = max(1 - (ln - 1) ** 2 / 0.66**2, 0.01)
            a_rel = 0.41 * f_l if ln > 1 else 0.41
            b_rel = 5.2 * (1 - 0.9 * (a[i] - 0.3) / (0.005 - 0.3)) ** 2 if a[i] < 0.3 else 5.2
            fa = f_l * a[i]
            d0 = a[i] * (f_l + a_rel) / b_rel
            p1, p2, p3 = -(fa / 2) / (0.001 - 2 * d0), (fa / 2) ** 2 / (0.001 - 2 * d0), -1.5 * fa
            if vn < 0:
                f_a = (vn * a[i] * a_rel + fa * b_rel) / (b_rel - vn)
            else:
                f_a = (-p1 * p3 + p1 * 0.001 * vn + p2 - p3 * vn + 0.001 * vn**2) / (p1 + vn)
            out.append((max(f_a, 0.0) + f_pe) * f_max)
        return np.array(out)

    q, qd = np.array(joint[:2], float), np.array(joint[2:], float)
    a = np.full(6, 0.001)
    length, velocity, r = geometry(q, qd)
    force = muscle_force(a, length, velocity)
    trajectory = []
    for _ in range(n_steps):
        u = np.clip(excitation, 0.001, 1.0)
        tau_a = np.where(u > a, 0.015 * (0.5 + 1.5 * a), 0.05 / (0.5 + 1.5 * a))
        a_new = np.clip(a + dt * (u - a) / tau_a, 0.001, 1.0)
        torque = -(r * force).sum(axis=1)
        c2, s2 = math.cos(q[1]), math.sin(q[1])
        c = m2 * l1 * l2g
        m_11 = m1 * l1g**2 + i1 + m2 * (l2g**2 + l1**2) + i2 + 2 * c * c2
        m_12 = m2 * l2g**2 + i2 + c * c2
        mass = np.array([[m_11, m_12], [m_12, m2 * l2g**2 + i2]])
        h = np.array([-c * s2 * (2 * qd[0] + qd[1]) * qd[1], c * s2 * qd[0] ** 2])
        qdd = np.linalg.solve(mass, torque - h)
        force = muscle_force(a_new, length, velocity)  # new activation, pre-step geometry
        a = a_new
        q_new, qd_new = q + dt * qd, qd + dt * qdd
        for j in range(2):
            if (qd_new[j] < 0 and q_new[j] <= lo[j]) or (qd_new[j] > 0 and q_new[j] >= hi[j]):
                qd_new[j] = 0.0
        q, qd = np.clip(q_new, lo, hi), qd_new
        length, velocity, r = geometry(q, qd)
        trajectory.append(np.concatenate([q, qd, force]))
    return np.array(trajectory)


def test_arm26_trajectory_matches_independent_implementation_of_the_equations():
    joint = [math.radians(45.0), math.radians(90.0), 0.0, 0.0]
    excitation = np.array([0.3, 0.05, 0.5, 0.1, 0.2, 0.4])
    expected = numpy_arm26_rollout(joint, excitation, 100)
    effector = mn.effector.RigidTendonArm26()  # float32, as used in training
    effector.reset(options={"joint_state": [joint]})
    ours = []
    for _ in range(100):
        effector.step(torch.tensor(excitation[None], dtype=torch.float32))
        ours.append(torch.cat([effector.states["joint"][0], effector.states["muscle"][0, -1]]).numpy())
    ours = np.array(ours)
    assert np.abs(expected[-1, :2] - expected[0, :2]).max() > 0.05  # the arm really moves
    np.testing.assert_allclose(ours[:, :4], expected[:, :4], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours[:, 4:], expected[:, 4:], rtol=1e-4, atol=1e-2)


def test_n_ministeps_equals_smaller_timestep():
    coarse = mn.effector.RigidTendonArm26(timestep=0.01, n_ministeps=4).double()
    fine = mn.effector.RigidTendonArm26(timestep=0.0025).double()
    for e in (coarse, fine):
        e.reset(options={"joint_state": [[0.7, 1.3]]})
    u = torch.full((1, 6), 0.4, dtype=torch.float64)
    for _ in range(5):
        coarse.step(u)
        for _ in range(4):
            fine.step(u)
    torch.testing.assert_close(coarse.states["joint"], fine.states["joint"])


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="integration_method"):
        mn.effector.RigidTendonArm26(integration_method="leapfrog")
    for name in ("RK4", "RungeKutta4", "runge-kutta4", "Runge-Kutta-4", "EULER"):
        mn.effector.RigidTendonArm26(integration_method=name)
    effector = mn.effector.RigidTendonArm26()
    effector.reset(options={"batch_size": 3})
    with pytest.raises(ValueError, match=r"action must have shape \(batch_size=3, 6\)"):
        effector.step(torch.zeros(3, 5))
    with pytest.raises(ValueError, match="endpoint_load"):
        effector.step(torch.zeros(3, 6), endpoint_load=torch.zeros(2, 2))
    with pytest.raises(ValueError, match="outside the bounds"):
        effector.reset(options={"joint_state": [[3.0, 0.0]]})
    with pytest.raises(ValueError, match="columns"):
        effector.reset(options={"joint_state": [[0.5, 0.5, 0.0]]})
    bare = mn.effector.Effector(mn.skeleton.TwoDofArm(), mn.muscle.RigidTendonHillMuscle())
    with pytest.raises(TypeError, match="missing.*optimal_muscle_length"):
        bare.add_muscle(
            path_fixation_body=(0, 1),
            path_coordinates=((0.0, 0.0), (0.1, 0.0)),
            max_isometric_force=100.0,
            tendon_length=0.1,
        )
    with pytest.warns(UserWarning, match="does not use.*max_isometric_forse"):  # MotorNet 0.3 ignores them
        bare.add_muscle(
            path_fixation_body=(0, 1),
            path_coordinates=((0.0, 0.0), (0.1, 0.0)),
            max_isometric_forse=1.0,
            max_isometric_force=100.0,
            tendon_length=0.1,
            optimal_muscle_length=0.1,
        )
    with pytest.raises(ValueError, match="fixation"):
        bare.add_muscle(
            path_fixation_body=(0, 1, 2),
            path_coordinates=((0.0, 0.0), (0.1, 0.0)),
            max_isometric_force=100.0,
            tendon_length=0.1,
            optimal_muscle_length=0.1,
        )


def test_reset_broadcasts_a_single_state_and_a_batch_sets_the_batch_size():
    effector = mn.effector.RigidTendonArm26()
    effector.reset(options={"batch_size": 5, "joint_state": [0.5, 0.5]})
    assert effector.states["joint"].shape == (5, 4)
    effector.reset(options={"joint_state": torch.rand(7, 2)})
    assert effector.states["muscle"].shape == (7, 7, 6) and effector.states["geometry"].shape == (7, 4, 6)
    assert effector.states["cartesian"].shape == (7, 4) and effector.states["fingertip"].shape == (7, 2)
