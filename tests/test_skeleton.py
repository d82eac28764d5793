"""Rigid-body dynamics of the skeletons against first principles."""

import math

import pytest
import torch

import motornet as mn
from motornet.effector import ARM26_SKELETON

torch.set_default_dtype(torch.float32)


def arm(**kwargs):
    params = {k: v for k, v in ARM26_SKELETON.items() if not k.startswith("pos_")}
    return mn.skeleton.TwoDofArm(**params, **kwargs)


def kinetic_energy(sk, q, qd):
    """KE of two rigid links from the velocities of their centres of mass (independent of M(q))."""
    q1, q2 = q[..., 0], q[..., 1]
    qd1, qd2 = qd[..., 0], qd[..., 1]
    v1_sq = (sk.l1g * qd1) ** 2
    # forearm centre of mass velocity: elbow velocity + rotation about the elbow
    vx = -sk.l1 * torch.sin(q1) * qd1 - sk.l2g * torch.sin(q1 + q2) * (qd1 + qd2)
    vy = sk.l1 * torch.cos(q1) * qd1 + sk.l2g * torch.cos(q1 + q2) * (qd1 + qd2)
    return 0.5 * (sk.m1 * v1_sq + sk.i1 * qd1**2 + sk.m2 * (vx**2 + vy**2) + sk.i2 * (qd1 + qd2) ** 2)


def test_arm_acceleration_satisfies_euler_lagrange_equations():
    torch.set_default_dtype(torch.float64)
    try:
        sk = arm()
        q = torch.tensor([[0.3, 1.1], [1.2, 0.4], [-0.5, 2.0]], requires_grad=True)
        qd = torch.tensor([[0.7, -1.3], [2.0, 0.5], [-1.0, -0.2]], requires_grad=True)
        tau = torch.tensor([[1.5, -0.4], [0.0, 2.0], [-3.0, 1.0]])
        qdd = sk.ode(tau, torch.cat([q, qd], 1), None).detach()
        ke = kinetic_energy(sk, q, qd).sum()
        dke_dqd, dke_dq = torch.autograd.grad(ke, (qd, q), create_graph=True)
        # d/dt (dKE/dqd) = (d2KE/dqd dqd) qdd + (d2KE/dqd dq) qd, row by row
        lhs = torch.zeros_like(tau)
        for j in range(2):
            h_qd, h_q = torch.autograd.grad(dke_dqd[:, j].sum(), (qd, q), retain_graph=True)
            lhs[:, j] = (h_qd * qdd).sum(1) + (h_q * qd).sum(1)
        torch.testing.assert_close(lhs - dke_dq, tau, rtol=1e-10, atol=1e-10)
    finally:
        torch.set_default_dtype(torch.float32)


def test_endpoint_force_acts_through_jacobian_transpose():
    sk = arm()
    js = torch.tensor([[0.6, 1.4, 0.0, 0.0]])
    force = torch.tensor([[3.0, -2.0]])
    q1, q2 = 0.6, 1.4
    jac = torch.tensor(
        [
            [-sk.l1 * math.sin(q1) - sk.l2 * math.sin(q1 + q2), -sk.l2 * math.sin(q1 + q2)],
            [sk.l1 * math.cos(q1) + sk.l2 * math.cos(q1 + q2), sk.l2 * math.cos(q1 + q2)],
        ]
    )
    torque = (jac.T @ force.T).T
    torch.testing.assert_close(sk.ode(torch.zeros(1, 2), js, force), sk.ode(torque, js, None))


def test_cartesian_velocity_is_time_derivative_of_position():
    sk = arm()
    js = torch.tensor([[0.4, 1.2, 0.8, -0.5]], dtype=torch.float64)
    h = 1e-6
    ahead = js[:, :2] + h * js[:, 2:]
    behind = js[:, :2] - h * js[:, 2:]
    fd = (
        sk.joint2cartesian(torch.cat([ahead, js[:, 2:]], 1))[:, :2]
        - sk.joint2cartesian(torch.cat([behind, js[:, 2:]], 1))[:, :2]
    ) / (2 * h)
    torch.testing.assert_close(sk.joint2cartesian(js)[:, 2:], fd, rtol=1e-6, atol=1e-8)


def test_point_mass_under_constant_force_follows_discrete_euler_solution():
    sk = mn.skeleton.PointMass(mass=2.0, pos_lower_bound=-100.0, pos_upper_bound=100.0)
    sk.build(0.01, 100.0, -100.0, 1000.0, -1000.0)
    js = torch.zeros(1, 4)
    force = torch.tensor([[4.0, -1.0]])
    n = 50
    for _ in range(n):
        js = sk.integrate(0.01, sk.ode(torch.zeros(1, 2), js, force), js)
    acc = force / 2.0
    # Euler with the old velocity: x_n = a dt^2 n (n - 1) / 2, v_n = a dt n.
    torch.testing.assert_close(js[:, :2], acc * 0.01**2 * n * (n - 1) / 2)
    torch.testing.assert_close(js[:, 2:], acc * 0.01 * n)


def test_clipping_stops_velocity_at_a_reached_position_bound():
    sk = mn.skeleton.PointMass()
    sk.build(0.1, 1.0, -1.0, 5.0, -5.0)
    js = torch.tensor([[0.95, 0.0, 1.0, -8.0]])
    new = sk.integrate(0.1, torch.tensor([[10.0, 0.0]]), js)
    assert new[0, 0] == 1.0  # clipped at the upper bound
    assert new[0, 2] == 0.0  # velocity pointing further out is zeroed
    assert new[0, 3] == -5.0  # velocity clipped to its bound


def test_bound_of_wrong_length_is_rejected():
    with pytest.raises(ValueError, match="one per degree of freedom"):
        mn.skeleton.PointMass(pos_lower_bound=(-1.0, -1.0, -1.0))
