"""The core `Effector`: a skeleton, its muscles, their geometry and the pure step (docs/model.md §5).

The effector's state is three batch-first tensors: joint (B, 2*dof), muscle (B, n_states, M) and
geometry (B, 2 + dof, M), held in the `states` dict (with cartesian and fingertip) and replaced in place
at every step. The stored muscle state is one geometry update behind the joint state, as in the
published toolbox. The step computes trial-last (motornet.layout): `transition` moves its batch-first
inputs' trials last, runs the sub-steps and moves them back first.

The model lives in four methods, pure functions of their tensors (the library's internal API):
`derivatives` (the rates at a state), `advance` (a state after dt at given rates), `substep` (one
integration step, motornet.integrators) are trial-last; `transition` (one timestep) is batch first.
"""

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..compiled import COMPILE_OPTIONS, StepFunction
from ..geometry import PathGeometry
from ..integrators import SCHEMES, scheme_name
from ..layout import trials_first, trials_last
from ..muscle import Muscle
from ..skeleton import Skeleton, TwoDofArm, integrate_joint
from .hooks import HOOKS, HookStep, overrides_outside_motornet

_STATE_KEYS = ("joint", "cartesian", "muscle", "geometry", "fingertip")

# Muscle build parameters no muscle can have at 0 or below (N, m, normalised); the others must be >= 0.
_POSITIVE_MUSCLE_PARAMETERS = ("max_isometric_force", "optimal_muscle_length", "normalized_slack_muscle_length")


class Effector(HookStep, torch.nn.Module):
    """A skeleton actuated by muscles.

    Muscles are declared with `add_muscle`; geometry comes from their paths unless a subclass
    sets another geometry model. `step(action)` advances by `timestep` (s) in `n_ministeps`
    sub-steps, with Euler or classical fourth-order Runge-Kutta ('rk4' and its aliases). The
    published toolbox chains its RK4 stages (each from the previous stage, positions always
    stepped with the start velocity): 'rk4-chained' reproduces it, for exact trajectory replication
    only. `damping` (N m s/rad) acts on joint velocities.

    The step is a pure function (`transition`) of the state tensors, run compiled when it pays
    (motornet.compiled). A subclass overriding a MotorNet 0.3 hook (`integrate(action, endpoint_load,
    joint_load)`, `ode(action, states, endpoint_load, joint_load)`, `integration_step(dt,
    state_derivative, states)`, `_get_geometry(joint_state)`) is stepped through its hooks instead.
    """

    def __init__(
        self,
        skeleton: Skeleton,
        muscle: Muscle,
        name: str = "Effector",
        n_ministeps: int = 1,
        timestep: float = 0.01,
        integration_method: str = "euler",
        damping: float = 0.0,
        pos_lower_bound: float | Sequence[float] | torch.Tensor | None = None,
        pos_upper_bound: float | Sequence[float] | torch.Tensor | None = None,
        vel_lower_bound: float | Sequence[float] | torch.Tensor | None = None,
        vel_upper_bound: float | Sequence[float] | torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        self._method = scheme_name(integration_method)
        self.integration_method = str(integration_method).lower()
        if int(n_ministeps) != n_ministeps or n_ministeps < 1:
            raise ValueError(f"n_ministeps must be a positive integer, got {n_ministeps!r}")
        if not timestep > 0 or not math.isfinite(timestep):
            raise ValueError(f"timestep must be a positive number of seconds, got {timestep!r}")
        self.name = name
        self.skeleton = skeleton
        self.muscle = muscle
        self.n_ministeps = int(n_ministeps)
        self.dt = float(timestep)
        self.minidt = self.dt / self.n_ministeps
        self.half_minidt = self.minidt / 2
        self.damping = float(damping)
        self.dof = skeleton.dof
        self.space_dim = skeleton.space_dim
        bounds = [
            b if b is not None else d[0]
            for b, d in zip(
                (pos_upper_bound, pos_lower_bound, vel_upper_bound, vel_lower_bound),
                (
                    skeleton.pos_upper_bound,
                    skeleton.pos_lower_bound,
                    skeleton.vel_upper_bound,
                    skeleton.vel_lower_bound,
                ),
            )
        ]
        skeleton.build(self.dt, *bounds)
        self.muscle_name = []
        self._n_muscles = self._input_dim = None
        self._path_fixation_body = []
        self._path_coordinates = []
        self._muscle_params = {}
        self.geometry = None
        self.states = dict.fromkeys(_STATE_KEYS)
        self._initial_state = self.initial_state
        self._transition = StepFunction(self.transition)
        self._generator = None
        self._np_random = None
        self.seed = int(torch.randint(0, 2**62, (1,)).item())

    # ---- construction -------------------------------------------------------------------------

    @property
    def n_muscles(self) -> int:
        return len(self.muscle_name) if self._n_muscles is None else self._n_muscles

    @n_muscles.setter
    def n_muscles(self, value: int) -> None:
        self._n_muscles = int(value)

    @property
    def input_dim(self) -> int:
        return self.n_muscles if self._input_dim is None else self._input_dim

    @input_dim.setter
    def input_dim(self, value: int) -> None:
        self._input_dim = int(value)

    @property
    def device(self) -> torch.device:
        return self.skeleton.device

    @property
    def dtype(self) -> torch.dtype:
        return self.skeleton.pos_bounds.dtype

    pos_lower_bound = property(lambda self: self.skeleton.pos_bounds[0])
    pos_upper_bound = property(lambda self: self.skeleton.pos_bounds[1])
    vel_lower_bound = property(lambda self: self.skeleton.vel_bounds[0])
    vel_upper_bound = property(lambda self: self.skeleton.vel_bounds[1])
    # (lower - upper), as the public toolbox defines them.
    pos_range_bound = property(lambda self: self.skeleton.pos_bounds[0] - self.skeleton.pos_bounds[1])
    vel_range_bound = property(lambda self: self.skeleton.vel_bounds[0] - self.skeleton.vel_bounds[1])
    muscle_state_dim = property(lambda self: self.muscle.state_dim)
    geometry_state_dim = property(lambda self: 2 + self.dof)
    geometry_state_name = property(
        lambda self: (
            ["musculotendon length", "musculotendon velocity"] + [f"moment for joint {j}" for j in range(self.dof)]
        )
    )
    force_index = property(lambda self: self.muscle.state_name.index("force"))
    state_dim = property(lambda self: 2 * self.dof)  # the joint state: positions then velocities
    output_dim = property(lambda self: 2 * self.dof)
    default_endpoint_load = property(lambda self: torch.zeros(1, self.space_dim, device=self.device, dtype=self.dtype))
    default_joint_load = property(lambda self: torch.zeros(1, self.dof, device=self.device, dtype=self.dtype))

    def add_muscle(
        self,
        path_fixation_body: Sequence[int] | np.ndarray,
        path_coordinates: Sequence[Sequence[float]] | np.ndarray,
        name: str | None = None,
        **muscle_kwargs,
    ) -> None:
        """Declare a muscle as a path of fixation points (docs/model.md §4.1).

        path_fixation_body: one body index per point (0 world; 1 upper arm or the point mass;
        2 forearm); path_coordinates: one (x, y) pair per point (m). `muscle_kwargs` are the
        muscle model's build parameters for this muscle (e.g. max_isometric_force in N); a
        missing required one is a TypeError, one the muscle does not use is ignored with a warning.
        """
        body = [int(b) for b in np.asarray(path_fixation_body).flatten()]
        coords = np.asarray(path_coordinates, dtype=float)
        if coords.ndim == 3:  # MotorNet 0.3's (1, space_dim, P) array
            coords = coords.reshape(coords.shape[-2], coords.shape[-1]).T
        if coords.ndim != 2 or coords.shape[1] != self.space_dim or coords.shape[0] != len(body) or len(body) < 2:
            raise ValueError(
                f"a muscle path needs at least 2 fixation points, one body index and one "
                f"{self.space_dim}-d coordinate pair per point; got {len(body)} bodies and "
                f"path_coordinates of shape {coords.shape}"
            )
        n_bodies = self.dof + 1 if isinstance(self.skeleton, TwoDofArm) else 2
        if min(body) < 0 or max(body) >= n_bodies:
            raise ValueError(
                f"path_fixation_body indices must be in 0..{n_bodies - 1} for {self.skeleton.name}, got {body}"
            )
        required, defaults = self.muscle.to_build_dict, self.muscle.to_build_dict_default
        unused = [k for k in muscle_kwargs if k not in required and k not in defaults]
        if unused:
            warnings.warn(
                f"add_muscle: {type(self.muscle).__name__} does not use {unused}; ignored", UserWarning, stacklevel=2
            )
        self._declare_muscle(name, body, coords.tolist(), {k: v for k, v in muscle_kwargs.items() if k not in unused})

    def _declare_muscle(self, name, body, coords, params):
        for key, value in params.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            if not math.isfinite(value) or value < 0 or (value == 0 and key in _POSITIVE_MUSCLE_PARAMETERS):
                raise ValueError(
                    f"muscle {name!r}: {key} must be a finite number "
                    f"{'greater than 0' if key in _POSITIVE_MUSCLE_PARAMETERS else 'of at least 0'}, "
                    f"got {value!r}"
                )
        required, defaults = self.muscle.to_build_dict, self.muscle.to_build_dict_default
        missing = [k for k in required if k not in params]
        if missing:
            raise TypeError(
                f"add_muscle for {type(self.muscle).__name__} is missing {missing}; "
                f"required: {sorted(required)}, optional: {defaults}"
            )
        for key in list(required) + list(defaults):
            self._muscle_params.setdefault(key, [defaults.get(key)] * len(self.muscle_name))
            self._muscle_params[key].append(params.get(key, defaults.get(key)))
        self.muscle_name.append(name if name is not None else f"muscle_{len(self.muscle_name) + 1}")
        self._path_fixation_body.append(body)
        self._path_coordinates.append(coords)
        self._build()

    def _build(self):
        device, dtype = self.device, self.dtype
        self.muscle.build(timestep=self.minidt, **self._muscle_params)
        if self.geometry is None or isinstance(self.geometry, PathGeometry):
            self.geometry = PathGeometry(self.skeleton, self._path_fixation_body, self._path_coordinates)
        self.to(device=device, dtype=dtype)

    # ---- state --------------------------------------------------------------------------------

    @property
    def generator(self) -> torch.Generator:
        """The effector's random number generator (on its device), used for random states and by
        the environment for noise. Seeded by `reset(seed=...)` or `_set_generator(seed)`."""
        if self._generator is None or self._generator.device != self.device:
            self._generator = torch.Generator(device=self.device)
            self._generator.manual_seed(self.seed)
        return self._generator

    def _set_generator(self, seed):
        """Seed the effector's generators (torch, and the numpy `np_random` kept for MotorNet 0.3 scripts)."""
        if seed is not None:
            self.seed = int(seed)
            self._generator = self._np_random = None

    @property
    def np_random(self) -> np.random.Generator:
        """A numpy Generator seeded with `seed`, for scripts that draw from it (our draws use `generator`)."""
        if self._np_random is None:
            self._np_random = np.random.default_rng(self.seed)
        return self._np_random

    @np_random.setter
    def np_random(self, value: np.random.Generator | None) -> None:
        self._np_random = value

    def _set_state(self, joint, muscle_state, geometry, cartesian=None, fingertip=None):
        """Update `states` in place (scripts may hold the dict); `fingertip` defaults to cartesian's positions."""
        cartesian = self.skeleton.joint2cartesian(joint) if cartesian is None else cartesian
        self.states.update(
            joint=joint,
            muscle=muscle_state,
            geometry=geometry,
            cartesian=cartesian,
            fingertip=cartesian[:, : self.space_dim] if fingertip is None else fingertip,
        )

    def initial_state(self, joint: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Pure: the state at rest activation in joint state (B, 2 dof) -> (muscle state, geometry, cartesian)."""
        geometry = self.get_geometry(joint)
        return self.muscle.get_initial_muscle_state(joint.shape[0], geometry), geometry, self.joint2cartesian(joint)

    def compile_reset(self) -> None:
        """Compile `initial_state` for `reset` (torch.compile; ~10x less time per reset once compiled,
        which pays off in many short episodes: motornet.rollout.Rollout(compile=True) calls this)."""
        if self._initial_state == self.initial_state:
            self._initial_state = torch.compile(self.initial_state, options=dict(COMPILE_OPTIONS))

    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        """Set a new batch of states. options: batch_size (default 1); joint_state (positions, or
        positions and velocities; None draws positions uniformly within bounds, zero velocity);
        other options are ignored."""
        if self.n_muscles == 0:
            raise ValueError(f"{self.name} has no muscles: call add_muscle first")
        options = dict(options or {})
        self._set_generator(seed)
        batch_size = int(options.get("batch_size", 1))
        joint_state = options.get("joint_state")
        if joint_state is None:
            joint = self.draw_random_uniform_states(batch_size)
        else:
            joint = self._as_joint_state(joint_state, batch_size)
        self._set_state(joint, *self._initial_state(joint))

    def _as_joint_state(self, joint_state, batch_size):
        js = torch.as_tensor(joint_state, dtype=self.dtype, device=self.device)
        js = js.reshape(1, -1) if js.ndim < 2 else js
        if js.shape[1] not in (self.dof, 2 * self.dof):
            raise ValueError(
                f"joint_state must have {self.dof} (positions) or {2 * self.dof} (positions, "
                f"velocities) columns, got shape {tuple(js.shape)}"
            )
        if js.shape[1] == self.dof:
            js = torch.cat([js, torch.zeros_like(js)], dim=1)
        if not torch.isfinite(js).all():
            raise ValueError(f"joint_state must hold finite numbers, got {joint_state!r}")
        if js.shape[0] == 1:
            js = js.expand(batch_size, -1)
        pos, vel = js[:, : self.dof], js[:, self.dof :]
        tol = 1e-6
        if ((pos < self.pos_lower_bound - tol) | (pos > self.pos_upper_bound + tol)).any():
            raise ValueError(
                f"joint_state positions outside the bounds [{self.pos_lower_bound.tolist()}, "
                f"{self.pos_upper_bound.tolist()}]"
            )
        if ((vel < self.vel_lower_bound) | (vel > self.vel_upper_bound)).any():
            raise ValueError("joint_state velocities outside the velocity bounds")
        return js.clone()

    def draw_random_uniform_states(self, batch_size: int = 1) -> torch.Tensor:
        """Positions uniform within the position bounds, zero velocities: (B, 2*dof)."""
        lo, hi = self.pos_lower_bound, self.pos_upper_bound
        u = torch.rand(batch_size, self.dof, generator=self.generator, device=self.device, dtype=self.dtype)
        return torch.cat([lo + (hi - lo) * u, torch.zeros_like(u)], dim=1)

    def draw_fixed_states(
        self,
        batch_size: int,
        position: Sequence[float] | torch.Tensor,
        velocity: Sequence[float] | torch.Tensor | None = None,
    ) -> torch.Tensor:
        """A (B, 2*dof) batch of the given position (and velocity, default 0)."""
        pos = torch.as_tensor(position, dtype=self.dtype, device=self.device).reshape(1, -1)
        vel = (
            torch.zeros_like(pos)
            if velocity is None
            else torch.as_tensor(velocity, dtype=self.dtype, device=self.device).reshape(1, -1)
        )
        return self._as_joint_state(torch.cat([pos, vel], dim=1), batch_size)

    def get_geometry(self, joint_state: torch.Tensor) -> torch.Tensor:
        """Geometry state (B, 2 + dof, M) at a joint state; subclasses override `_get_geometry`."""
        return self._get_geometry(joint_state)

    def _get_geometry(self, joint_state):
        return self.geometry(joint_state)

    def joint2cartesian(self, joint_state: torch.Tensor) -> torch.Tensor:
        return self.skeleton.joint2cartesian(joint_state)

    # ---- dynamics (pure, trial-last) ----------------------------------------------------------

    def derivatives(self, joint, muscle_state, geometry, action, endpoint_load, joint_load):
        """Rates at a state: (muscle-state derivative, joint velocity, joint acceleration) (docs/model.md §5.2).

        Trial-last: joint (2 dof, B), muscle state (n_states, M, B), geometry (2 + dof, M, B), excitation
        (M, B), endpoint load (space_dim, B; N) and joint load (dof, B; N m) or None."""
        d_muscle = self.muscle._rate(action, muscle_state)
        velocity = joint[self.dof :]
        torque = -(muscle_state[-1:] * geometry[2:]).sum(1)  # (dof, B)
        if joint_load is not None:
            torque = torque + joint_load
        if self.damping:
            torque = torque - self.damping * velocity
        acceleration = self.skeleton._acceleration(joint, torque, endpoint_load)
        return d_muscle, velocity, acceleration

    def advance(self, state, rates, dt):
        """The state (joint, muscle, geometry) after `dt` (s) at `rates` (as from `derivatives`)."""
        joint, muscle_state, geometry = state
        d_muscle, d_position, d_velocity = rates
        new_muscle = self.muscle._integrate(dt, d_muscle, muscle_state, geometry)
        new_joint = integrate_joint(
            joint, d_position, d_velocity, dt, self.skeleton.pos_bounds, self.skeleton.vel_bounds
        )
        return new_joint, new_muscle, self.geometry._state(new_joint)

    def advance_own_velocity(self, state, rates, dt):
        """`advance`, positions stepped with the advanced state's own velocity (the toolbox's 'rk4-chained')."""
        return self.advance(state, (rates[0], state[0][self.dof :], rates[2]), dt)

    def substep(self, joint, muscle_state, geometry, action, endpoint_load=None, joint_load=None):
        """One sub-step of length `minidt` (s) by the integration method, trial-last; returns (joint, muscle,
        geometry)."""

        def derivative(state):
            return self.derivatives(*state, action, endpoint_load, joint_load)

        advance = self.advance_own_velocity if self._method == "rk4-chained" else self.advance
        return SCHEMES[self._method](derivative, advance, (joint, muscle_state, geometry), self.minidt)

    def transition(
        self,
        joint: torch.Tensor,
        muscle_state: torch.Tensor,
        geometry: torch.Tensor,
        action: torch.Tensor,
        endpoint_load: torch.Tensor | None = None,
        joint_load: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Pure: one `timestep` (`n_ministeps` sub-steps) -> (joint, muscle, geometry, cartesian), batch first
        in and out (computed trial-last)."""
        state = tuple(trials_last(x) for x in (joint, muscle_state, geometry))
        loads = tuple(trials_last(x) for x in (action, endpoint_load, joint_load))
        for _ in range(self.n_ministeps):
            state = self.substep(*state, *loads)
        return tuple(trials_first(x) for x in (*state, self.skeleton._cartesian(state[0])))

    # ---- public step --------------------------------------------------------------------------

    def _check_input(self, name, value, width):
        """`value` as a (B, width) tensor: accepts numpy, (B, width), (B, 1, width), or (width,) (broadcast)."""
        if value is None:
            return None
        joint = self.states["joint"]
        if not isinstance(value, torch.Tensor) or value.dtype != joint.dtype or value.device != joint.device:
            value = torch.as_tensor(value, dtype=joint.dtype, device=joint.device)
        batch = joint.shape[0]
        if value.shape == (batch, width):  # the usual case, checked first: a step's input
            return value
        if value.ndim == 3 and value.shape[1] == 1:
            value = value[:, 0]
        elif value.ndim == 1 and value.shape[0] == width:
            value = value.expand(batch, width)
        if value.shape != (batch, width):
            raise ValueError(f"{name} must have shape (batch_size={batch}, {width}), got {tuple(value.shape)}")
        return value

    def step(
        self,
        action: torch.Tensor | np.ndarray,
        endpoint_load: torch.Tensor | np.ndarray | None = None,
        joint_load: torch.Tensor | np.ndarray | None = None,
        **kwargs,
    ) -> None:
        """Advance by `timestep` under a constant excitation `action` (B, n_muscles) in [0, 1],
        an endpoint force (B, space_dim; N) and joint torques (B, dof; N m). Other keyword arguments
        are ignored (as in MotorNet 0.3)."""
        if self.states["joint"] is None:
            raise RuntimeError(f"{self.name}.step called before reset()")
        action = self._check_input("action", action, self.input_dim)
        endpoint_load = self._check_input("endpoint_load", endpoint_load, self.space_dim)
        joint_load = self._check_input("joint_load", joint_load, self.dof)
        if overrides_outside_motornet(type(self), HOOKS):
            for _ in range(self.n_ministeps):
                self.integrate(action, endpoint_load, joint_load)
            return
        states = self.states
        self._set_state(
            *self._transition(states["joint"], states["muscle"], states["geometry"], action, endpoint_load, joint_load)
        )

    def detach(self, x: Any) -> Any:
        return x.detach() if isinstance(x, torch.Tensor) else x

    def setattr(self, name: str, value: Any) -> None:
        setattr(self, name, value)

    # ---- description --------------------------------------------------------------------------

    def get_muscle_cfg(self) -> dict[str, dict]:
        """Per muscle: its fixation points and build parameters."""
        return {
            name: {
                "n_fixation_points": len(body),
                "fixation body": body,
                "coordinates": coords,
                **{k: v[i] for k, v in self._muscle_params.items()},
            }
            for i, (name, body, coords) in enumerate(
                zip(self.muscle_name, self._path_fixation_body, self._path_coordinates)
            )
        }

    def print_muscle_wrappings(self) -> None:
        for name, cfg in self.get_muscle_cfg().items():
            print(f"MUSCLE NAME: {name}")
            print("-" * (13 + len(name)))
            for key, value in cfg.items():
                print(f"{key}:  {value}")
            print()

    def get_save_config(self) -> dict:
        return {
            "name": self.name,
            "muscle": self.muscle.get_save_config(),
            "skeleton": self.skeleton.get_save_config(),
            "dt": self.dt,
            "n_ministeps": self.n_ministeps,
            "minidt": self.minidt,
            "half_minidt": self.half_minidt,
            "muscle_names": list(self.muscle_name),
            "n_muscles": self.n_muscles,
            "muscle_wrapping_cfg": self.get_muscle_cfg(),
            "integration_method": self.integration_method,
            "damping": self.damping,
            "geometry": type(self.geometry).__name__,
        }
