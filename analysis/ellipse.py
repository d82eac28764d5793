"""Endpoint ellipses of a two-joint arm at a posture, from the skeleton's own dynamics and kinematics.

- mass ellipse, Lambda = J^-T M J^-1 (kg): the hand's effective mass; its long axis is the direction in
  which a hand acceleration costs the most force (and, through J^T, joint torque);
- joint-excursion ellipse, J^-T J^-1 (rad^2/m^2): its long axis is the direction in which a hand
  displacement needs the most joint rotation.

M (kg m^2) is read from the skeleton's forward dynamics (the joint accelerations that unit torques cause
at rest are the columns of M^-1) and J (m/rad) from its forward kinematics by automatic differentiation,
so any skeleton with `ode` and `joint2cartesian` is covered. Axes are angles of the hand's direction of
motion, deg in [0, 180) from the +x axis (an axis and its opposite are the same).
"""

import copy

import numpy as np
import torch


def _float64(skeleton):
    return copy.deepcopy(skeleton).double()  # a copy: the caller's skeleton keeps its dtype


def mass_matrix(skeleton, joint_position):
    """M(q) (dof, dof; kg m^2) at joint positions q (dof,; rad), at rest and without loads."""
    q, skeleton = torch.as_tensor(joint_position, dtype=torch.float64).flatten(), _float64(skeleton)
    dof = q.numel()
    state = torch.cat([q, torch.zeros(dof, dtype=q.dtype)]).expand(dof, -1)
    inverse = skeleton.ode(torch.eye(dof, dtype=q.dtype), state, None).T  # column i: M^-1 e_i
    return torch.linalg.inv(inverse)


def jacobian(skeleton, joint_position):
    """J(q) = d(hand position)/dq (2, dof; m/rad) at joint positions q (dof,; rad)."""
    q, skeleton = torch.as_tensor(joint_position, dtype=torch.float64).flatten(), _float64(skeleton)

    def hand(position):
        return skeleton.joint2cartesian(torch.cat([position, torch.zeros_like(position)])[None])[0, :2]

    return torch.autograd.functional.jacobian(hand, q)


def long_axis_deg(matrix):
    """Direction (deg in [0, 180)) of the eigenvector of the largest eigenvalue of a symmetric 2x2 matrix."""
    values, vectors = np.linalg.eigh(np.asarray(matrix, dtype=float))
    x, y = vectors[:, np.argmax(values)]
    return float(np.rad2deg(np.arctan2(y, x)) % 180)


def ellipse_axes_deg(skeleton, joint_position):
    """{'mass': long axis of J^-T M J^-1, 'joint': long axis of J^-T J^-1} (deg) at joint positions q (rad)."""
    inverse_j = torch.linalg.inv(jacobian(skeleton, joint_position))
    mass = inverse_j.T @ mass_matrix(skeleton, joint_position) @ inverse_j
    return {"mass": long_axis_deg(mass), "joint": long_axis_deg(inverse_j.T @ inverse_j)}
