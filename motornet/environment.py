"""Gymnasium environments around an effector: delayed, noisy feedback and a goal (model-facts §6).

Observation vector, in order:

| slice | content | size |
|---|---|---|
| goal | goal position (m), no noise | space_dim |
| vision | fingertip position (m), delayed by `vision_delay` | space_dim |
| proprioception | fibre length / l_ce, then fibre velocity / v_max, delayed by `proprioception_delay` | 2 * n_muscles |
| actions | the last `action_frame_stacking` actions, newest last | frames * n_muscles |

A delay of k * dt is a FIFO of k entries: each observation appends the current feedback and shows the
oldest entry, so it lags the state just reached by k - 1 steps (k = 1: no lag beyond the step).
"""
from typing import NamedTuple

import gymnasium as gym
import numpy as np
import torch

_RESET_OPTIONS = ("batch_size", "joint_state", "deterministic")


class EnvState(NamedTuple):
    """Everything a step changes: the effector's tensors and the feedback FIFOs (oldest entry first)."""
    joint: torch.Tensor           # (B, 2 dof)
    muscle: torch.Tensor          # (B, n_states, M)
    geometry: torch.Tensor        # (B, 2 + dof, M)
    cartesian: torch.Tensor       # (B, 2 space_dim)
    vision: torch.Tensor          # (k_vision, B, space_dim)
    proprioception: torch.Tensor  # (k_proprioception, B, 2 M)
    actions: tuple                # the last `action_frame_stacking` actions (B, M), newest last


class StepNoise(NamedTuple):
    """Noise samples of one step (None: no noise)."""
    action: torch.Tensor = None
    proprioception: torch.Tensor = None
    vision: torch.Tensor = None
    observation: torch.Tensor = None


NO_NOISE = StepNoise()


def _shift(fifo, entry):
    """Append `entry` to a (k, ...) FIFO tensor and drop its oldest entry."""
    return torch.cat([fifo[1:], entry.unsqueeze(0)]) if fifo.shape[0] > 1 else entry.unsqueeze(0)


def delay_in_steps(delay, dt, name):
    """Number of FIFO entries for a delay (s) that must be a positive multiple of dt (s)."""
    steps = round(delay / dt)
    if steps < 1 or abs(steps * dt - delay) > 1e-9 * max(1., delay / dt):
        raise ValueError(f"{name}={delay!r} s must be a positive integer multiple of the effector's timestep "
                         f"dt={dt} s (e.g. {max(steps, 1) * dt:g})")
    return steps


class Environment(torch.nn.Module, gym.Env):
    """An effector with delayed, noisy sensory feedback, as a gymnasium environment.

    Noise standard deviations (Gaussian, additive): `action_noise` on the excitation before it reaches
    the muscles; `proprioception_noise` and `vision_noise` on each feedback entry; `obs_noise` on the
    whole observation but the goal. Delays (s) default to one timestep. In differentiable mode
    `step` returns tensors and reward None; otherwise numpy arrays and zero rewards.
    """

    def __init__(self, effector, q_init=None, name="Env", differentiable=True, max_ep_duration=1.,
                 action_noise=0., obs_noise=0., action_frame_stacking=0, proprioception_delay=None,
                 vision_delay=None, proprioception_noise=0., vision_noise=0., **kwargs):
        torch.nn.Module.__init__(self)
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unknown arguments {sorted(kwargs)}")
        self.effector = effector
        self.name = name
        self.differentiable = bool(differentiable)
        self.max_ep_duration = float(max_ep_duration)
        self.q_init = None if q_init is None else torch.as_tensor(q_init, dtype=effector.dtype)
        for noise_name, value in (("action_noise", action_noise), ("obs_noise", obs_noise),
                                  ("proprioception_noise", proprioception_noise), ("vision_noise", vision_noise)):
            if value < 0:
                raise ValueError(f"{noise_name} is a standard deviation and must be >= 0, got {value}")
        self.action_noise = float(action_noise)
        self.obs_noise = float(obs_noise)
        self.proprioception_noise = float(proprioception_noise)
        self.vision_noise = float(vision_noise)
        self.action_frame_stacking = int(action_frame_stacking)
        self.proprioception_delay = self.dt if proprioception_delay is None else float(proprioception_delay)
        self.vision_delay = self.dt if vision_delay is None else float(vision_delay)
        self.proprioception_steps = delay_in_steps(self.proprioception_delay, self.dt, "proprioception_delay")
        self.vision_steps = delay_in_steps(self.vision_delay, self.dt, "vision_delay")
        self._state = None
        self._last_load = None
        self._goal = None
        self._n_steps = 0
        self._deterministic = False
        self.action_space = gym.spaces.Box(0., 1., (self.n_muscles,), dtype=np.float32)
        obs_dim = 2 * self.space_dim + 2 * self.n_muscles + self.action_frame_stacking * self.n_muscles + \
            self._task_input_dim()
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (obs_dim,), dtype=np.float32)

    def _task_input_dim(self):
        """Size of extra task inputs a subclass appends to the observation."""
        return 0

    # ---- properties ---------------------------------------------------------------------------

    dt = property(lambda self: self.effector.dt)
    states = property(lambda self: self.effector.states)
    muscle = property(lambda self: self.effector.muscle)
    skeleton = property(lambda self: self.effector.skeleton)
    n_muscles = property(lambda self: self.effector.n_muscles)
    space_dim = property(lambda self: self.effector.space_dim)
    device = property(lambda self: self.effector.device)
    goal = property(lambda self: self._goal)
    elapsed = property(lambda self: self._n_steps * self.dt)

    def joint2cartesian(self, joint_state):
        return self.effector.joint2cartesian(joint_state)

    # ---- feedback -----------------------------------------------------------------------------

    def apply_noise(self, loc, noise):
        """loc + N(0, noise^2), drawn from the effector's generator; loc unchanged if noise is 0."""
        sample = self._noise_sample(loc.shape, noise)
        return loc if sample is None else loc + sample

    def _noise_sample(self, shape, std):
        if std == 0. or self._deterministic:
            return None
        return std * torch.randn(shape, generator=self.effector.generator, device=self.device,
                                 dtype=self.effector.dtype)

    def draw_noise(self, batch_size):
        """One step's noise samples, drawn in a fixed order (action, proprioception, vision,
        observation); None where a standard deviation is 0 or the episode is deterministic."""
        if self._deterministic or not (self.action_noise or self.proprioception_noise or self.vision_noise
                                       or self.obs_noise):
            return NO_NOISE
        return StepNoise(self._noise_sample((batch_size, self.n_muscles), self.action_noise),
                         self._noise_sample((batch_size, 2 * self.n_muscles), self.proprioception_noise),
                         self._noise_sample((batch_size, self.space_dim), self.vision_noise),
                         self._noise_sample((batch_size, self.observation_space.shape[0] - self.space_dim),
                                            self.obs_noise))

    def _feedback(self, muscle_state, cartesian, noise):
        """Proprioception (normalised fibre length and velocity) and vision (fingertip), with noise."""
        muscle = self.muscle
        proprioception = torch.cat([muscle_state[:, 1] / muscle.l0_ce[0], muscle_state[:, 2] / muscle.vmax[0]], dim=-1)
        vision = cartesian[:, :self.space_dim]
        if noise.proprioception is not None:
            proprioception = proprioception + noise.proprioception
        if noise.vision is not None:
            vision = vision + noise.vision
        return proprioception, vision

    def _observation(self, state, goal, task_inputs, obs_noise):
        """[goal, oldest vision entry, oldest proprioception entry, stacked actions, task inputs]."""
        parts = [state.vision[0], state.proprioception[0], *state.actions, *task_inputs]
        obs = torch.cat(parts, dim=-1)
        if obs_noise is not None:
            obs = obs + obs_noise
        return torch.cat([goal, obs], dim=-1)

    def get_proprioception(self):
        """Normalised fibre length and velocity of every muscle now (B, 2 * n_muscles), with noise."""
        muscle_state = self.effector.states["muscle"]
        return self.apply_noise(self._feedback(muscle_state, self.effector.states["cartesian"], NO_NOISE)[0],
                                self.proprioception_noise)

    def get_vision(self):
        """Fingertip position now (B, space_dim; m), with noise."""
        return self.apply_noise(self.effector.states["fingertip"], self.vision_noise)

    def get_obs(self, action=None, deterministic=False):
        """The current observation (B, obs_dim), with fresh observation noise unless deterministic."""
        noise = None if deterministic else self._noise_sample(
            (self._state.joint.shape[0], self.observation_space.shape[0] - self.space_dim), self.obs_noise)
        return self._observation(self._state, self._goal, self._task_inputs(), noise)

    def schedule(self):
        """Exogenous inputs of the episode, precomputed at reset by a task: a list of task-input tensors
        (B, T+1, n) whose entry n is shown with observation n, and the endpoint load of every step
        (B, T, space_dim; N) or None. The base environment has neither."""
        return [], None

    def endpoint_field(self, cartesian):
        """A state-dependent endpoint force (B, space_dim; N) from the endpoint state (B, 2 space_dim), or None."""
        return None

    def _episode_steps(self):
        return int(round(self.max_ep_duration / self.dt))

    def _task_inputs(self):
        """Task inputs shown with the current observation (list of (B, n) tensors)."""
        inputs, _ = self.schedule()
        n = min(self._n_steps, self._episode_steps())
        return [x[:, n] for x in inputs]

    def _scheduled_load(self):
        """The scheduled endpoint load (B, space_dim; N) of the coming step, or None."""
        _, load = self.schedule()
        return None if load is None else load[:, min(self._n_steps, load.shape[1] - 1)]

    # ---- dynamics -----------------------------------------------------------------------------

    def transition(self, state, action, noise, goal, endpoint_load=None, joint_load=None, task_inputs=()):
        """Pure step: (EnvState, excitation (B, M), StepNoise, goal, loads) -> (EnvState, obs, noisy action,
        applied endpoint load incl. `endpoint_field` or None).

        The plain `step` and the fused rollout (motornet.rollout) both call this, so they agree exactly.
        """
        effector = self.effector
        noisy_action = action if noise.action is None else action + noise.action
        field = self.endpoint_field(state.cartesian)
        if field is not None:
            endpoint_load = field if endpoint_load is None else endpoint_load + field
        joint, muscle_state, geometry = state.joint, state.muscle, state.geometry
        for _ in range(effector.n_ministeps):
            joint, muscle_state, geometry = effector.integrate(joint, muscle_state, geometry, noisy_action,
                                                               endpoint_load, joint_load)
        cartesian = effector.joint2cartesian(joint)
        proprioception, vision = self._feedback(muscle_state, cartesian, noise)
        actions = state.actions[1:] + (action,) if state.actions else ()
        new = EnvState(joint, muscle_state, geometry, cartesian, _shift(state.vision, vision),
                       _shift(state.proprioception, proprioception), actions)
        return new, self._observation(new, goal, task_inputs, noise.observation), noisy_action, endpoint_load

    # ---- gymnasium API ------------------------------------------------------------------------

    def _initial_goal(self, batch_size):
        return torch.zeros(batch_size, self.space_dim, device=self.device, dtype=self.effector.dtype)

    def reset(self, seed=None, options=None):
        """Start a batch of episodes. options: batch_size (default 1), joint_state (default: q_init,
        else random), deterministic (no noise; default False). Returns (obs, info)."""
        options = dict(options or {})
        unknown = set(options) - set(_RESET_OPTIONS)
        if unknown:
            raise ValueError(f"unknown reset options {sorted(unknown)}; valid: {list(_RESET_OPTIONS)}")
        if seed is not None:
            gym.Env.reset(self, seed=seed)
        self._deterministic = bool(options.get("deterministic", False))
        joint_state = options.get("joint_state", self.q_init)
        self.effector.reset(seed=seed, options={"batch_size": options.get("batch_size", 1),
                                                "joint_state": joint_state})
        states = self.effector.states
        batch_size = states["joint"].shape[0]
        self._n_steps = 0
        self._goal = self._initial_goal(batch_size)
        # Each FIFO entry is an independent noisy reading of the initial state (noise-free: all the same one).
        n_readings = max(self.proprioception_steps, self.vision_steps)
        noise = [self.draw_noise(batch_size) for _ in range(n_readings)]
        readings = [self._feedback(states["muscle"], states["cartesian"], NO_NOISE)] * n_readings \
            if noise[0] is NO_NOISE else [self._feedback(states["muscle"], states["cartesian"], n) for n in noise]
        zeros = torch.zeros(batch_size, self.n_muscles, device=self.device, dtype=self.effector.dtype)
        self._state = EnvState(states["joint"], states["muscle"], states["geometry"], states["cartesian"],
                               torch.stack([r[1] for r in readings[:self.vision_steps]]),
                               torch.stack([r[0] for r in readings[:self.proprioception_steps]]),
                               (zeros,) * self.action_frame_stacking)
        obs = self.get_obs(deterministic=self._deterministic)
        return self._output(obs), self._output(self._info(zeros, zeros))

    def step(self, action, deterministic=False, **kwargs):
        """Apply an excitation (B, n_muscles) for one timestep. kwargs (endpoint_load, joint_load)
        reach the effector. Returns (obs, reward, terminated, truncated, info)."""
        if self._goal is None:
            raise RuntimeError(f"{self.name}.step called before reset()")
        unknown = set(kwargs) - {"endpoint_load", "joint_load"}
        if unknown:
            raise TypeError(f"step got unknown arguments {sorted(unknown)}; valid: endpoint_load, joint_load")
        effector = self.effector
        action = effector._check_input("action", action, self.n_muscles)
        loads = {k: effector._check_input(k, kwargs.get(k), width)
                 for k, width in (("endpoint_load", self.space_dim), ("joint_load", effector.dof))}
        scheduled = self._scheduled_load()
        if scheduled is not None:
            given = loads["endpoint_load"]
            loads["endpoint_load"] = scheduled if given is None else given + scheduled
        previous = self._deterministic
        self._deterministic = previous or bool(deterministic)
        with torch.set_grad_enabled(torch.is_grad_enabled() and self.differentiable):
            noise = self.draw_noise(action.shape[0])
            self._n_steps += 1
            self._state, obs, noisy_action, self._last_load = self.transition(
                self._state, action, noise, self._goal, task_inputs=self._task_inputs(), **loads)
        self._deterministic = previous
        effector._set_state(*self._state[:4])
        terminated = self.elapsed >= self.max_ep_duration - 1e-9
        info = self._info(action, noisy_action)
        if self.differentiable:
            return obs, None, terminated, False, info
        reward = np.zeros(obs.shape[0], dtype=np.float32)
        return self._output(obs), reward, terminated, False, self._output(info)

    def _finish_rollout(self, state, n_steps):
        """Leave the environment as `n_steps` plain steps ending in `state` would (motornet.rollout)."""
        self._state, self._n_steps = state, n_steps
        self.effector._set_state(*state[:4])

    def _info(self, action, noisy_action):
        return {"states": self.effector.states, "action": action, "noisy action": noisy_action, "goal": self._goal}

    def _output(self, value):
        """Tensors as they are in differentiable mode, as numpy arrays otherwise."""
        if self.differentiable:
            return value
        if isinstance(value, dict):
            return {k: self._output(v) for k, v in value.items()}
        return value.detach().cpu().numpy()

    def get_save_config(self):
        return {"name": self.name, "max_ep_duration": self.max_ep_duration, "action_noise": self.action_noise,
                "obs_noise": self.obs_noise, "proprioception_noise": self.proprioception_noise,
                "vision_noise": self.vision_noise, "proprioception_delay": self.proprioception_delay,
                "vision_delay": self.vision_delay, "action_frame_stacking": self.action_frame_stacking,
                "effector": self.effector.get_save_config()}


class RandomTargetReach(Environment):
    """Reach to a goal drawn uniformly over the effector's joint space at every reset."""

    def _initial_goal(self, batch_size):
        joint = self.effector.draw_random_uniform_states(batch_size)
        return self.effector.joint2cartesian(joint)[:, :self.space_dim]
