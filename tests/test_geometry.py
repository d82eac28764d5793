"""Muscle geometry: moment arms are length gradients; hand-computed point-mass values."""

import math

import pytest
import torch

import motornet as mn


def finite_difference_moment_arms(effector, joint_state, h=1e-6):
    """dL/dq_j by central differences of the musculotendon length, (B, dof, M)."""
    dof = effector.dof
    columns = []
    for j in range(dof):
        step = torch.zeros_like(joint_state)
        step[:, j] = h
        length_plus = effector.get_geometry(joint_state + step)[:, 0]
        length_minus = effector.get_geometry(joint_state - step)[:, 0]
        columns.append((length_plus - length_minus) / (2 * h))
    return torch.stack(columns, dim=1)


@pytest.mark.parametrize(
    "make", [mn.effector.RigidTendonArm26, mn.effector.GeometricArm26, mn.effector.ReluPointMass24]
)
def test_moment_arm_equals_length_gradient(make):
    effector = make().double()
    torch.manual_seed(1)
    joint = torch.cat(
        [
            effector.draw_random_uniform_states(16)[:, : effector.dof],
            torch.randn(16, effector.dof, dtype=torch.float64),
        ],
        dim=1,
    )
    geometry = effector.get_geometry(joint)
    torch.testing.assert_close(geometry[:, 2:], finite_difference_moment_arms(effector, joint), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "make", [mn.effector.RigidTendonArm26, mn.effector.GeometricArm26, mn.effector.ReluPointMass24]
)
def test_musculotendon_velocity_is_time_derivative_of_length(make):
    effector = make().double()
    joint = torch.cat(
        [effector.draw_random_uniform_states(8)[:, : effector.dof], torch.randn(8, effector.dof, dtype=torch.float64)],
        dim=1,
    )
    dof, h = effector.dof, 1e-6
    ahead = joint.clone()
    ahead[:, :dof] += h * joint[:, dof:]
    behind = joint.clone()
    behind[:, :dof] -= h * joint[:, dof:]
    fd = (effector.get_geometry(ahead)[:, 0] - effector.get_geometry(behind)[:, 0]) / (2 * h)
    torch.testing.assert_close(effector.get_geometry(joint)[:, 1], fd, rtol=1e-6, atol=1e-8)


def test_point_mass_moment_arms_by_hand():
    effector = mn.effector.ReluPointMass24().double()
    geometry = effector.get_geometry(torch.tensor([[0.0, 0.0, 0.0, 0.0], [0.0, -0.9, 0.0, 0.0]], dtype=torch.float64))
    s = 1 / math.sqrt(2)
    # anchors (2, 2), (-2, 2), (2, -2), (-2, -2): dL/dp = (p - anchor) / |p - anchor|
    centre = torch.tensor([[-s, s, -s, s], [-s, -s, s, s]], dtype=torch.float64)
    low = []
    for ax, ay in ((2.0, 2.0), (-2.0, 2.0), (2.0, -2.0), (-2.0, -2.0)):
        dx, dy = 0.0 - ax, -0.9 - ay
        norm = math.hypot(dx, dy)
        low.append((dx / norm, dy / norm))
    low = torch.tensor(low, dtype=torch.float64).T
    torch.testing.assert_close(geometry[0, 2:], centre)
    torch.testing.assert_close(geometry[1, 2:], low)
    torch.testing.assert_close(geometry[0, 0], torch.full((4,), 2 * math.sqrt(2), dtype=torch.float64))
    # the paper's Fig. 4b: equal |moment arms| in x and y at the centre, unequal at (0, -0.9)
    assert not torch.allclose(geometry[1, 2].abs(), geometry[1, 3].abs())


def moment_arms_by_name(effector, n=512):
    moment = effector.get_geometry(effector.draw_random_uniform_states(n))[:, 2:]  # (B, dof, M)
    return {name: (moment[:, 0, i], moment[:, 1, i]) for i, name in enumerate(effector.muscle_name)}


def test_polynomial_moment_arm_signs_follow_muscle_roles():
    """Flexors (shortening increases the joint angle) have negative moment arms, extensors positive."""
    r = moment_arms_by_name(mn.effector.RigidTendonArm26())
    assert (r["pectoralis"][0] < 0).all() and (r["deltoid"][0] > 0).all()
    assert (r["brachioradialis"][1] < 0).all() and (r["tricepslat"][1] > 0).all()
    assert (r["biceps"][0] < 0).all() and (r["biceps"][1] < 0).all()
    assert (r["tricepslong"][0] > 0).all() and (r["tricepslong"][1] > 0).all()
    for mono in ("pectoralis", "deltoid"):
        assert (r[mono][1] == 0).all()


def test_geometric_paths_give_the_moment_arms_of_figure_4de():
    """Mono-articular elbow extensor: zero shoulder and positive elbow moment arm everywhere;
    bi-articular flexor: negative at both joints (paper Fig. 4d-e)."""
    r = moment_arms_by_name(mn.effector.GeometricArm26(), n=4096)
    torch.testing.assert_close(r["tricepslat"][0], torch.zeros(4096))
    assert (r["tricepslat"][1] > 0).all()
    assert (r["biceps"][0] < 0).all() and (r["biceps"][1] < 0).all()


def test_polynomial_geometry_matches_kistemaker_table_at_reference_angles():
    effector = mn.effector.RigidTendonArm26()
    geometry = effector.get_geometry(torch.tensor([[math.pi / 2, 0.0, 0.0, 0.0]]))
    torch.testing.assert_close(geometry[0, 0], torch.tensor([0.151, 0.2322, 0.2859, 0.2355, 0.3329, 0.2989]))
    torch.testing.assert_close(geometry[0, 2], torch.tensor([-0.03, 0.03, 0.0, 0.0, -0.03, 0.03]))
    torch.testing.assert_close(geometry[0, 3], torch.tensor([0.0, 0.0, -0.014, 0.025, -0.016, 0.03]))
