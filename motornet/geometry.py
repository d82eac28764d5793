"""Muscle geometry: joint state -> musculotendon length, velocity and moment arms.

The models return a geometry state (B, 2 + dof, n_muscles): length L (m), velocity dL/dt (m/s),
then the moment arms dL/dq_j (m/rad for a joint, dimensionless for a point mass). A negative
moment arm means that shortening the muscle increases q_j; joint torque is -sum(force * moment arm).
`forward` is batch first; `_state`, which the effector's step calls, is trial-last (motornet.layout).
"""

from collections.abc import Sequence

import torch

from .layout import trials_first, trials_last
from .skeleton import Skeleton


class PathGeometry(torch.nn.Module):
    """Muscles as polylines of fixation points on the skeleton's bodies (docs/model.md §4).

    Fixation points of all muscles are concatenated once at construction; a (segments x muscles)
    incidence matrix sums segment lengths and moment arms per muscle.
    """

    def __init__(
        self,
        skeleton: Skeleton,
        path_fixation_body: Sequence[Sequence[int]],
        path_coordinates: Sequence[Sequence[Sequence[float]]],
    ) -> None:
        super().__init__()
        self.skeleton = skeleton
        bodies, coords, starts, seg_muscle = [], [], [], []
        offset = 0
        for m, (body, points) in enumerate(zip(path_fixation_body, path_coordinates)):
            bodies += list(body)
            coords += [list(p) for p in points]
            starts += range(offset, offset + len(body) - 1)
            seg_muscle += [m] * (len(body) - 1)
            offset += len(body)
        start = torch.tensor(starts, dtype=torch.long)
        incidence = torch.zeros(len(starts), len(path_fixation_body))
        incidence[torch.arange(len(starts)), torch.tensor(seg_muscle, dtype=torch.long)] = 1.0
        self.register_buffer(
            "coordinates", torch.tensor(coords, dtype=torch.get_default_dtype()).T.contiguous(), persistent=False
        )
        self.register_buffer("fixation_body", torch.tensor(bodies, dtype=torch.long), persistent=False)
        self.register_buffer("segment_start", start, persistent=False)
        self.register_buffer("segment_end", start + 1, persistent=False)
        self.register_buffer("incidence", incidence, persistent=False)

    def forward(self, joint_state: torch.Tensor) -> torch.Tensor:
        """Geometry state (B, 2 + dof, M) at joint states (B, 2 dof)."""
        return trials_first(self._state(trials_last(joint_state)))

    def _state(self, joint):
        """Geometry state (2 + dof, M, B) at joint states (2 dof, B)."""
        dof = self.skeleton.dof
        xy, dxy_ddof = self.skeleton._point_kinematics(joint[:dof], self.coordinates, self.fixation_body)
        delta = xy[:, self.segment_end] - xy[:, self.segment_start]  # (space, S, B)
        seg_length = torch.linalg.vector_norm(delta, dim=0)  # (S, B)
        direction = delta / seg_length
        d_delta = dxy_ddof[:, :, self.segment_end] - dxy_ddof[:, :, self.segment_start]  # (space, dof, S, B)
        seg_moment = (direction.unsqueeze(1) * d_delta).sum(0)  # (dof, S, B)
        length = self.incidence.T @ seg_length  # (M, B)
        moment_arm = self.incidence.T @ seg_moment  # (dof, M, B)
        velocity = (moment_arm * joint[dof:].unsqueeze(1)).sum(0)  # (M, B)
        return torch.cat([length.unsqueeze(0), velocity.unsqueeze(0), moment_arm], dim=0)


class PolynomialGeometry(torch.nn.Module):
    """Moment-arm approximation (Kistemaker et al. 2010, eq. A10-A12; docs/model.md §3).

    L = a0 + sum_j a1_j theta_j + a2_j theta_j^2 with theta = q - phi; moment arm = dL/dq.
    a0 (M,), a1 and a2 (dof, M) in m, m/rad, m/rad^2; phi (dof,) in rad.
    """

    def __init__(
        self,
        a0: Sequence[float] | torch.Tensor,
        a1: Sequence[Sequence[float]] | torch.Tensor,
        a2: Sequence[Sequence[float]] | torch.Tensor,
        phi: Sequence[float] | torch.Tensor,
    ) -> None:
        super().__init__()
        dtype = torch.get_default_dtype()
        self.register_buffer("a0", torch.as_tensor(a0, dtype=dtype), persistent=False)
        self.register_buffer("a1", torch.as_tensor(a1, dtype=dtype), persistent=False)
        self.register_buffer("a2", torch.as_tensor(a2, dtype=dtype), persistent=False)
        self.register_buffer("phi", torch.as_tensor(phi, dtype=dtype), persistent=False)

    def forward(self, joint_state: torch.Tensor) -> torch.Tensor:
        """Geometry state (B, 2 + dof, M) at joint states (B, 2 dof)."""
        return trials_first(self._state(trials_last(joint_state)))

    def _state(self, joint):
        """Geometry state (2 + dof, M, B) at joint states (2 dof, B)."""
        dof = self.phi.shape[0]
        theta = (joint[:dof] - self.phi.unsqueeze(-1)).unsqueeze(1)  # (dof, 1, B)
        a1, a2 = self.a1.unsqueeze(-1), self.a2.unsqueeze(-1)  # (dof, M, 1)
        # Sums over dof as broadcast products, not matrix products: compiled, they fuse into one loop.
        length = self.a0.unsqueeze(-1) + (theta * (a1 + a2 * theta)).sum(0)  # (M, B)
        moment_arm = a1 + 2.0 * a2 * theta  # (dof, M, B)
        velocity = (moment_arm * joint[dof:].unsqueeze(1)).sum(0)  # (M, B)
        return torch.cat([length.unsqueeze(0), velocity.unsqueeze(0), moment_arm], dim=0)


class ConstantGeometry(torch.nn.Module):
    """Constant moment arms `moment_arm` (dof, M; m/rad or dimensionless), musculotendon length and
    velocity 0: the public toolbox's `Reacher` and `FreePointMass24` muscles."""

    def __init__(self, moment_arm: Sequence[Sequence[float]] | torch.Tensor) -> None:
        super().__init__()
        self.register_buffer(
            "moment_arm", torch.as_tensor(moment_arm, dtype=torch.get_default_dtype()), persistent=False
        )

    def forward(self, joint_state: torch.Tensor) -> torch.Tensor:
        """Geometry state (B, 2 + dof, M) at joint states (B, 2 dof)."""
        return trials_first(self._state(trials_last(joint_state)))

    def _state(self, joint):
        """Geometry state (2 + dof, M, B) at joint states (2 dof, B)."""
        moment_arm = self.moment_arm.unsqueeze(-1).expand(-1, -1, joint.shape[-1])
        zeros = torch.zeros_like(moment_arm[:1])
        return torch.cat([zeros, zeros, moment_arm], dim=0)
