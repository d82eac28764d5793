"""The paper's tasks as environments: random reaching, centre-out reaching, posture (paper 4.1.4, 4.2, 4.4).

Every task is an `Environment` whose `reset` draws one schedule per trial (start, target, go-cue step,
catch flag, endpoint force pulse) from the effector's generator, so the same seed gives the same
episodes. From the schedule it precomputes, once per reset, everything a step needs:

| per trial | meaning |
|---|---|
| `desired` (B, T+1, 2) | x*_n, the position the loss asks for at state n: the start until the go-cue step, the target from it on (m) |
| `go_cue` (B, T+1, 1) | the go-cue input shown with observation n: 1 until the network sees the cue, 0 after |
| `pulse` (B, T, 2) | the endpoint force (N) applied during step n -> n+1 |

Observation vector (the policy's input), in order:

| slice | content | size |
|---|---|---|
| target | reach target (m); shown from the start of the trial | 2 |
| vision | fingertip (m), delayed by `vision_delay` | 2 |
| proprioception | fibre length / l_ce, fibre velocity / v_max, delayed by `proprioception_delay` | 2 * n_muscles |
| start | start position of the fingertip (m), 0 once the network sees the go-cue (`hide_start_at_go`) | 2 |
| go_cue | 1 before the go-cue, 0 after, delayed by `vision_delay` exactly as vision is | 1 |

Timing conventions: state n is the state at time n * dt (n = 0 at reset); a go-cue at `go_step` makes
x*_n the target for n >= go_step at once, while the network's go-cue input switches to 0 at the same
observation index as vision would first show state `go_step`, i.e. observation go_step + k - 1 for a
FIFO of k = vision_delay entries (the delay in steps; motornet.environment); the start input turns to 0 at that same
observation, as the original toolbox generates its inputs (`hide_start_at_go=False` keeps it shown).
Catch trials have no go-cue (the go-cue input stays at 1, the start stays shown and x* stays at the start). A curl field adds F = b [[0, -1], [1, 0]] v (N; b in N s/m, v the endpoint
velocity at the start of the step) to the endpoint load; b > 0 turns forces counter-clockwise from v.
"""

import dataclasses
import importlib
import inspect
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .effector import Effector
from .environment import Environment
from .skeleton import TwoDofArm

PAPER_PROPRIOCEPTION_DELAY = 0.02  # s (paper 4.1)
PAPER_VISION_DELAY = 0.05  # s
ARM26_START = (math.pi / 4, math.pi / 2)  # shoulder 45 deg, elbow 90 deg (paper 4.2)


def curl_field(velocity: torch.Tensor, gain: float) -> torch.Tensor:
    """Curl-field endpoint force F = gain * [[0, -1], [1, 0]] v (N) for endpoint velocities v (B, 2; m/s)."""
    return gain * torch.stack([-velocity[:, 1], velocity[:, 0]], dim=-1)


def default_start_joint(effector: Effector) -> tuple[float, ...]:
    """The paper's fixed start: shoulder 45 deg / elbow 90 deg for a two-joint arm, the origin otherwise."""
    if isinstance(effector.skeleton, TwoDofArm):
        return ARM26_START
    return (0.0,) * effector.dof


@dataclasses.dataclass
class Trials:
    """One schedule per trial, batch first. Steps are integer indices of dt; forces in N, positions in m.

    go_step is past the episode's end for catch trials; pulse_force is zero where there is no pulse.
    condition indexes the protocol's condition (-1 for randomly drawn trials); angle is the reach
    direction or the pulse direction (rad) and magnitude the signed pulse magnitude (N), nan if random.
    """

    start: torch.Tensor  # (B, 2)
    target: torch.Tensor  # (B, 2)
    go_step: torch.Tensor  # (B,) long
    catch: torch.Tensor  # (B,) bool
    pulse_onset: torch.Tensor  # (B,) long
    pulse_steps: torch.Tensor  # (B,) long
    pulse_force: torch.Tensor  # (B, 2)
    condition: torch.Tensor  # (B,) long
    angle: torch.Tensor  # (B,)
    magnitude: torch.Tensor  # (B,)

    def numpy(self) -> dict[str, np.ndarray]:
        return {f"trial_{k}": v.detach().cpu().numpy() for k, v in dataclasses.asdict(self).items()}


class ReachTask(Environment):
    """Base of the paper's tasks: go-cue, catch trials, endpoint pulses and a curl field.

    A new task subclasses it and implements `draw_trials(batch_size, start)`, returning `make_trials(...)`;
    `rand` and `draw_go_steps` draw from the effector's generator, so that a seed fixes the episodes. Name
    it in a config as `task: {name: "mypkg.tasks:MyTask"}` (or `register_task`). Arguments: `max_ep_duration` (s);
    `go_cue_time` (s, fixed) or, when None, a go-cue step drawn uniformly from `go_cue_range` (s, default
    the whole episode); `catch_probability`; `curl_gain` b (N s/m); delays (s) default to the paper's
    20 ms (proprioception) and 50 ms (vision); `hide_start_at_go`: the start input turns to 0 with the
    go-cue input (the original toolbox's inputs; False keeps it shown). Other arguments reach `Environment`.
    """

    default_batch_size = 1
    _set_by_task = ("q_init",)  # arguments a subclass sets itself (not configurable)
    # the episode's step count among the attributes, as in the tasks' save configs and test metadata
    _reported_properties = ("dt", "n_steps")

    def __init__(
        self,
        effector: Effector,
        max_ep_duration: float = 1.0,
        go_cue_time: float | None = None,
        go_cue_range: Sequence[float] | None = None,
        catch_probability: float = 0.5,
        curl_gain: float = 0.0,
        proprioception_delay: float = PAPER_PROPRIOCEPTION_DELAY,
        vision_delay: float = PAPER_VISION_DELAY,
        proprioception_noise: float | Sequence[float] = 0.0,
        vision_noise: float | Sequence[float] = 0.0,
        obs_noise: float | Sequence[float] = 0.0,
        action_noise: float | Sequence[float] = 0.0,
        q_init: Sequence[float] | torch.Tensor | None = None,
        hide_start_at_go: bool = True,
        name: str | None = None,
        differentiable: bool = True,
    ) -> None:
        super().__init__(
            effector,
            q_init=q_init,
            name=name or type(self).__name__,
            differentiable=differentiable,
            max_ep_duration=max_ep_duration,
            action_noise=action_noise,
            obs_noise=obs_noise,
            proprioception_delay=proprioception_delay,
            vision_delay=vision_delay,
            proprioception_noise=proprioception_noise,
            vision_noise=vision_noise,
        )
        if self.space_dim != 2:
            raise ValueError(f"tasks are planar; the effector has space_dim={self.space_dim}")
        if not 0.0 <= catch_probability <= 1.0:
            raise ValueError(f"catch_probability must be in [0, 1], got {catch_probability}")
        self.catch_probability = float(catch_probability)
        self.curl_gain = float(curl_gain)
        self.hide_start_at_go = bool(hide_start_at_go)
        self.go_cue_time = None if go_cue_time is None else float(go_cue_time)
        lo, hi = (0.0, self.max_ep_duration) if go_cue_range is None else map(float, go_cue_range)
        self.go_cue_range = (lo, hi)
        self._go_bounds = (int(round(lo / self.dt)), max(int(round(hi / self.dt)), int(round(lo / self.dt)) + 1))
        if self.go_cue_time is not None:
            self._go_bounds = (int(round(self.go_cue_time / self.dt)),) * 2
        self.trials = None
        self._desired = self._go_cue = self._pulse = None

    def _task_input_dim(self):
        return 3  # start (x, y), go-cue

    # ---- schedule -----------------------------------------------------------------------------

    def rand(self, *shape: int) -> torch.Tensor:
        """U(0, 1) numbers of `shape` from the effector's generator."""
        g = self.effector.generator
        return torch.rand(*shape, generator=g, device=self.device, dtype=self.effector.dtype)

    def draw_go_steps(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Go-cue steps and catch flags; always draws the same number of random numbers."""
        lo, hi = self._go_bounds
        u = self.rand(batch_size)
        go = lo + torch.floor(u * (hi - lo)).long() if hi > lo else torch.full_like(u, lo, dtype=torch.long)
        catch = self.rand(batch_size) < self.catch_probability
        return go, catch

    def _never(self):
        """A go-cue step no observation of this episode can see."""
        return self.n_steps + self.vision_delay + 1

    def draw_trials(self, batch_size: int, start: torch.Tensor) -> Trials:
        """This episode's `Trials` for `batch_size` trials that start at `start` (B, 2; m), the fingertip
        after reset. Build the result with `make_trials`."""
        raise NotImplementedError(f"{type(self).__name__} must implement draw_trials(batch_size, start)")

    def _initial_goal(self, batch_size):
        start = self.effector.states["fingertip"].detach().clone()
        self.trials = trials = self.draw_trials(batch_size, start)
        n = torch.arange(self.n_steps + 1, device=self.device)
        go = torch.where(trials.catch, torch.full_like(trials.go_step, self._never()), trials.go_step)
        trials.go_step = go
        moving = (n[None, :] >= go[:, None]).unsqueeze(-1)
        self._desired = torch.where(moving, trials.target[:, None], trials.start[:, None])
        seen = n - (self.vision_delay - 1)  # the state index vision shows with observation n
        self._go_cue = (seen[None, :] < go[:, None]).to(start.dtype).unsqueeze(-1)
        k = n[:-1][None, :]
        on = (k >= trials.pulse_onset[:, None]) & (k < (trials.pulse_onset + trials.pulse_steps)[:, None])
        self._pulse = on.unsqueeze(-1).to(start.dtype) * trials.pulse_force[:, None]
        return trials.target

    def schedule(self) -> tuple[list[torch.Tensor], torch.Tensor]:
        """Task inputs (start (B, T+1, 2), go-cue (B, T+1, 1)) and the pulse of every step (B, T, 2; N)."""
        start = self.trials.start[:, None]
        start = start * self._go_cue if self.hide_start_at_go else start.expand_as(self._desired)
        return [start, self._go_cue], self._pulse

    def endpoint_field(self, cartesian: torch.Tensor) -> torch.Tensor | None:
        """The curl field acting on the endpoint velocity (N), None without one."""
        return curl_field(cartesian[:, 2:], self.curl_gain) if self.curl_gain else None

    def desired_position(self) -> torch.Tensor:
        """x*_n (B, 2; m) for the state just reached."""
        return self._desired[:, min(self._steps_taken, self.n_steps)]

    @property
    def desired_trajectory(self) -> torch.Tensor:
        """x* for every state of the episode (B, T+1, 2; m)."""
        return self._desired

    @property
    def go_cue_inputs(self) -> torch.Tensor:
        """The go-cue input of every observation of the episode (B, T+1, 1)."""
        return self._go_cue

    @property
    def pulse_schedule(self) -> torch.Tensor:
        """The pulse force of every step (B, T, 2; N), without the curl field."""
        return self._pulse

    # ---- gymnasium API ------------------------------------------------------------------------

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[Any, dict]:
        """As `Environment.reset`; batch_size defaults to the task's number of conditions."""
        options = dict(options or {})
        if options.get("batch_size") is None:
            options["batch_size"] = self.default_batch_size
        return super().reset(seed=seed, options=options)

    def _info(self, action, noisy_action):
        info = super()._info(action, noisy_action)
        info["desired"] = self.desired_position()
        info["endpoint_load"] = torch.zeros_like(self.goal) if self._last_load is None else self._last_load
        info["go_cue"] = self._go_cue[:, min(self._steps_taken, self.n_steps)]
        return info

    def get_save_config(self) -> dict:
        return {
            **super().get_save_config(),
            "task": type(self).__name__,
            "n_steps": self.n_steps,
            "go_cue_time": self.go_cue_time,
            "go_cue_range": list(self.go_cue_range),
            "catch_probability": self.catch_probability,
            "curl_gain": self.curl_gain,
            "hide_start_at_go": self.hide_start_at_go,
        }

    def make_trials(
        self,
        start: torch.Tensor,
        target: torch.Tensor,
        go: torch.Tensor,
        catch: torch.Tensor,
        onset: torch.Tensor | None = None,
        steps: torch.Tensor | None = None,
        force: torch.Tensor | None = None,
        condition: torch.Tensor | None = None,
        angle: torch.Tensor | None = None,
        magnitude: torch.Tensor | None = None,
    ) -> Trials:
        """`Trials` from start and target (B, 2; m), go-cue step `go` (B,) and `catch` (B,) bool; without a
        pulse (onset, steps, force), condition (-1), angle and magnitude (nan) unless given."""
        batch_size = start.shape[0]
        zeros_long = torch.zeros(batch_size, dtype=torch.long, device=self.device)
        nan = torch.full((batch_size,), float("nan"), dtype=start.dtype, device=self.device)
        return Trials(
            start=start,
            target=target,
            go_step=go,
            catch=catch,
            pulse_onset=zeros_long if onset is None else onset,
            pulse_steps=zeros_long if steps is None else steps,
            pulse_force=torch.zeros_like(start) if force is None else force,
            condition=zeros_long - 1 if condition is None else condition,
            angle=nan if angle is None else angle,
            magnitude=nan if magnitude is None else magnitude,
        )


class RandomReach(ReachTask):
    """The base training protocol (paper 4.1.4): start and target uniform over the joint space (arm26) or
    the workspace (point mass), go-cue uniform over the episode (or `go_cue_time`), 50% catch trials.

    Optional random pulses (paper 4.4.2): with `perturbation_probability`, independently of catch, a pulse
    of `perturbation_duration` (s), uniform orientation and onset (anywhere it fits in the episode), and
    magnitude U(0, `perturbation_magnitude`) N, or U(0, `catch_perturbation_magnitude`) N in catch trials.
    """

    def __init__(
        self,
        effector: Effector,
        perturbation_probability: float = 0.0,
        perturbation_magnitude: float = 4.0,
        catch_perturbation_magnitude: float = 8.0,
        perturbation_duration: float = 0.1,
        **kwargs,
    ) -> None:
        super().__init__(effector, **kwargs)
        if not 0.0 <= perturbation_probability <= 1.0:
            raise ValueError(f"perturbation_probability must be in [0, 1], got {perturbation_probability}")
        self.perturbation_probability = float(perturbation_probability)
        self.perturbation_magnitude = float(perturbation_magnitude)
        self.catch_perturbation_magnitude = float(catch_perturbation_magnitude)
        self.perturbation_duration = float(perturbation_duration)
        self._pulse_steps = int(round(self.perturbation_duration / self.dt))

    def draw_trials(self, batch_size: int, start: torch.Tensor) -> Trials:
        joint = self.effector.draw_random_uniform_states(batch_size)
        target = self.effector.joint2cartesian(joint)[:, :2]
        go, catch = self.draw_go_steps(batch_size)
        # Pulses are always drawn so that the random stream does not depend on the probability.
        perturbed = self.rand(batch_size) < self.perturbation_probability
        angle = 2 * math.pi * self.rand(batch_size)
        max_magnitude = torch.where(
            catch,
            torch.full_like(angle, self.catch_perturbation_magnitude),
            torch.full_like(angle, self.perturbation_magnitude),
        )
        magnitude = max_magnitude * self.rand(batch_size) * perturbed
        last_onset = max(self.n_steps - self._pulse_steps, 0)
        onset = torch.floor(self.rand(batch_size) * (last_onset + 1)).long().clamp(max=last_onset)
        force = magnitude[:, None] * torch.stack([torch.cos(angle), torch.sin(angle)], dim=-1)
        steps = torch.full_like(onset, self._pulse_steps) * perturbed
        return self.make_trials(start, target, go, catch, onset, steps, force, angle=angle, magnitude=magnitude)

    def get_save_config(self) -> dict:
        return {
            **super().get_save_config(),
            "perturbation_probability": self.perturbation_probability,
            "perturbation_magnitude": self.perturbation_magnitude,
            "catch_perturbation_magnitude": self.catch_perturbation_magnitude,
            "perturbation_duration": self.perturbation_duration,
        }


class CentreOutReach(ReachTask):
    """Reaches from a fixed start to `n_targets` targets at `radius` (m), every 360/n_targets deg from
    rightward, counter-clockwise (paper 4.2: 8 targets; 4.5: 24 targets; 10 cm; go-cue at 100 ms).

    Conditions are (target, perturbation magnitude) pairs, target-major; trial i of a batch runs condition
    i mod n_conditions, so the default batch is one trial per condition. A magnitude m (N) pushes for
    `perturbation_duration` (s) along the reach direction turned 90 deg counter-clockwise (m < 0: clockwise),
    starting `perturbation_delay` (s; default 70 ms + the visual delay, paper 4.4.3) after the go-cue.
    `start_joint` (rad; default shoulder 45 / elbow 90 deg, or the origin for a point mass).
    """

    def __init__(
        self,
        effector: Effector,
        n_targets: int = 8,
        radius: float = 0.1,
        start_joint: Sequence[float] | torch.Tensor | None = None,
        go_cue_time: float = 0.1,
        catch_probability: float = 0.0,
        perturbation_magnitudes: Sequence[float] = (0.0,),
        perturbation_delay: float | None = None,
        perturbation_duration: float = 0.1,
        **kwargs,
    ) -> None:
        start_joint = default_start_joint(effector) if start_joint is None else start_joint
        super().__init__(
            effector, go_cue_time=go_cue_time, catch_probability=catch_probability, q_init=start_joint, **kwargs
        )
        if go_cue_time is None:
            raise ValueError("CentreOutReach needs a fixed go_cue_time (s)")
        self.n_targets = int(n_targets)
        self.radius = float(radius)
        self.start_joint = [float(q) for q in torch.as_tensor(start_joint).flatten()]
        self.perturbation_magnitudes = [float(m) for m in perturbation_magnitudes]
        self.perturbation_delay = (
            0.07 + self.vision_delay * self.dt if perturbation_delay is None else float(perturbation_delay)
        )
        self.perturbation_duration = float(perturbation_duration)
        self.default_batch_size = self.n_targets * len(self.perturbation_magnitudes)

    @property
    def target_angles(self) -> torch.Tensor:
        """Reach directions (rad) of the targets, counter-clockwise from rightward."""
        return torch.arange(self.n_targets, dtype=self.effector.dtype, device=self.device) * (
            2 * math.pi / self.n_targets
        )

    def draw_trials(self, batch_size: int, start: torch.Tensor) -> Trials:
        n_mag = len(self.perturbation_magnitudes)
        condition = torch.arange(batch_size, device=self.device) % (self.n_targets * n_mag)
        angle = self.target_angles[condition // n_mag]
        magnitude = torch.as_tensor(self.perturbation_magnitudes, dtype=start.dtype, device=self.device)[
            condition % n_mag
        ]
        direction = torch.stack([torch.cos(angle), torch.sin(angle)], dim=-1)
        target = start + self.radius * direction
        go, catch = self.draw_go_steps(batch_size)
        orthogonal = torch.stack([-direction[:, 1], direction[:, 0]], dim=-1)
        onset = go + int(round(self.perturbation_delay / self.dt))
        steps = torch.full_like(onset, int(round(self.perturbation_duration / self.dt))) * (magnitude != 0)
        return self.make_trials(
            start, target, go, catch, onset, steps, magnitude[:, None] * orthogonal, condition, angle, magnitude
        )

    def get_save_config(self) -> dict:
        return {
            **super().get_save_config(),
            "n_targets": self.n_targets,
            "radius": self.radius,
            "start_joint": self.start_joint,
            "perturbation_magnitudes": self.perturbation_magnitudes,
            "perturbation_delay": self.perturbation_delay,
            "perturbation_duration": self.perturbation_duration,
        }


class PosturalTask(ReachTask):
    """Hold the start against a pulse; there is no go-cue (paper 4.4.3, test B).

    Conditions are (direction, magnitude) pairs, direction-major, over `n_directions` directions every
    360/n_directions deg from rightward (4: the cardinal directions) and `perturbation_magnitudes` (N).
    The pulse lasts `perturbation_duration` (s) from `perturbation_onset` (s; default 170 ms + the visual
    delay). `start_joint` (rad; default as CentreOutReach, or "random" for a start drawn over the joint space).
    """

    _set_by_task = ("q_init", "catch_probability", "go_cue_time", "go_cue_range")

    def __init__(
        self,
        effector: Effector,
        start_joint: Sequence[float] | torch.Tensor | str | None = None,
        n_directions: int = 4,
        perturbation_magnitudes: Sequence[float] = (6.0, 12.0),
        perturbation_onset: float | None = None,
        perturbation_duration: float = 0.1,
        max_ep_duration: float = 0.8,
        **kwargs,
    ) -> None:
        if isinstance(start_joint, str):
            if start_joint != "random":
                raise ValueError(f"start_joint must be joint positions (rad) or 'random', got {start_joint!r}")
            start_joint = None
        elif start_joint is None:
            start_joint = default_start_joint(effector)
        super().__init__(effector, max_ep_duration=max_ep_duration, catch_probability=1.0, q_init=start_joint, **kwargs)
        self.start_joint = None if start_joint is None else [float(q) for q in torch.as_tensor(start_joint).flatten()]
        self.n_directions = int(n_directions)
        self.perturbation_magnitudes = [float(m) for m in perturbation_magnitudes]
        self.perturbation_onset = (
            0.17 + self.vision_delay * self.dt if perturbation_onset is None else float(perturbation_onset)
        )
        self.perturbation_duration = float(perturbation_duration)
        self.default_batch_size = self.n_directions * len(self.perturbation_magnitudes)

    def draw_trials(self, batch_size: int, start: torch.Tensor) -> Trials:
        n_mag = len(self.perturbation_magnitudes)
        condition = torch.arange(batch_size, device=self.device) % (self.n_directions * n_mag)
        angle = (condition // n_mag).to(start.dtype) * (2 * math.pi / self.n_directions)
        magnitude = torch.as_tensor(self.perturbation_magnitudes, dtype=start.dtype, device=self.device)[
            condition % n_mag
        ]
        force = magnitude[:, None] * torch.stack([torch.cos(angle), torch.sin(angle)], dim=-1)
        go, catch = self.draw_go_steps(batch_size)  # catch is always True: no go-cue
        onset = torch.full_like(go, int(round(self.perturbation_onset / self.dt)))
        steps = torch.full_like(go, int(round(self.perturbation_duration / self.dt))) * (magnitude != 0)
        return self.make_trials(start, start.clone(), go, catch, onset, steps, force, condition, angle, magnitude)

    def get_save_config(self) -> dict:
        return {
            **super().get_save_config(),
            "start_joint": self.start_joint,
            "n_directions": self.n_directions,
            "perturbation_magnitudes": self.perturbation_magnitudes,
            "perturbation_onset": self.perturbation_onset,
            "perturbation_duration": self.perturbation_duration,
        }


TASKS = {"random_reach": RandomReach, "centre_out": CentreOutReach, "posture": PosturalTask}
_NOT_OPTIONS = ("self", "effector", "name", "differentiable", "action_noise")


def register_task(name: str, cls: type) -> None:
    """Make `cls` (a ReachTask subclass) the task a config names `name` in this process. A config that a
    pipeline job or a fresh process reads names it as "module:Class" instead."""
    _check_task_class(name, cls)
    TASKS[name] = cls


def task_class(name: str) -> type:
    """The task class a config's `task.name` names: a key of TASKS, or "module:Class" for a ReachTask
    subclass that Python can import (e.g. "mypkg.tasks:ViaPoint", with mypkg installed or on PYTHONPATH)."""
    if name in TASKS:
        return TASKS[name]
    if not isinstance(name, str) or ":" not in name:
        raise ValueError(f"unknown task {name!r}; valid: {sorted(TASKS)}, or 'module:Class' for your own")
    module, _, attribute = name.partition(":")
    try:
        cls = importlib.import_module(module)
        for part in attribute.split("."):
            cls = getattr(cls, part)
    except ImportError as error:
        raise ValueError(
            f"task {name!r}: cannot import {module!r} ({error}); install it or add its folder to PYTHONPATH"
        ) from None
    except AttributeError:
        raise ValueError(f"task {name!r}: module {module!r} has no {attribute!r}") from None
    _check_task_class(name, cls)
    return cls


def _check_task_class(name, cls):
    if not (isinstance(cls, type) and issubclass(cls, ReachTask)):
        raise ValueError(f"task {name!r} is {cls!r}, not a subclass of motornet.tasks.ReachTask")


def task_parameters(name: str) -> dict[str, Any]:
    """The keyword arguments (name -> default) a task accepts from a config; action_noise comes from the
    policy's config."""
    cls = task_class(name)
    params = {}
    for klass in reversed([k for k in cls.__mro__ if issubclass(k, ReachTask)]):
        for p in inspect.signature(klass.__init__).parameters.values():
            if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name not in _NOT_OPTIONS:
                params[p.name] = p.default
    for key in cls._set_by_task:
        params.pop(key, None)
    return params


def make_task(name: str, effector: Effector, **kwargs) -> ReachTask:
    """Build a task by its config name (see task_class) with keyword arguments for its class."""
    return task_class(name)(effector, **kwargs)
