"""The endpoint ellipses' long axes (analysis.ellipse) against hand-computed cases."""

import numpy as np
import pytest
import torch

from analysis.ellipse import ellipse_axes_deg, jacobian, long_axis_deg, mass_matrix
from motornet.effector import RigidTendonArm26
from motornet.skeleton import TwoDofArm


def test_unit_arm_at_a_right_elbow_has_the_hand_computed_ellipses():
    # l1 = l2 = 1 m, q = (0, 90 deg): J = [[-1, -1], [1, 0]]; J J^T = [[2, -1], [-1, 1]], so J^-T J^-1 =
    # [[1, 1], [1, 2]], whose long axis is (1, golden ratio): atan(1.618...) = 58.28 deg. An upper arm of
    # 1 kg with its centre of mass 0.5 m out and 0.25 kg m^2 about it, a point mass of 1 kg at the elbow and
    # a forearm of 0.5 kg m^2 about the elbow: M = [[2, 0.5], [0.5, 0.5]] and J^-T M J^-1 = diag(0.5, 1.5):
    # the hand is heaviest along y (90 deg).
    arm = TwoDofArm(m1=1.0, i1=0.25, l1g=0.5, m2=1.0, l2g=0.0, i2=0.5, l1=1.0, l2=1.0)
    q = [0.0, np.pi / 2]
    np.testing.assert_allclose(jacobian(arm, q), [[-1.0, -1.0], [1.0, 0.0]], atol=1e-12)
    np.testing.assert_allclose(mass_matrix(arm, q), [[2.0, 0.5], [0.5, 0.5]], atol=1e-12)
    axes = ellipse_axes_deg(arm, q)
    assert axes["joint"] == pytest.approx(np.rad2deg(np.arctan((1 + 5**0.5) / 2)), abs=1e-9)
    assert axes["mass"] == pytest.approx(90.0, abs=1e-9)


@pytest.mark.parametrize("shoulder, elbow", [(45, 90), (30, 90), (67.5, 77.5), (60, 120)])
def test_arm26_axes_equal_the_closed_form_inertia_and_jacobian(shoulder, elbow):
    arm = RigidTendonArm26().skeleton
    q1, q2 = np.deg2rad([shoulder, elbow])
    m1, m2, l1, l2, g1, g2, i1, i2 = arm.m1, arm.m2, arm.l1, arm.l2, arm.l1g, arm.l2g, arm.i1, arm.i2
    # M(q2) of the two-link arm with centres of mass g1, g2 and inertias i1, i2 about them
    m11 = i1 + i2 + m1 * g1**2 + m2 * (l1**2 + g2**2 + 2 * l1 * g2 * np.cos(q2))
    m12 = i2 + m2 * (g2**2 + l1 * g2 * np.cos(q2))
    mass = np.array([[m11, m12], [m12, i2 + m2 * g2**2]])
    j = np.array(
        [
            [-l1 * np.sin(q1) - l2 * np.sin(q1 + q2), -l2 * np.sin(q1 + q2)],
            [l1 * np.cos(q1) + l2 * np.cos(q1 + q2), l2 * np.cos(q1 + q2)],
        ]
    )
    inverse = np.linalg.inv(j)
    axes = ellipse_axes_deg(arm, np.deg2rad([shoulder, elbow]))
    assert axes["mass"] == pytest.approx(long_axis_deg(inverse.T @ mass @ inverse), abs=1e-6)
    assert axes["joint"] == pytest.approx(long_axis_deg(inverse.T @ inverse), abs=1e-6)


def test_at_figure_6s_start_the_mass_axis_is_135_deg_and_the_skeleton_keeps_its_dtype():
    arm = RigidTendonArm26().skeleton
    axes = ellipse_axes_deg(arm, np.deg2rad([45, 90]))
    assert axes["mass"] == pytest.approx(135.0, abs=1e-6)
    assert axes["joint"] == pytest.approx(105.77, abs=0.01)
    assert all(b.dtype == torch.float32 for b in arm.buffers())
