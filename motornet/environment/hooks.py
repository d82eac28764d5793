"""The MotorNet 0.3 compatibility layer of `Environment`: `obs_buffer`, `get_obs` and the hooks it calls.

A subclass defined outside motornet that overrides one of `HOOKS` (`reset`, `get_obs`, `update_obs_buffer`,
`get_proprioception`, `get_vision`), or whose effector overrides one of its own, is stepped through those
hooks instead of the pure `Environment.transition`: `effector.step`, then `get_obs(action=noisy_action)`.
"""

import warnings
from collections.abc import Sequence

import numpy as np
import torch

from .sensing import feedback, observation
from .state import fifo_lists, with_fifo_lists

HOOKS = ("reset", "get_obs", "update_obs_buffer", "get_proprioception", "get_vision")


class HookObservation:
    """MotorNet 0.3's observation API, mixed into `Environment`: the FIFOs as `obs_buffer` lists, and
    `get_obs`, which updates them (`update_obs_buffer`, from `get_proprioception` and `get_vision`) and
    returns the observation."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_obs" in vars(cls) and "_get_obs_size" not in vars(cls):
            warnings.warn(
                f"{cls.__name__} overrides get_obs but not _get_obs_size: its observation_space keeps "
                "the base observation size",
                UserWarning,
                stacklevel=2,
            )

    def apply_noise(self, loc: torch.Tensor, noise: float | Sequence[float]) -> torch.Tensor:
        """loc + N(0, noise^2), drawn from the effector's generator; `noise` one standard deviation or one per
        column of loc; loc unchanged if all are 0."""
        sample = self._noise_sample(loc.shape, noise)
        return loc if sample is None else loc + sample

    def get_proprioception(self) -> torch.Tensor:
        """Normalised fibre length and velocity of every muscle now (B, 2 * n_muscles), with noise."""
        states = self.effector.states
        return self.apply_noise(
            feedback(self.muscle, self.space_dim, states["muscle"], states["cartesian"])[0], self.proprioception_noise
        )

    def get_vision(self) -> torch.Tensor:
        """Fingertip position now (B, space_dim; m), with noise."""
        return self.apply_noise(self.effector.states["fingertip"], self.vision_noise)

    @property
    def obs_buffer(self) -> dict[str, list]:
        """{'proprioception', 'vision', 'action'}: lists of FIFO entries, oldest first. Stepped through the hooks
        (or before the first reset) the dict itself is the store, as in MotorNet 0.3 (scripts assign into
        it); on the pure path it is a copy of the state's FIFOs, which assigning `obs_buffer` replaces."""
        if self._hooks or self._state is None:
            return self._obs_buffer
        return fifo_lists(self._state)

    @obs_buffer.setter
    def obs_buffer(self, buffer: dict[str, list]) -> None:
        if self._hooks or self._state is None:
            self._obs_buffer = buffer
        else:
            self._state = with_fifo_lists(self._state, buffer)

    def update_obs_buffer(self, action: torch.Tensor | None = None) -> None:
        """Drop each FIFO's oldest entry; append `get_proprioception()`, `get_vision()` and `action` (if given)."""
        buffer = self.obs_buffer
        buffer["proprioception"] = buffer["proprioception"][1:] + [self.get_proprioception()]
        buffer["vision"] = buffer["vision"][1:] + [self.get_vision()]
        if action is not None and self.action_frame_stacking:
            buffer["action"] = buffer["action"][1:] + [action]
        self.obs_buffer = buffer

    def get_obs(self, action: torch.Tensor | None = None, deterministic: bool = False) -> torch.Tensor | np.ndarray:
        """Update the feedback FIFOs (`update_obs_buffer`) and return the observation: [goal, oldest vision,
        oldest proprioception, stacked actions, task inputs], with observation noise unless deterministic."""
        self.update_obs_buffer(action=action)
        buffer = self.obs_buffer
        obs = observation(
            self.goal,
            buffer["vision"][0],
            buffer["proprioception"][0],
            buffer["action"][: self.action_frame_stacking],
            self._task_inputs(),
        )
        if not deterministic:
            obs = self.apply_noise(obs, self.obs_noise)
        return self._output(obs)

    def _step_through_hooks(self, action, kwargs):
        noisy_action = self.apply_noise(action, self.action_noise)
        self.effector.step(noisy_action, **kwargs)
        self._last_load = kwargs.get("endpoint_load")
        self._steps_taken += 1
        self.elapsed += self.dt
        return self.get_obs(action=noisy_action), noisy_action
