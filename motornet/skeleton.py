"""Rigid-body skeletons: joint state -> acceleration, kinematics, fixation-point paths.

A joint state is a (B, 2*dof) tensor, positions then velocities (rad or m; rad/s or m/s).
The physics lives in pure functions of tensors; the classes hold parameters and bounds. Public methods
are batch first; the underscore methods the effector's step calls are trial-last (motornet.layout).
"""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .layout import trials_first, trials_last


def integrate_joint(
    joint_state: torch.Tensor,
    d_position: torch.Tensor,
    d_velocity: torch.Tensor,
    dt: float,
    pos_bounds: torch.Tensor,
    vel_bounds: torch.Tensor,
) -> torch.Tensor:
    """Explicit step of the joint state with clipping (docs/model.md §1.4), trial-last.

    joint_state (2*dof, B); d_position, d_velocity (dof, B) are the rates applied over dt (s);
    pos_bounds, vel_bounds are (lower, upper) tensors of shape (2, dof).
    Velocity is clipped to its bounds and zeroed where it points further out of a position
    bound that the new position has reached; then position is clipped.
    """
    dof = d_position.shape[0]
    pos_lower, pos_upper = pos_bounds.unsqueeze(-1)
    vel_lower, vel_upper = vel_bounds.unsqueeze(-1)
    pos, vel = joint_state[:dof], joint_state[dof:]
    new_vel = vel + d_velocity * dt
    new_pos = pos + d_position * dt
    new_vel = torch.minimum(torch.maximum(new_vel, vel_lower), vel_upper)
    out_low = (new_vel < 0) & (new_pos <= pos_lower)
    out_high = (new_vel > 0) & (new_pos >= pos_upper)
    new_vel = torch.where(out_low | out_high, torch.zeros_like(new_vel), new_vel)
    new_pos = torch.minimum(torch.maximum(new_pos, pos_lower), pos_upper)
    return torch.cat([new_pos, new_vel], dim=0)


def _check_physical(name, positive=(), non_negative=()):
    """ValueError naming the first parameter that is not a finite number > 0 (`positive`) or >= 0."""
    positive = dict(positive)
    for label, value in {**positive, **dict(non_negative)}.items():
        if not (math.isfinite(value) and (value > 0 if label in positive else value >= 0)):
            raise ValueError(
                f"{name}: {label} must be a finite number "
                f"{'greater than 0' if label in positive else 'of at least 0'}, got {value!r}"
            )


class Skeleton(torch.nn.Module):
    """Base skeleton: `dof` degrees of freedom moving an endpoint in `space_dim` dimensions.

    Bounds are per degree of freedom (scalars broadcast). Subclasses implement `_acceleration`,
    `_cartesian` and `_point_kinematics`, trial-last.
    """

    def __init__(
        self,
        dof: int,
        space_dim: int,
        name: str = "skeleton",
        pos_lower_bound: float | Sequence[float] | torch.Tensor = -1.0,
        pos_upper_bound: float | Sequence[float] | torch.Tensor = 1.0,
        vel_lower_bound: float | Sequence[float] | torch.Tensor = -1000.0,
        vel_upper_bound: float | Sequence[float] | torch.Tensor = 1000.0,
        **kwargs,
    ) -> None:
        super().__init__()
        self.dof = int(dof)
        self.space_dim = int(space_dim)
        self.input_dim = self.dof
        self.state_dim = 2 * self.dof
        self.output_dim = self.state_dim
        self.geometry_state_dim = 2 + self.dof
        self.name = name
        self.dt = None
        self.built = False
        self._set_bounds(pos_lower_bound, pos_upper_bound, vel_lower_bound, vel_upper_bound)

    def _set_bounds(self, pos_lower, pos_upper, vel_lower, vel_upper):
        def as_row(value, what):
            t = torch.as_tensor(value, dtype=torch.get_default_dtype()).flatten()
            if t.numel() == 1:
                t = t.expand(self.dof).clone()
            if t.numel() != self.dof:
                raise ValueError(
                    f"{what} must be a scalar or have {self.dof} entries (one per degree of freedom), got {t.numel()}"
                )
            return t

        pos = torch.stack([as_row(pos_lower, "pos_lower_bound"), as_row(pos_upper, "pos_upper_bound")])
        vel = torch.stack([as_row(vel_lower, "vel_lower_bound"), as_row(vel_upper, "vel_upper_bound")])
        if (pos[0] > pos[1]).any() or (vel[0] > vel[1]).any():
            raise ValueError(
                f"a lower bound is above its upper bound: position {pos.tolist()}, velocity {vel.tolist()}"
            )
        self.register_buffer("pos_bounds", pos, persistent=False)
        self.register_buffer("vel_bounds", vel, persistent=False)

    # (1, dof) float tensors, as MotorNet 0.3 (`b[0, j]`).
    pos_lower_bound = property(lambda self: self.pos_bounds[:1])
    pos_upper_bound = property(lambda self: self.pos_bounds[1:])
    vel_lower_bound = property(lambda self: self.vel_bounds[:1])
    vel_upper_bound = property(lambda self: self.vel_bounds[1:])

    @property
    def default_endpoint_load(self) -> torch.Tensor:
        """Zero endpoint force (1, space_dim; N)."""
        return torch.zeros(1, self.space_dim, device=self.device, dtype=self.pos_bounds.dtype)

    @property
    def device(self) -> torch.device:
        return self.pos_bounds.device

    def build(
        self,
        timestep: float,
        pos_upper_bound: float | Sequence[float] | torch.Tensor,
        pos_lower_bound: float | Sequence[float] | torch.Tensor,
        vel_upper_bound: float | Sequence[float] | torch.Tensor,
        vel_lower_bound: float | Sequence[float] | torch.Tensor,
    ) -> None:
        """Set the integration step (s) and the position / velocity bounds."""
        self.dt = float(timestep)
        self._set_bounds(pos_lower_bound, pos_upper_bound, vel_lower_bound, vel_upper_bound)
        self.to(self.device)
        self.built = True

    def clip_position(self, pos: torch.Tensor) -> torch.Tensor:
        """Positions (B, dof) clipped to the position bounds."""
        return torch.minimum(torch.maximum(pos, self.pos_bounds[0]), self.pos_bounds[1])

    def ode(self, inputs: torch.Tensor, joint_state: torch.Tensor, endpoint_load: torch.Tensor | None) -> torch.Tensor:
        """Joint acceleration (B, dof) from generalised forces `inputs` (B, dof; N m or N),
        the joint state and an endpoint force (B, space_dim; N)."""
        return trials_first(
            self._acceleration(trials_last(joint_state), trials_last(inputs), trials_last(endpoint_load))
        )

    def integrate(self, dt: float, state_derivative: torch.Tensor, joint_state: torch.Tensor) -> torch.Tensor:
        """Euler step with clipping; `state_derivative` is the acceleration (B, dof)."""
        joint = trials_last(joint_state)
        return trials_first(
            integrate_joint(
                joint, joint[self.dof :], trials_last(state_derivative), dt, self.pos_bounds, self.vel_bounds
            )
        )

    def joint2cartesian(self, joint_state: torch.Tensor) -> torch.Tensor:
        """Endpoint state (B, 2 space_dim): position (m), then velocity (m/s)."""
        return trials_first(self._cartesian(trials_last(joint_state)))

    def clip_velocity(self, pos: torch.Tensor, vel: torch.Tensor) -> torch.Tensor:
        """Clip velocity to its bounds and zero it where it pushes past a reached position bound."""
        vel = torch.minimum(torch.maximum(vel, self.vel_bounds[0]), self.vel_bounds[1])
        out = ((vel < 0) & (pos <= self.pos_bounds[0])) | ((vel > 0) & (pos >= self.pos_bounds[1]))
        return torch.where(out, torch.zeros_like(vel), vel)

    def path2cartesian(
        self,
        path_coordinates: torch.Tensor | np.ndarray | Sequence,
        path_fixation_body: torch.Tensor | np.ndarray | Sequence,
        joint_state: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """World position of fixation points and their derivatives.

        path_coordinates (2, P) or MotorNet 0.3's (1, 2, P) body-frame coordinates; path_fixation_body
        (P,) or (1, 1, P) body indices (floats allowed). Returns xy (B, 2, P), dxy_dt (B, 2, P) and
        dxy_ddof (B, 2, dof, P).
        """
        coords = torch.as_tensor(path_coordinates, dtype=joint_state.dtype, device=joint_state.device)
        coords = coords.reshape(coords.shape[-2], coords.shape[-1])
        body = torch.as_tensor(path_fixation_body, device=joint_state.device).long().flatten()
        joint = trials_last(joint_state)
        xy, dxy_ddof = self._point_kinematics(joint[: self.dof], coords, body)
        dxy_dt = (dxy_ddof * joint[self.dof :].unsqueeze(1)).sum(1)
        return trials_first(xy), trials_first(dxy_dt), trials_first(dxy_ddof)

    def get_base_config(self) -> dict:
        return {"name": self.name, "dof": self.dof, "dt": str(self.dt), "space_dim": self.space_dim}

    def get_save_config(self) -> dict:
        return {
            **self.get_base_config(),
            "pos_lower_bound": self.pos_bounds[0].tolist(),
            "pos_upper_bound": self.pos_bounds[1].tolist(),
            "vel_lower_bound": self.vel_bounds[0].tolist(),
            "vel_upper_bound": self.vel_bounds[1].tolist(),
        }

    def setattr(self, name: str, value: Any) -> None:
        setattr(self, name, value)

    def detach(self, x: Any) -> Any:
        return x.detach() if isinstance(x, torch.Tensor) else x


class PointMass(Skeleton):
    """A point mass (kg) in the plane pulled by muscles; dof = space_dim, joint space = workspace (m).

    Fixation body 0 is the world, body 1 the mass (coordinates are an offset from its centre).
    """

    def __init__(self, space_dim: int = 2, mass: float = 1.0, name: str = "point_mass", **kwargs) -> None:
        super().__init__(dof=space_dim, space_dim=space_dim, name=name, **kwargs)
        _check_physical(name, positive={"mass (kg)": mass})
        self.mass = float(mass)

    def _acceleration(self, joint_state, generalised_force, endpoint_load):
        if endpoint_load is not None:
            generalised_force = generalised_force + endpoint_load
        return generalised_force / self.mass

    def _cartesian(self, joint):
        return joint

    def _point_kinematics(self, pos, coords, body):
        """Fixation points xy (2, P, B; m) and dxy/dq (2, dof, P, B) from positions (dof, B), body-frame
        coordinates (2, P) and body indices (P,)."""
        on_mass = (body == 1).to(pos.dtype).unsqueeze(-1)  # (P, 1)
        xy = coords.unsqueeze(-1) + pos.unsqueeze(1) * on_mass
        eye = torch.eye(self.dof, dtype=pos.dtype, device=pos.device)
        dxy_ddof = (eye[:, :, None, None] * on_mass).expand(-1, -1, -1, pos.shape[-1])
        return xy, dxy_ddof

    def get_save_config(self) -> dict:
        return {**super().get_save_config(), "mass": self.mass}


_ARM_DEFAULTS = dict(m1=1.864572, m2=1.534315, l1g=0.180496, l2g=0.181479, i1=0.013193, i2=0.020062, l1=0.309, l2=0.26)


class TwoDofArm(Skeleton):
    """Planar two-joint arm (shoulder q1, elbow q2 relative to the upper arm), shoulder at the origin.

    Masses m1, m2 (kg), lengths l1, l2 (m), centres of mass l1g, l2g (m) from the proximal joint,
    inertias i1, i2 (kg m^2) about the centres of mass, joint viscosity (N m s/rad).
    Fixation body 0 is the world, 1 the upper arm, 2 the forearm; bone coordinates are
    (distance along the bone from its proximal joint, orthogonal offset).
    """

    def __init__(
        self,
        name: str = "two_dof_arm",
        m1: float = _ARM_DEFAULTS["m1"],
        m2: float = _ARM_DEFAULTS["m2"],
        l1g: float = _ARM_DEFAULTS["l1g"],
        l2g: float = _ARM_DEFAULTS["l2g"],
        i1: float = _ARM_DEFAULTS["i1"],
        i2: float = _ARM_DEFAULTS["i2"],
        l1: float = _ARM_DEFAULTS["l1"],
        l2: float = _ARM_DEFAULTS["l2"],
        viscosity: float = 0.0,
        **kwargs,
    ) -> None:
        # MotorNet 0.3's upper-case spellings override the lower-case arguments.
        l1, l2, l1g, l2g, i1, i2 = (
            kwargs.pop(upper, value)
            for upper, value in (("L1", l1), ("L2", l2), ("L1g", l1g), ("L2g", l2g), ("I1", i1), ("I2", i2))
        )
        kwargs.setdefault("pos_lower_bound", (0.0, 0.0))
        kwargs.setdefault("pos_upper_bound", (math.radians(140.0), math.radians(160.0)))
        super().__init__(dof=2, space_dim=2, name=name, **kwargs)
        _check_physical(
            self.name,
            positive={"m1 (kg)": m1, "m2 (kg)": m2, "l1 (m)": l1, "l2 (m)": l2},
            non_negative={
                "l1g (m)": l1g,
                "l2g (m)": l2g,
                "i1 (kg m^2)": i1,
                "i2 (kg m^2)": i2,
                "viscosity (N m s/rad)": viscosity,
            },
        )
        self.m1, self.m2, self.l1g, self.l2g = float(m1), float(m2), float(l1g), float(l2g)
        self.i1, self.i2, self.l1, self.l2 = float(i1), float(i2), float(l1), float(l2)
        self.viscosity = self.c_viscosity = float(viscosity)
        # Inertia matrix M(q2) = C + cos(q2) K and the Coriolis coefficient c (docs/model.md §1.2).
        c22 = self.m2 * self.l2g**2 + self.i2
        c11 = self.m1 * self.l1g**2 + self.i1 + self.m2 * (self.l2g**2 + self.l1**2) + self.i2
        self.coriolis = self.m2 * self.l1 * self.l2g
        self._c11, self._c12, self._k11 = c11, c22, 2 * self.coriolis

    # MotorNet 0.3 spelling of the parameters.
    L1 = property(lambda self: self.l1)
    L2 = property(lambda self: self.l2)
    L1g = property(lambda self: self.l1g)
    L2g = property(lambda self: self.l2g)
    I1 = property(lambda self: self.i1)
    I2 = property(lambda self: self.i2)

    def _acceleration(self, joint_state, torque, endpoint_load):
        """Joint acceleration (2, B; rad/s^2) from joint state (4, B), torque (2, B; N m) and endpoint
        force (2, B; N) or None."""
        q1, q2, qd1, qd2 = joint_state
        s2, c2 = torch.sin(q2), torch.cos(q2)
        # Generalised force: muscles and joint loads, endpoint load through J^T, minus velocity terms.
        g1 = torque[0] + self.coriolis * s2 * (2 * qd1 + qd2) * qd2 - self.viscosity * qd1
        g2 = torque[1] - self.coriolis * s2 * qd1**2 - self.viscosity * qd2
        if endpoint_load is not None:
            fx, fy = endpoint_load
            s1, c1 = torch.sin(q1), torch.cos(q1)
            s12, c12 = torch.sin(q1 + q2), torch.cos(q1 + q2)
            j12, j22 = -self.l2 * s12, self.l2 * c12
            j11, j21 = -self.l1 * s1 + j12, self.l1 * c1 + j22
            g1 = g1 + j11 * fx + j21 * fy
            g2 = g2 + j12 * fx + j22 * fy
        # Closed-form inverse of the 2x2 inertia matrix.
        m11 = self._c11 + self._k11 * c2
        m12 = self._c12 + self.coriolis * c2
        m22 = self._c12
        det = m11 * m22 - m12 * m12
        return torch.stack([(m22 * g1 - m12 * g2) / det, (m11 * g2 - m12 * g1) / det])

    def _cartesian(self, joint_state):
        """Endpoint position and velocity (4, B): x, y (m), xd, yd (m/s)."""
        q1, q2, qd1, qd2 = joint_state
        s1, c1 = torch.sin(q1), torch.cos(q1)
        s12, c12 = torch.sin(q1 + q2), torch.cos(q1 + q2)
        x = self.l1 * c1 + self.l2 * c12
        y = self.l1 * s1 + self.l2 * s12
        xd = -y * qd1 - self.l2 * s12 * qd2
        yd = x * qd1 + self.l2 * c12 * qd2
        return torch.stack([x, y, xd, yd])

    def _point_kinematics(self, pos, coords, body):
        """Fixation points xy (2, P, B; m) and dxy/dq (2, 2, P, B; m/rad) from positions (2, B), body-frame
        coordinates (2, P) and body indices (P,)."""
        q1, q2 = pos[:1], pos[1:]
        body = body.unsqueeze(-1)  # (P, 1)
        angle = torch.where(body == 2, q1 + q2, torch.where(body == 1, q1, torch.zeros_like(q1)))
        c, s = torch.cos(angle), torch.sin(angle)
        u, w = coords.unsqueeze(-1)
        on_bone = (body > 0).to(pos.dtype)
        on_forearm = (body == 2).to(pos.dtype)
        # Rotated bone coordinates, and their derivative w.r.t. the bone's absolute angle.
        rx, ry = (u * c - w * s) * on_bone, (u * s + w * c) * on_bone
        elbow_x, elbow_y = self.l1 * torch.cos(q1) * on_forearm, self.l1 * torch.sin(q1) * on_forearm
        world = 1 - on_bone
        x = rx + elbow_x + u * world
        y = ry + elbow_y + w * world
        xy = torch.stack([x, y])
        dx_dq1, dy_dq1 = -ry - elbow_y, rx + elbow_x
        dx_dq2, dy_dq2 = -ry * on_forearm, rx * on_forearm
        dxy_ddof = torch.stack([torch.stack([dx_dq1, dx_dq2]), torch.stack([dy_dq1, dy_dq2])])
        return xy, dxy_ddof

    def get_save_config(self) -> dict:
        # coriolis_1, coriolis_2: the coefficients m2 l1 l2g of the velocity products in the shoulder
        # (+, on (2 qd1 + qd2) qd2 sin q2) and elbow (-, on qd1^2 sin q2) equations.
        return {
            **super().get_save_config(),
            "I1": self.i1,
            "I2": self.i2,
            "L1": self.l1,
            "L2": self.l2,
            "L1g": self.l1g,
            "L2g": self.l2g,
            "c_viscosity": self.viscosity,
            "coriolis_1": self.coriolis,
            "coriolis_2": -self.coriolis,
            "m1": self.m1,
            "m2": self.m2,
        }
