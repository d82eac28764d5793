"""Fused rollouts: a policy driving an environment for whole episodes, fast.

`Rollout(env, policy)(batch_size)` gives the same trajectories and gradients as the plain loop

    obs, info = env.reset(...); h = policy.init_hidden(B)
    for t in range(T): u, h = policy(obs, h); obs, *_ = env.step(u)

but runs `chunk` steps per call of one pure function (policy.cell + env.transition). Compiled, that
function's ~200 small tensor operations per step become a few fused loops:

| `compile` | `chunk` (default) | each call runs | first batch compiles, empty caches (arm26, GRU 50, B = 64, T = 100, 1 thread): training, forward only |
|---|---|---|---|
| False | any (10) | `chunk` steps eagerly | nothing |
| True | any (10) | a torch.compile'd chunk of `chunk` unrolled steps (inductor) | ~240 s, ~60 s |
| "step" | 1 | one step through motornet.compiled's lean step backend (static shapes, kernels called directly) | ~40 s, ~12 s |
| "scan" | the episode | the whole episode as one torch.compile'd `scan` (torch's higher-order op: one step's graph, looped in C++) | ~75 s, ~15 s |

Warm caches (a later process, same model and batch size) cut each to seconds. Under autograd a compiled chunk
of up to RECOMPUTE_ROWS rows has its backward recompute the steps' intermediates rather than take them saved
from its forward (`motornet.compiled.RecomputeInBackward`, as "step" always does): the same values and
gradients to float32 rounding, ~1.3x faster per training batch at B = 64 (bench.py). Per batch, True is the
fastest in training and True and "scan" tie forward only (0.0045 s here, "step" 0.0086 s): "scan" is the forward-only
rollout's path (evaluation, `torch.no_grad()`). It trains too, with the same gradients, but slower than
"step" and True (1.4x / 1.5x at B = 64, 1.3x / 1.7x at B = 1,024; it warns once): torch 2.13's scan saves each
step's intermediates through separate copies, ~70 per step.
"""

import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import torch

from .compiled import COMPILE_OPTIONS, StepFunction, recompute_options, requiring_grad
from .effector import HOOKS, Effector, overrides_outside_motornet
from .ensemble import PolicyEnsemble, TaskEnsemble
from .environment import Environment, EnvState, StepNoise
from .layout import trials_first, trials_last
from .policy import PolicyGRU

RECORDED = ("fingertip", "activation", "hidden", "action")
# Rows (trials, times networks in an ensemble) up to which a compiled chunk trains with its backward
# recomputing the steps' intermediates from the chunk's inputs (motornet.compiled.RecomputeInBackward)
# instead of its forward saving them. Saving costs per tensor (~40 of them per step, each allocated,
# written, read and freed), recomputing per element, so recomputing wins on small batches: bench.py's
# arm26 training batch is 1.3x faster at 64 rows, 1.2x at 128 and 1.1x at 256, while motornet.train's
# Figure 6 step (its loss inside the graph) is as fast either way at 64 rows and 3-5 % slower recomputing
# at 256 and 512 (docs/speed.md). Read at each call.
RECOMPUTE_ROWS = 128
SIMULATED = ("joint", "muscle", "geometry", "cartesian")
_PHYSICS_STEPS = weakref.WeakKeyDictionary()  # effector -> its compiled transition (StepFunction, `always`)


class Rollout:
    """Run `policy` through episodes of `env`, `chunk` steps per fused call.

    Calling it returns a dict of (B, T, ...) tensors of the states reached after each step:
    fingertip (m), activation (muscle activation), hidden (GRU state) and action (excitation), or of
    those named in `record` (recording fewer saves their copies).
    `costs`, a function of one step's values (the recorded names, plus `previous_hidden`, the hidden state
    before the step, `desired`, the task's desired position x*_t, and `first`, 1. on the episode's first
    step and 0. after) returning a dict of per-episode (B,) tensors, adds under 'costs' each one's sum over
    the episode's steps: computed inside the fused steps, a loss then needs no recorded trajectories.
    Task inputs and endpoint loads come from `env.schedule()`; state-dependent force fields from
    `env.endpoint_field`. The environment is left in the episode's final state, as after `env.step`.
    """

    def __init__(
        self,
        env: Environment | TaskEnsemble,
        policy: PolicyGRU | PolicyEnsemble,
        chunk: int | None = None,
        compile: bool | str = False,
        record: Sequence[str] = RECORDED,
        costs: Callable[[dict[str, torch.Tensor]], dict[str, torch.Tensor]] | None = None,
    ) -> None:
        if compile not in (False, True, "step", "scan"):
            raise ValueError(f"compile must be False, True, 'step' or 'scan', got {compile!r}")
        if compile == "step" and chunk not in (None, 1):
            raise ValueError(f"compile='step' compiles one step per call: give chunk=1 or leave it out, not {chunk}")
        if compile == "scan" and chunk is not None:
            raise ValueError(f"compile='scan' runs the whole episode in one call: leave chunk out, not {chunk}")
        if chunk is not None and chunk < 1:
            raise ValueError(f"chunk must be a positive number of steps, got {chunk}")
        unknown = set(record) - set(RECORDED)
        if isinstance(record, str) or unknown:
            raise ValueError(f"record must be a collection of names from {RECORDED}, got {record!r}")
        self.env, self.policy, self.record, self.costs = env, policy, tuple(record), costs
        # steps per call; None: the whole episode in one call (compile="scan")
        self.chunk = None if compile == "scan" else int(chunk or (1 if compile == "step" else 10))
        self._warned = False
        self._recomputing = None  # compile=True under autograd, up to RECOMPUTE_ROWS rows
        # dynamic is left to torch (static graph first, one dynamic-batch graph if the batch size changes):
        # dynamic=False would re-patch the compiler config on every call, ~5 % of a call here.
        if compile == "step":
            self._run = StepFunction(self._steps, mode="always")
        elif compile == "scan":
            # one static graph per batch size: the episode is one call, so re-checking its config is cheap
            self._run = torch.compile(self._scan, fullgraph=True, dynamic=False, options=dict(COMPILE_OPTIONS))
        elif compile:
            self._run = torch.compile(self._steps, options=dict(COMPILE_OPTIONS))
            self._recomputing = torch.compile(self._steps, options=dict(recompute_options()))
        else:
            self._run = self._steps
        if compile is True:
            env.effector.compile_reset()

    def _step(self, state, obs, h, goal, noise, hidden_noise, load, inputs, desired, first):
        """One step from (state, obs, h): the policy's cell, then the environment's transition. Returns the
        new (state, obs, h) and the step's recorded values, with its costs under 'costs' when `costs` is set."""
        action, h_next = self.policy.cell(obs, h, hidden_noise)
        state, obs, _, _ = self.env.transition(state, action, noise, goal, load, None, inputs)
        values = {
            "fingertip": state.cartesian[:, : self.env.space_dim],
            "activation": state.muscle[:, 0],
            "hidden": h_next,
            "action": action,
        }
        out = {name: values[name] for name in self.record}
        if self.costs is not None:
            values.update(previous_hidden=h, desired=desired, first=first)
            out["costs"] = self.costs(values)
        return state, obs, h_next, out

    def _steps(self, state, obs, h, goal, task_inputs, endpoint_load, noise, hidden_noise, desired, first):
        """len(noise) steps from (state, obs, h); returns the new (state, obs, h), the records and the
        chunk's cost sums."""
        records = {name: [] for name in self.record}
        totals = {}
        for i in range(len(noise)):
            state, obs, h, out = self._step(
                state,
                obs,
                h,
                goal,
                noise[i],
                None if hidden_noise is None else hidden_noise[i],
                None if endpoint_load is None else endpoint_load[:, i],
                [x[:, i] for x in task_inputs],
                None if desired is None else desired[:, i],
                None if first is None else first[i],
            )
            for name, values in records.items():
                values.append(out[name])
            for name, cost in out.get("costs", {}).items():
                totals[name] = cost if name not in totals else totals[name] + cost
        return state, obs, h, {name: torch.stack(values, dim=1) for name, values in records.items()}, totals

    def _scan(self, state, obs, h, goal, task_inputs, endpoint_load, noise, hidden_noise, desired, first):
        """`_step` over the whole episode as one torch `scan` (compile="scan"): the step's inputs stacked
        time first, the carry flat tensors of fixed layout, every output a fresh copy (a scan's outputs may
        not alias each other or its inputs)."""
        present = [name for name in StepNoise._fields if getattr(noise[0], name) is not None]
        xs = {
            "noise": [torch.stack([getattr(n, name) for n in noise]) for name in present],
            "hidden_noise": None if hidden_noise is None else torch.stack(hidden_noise),
            "load": None if endpoint_load is None else endpoint_load.movedim(1, 0),
            "inputs": [x.movedim(1, 0) for x in task_inputs],
            "desired": None if desired is None else desired.movedim(1, 0),
            "first": None if first is None else torch.stack(first),
        }
        # a scan's inputs are tensors only, and the step index gives its length an input when nothing else does
        xs = {name: x for name, x in xs.items() if x is not None} | {"step": torch.arange(len(noise))}

        def step(carry, x):
            state, obs, h = _uncarry(carry)
            noise = StepNoise(**dict(zip(present, x["noise"])))
            state, obs, h, out = self._step(
                state,
                obs,
                h,
                goal,
                noise,
                x.get("hidden_noise"),
                x.get("load"),
                x["inputs"],
                x.get("desired"),
                x.get("first"),
            )
            return _fresh(_carry(state, obs, h)), _fresh(out)

        carry, out = torch._higher_order_ops.scan(step, _fresh(_carry(state, obs, h)), xs)
        state, obs, h = _uncarry(carry)
        records = {name: out[name].movedim(0, 1).contiguous() for name in self.record}
        return state, obs, h, records, {name: cost.sum(0) for name, cost in out.get("costs", {}).items()}

    def __call__(
        self, batch_size: int | None = None, seed: int | None = None, options: dict | None = None
    ) -> dict[str, Any]:
        env, policy = self.env, self.policy
        options = dict(options or {})
        if batch_size is not None:
            options["batch_size"] = batch_size
        obs, _ = env.reset(seed=seed, options=options)
        batch = obs.shape[0]
        n_steps = env.n_steps
        task_inputs, endpoint_load = env.schedule()
        h = policy.init_hidden(batch)[0]
        state, goal = env._state, env.goal
        if torch.is_grad_enabled():
            # Later chunks receive states that require grad; starting from leaves that do too lets one
            # compiled graph serve every chunk instead of compiling a second one for the first.
            h, obs = h.requires_grad_(), obs.detach().requires_grad_()
            state = type(state)(
                *(t.detach().requires_grad_() for t in state[:-1]),
                tuple(a.detach().requires_grad_() for a in state[-1]),
            )
        desired = flags = None
        if self.costs is not None:
            desired = env.desired_trajectory
            # `first` as tensors: one compiled graph serves the first chunk and the others
            flags = torch.zeros(n_steps, device=obs.device, dtype=obs.dtype)
            flags[0] = 1.0
        chunks, costs = [], {}
        if self.chunk is None and torch.is_grad_enabled() and not self._warned:
            self._warned = True
            warnings.warn(
                "Rollout(compile='scan') under autograd trains ~1.3-1.7x slower than compile='step' or True "
                "(torch's scan saves each step's intermediates through separate copies): it is for forward-only "
                "rollouts (torch.no_grad())",
                RuntimeWarning,
                stacklevel=2,
            )
        chunk = self.chunk or n_steps
        run = self._run
        if self._recomputing is not None and torch.is_grad_enabled() and batch <= RECOMPUTE_ROWS:
            run = self._recomputing
        for first in range(0, n_steps, chunk):
            k = min(chunk, n_steps - first)
            noise = [env.draw_noise(batch) for _ in range(k)]
            hidden_noise = [policy.sample_hidden_noise(batch) for _ in range(k)]
            hidden_noise = None if hidden_noise[0] is None else hidden_noise
            inputs = [x[:, first + 1 : first + 1 + k] for x in task_inputs]
            load = None if endpoint_load is None else endpoint_load[:, first : first + k]
            targets = first_step = None
            if self.costs is not None:
                targets, first_step = desired[:, first + 1 : first + 1 + k], flags[first : first + k].unbind()
            state, obs, h, records, totals = run(
                state, obs, h, goal, inputs, load, noise, hidden_noise, targets, first_step
            )
            chunks.append(records)
            costs = {name: total if name not in costs else costs[name] + total for name, total in totals.items()}
        env._finish_rollout(state, n_steps)
        out = {name: torch.cat([c[name] for c in chunks], dim=1) for name in self.record}
        if self.costs is not None:
            out["costs"] = costs
        return out


def _carry(state, obs, h):
    """A scan's carry: the EnvState's tensors (the effector's in their trial-last layout), obs and h, flat."""
    return (*(trials_last(x) for x in state[:4]), state.vision, state.proprioception, *state.actions, obs, h)


def _uncarry(carry):
    """(EnvState, obs, h) from `_carry`'s tuple."""
    *state, obs, h = carry
    return EnvState(*(trials_first(x) for x in state[:4]), state[4], state[5], tuple(state[6:])), obs, h


def _fresh(tree):
    """Contiguous copies of a pytree's tensors."""
    return torch.utils._pytree.tree_map(lambda x: x.clone(memory_format=torch.contiguous_format), tree)


def simulate(
    effector: Effector,
    excitation: torch.Tensor,
    joint_state: torch.Tensor | None = None,
    endpoint_load: torch.Tensor | None = None,
    joint_load: torch.Tensor | None = None,
    compile: bool = True,
    seed: int | None = None,
    record: Sequence[str] = SIMULATED,
) -> dict[str, torch.Tensor]:
    """Physics alone: `effector` driven open loop by `excitation` (B, T, n_muscles) in [0, 1], one
    `effector.dt` per step, from `joint_state` (B or 1, dof positions (rad) [+ velocities (rad/s)]; None:
    drawn uniformly within the joint bounds from `seed`), with optional endpoint forces (B, T, space_dim; N)
    and joint torques (B, T, dof; N m). A constant excitation is `u[:, None].expand(-1, T, -1)`.

    Returns the states reached after each step, batch first: joint (B, T, 2 dof), muscle (B, T, n_states,
    M), geometry (B, T, 2 + dof, M) and cartesian (B, T, 2 space_dim) (views of trial-last arrays), or those
    named in `record` (recording fewer saves their copies: 1,000 arms' four states are ~0.2 MB a step).

    Each step is `Effector.transition`, compiled from the first call when `compile` (once per effector and
    batch size: 10-20 s with empty caches on 2 cores; then ~5x the eager loop's speed for 1,000 arms).
    Gradients flow to the excitations and loads; under `torch.no_grad()` no backward graph is built. An
    effector overriding MotorNet 0.3's hooks steps through them, uncompiled, with a warning.
    `effector.reset` sets the start state, so the effector is left in it (not the final one).
    """
    if not isinstance(excitation, torch.Tensor) or excitation.ndim != 3 or excitation.shape[2] != effector.n_muscles:
        shape = tuple(excitation.shape) if isinstance(excitation, torch.Tensor) else type(excitation).__name__
        raise ValueError(
            f"excitation must be a (batch, steps, {effector.n_muscles}) tensor for {effector.name}, got {shape}"
        )
    batch, steps = excitation.shape[:2]
    if isinstance(record, str) or set(record) - set(SIMULATED):
        raise ValueError(f"record must be a collection of names from {SIMULATED}, got {record!r}")
    for name, load, width in (
        ("endpoint_load", endpoint_load, effector.space_dim),
        ("joint_load", joint_load, effector.dof),
    ):
        if load is not None and (not isinstance(load, torch.Tensor) or tuple(load.shape) != (batch, steps, width)):
            got = tuple(load.shape) if isinstance(load, torch.Tensor) else type(load).__name__
            raise ValueError(f"{name} must be a ({batch}, {steps}, {width}) tensor or None, got {got}")
    effector.reset(seed=seed, options={"batch_size": batch, "joint_state": joint_state})
    state = tuple(effector.states[name] for name in SIMULATED[:3])
    if overrides_outside_motornet(type(effector), HOOKS):
        step = _hook_step(effector)
    elif compile:
        step = _PHYSICS_STEPS.get(effector)
        if step is None:
            step = _PHYSICS_STEPS[effector] = StepFunction(effector.transition, mode="always")
    else:
        step = effector.transition
    if torch.is_grad_enabled():
        state = requiring_grad(state)
    records = {name: [] for name in record}
    for t in range(steps):
        loads = [None if x is None else x[:, t] for x in (endpoint_load, joint_load)]
        *state, cartesian = step(*state, excitation[:, t], *loads)
        reached = dict(zip(SIMULATED, (*state, cartesian)))
        for name, values in records.items():
            values.append(trials_last(reached[name]))  # the physics' own contiguous layout: a fast stack
    return {name: trials_first(torch.stack(values)) for name, values in records.items()}


def _hook_step(effector):
    """An effector that overrides MotorNet 0.3's hooks steps through them (`Effector.step`), uncompiled."""
    warnings.warn(
        f"motornet.rollout.simulate: {type(effector).__name__} overrides MotorNet 0.3 hooks ({', '.join(HOOKS)}); "
        "its steps run through them, uncompiled",
        RuntimeWarning,
        stacklevel=3,
    )

    def step(joint, muscle, geometry, excitation, endpoint_load, joint_load):
        effector.step(excitation, endpoint_load, joint_load)
        return tuple(effector.states[name] for name in SIMULATED)

    return step
