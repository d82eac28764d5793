"""The gymnasium `Environment`: an effector with delayed, noisy feedback and a goal, stepped through the pure
`transition` (docs/model.md §6); and `RandomTargetReach`."""

import json
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from ..compiled import StepFunction, requiring_grad
from ..effector import HOOKS as EFFECTOR_HOOKS
from ..effector import Effector, overrides_outside_motornet
from .hooks import HOOKS, HookObservation
from .sensing import feedback, observation
from .state import NO_NOISE, EnvState, StepNoise, fifo_lists, shift

# Attributes `get_attributes` leaves out (objects, state, spaces), as MotorNet 0.3.
_NOT_ATTRIBUTES = (
    "effector",
    "muscle",
    "skeleton",
    "np_random",
    "states",
    "goal",
    "obs_buffer",
    "unwrapped",
    "action_space",
    "observation_space",
    "training",
)


def delay_in_steps(delay: float, dt: float, name: str) -> int:
    """Number of FIFO entries for a delay (s) that must be a non-negative multiple of dt (s); 0 is one entry."""
    steps = round(delay / dt)
    if steps < 0 or abs(steps * dt - delay) > 1e-9 * max(1.0, delay / dt):
        raise ValueError(
            f"{name}={delay!r} s must be a non-negative integer multiple of the effector's timestep "
            f"dt={dt} s (e.g. {max(steps, 1) * dt:g})"
        )
    return max(steps, 1)


def noise_list(value: float | Sequence[float], n: int, name: str) -> list[float]:
    """Standard deviations as a list of n floats, from a scalar or n values (>= 0)."""
    values = [float(v) for v in np.asarray(value, dtype=float).flatten()]
    if len(values) == 1:
        values = values * n
    if len(values) != n or min(values, default=0.0) < 0:
        raise ValueError(f"{name} must be one standard deviation (>= 0) or one per element ({n}), got {value!r}")
    return values


def _json_safe(value):
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return value.tolist()
    try:
        json.dumps(value)
        return value
    except TypeError:
        return str(value)


class Environment(HookObservation, torch.nn.Module, gym.Env):
    """An effector with delayed, noisy sensory feedback, as a gymnasium environment.

    Noise standard deviations (Gaussian, additive): `action_noise` on the excitation before it reaches
    the muscles; `proprioception_noise` and `vision_noise` on each feedback entry; `obs_noise` on the
    observation. Each is a scalar or one value per element; after construction `action_noise` (per
    muscle) and `obs_noise` (per observation element, 0 for the goal unless given per element) are
    lists, `proprioception_noise` and `vision_noise` one-element lists. Delays (s) default to one
    timestep; the `proprioception_delay` and `vision_delay` attributes hold them in steps. In
    differentiable mode `step` returns tensors and reward None; otherwise numpy arrays and zero
    rewards (B, 1). `step(deterministic=True)` suppresses all noise of that step; the reset option
    `deterministic` that of the reset observation.
    """

    # Properties `get_attributes` reports with the attributes.
    _reported_properties = ("dt",)

    def __init__(
        self,
        effector: Effector,
        q_init: Sequence[float] | torch.Tensor | None = None,
        name: str = "Env",
        differentiable: bool = True,
        max_ep_duration: float = 1.0,
        action_noise: float | Sequence[float] = 0.0,
        obs_noise: float | Sequence[float] = 0.0,
        action_frame_stacking: int = 0,
        proprioception_delay: float | None = None,
        vision_delay: float | None = None,
        proprioception_noise: float | Sequence[float] = 0.0,
        vision_noise: float | Sequence[float] = 0.0,
        **kwargs,
    ) -> None:
        torch.nn.Module.__init__(self)
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unknown arguments {sorted(kwargs)}")
        self.effector = effector
        self.name = self.__name__ = name
        self.differentiable = bool(differentiable)
        self.max_ep_duration = float(max_ep_duration)
        self.q_init = None if q_init is None else torch.as_tensor(q_init, dtype=effector.dtype)
        self.action_frame_stacking = int(action_frame_stacking)
        self.proprioception_delay = delay_in_steps(
            self.dt if proprioception_delay is None else proprioception_delay, self.dt, "proprioception_delay"
        )
        self.vision_delay = delay_in_steps(self.dt if vision_delay is None else vision_delay, self.dt, "vision_delay")
        if not self.max_ep_duration >= self.dt:
            raise ValueError(f"max_ep_duration={max_ep_duration!r} s is shorter than one timestep ({self.dt} s)")
        longest = max(self.proprioception_delay, self.vision_delay) * self.dt
        if longest > self.max_ep_duration:
            raise ValueError(
                f"a feedback delay of {longest:g} s is longer than the episode (max_ep_duration = "
                f"{self.max_ep_duration:g} s): no feedback would ever arrive"
            )
        self.action_noise = noise_list(action_noise, self.n_muscles, "action_noise")
        self.proprioception_noise = (
            noise_list(proprioception_noise, 1, "proprioception_noise")
            if np.size(proprioception_noise) == 1
            else noise_list(proprioception_noise, 2 * self.n_muscles, "proprioception_noise")
        )
        self.vision_noise = (
            noise_list(vision_noise, 1, "vision_noise")
            if np.size(vision_noise) == 1
            else noise_list(vision_noise, self.space_dim, "vision_noise")
        )
        obs_dim = self._get_obs_size()
        self.obs_noise = (
            [0.0] * self.space_dim + noise_list(obs_noise, obs_dim - self.space_dim, "obs_noise")
            if np.size(obs_noise) == 1
            else noise_list(obs_noise, obs_dim, "obs_noise")
        )
        self.goal = None
        self.elapsed = None
        self._state = None
        self._transition = StepFunction(self._step_function)
        self._hooks = overrides_outside_motornet(type(self), HOOKS) or overrides_outside_motornet(
            type(effector), EFFECTOR_HOOKS
        )
        self._obs_buffer = {
            "proprioception": [None] * self.proprioception_delay,
            "vision": [None] * self.vision_delay,
            "action": [None] * self.action_frame_stacking,
        }
        self._last_load = None
        self._steps_taken = 0
        self._deterministic = False
        self.action_space = gym.spaces.Box(0.0, 1.0, (self.n_muscles,), dtype=np.float32)
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (obs_dim,), dtype=np.float32)

    def _get_obs_size(self):
        """Observation length: goal, vision, proprioception (2 M), stacked actions, task inputs."""
        return (
            2 * self.space_dim
            + 2 * self.n_muscles
            + self.action_frame_stacking * self.n_muscles
            + self._task_input_dim()
        )

    def _task_input_dim(self):
        """Size of extra task inputs a subclass appends to the observation."""
        return 0

    # ---- properties ---------------------------------------------------------------------------

    dt = property(lambda self: self.effector.dt)

    @property
    def n_steps(self) -> int:
        """The episode's number of steps, `max_ep_duration` / `dt` rounded (the one place it is computed)."""
        return int(round(self.max_ep_duration / self.dt))

    states = property(lambda self: self.effector.states)
    muscle = property(lambda self: self.effector.muscle)
    skeleton = property(lambda self: self.effector.skeleton)
    n_muscles = property(lambda self: self.effector.n_muscles)
    space_dim = property(lambda self: self.effector.space_dim)
    device = property(lambda self: self.effector.device)

    @property
    def np_random(self) -> np.random.Generator:
        return self.effector.np_random

    @np_random.setter
    def np_random(self, value: np.random.Generator | None) -> None:
        self.effector.np_random = value

    def _set_generator(self, seed):
        """Seed the effector's generators (all draws: states, goals, noise)."""
        self.effector._set_generator(seed)

    def joint2cartesian(self, joint_state: torch.Tensor) -> torch.Tensor:
        return self.effector.joint2cartesian(joint_state)

    def detach(self, x: Any) -> Any:
        return x.detach() if isinstance(x, torch.Tensor) else x

    def _maybe_detach_states(self):
        """Detach the effector's states from the graph when not differentiable."""
        if not self.differentiable:
            self.effector.states.update({k: self.detach(v) for k, v in self.effector.states.items()})

    # ---- noise and exogenous inputs -----------------------------------------------------------

    def _noise_sample(self, shape, std):
        std = np.asarray(std, dtype=float).flatten()
        if self._deterministic or not std.any():
            return None
        scale = (
            float(std[0])
            if (std == std[0]).all()
            else torch.as_tensor(std, dtype=self.effector.dtype, device=self.device)
        )
        return scale * torch.randn(
            shape, generator=self.effector.generator, device=self.device, dtype=self.effector.dtype
        )

    def draw_noise(self, batch_size: int) -> StepNoise:
        """One step's noise samples, drawn in a fixed order (action, proprioception, vision,
        observation); None where the standard deviations are 0."""
        if self._deterministic or not (
            any(self.action_noise) or any(self.proprioception_noise) or any(self.vision_noise) or any(self.obs_noise)
        ):
            return NO_NOISE
        return StepNoise(
            self._noise_sample((batch_size, self.n_muscles), self.action_noise),
            self._noise_sample((batch_size, 2 * self.n_muscles), self.proprioception_noise),
            self._noise_sample((batch_size, self.space_dim), self.vision_noise),
            self._observation_noise(batch_size),
        )

    def _observation_noise(self, batch_size):
        """An observation-noise sample (B, n) over all but the goal, or over all if the goal has noise too."""
        goal_noise = any(self.obs_noise[: self.space_dim])
        obs_noise = self.obs_noise if goal_noise else self.obs_noise[self.space_dim :]
        return self._noise_sample((batch_size, len(obs_noise)), obs_noise)

    def schedule(self):
        """Exogenous inputs of the episode, precomputed at reset by a task: a list of task-input tensors
        (B, T+1, n) whose entry n is shown with observation n, and the endpoint load of every step
        (B, T, space_dim; N) or None. The base environment has neither."""
        return [], None

    def endpoint_field(self, cartesian: torch.Tensor) -> torch.Tensor | None:
        """A state-dependent endpoint force (B, space_dim; N) from the endpoint state (B, 2 space_dim), or None."""
        return None

    def _task_inputs(self):
        """Task inputs shown with the current observation (list of (B, n) tensors)."""
        inputs, _ = self.schedule()
        if not inputs:
            return []
        n = min(self._steps_taken, self.n_steps)
        return [x[:, n] for x in inputs]

    def _scheduled_load(self):
        """The scheduled endpoint load (B, space_dim; N) of the coming step, or None."""
        _, load = self.schedule()
        return None if load is None else load[:, min(self._steps_taken, load.shape[1] - 1)]

    # ---- dynamics -----------------------------------------------------------------------------

    def transition(
        self,
        state: EnvState,
        action: torch.Tensor,
        noise: StepNoise,
        goal: torch.Tensor,
        endpoint_load: torch.Tensor | None = None,
        joint_load: torch.Tensor | None = None,
        task_inputs: Sequence[torch.Tensor] = (),
    ) -> tuple[EnvState, torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Pure step: (EnvState, excitation (B, M), StepNoise, goal, loads) -> (EnvState, obs, noisy action,
        applied endpoint load incl. `endpoint_field` or None).

        The plain `step` and the fused rollout (motornet.rollout) both call this, so they agree exactly.
        """
        noisy_action = action if noise.action is None else action + noise.action
        field = self.endpoint_field(state.cartesian)
        if field is not None:
            endpoint_load = field if endpoint_load is None else endpoint_load + field
        joint, muscle_state, geometry, cartesian = self.effector.transition(
            state.joint, state.muscle, state.geometry, noisy_action, endpoint_load, joint_load
        )
        proprioception, vision = feedback(self.muscle, self.space_dim, muscle_state, cartesian, noise)
        actions = state.actions[1:] + (noisy_action,) if state.actions else ()
        new = EnvState(
            joint,
            muscle_state,
            geometry,
            cartesian,
            shift(state.vision, vision),
            shift(state.proprioception, proprioception),
            actions,
        )
        obs = observation(goal, new.vision[0], new.proprioception[0], new.actions, task_inputs, noise.observation)
        return new, obs, noisy_action, endpoint_load

    def _step_function(self, state, action, noise, goal, endpoint_load, joint_load, task_inputs):
        """`transition` without the noisy action (recomputed outside: an output that is an input costs a
        compiled call more than the addition), with the fingertip (B, space_dim) as an output of its own
        (cheaper compiled than sliced eagerly after the call)."""
        state, obs, _, endpoint_load = self.transition(
            state, action, noise, goal, endpoint_load, joint_load, task_inputs
        )
        return state, obs, endpoint_load, state.cartesian[:, : self.space_dim].clone()

    # ---- gymnasium API ------------------------------------------------------------------------

    def _initial_goal(self, batch_size):
        return torch.zeros(batch_size, self.space_dim, device=self.device, dtype=self.effector.dtype)

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[Any, dict]:
        """Start a batch of episodes. options: batch_size (default 1), joint_state (default: q_init,
        else random), deterministic (no noise in the reset observation; default False); others are
        ignored. Returns (obs, info)."""
        options = dict(options or {})
        self._set_generator(seed)
        deterministic = bool(options.get("deterministic", False))
        joint_state = options.get("joint_state", self.q_init)
        self.effector.reset(options={"batch_size": options.get("batch_size", 1), "joint_state": joint_state})
        states = self.effector.states
        batch_size = states["joint"].shape[0]
        self._steps_taken = 0
        self.elapsed = 0.0
        self.goal = self._initial_goal(batch_size)
        self._deterministic = deterministic
        # Each FIFO entry is an independent noisy reading of the initial state (noise-free: all the same one).
        n_readings = max(self.proprioception_delay, self.vision_delay)
        noise = [self.draw_noise(batch_size) for _ in range(n_readings)]
        readings = (
            [feedback(self.muscle, self.space_dim, states["muscle"], states["cartesian"])] * n_readings
            if noise[0] is NO_NOISE
            else [feedback(self.muscle, self.space_dim, states["muscle"], states["cartesian"], n) for n in noise]
        )
        zeros = torch.zeros(batch_size, self.n_muscles, device=self.device, dtype=self.effector.dtype)
        self._state = EnvState(
            states["joint"],
            states["muscle"],
            states["geometry"],
            states["cartesian"],
            torch.stack([r[1] for r in readings[: self.vision_delay]]),
            torch.stack([r[0] for r in readings[: self.proprioception_delay]]),
            (zeros,) * self.action_frame_stacking,
        )
        if self._hooks:
            self._obs_buffer = fifo_lists(self._state)
            self._deterministic = False
            return self.get_obs(deterministic=deterministic), self._output(self._info(zeros, zeros))
        obs_noise = self._observation_noise(batch_size)
        self._deterministic = False
        state = self._state
        obs = observation(
            self.goal, state.vision[0], state.proprioception[0], state.actions, self._task_inputs(), obs_noise
        )
        return self._output(obs), self._output(self._info(zeros, zeros))

    def step(
        self, action: torch.Tensor | np.ndarray, deterministic: bool = False, **kwargs
    ) -> tuple[Any, Any, bool, bool, dict]:
        """Apply an excitation (B, n_muscles) for one timestep. kwargs (endpoint_load, joint_load, ...)
        reach the effector. Returns (obs, reward, terminated, truncated, info)."""
        if self.goal is None:
            raise RuntimeError(f"{self.name}.step called before reset()")
        effector = self.effector
        action = effector._check_input("action", action, self.n_muscles)
        endpoint_load, joint_load = kwargs.get("endpoint_load"), kwargs.get("joint_load")
        if endpoint_load is not None:
            endpoint_load = kwargs["endpoint_load"] = effector._check_input(
                "endpoint_load", endpoint_load, self.space_dim
            )
        if joint_load is not None:
            joint_load = kwargs["joint_load"] = effector._check_input("joint_load", joint_load, effector.dof)
        scheduled = self._scheduled_load()
        if scheduled is not None:
            endpoint_load = kwargs["endpoint_load"] = scheduled if endpoint_load is None else endpoint_load + scheduled
        if self.differentiable and not (deterministic or self._hooks):  # a MotorNet 0.3 training loop's step
            obs, noisy_action = self._pure_step(action, endpoint_load, joint_load)
        else:
            obs, noisy_action = self._general_step(action, kwargs, deterministic)
        terminated = self.elapsed >= self.max_ep_duration - 1e-9
        info = self._info(action, noisy_action)
        if self.differentiable:
            return obs, None, terminated, False, info
        reward = np.zeros((obs.shape[0], 1), dtype=np.float32)
        return self._output(obs), reward, terminated, False, self._output(info)

    def _general_step(self, action, kwargs, deterministic):
        """A step that is deterministic, goes through a subclass's hooks, or is not differentiable."""
        if deterministic:
            self._deterministic = True
        try:
            with torch.set_grad_enabled(torch.is_grad_enabled() and self.differentiable):
                obs, noisy_action = (
                    self._step_through_hooks(action, kwargs)
                    if self._hooks
                    else self._pure_step(action, kwargs.get("endpoint_load"), kwargs.get("joint_load"))
                )
        finally:
            if deterministic:
                self._deterministic = False
        if not self.differentiable:
            self._maybe_detach_states()
        return obs, noisy_action

    def _pure_step(self, action, endpoint_load, joint_load):
        state = self._state
        if not state.joint.requires_grad and torch.is_grad_enabled():
            state = requiring_grad(state)
        noise = self.draw_noise(action.shape[0])
        self._steps_taken += 1
        self.elapsed += self.dt
        state, obs, self._last_load, fingertip = self._transition(
            state, action, noise, self.goal, endpoint_load, joint_load, self._task_inputs()
        )
        self._state = state
        self.effector._set_state(state.joint, state.muscle, state.geometry, state.cartesian, fingertip)
        return obs, action if noise.action is None else action + noise.action

    def _finish_rollout(self, state, n_steps):
        """Leave the environment as `n_steps` plain steps ending in `state` would (motornet.rollout)."""
        self._state, self._steps_taken, self.elapsed = state, n_steps, n_steps * self.dt
        self.effector._set_state(*state[:4])

    def _info(self, action, noisy_action):
        return {"states": dict(self.effector.states), "action": action, "noisy action": noisy_action, "goal": self.goal}

    def _output(self, value):
        """Tensors as they are in differentiable mode, as numpy arrays otherwise."""
        if self.differentiable or isinstance(value, np.ndarray):
            return value
        if isinstance(value, dict):
            return {k: self._output(v) for k, v in value.items()}
        return value.detach().cpu().numpy()

    # ---- description --------------------------------------------------------------------------

    def get_attributes(self) -> tuple[list[str], list]:
        """(names, values) of the public, non-callable attributes (objects, state and spaces left out)."""
        names = sorted(
            ({k for k in vars(self) if not k.startswith("_")} | set(self._reported_properties)) - set(_NOT_ATTRIBUTES)
        )
        names = [n for n in names if not callable(getattr(self, n))]
        return names, [getattr(self, n) for n in names]

    def print_attributes(self) -> None:
        for name, value in zip(*self.get_attributes()):
            print(f"{name}: {value}")

    def get_save_config(self) -> dict:
        return {
            "name": self.name,
            **{n: _json_safe(v) for n, v in zip(*self.get_attributes()) if n != "name"},
            "effector": self.effector.get_save_config(),
        }


class RandomTargetReach(Environment):
    """Reach to a goal drawn uniformly over the effector's joint space at every reset."""

    def _initial_goal(self, batch_size):
        joint = self.effector.draw_random_uniform_states(batch_size)
        return self.effector.joint2cartesian(joint)[:, : self.space_dim]
