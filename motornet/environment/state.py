"""The environment's pure state: `EnvState` (everything a step changes) and `StepNoise` (one step's noise samples)."""

from typing import NamedTuple

import torch


class EnvState(NamedTuple):
    """Everything a step changes: the effector's tensors and the feedback FIFOs (oldest entry first)."""

    joint: torch.Tensor  # (B, 2 dof)
    muscle: torch.Tensor  # (B, n_states, M)
    geometry: torch.Tensor  # (B, 2 + dof, M)
    cartesian: torch.Tensor  # (B, 2 space_dim)
    vision: torch.Tensor  # (k_vision, B, space_dim)
    proprioception: torch.Tensor  # (k_proprioception, B, 2 M)
    actions: tuple  # the last `action_frame_stacking` actions (B, M), newest last


class StepNoise(NamedTuple):
    """Noise samples of one step (None: no noise)."""

    action: torch.Tensor = None
    proprioception: torch.Tensor = None
    vision: torch.Tensor = None
    observation: torch.Tensor = None


NO_NOISE = StepNoise()


def shift(fifo, entry):
    """Append `entry` to a (k, ...) FIFO tensor and drop its oldest entry."""
    return torch.cat([fifo[1:], entry.unsqueeze(0)]) if fifo.shape[0] > 1 else entry.unsqueeze(0)


def fifo_lists(state: EnvState) -> dict[str, list]:
    """The state's FIFOs as MotorNet 0.3's `obs_buffer`: {'proprioception', 'vision', 'action'} lists, oldest first."""
    return {
        "proprioception": list(state.proprioception),
        "vision": list(state.vision),
        "action": list(state.actions),
    }


def with_fifo_lists(state: EnvState, buffer: dict[str, list]) -> EnvState:
    """`state` with the FIFOs of an `obs_buffer` dict (the inverse of `fifo_lists`)."""
    return state._replace(
        proprioception=torch.stack(buffer["proprioception"]),
        vision=torch.stack(buffer["vision"]),
        actions=tuple(buffer["action"]),
    )
