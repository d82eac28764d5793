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
import collections

import gymnasium as gym
import numpy as np
import torch

_RESET_OPTIONS = ("batch_size", "joint_state", "deterministic")


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
        self._buffers_fb = {}
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
        if noise == 0. or self._deterministic:
            return loc
        return loc + noise * torch.randn(loc.shape, generator=self.effector.generator, device=loc.device,
                                         dtype=loc.dtype)

    def get_proprioception(self):
        """Normalised fibre length and velocity of every muscle (B, 2 * n_muscles), with noise."""
        muscle = self.effector._muscle_state
        length = muscle[:, 1] / self.muscle.l0_ce[0]
        velocity = muscle[:, 2] / self.muscle.vmax[0]
        return self.apply_noise(torch.cat([length, velocity], dim=-1), self.proprioception_noise)

    def get_vision(self):
        """Fingertip position (B, space_dim; m), with noise."""
        return self.apply_noise(self.effector._cartesian[:, :self.space_dim], self.vision_noise)

    def _push_feedback(self):
        self._buffers_fb["proprioception"].append(self.get_proprioception())
        self._buffers_fb["vision"].append(self.get_vision())

    def get_obs(self, action=None, deterministic=False):
        """Record the current feedback (and action) and return the observation (B, obs_dim)."""
        self._push_feedback()
        if action is not None and self.action_frame_stacking:
            self._buffers_fb["action"].append(action)
        parts = [self._buffers_fb["vision"][0], self._buffers_fb["proprioception"][0]]
        parts += list(self._buffers_fb.get("action", ()))
        parts += self._task_inputs()
        obs = self.apply_noise(torch.cat(parts, dim=-1), self.obs_noise)
        return torch.cat([self._goal, obs], dim=-1)

    def _task_inputs(self):
        """Extra inputs (list of (B, n) tensors) a subclass appends after the feedback."""
        return []

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
        batch_size = self.effector._joint.shape[0]
        self._n_steps = 0
        self._goal = self._initial_goal(batch_size)
        self._buffers_fb = {"proprioception": collections.deque(maxlen=self.proprioception_steps),
                            "vision": collections.deque(maxlen=self.vision_steps)}
        for _ in range(max(self.proprioception_steps, self.vision_steps) - 1):
            self._push_feedback()
        if self.action_frame_stacking:
            zeros = torch.zeros(batch_size, self.n_muscles, device=self.device, dtype=self.effector.dtype)
            self._buffers_fb["action"] = collections.deque([zeros] * self.action_frame_stacking,
                                                           maxlen=self.action_frame_stacking)
        obs = self.get_obs(deterministic=self._deterministic)
        action = torch.zeros(batch_size, self.n_muscles, device=self.device, dtype=self.effector.dtype)
        info = self._info(action, action)
        return self._output(obs), self._output(info)

    def step(self, action, deterministic=False, **kwargs):
        """Apply an excitation (B, n_muscles) for one timestep. kwargs (endpoint_load, joint_load)
        reach the effector. Returns (obs, reward, terminated, truncated, info)."""
        if self._goal is None:
            raise RuntimeError(f"{self.name}.step called before reset()")
        action = torch.as_tensor(action, dtype=self.effector.dtype, device=self.device)
        previous = self._deterministic
        self._deterministic = previous or bool(deterministic)
        with torch.set_grad_enabled(torch.is_grad_enabled() and self.differentiable):
            noisy_action = self.apply_noise(action, self.action_noise)
            self.effector.step(noisy_action, **kwargs)
            self._n_steps += 1
            obs = self.get_obs(action, deterministic=self._deterministic)
        self._deterministic = previous
        terminated = self.elapsed >= self.max_ep_duration - 1e-9
        info = self._info(action, noisy_action)
        if self.differentiable:
            return obs, None, terminated, False, info
        reward = np.zeros(obs.shape[0], dtype=np.float32)
        return self._output(obs), reward, terminated, False, self._output(info)

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
