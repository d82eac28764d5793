"""Feedback and observation: pure functions of the state, called by the pure `transition`, by `reset` and by
the MotorNet 0.3 hooks alike (docs/model.md §6)."""

from collections.abc import Sequence

import torch

from ..muscle import Muscle
from .state import NO_NOISE, StepNoise


def feedback(
    muscle: Muscle, space_dim: int, muscle_state: torch.Tensor, cartesian: torch.Tensor, noise: StepNoise = NO_NOISE
) -> tuple[torch.Tensor, torch.Tensor]:
    """(proprioception (B, 2 M): fibre length / l_ce then fibre velocity / v_max; vision (B, space_dim):
    fingertip position (m)) of a muscle state (B, n_states, M) and cartesian state (B, 2 space_dim), with
    `noise`'s proprioception and vision samples added."""
    proprioception = torch.cat([muscle_state[:, 1] / muscle.l0_ce[0], muscle_state[:, 2] / muscle.vmax[0]], dim=-1)
    vision = cartesian[:, :space_dim]
    if noise.proprioception is not None:
        proprioception = proprioception + noise.proprioception
    if noise.vision is not None:
        vision = vision + noise.vision
    return proprioception, vision


def observation(
    goal: torch.Tensor,
    vision: torch.Tensor,
    proprioception: torch.Tensor,
    actions: Sequence[torch.Tensor],
    task_inputs: Sequence[torch.Tensor] = (),
    noise: torch.Tensor | None = None,
) -> torch.Tensor:
    """[goal, vision, proprioception, actions..., task inputs...] (B, n) + `noise`, which spans all but the
    goal or all of it."""
    obs = torch.cat([vision, proprioception, *actions, *task_inputs], dim=-1)
    if noise is None:
        return torch.cat([goal, obs], dim=-1)
    if noise.shape[-1] == obs.shape[-1]:
        return torch.cat([goal, obs + noise], dim=-1)
    return torch.cat([goal, obs], dim=-1) + noise
