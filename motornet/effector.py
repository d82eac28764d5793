"""Effectors: a skeleton, its muscles, their geometry and an integrator (model-facts §5).

The effector's state is three batch-first tensors: joint (B, 2*dof), muscle (B, n_states, M) and
geometry (B, 2 + dof, M). The stored muscle state is one geometry update behind the joint state,
as in the published toolbox. `states` is a dict view of them for MotorNet 0.3 scripts.
"""
import math

import numpy as np
import torch

from .geometry import PathGeometry, PolynomialGeometry
from .muscle import CompliantTendonHillMuscle, RigidTendonHillMuscle, ReluMuscle
from .skeleton import PointMass, TwoDofArm, integrate_joint

# torch.compile options of every compiled call (reset here, rollouts in motornet.rollout): cpp_wrapper
# launches the generated kernels from C++ rather than Python, ~40 % less per call for these small graphs.
COMPILE_OPTIONS = {"cpp_wrapper": True}

_RK4_NAMES = ("rk4", "rungekutta4", "runge-kutta4", "runge-kutta-4")


def _validated_method(integration_method):
    method = str(integration_method).lower()
    if method == "euler":
        return "euler"
    if method in _RK4_NAMES:
        return "rk4"
    raise ValueError(f"unknown integration_method {integration_method!r}: use 'euler' or 'rk4' "
                     f"(also spelt {', '.join(repr(n) for n in _RK4_NAMES[1:])})")


class Effector(torch.nn.Module):
    """A skeleton actuated by muscles.

    Muscles are declared with `add_muscle`; geometry comes from their paths unless a subclass
    sets another geometry model. `step(action)` advances by `timestep` (s) in `n_ministeps`
    sub-steps, with Euler or classical fourth-order Runge-Kutta (the published toolbox chains
    its RK4 intermediate states; we use the classical scheme, which is fourth-order accurate).
    `damping` (N m s/rad) acts on joint velocities.
    """

    def __init__(self, skeleton, muscle, name="Effector", n_ministeps=1, timestep=0.01,
                 integration_method="euler", damping=0., pos_lower_bound=None, pos_upper_bound=None,
                 vel_lower_bound=None, vel_upper_bound=None):
        super().__init__()
        self.integration_method = _validated_method(integration_method)
        if int(n_ministeps) != n_ministeps or n_ministeps < 1:
            raise ValueError(f"n_ministeps must be a positive integer, got {n_ministeps!r}")
        if timestep <= 0:
            raise ValueError(f"timestep must be positive (s), got {timestep!r}")
        self.name = name
        self.skeleton = skeleton
        self.muscle = muscle
        self.n_ministeps = int(n_ministeps)
        self.dt = float(timestep)
        self.minidt = self.dt / self.n_ministeps
        self.damping = float(damping)
        self.dof = skeleton.dof
        self.space_dim = skeleton.space_dim
        bounds = [b if b is not None else d for b, d in zip(
            (pos_upper_bound, pos_lower_bound, vel_upper_bound, vel_lower_bound),
            (skeleton.pos_upper_bound, skeleton.pos_lower_bound, skeleton.vel_upper_bound,
             skeleton.vel_lower_bound))]
        skeleton.build(self.dt, *bounds)
        self.muscle_name = []
        self._path_fixation_body = []
        self._path_coordinates = []
        self._muscle_params = {}
        self.geometry = None
        self._joint = self._muscle_state = self._geometry = self._cartesian = None
        self._initial_state = self.initial_state
        self._generator = None
        self._seed = int(torch.randint(0, 2 ** 62, (1,)).item())

    # ---- construction -------------------------------------------------------------------------

    @property
    def n_muscles(self):
        return len(self.muscle_name)

    @property
    def input_dim(self):
        return self.n_muscles

    @property
    def device(self):
        return self.skeleton.device

    @property
    def dtype(self):
        return self.skeleton.pos_bounds.dtype

    def add_muscle(self, path_fixation_body, path_coordinates, name=None, **muscle_kwargs):
        """Declare a muscle as a path of fixation points (model-facts §4).

        path_fixation_body: one body index per point (0 world; 1 upper arm or the point mass;
        2 forearm); path_coordinates: one (x, y) pair per point (m). `muscle_kwargs` are the
        muscle model's build parameters for this muscle (e.g. max_isometric_force in N).
        """
        body = [int(b) for b in np.asarray(path_fixation_body).flatten()]
        coords = np.asarray(path_coordinates, dtype=float)
        if coords.ndim != 2 or coords.shape[1] != self.space_dim or coords.shape[0] != len(body) or len(body) < 2:
            raise ValueError(f"a muscle path needs at least 2 fixation points, one body index and one "
                             f"{self.space_dim}-d coordinate pair per point; got {len(body)} bodies and "
                             f"path_coordinates of shape {coords.shape}")
        n_bodies = self.dof + 1 if isinstance(self.skeleton, TwoDofArm) else 2
        if min(body) < 0 or max(body) >= n_bodies:
            raise ValueError(f"path_fixation_body indices must be in 0..{n_bodies - 1} for {self.skeleton.name}, got {body}")
        required, defaults = self.muscle.to_build_dict, self.muscle.to_build_dict_default
        missing = [k for k in required if k not in muscle_kwargs]
        if missing:
            raise TypeError(f"add_muscle for {type(self.muscle).__name__} is missing {missing}; "
                            f"required: {sorted(required)}, optional: {defaults}")
        unknown = [k for k in muscle_kwargs if k not in required and k not in defaults]
        if unknown:
            raise TypeError(f"add_muscle got unknown muscle parameters {unknown}; "
                            f"{type(self.muscle).__name__} takes {sorted(required) + sorted(defaults)}")
        for key in list(required) + list(defaults):
            self._muscle_params.setdefault(key, [defaults.get(key)] * self.n_muscles)
            self._muscle_params[key].append(muscle_kwargs.get(key, defaults.get(key)))
        self.muscle_name.append(name if name is not None else f"muscle_{self.n_muscles + 1}")
        self._path_fixation_body.append(body)
        self._path_coordinates.append(coords.tolist())
        self._build()

    def _build(self):
        device, dtype = self.device, self.dtype
        self.muscle.build(timestep=self.minidt, **self._muscle_params)
        if not isinstance(self.geometry, PolynomialGeometry):
            self.geometry = PathGeometry(self.skeleton, self._path_fixation_body, self._path_coordinates)
        self.to(device=device, dtype=dtype)

    # ---- state --------------------------------------------------------------------------------

    @property
    def generator(self):
        """The effector's random number generator (on its device), used for random states and by
        the environment for noise. Seeded by `reset(seed=...)`."""
        if self._generator is None or self._generator.device != self.device:
            self._generator = torch.Generator(device=self.device)
            self._generator.manual_seed(self._seed)
        return self._generator

    def seed(self, seed):
        self._seed = int(seed)
        self._generator = None

    @property
    def states(self):
        return {"joint": self._joint, "cartesian": self._cartesian, "muscle": self._muscle_state,
                "geometry": self._geometry, "fingertip": self._cartesian[:, :self.space_dim]}

    def _set_state(self, joint, muscle_state, geometry, cartesian=None):
        self._joint, self._muscle_state, self._geometry = joint, muscle_state, geometry
        self._cartesian = self.skeleton.joint2cartesian(joint) if cartesian is None else cartesian

    def initial_state(self, joint):
        """Pure: the state at rest activation in joint state (B, 2 dof) -> (muscle state, geometry, cartesian)."""
        geometry = self.get_geometry(joint)
        return self.muscle.get_initial_muscle_state(joint.shape[0], geometry), geometry, self.joint2cartesian(joint)

    def compile_reset(self):
        """Compile `initial_state` for `reset` (torch.compile; ~10x less time per reset once compiled,
        which pays off in many short episodes: motornet.rollout.Rollout(compile=True) calls this)."""
        if self._initial_state == self.initial_state:
            self._initial_state = torch.compile(self.initial_state, options=dict(COMPILE_OPTIONS))

    def reset(self, seed=None, options=None):
        """Set a new batch of states. options: batch_size (default 1); joint_state (positions, or
        positions and velocities; None draws positions uniformly within bounds, zero velocity)."""
        if self.n_muscles == 0:
            raise ValueError(f"{self.name} has no muscles: call add_muscle first")
        options = dict(options or {})
        unknown = set(options) - {"batch_size", "joint_state"}
        if unknown:
            raise ValueError(f"unknown reset options {sorted(unknown)}; valid: ['batch_size', 'joint_state']")
        if seed is not None:
            self.seed(seed)
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
            raise ValueError(f"joint_state must have {self.dof} (positions) or {2 * self.dof} (positions, "
                             f"velocities) columns, got shape {tuple(js.shape)}")
        if js.shape[1] == self.dof:
            js = torch.cat([js, torch.zeros_like(js)], dim=1)
        if js.shape[0] == 1:
            js = js.expand(batch_size, -1)
        pos, vel = js[:, :self.dof], js[:, self.dof:]
        tol = 1e-6
        if ((pos < self.skeleton.pos_lower_bound - tol) | (pos > self.skeleton.pos_upper_bound + tol)).any():
            raise ValueError(f"joint_state positions outside the bounds [{self.skeleton.pos_lower_bound.tolist()}, "
                             f"{self.skeleton.pos_upper_bound.tolist()}]")
        if ((vel < self.skeleton.vel_lower_bound) | (vel > self.skeleton.vel_upper_bound)).any():
            raise ValueError("joint_state velocities outside the velocity bounds")
        return js.clone()

    def draw_random_uniform_states(self, batch_size=1):
        """Positions uniform within the position bounds, zero velocities: (B, 2*dof)."""
        lo, hi = self.skeleton.pos_lower_bound, self.skeleton.pos_upper_bound
        u = torch.rand(batch_size, self.dof, generator=self.generator, device=self.device, dtype=self.dtype)
        return torch.cat([lo + (hi - lo) * u, torch.zeros_like(u)], dim=1)

    def draw_fixed_states(self, batch_size, position, velocity=None):
        """A (B, 2*dof) batch of the given position (and velocity, default 0)."""
        pos = torch.as_tensor(position, dtype=self.dtype, device=self.device).reshape(1, -1)
        vel = torch.zeros_like(pos) if velocity is None else torch.as_tensor(
            velocity, dtype=self.dtype, device=self.device).reshape(1, -1)
        return self._as_joint_state(torch.cat([pos, vel], dim=1), batch_size)

    def get_geometry(self, joint_state):
        return self.geometry(joint_state)

    def joint2cartesian(self, joint_state):
        return self.skeleton.joint2cartesian(joint_state)

    # ---- dynamics -----------------------------------------------------------------------------

    def _derivatives(self, joint, muscle_state, geometry, action, endpoint_load, joint_load):
        """Rates at a state: muscle-state derivative, joint velocity and acceleration (model-facts §5)."""
        d_muscle = self.muscle.ode(action, muscle_state)
        velocity = joint[:, self.dof:]
        torque = -(muscle_state[:, -1:] * geometry[:, 2:]).sum(-1)
        if joint_load is not None:
            torque = torque + joint_load
        if self.damping:
            torque = torque - self.damping * velocity
        acceleration = self.skeleton.ode(torque, joint, endpoint_load)
        return d_muscle, velocity, acceleration

    def _advance(self, joint, muscle_state, geometry, rates, dt):
        d_muscle, d_position, d_velocity = rates
        new_muscle = self.muscle.integrate(dt, d_muscle, muscle_state, geometry)
        new_joint = integrate_joint(joint, d_position, d_velocity, dt, self.skeleton.pos_bounds,
                                    self.skeleton.vel_bounds)
        return new_joint, new_muscle, self.geometry(new_joint)

    def integrate(self, joint, muscle_state, geometry, action, endpoint_load=None, joint_load=None):
        """One sub-step of length `minidt` from the given state; returns (joint, muscle, geometry)."""
        dt = self.minidt
        state = (joint, muscle_state, geometry)
        loads = (action, endpoint_load, joint_load)
        k1 = self._derivatives(*state, *loads)
        if self.integration_method == "euler":
            return self._advance(*state, k1, dt)
        k2 = self._derivatives(*self._advance(*state, k1, dt / 2), *loads)
        k3 = self._derivatives(*self._advance(*state, k2, dt / 2), *loads)
        k4 = self._derivatives(*self._advance(*state, k3, dt), *loads)
        mean = tuple((a + 2 * b + 2 * c + d) / 6 for a, b, c, d in zip(k1, k2, k3, k4))
        return self._advance(*state, mean, dt)

    def _check_input(self, name, value, width):
        if value is None:
            return None
        value = torch.as_tensor(value, dtype=self.dtype, device=self.device)
        batch = self._joint.shape[0]
        if value.ndim == 1 and value.shape[0] == width:
            value = value.expand(batch, width)
        if tuple(value.shape) != (batch, width):
            raise ValueError(f"{name} must have shape (batch_size={batch}, {width}), got {tuple(value.shape)}")
        return value

    def step(self, action, endpoint_load=None, joint_load=None):
        """Advance by `timestep` under a constant excitation `action` (B, n_muscles) in [0, 1],
        an endpoint force (B, space_dim; N) and joint torques (B, dof; N m)."""
        if self._joint is None:
            raise RuntimeError(f"{self.name}.step called before reset()")
        action = self._check_input("action", action, self.n_muscles)
        endpoint_load = self._check_input("endpoint_load", endpoint_load, self.space_dim)
        joint_load = self._check_input("joint_load", joint_load, self.dof)
        state = (self._joint, self._muscle_state, self._geometry)
        for _ in range(self.n_ministeps):
            state = self.integrate(*state, action, endpoint_load, joint_load)
        self._set_state(*state)

    # ---- description --------------------------------------------------------------------------

    def get_muscle_cfg(self):
        return {name: {"path_fixation_body": body, "path_coordinates": coords,
                       **{k: v[i] for k, v in self._muscle_params.items()}}
                for i, (name, body, coords) in enumerate(zip(self.muscle_name, self._path_fixation_body,
                                                              self._path_coordinates))}

    def print_muscle_wrappings(self):
        for name, cfg in self.get_muscle_cfg().items():
            points = ", ".join(f"body {b} at {tuple(c)}" for b, c in zip(cfg["path_fixation_body"],
                                                                         cfg["path_coordinates"]))
            print(f"{name}: {points}")

    def get_save_config(self):
        return {"name": self.name, "dt": self.dt, "n_ministeps": self.n_ministeps,
                "integration_method": self.integration_method, "damping": self.damping,
                "skeleton": self.skeleton.get_save_config(), "muscle": self.muscle.get_save_config(),
                "muscle_cfg": self.get_muscle_cfg(), "geometry": type(self.geometry).__name__}


# ---- pre-built effectors ------------------------------------------------------------------------

ARM26_SKELETON = dict(m1=1.82, m2=1.43, l1g=0.135, l2g=0.165, i1=0.051, i2=0.057, l1=0.309, l2=0.333,
                      pos_lower_bound=(0., 0.), pos_upper_bound=(math.radians(135.), math.radians(155.)))

# name: (fixation bodies, points (m), max_isometric_force F_max (N), tendon_length l_se (m),
#        optimal_muscle_length l_ce (m), normalised slack length s of the geometric model).
# F_max, l_se, l_ce: the paper's table 3 (Kistemaker et al. 2010; model-facts §3).
# Paths and s: the paper's table 5 is missing from our copy of the text. They are the six arm26 muscles'
# rows of the public toolbox tutorial's ten-muscle arm ("arm210", built there with the Thelen muscle;
# model-facts §4.4), placed on the arm26 skeleton. `Reacher` uses them; `RigidTendonArm26` takes s from
# its muscle model's default (Thelen 1.0, Kistemaker 1.4) and its moment arms from the polynomial.
ARM26_MUSCLES = {
    "pectoralis": ((0, 1), ((-0.15, 0.03), (0.094, 0.017)), 838., 0.039, 0.134, 1.48),
    "deltoid": ((0, 0, 1), ((0.14, 0.), (0.05, 0.), (0.153, 0.)), 1207., 0.066, 0.140, 1.52),
    "brachioradialis": ((1, 2), ((0.23, 0.001), (0.231, 0.01)), 1422., 0.172, 0.092, 1.43),
    "tricepslat": ((1, 1, 2), ((0.03, 0.), (0.138, -0.019), (-0.04, -0.017)), 1549., 0.187, 0.093, 1.45),
    "biceps": ((0, 2), ((-0.052, 0.033), (0.044, 0.001)), 414., 0.204, 0.137, 1.5),
    "tricepslong": ((0, 2), ((0.02, -0.028), (-0.04, -0.017)), 603., 0.217, 0.127, 1.4),
}

# Kistemaker (2010) moment-arm polynomial: a0 (m); a1, a2 rows shoulder then elbow; phi (rad).
ARM26_POLYNOMIAL = dict(
    a0=(0.151, 0.2322, 0.2859, 0.2355, 0.3329, 0.2989),
    a1=((-0.03, 0.03, 0., 0., -0.03, 0.03), (0., 0., -0.014, 0.025, -0.016, 0.03)),
    a2=((0., 0., 0., 0., 0., 0.), (0., 0., -4e-3, -2.2e-3, -5.7e-3, -3.2e-3)),
    phi=(math.pi / 2, 0.),
)


def per_muscle_kwargs(muscle_kwargs, names):
    """{muscle name: {parameter: value}} from `muscle_kwargs` whose values are scalars (every muscle)
    or sequences of one value per muscle, in the order of `names`."""
    out = {name: {} for name in names}
    for key, value in (muscle_kwargs or {}).items():
        values = np.asarray(value, dtype=float)
        if values.ndim == 0:
            values = np.full(len(names), float(values))
        if values.shape != (len(names),):
            raise ValueError(f"muscle_kwargs[{key!r}] must be a scalar or one value per muscle "
                             f"({len(names)}: {', '.join(names)}), got {value!r}")
        for name, v in zip(names, values.tolist()):
            out[name][key] = v
    return out


def _add_arm26_muscles(effector, slack_from_paths, muscle_kwargs):
    """The six arm26 muscles, with the table parameters the effector's muscle model takes (a ReLU
    muscle takes only F_max) and `muscle_kwargs` (scalar or per muscle) on top."""
    takes = set(effector.muscle.to_build_dict) | set(effector.muscle.to_build_dict_default)
    extra = per_muscle_kwargs(muscle_kwargs, list(ARM26_MUSCLES))
    for name, (body, points, f_max, l_se, l_ce, slack) in ARM26_MUSCLES.items():
        table = {"max_isometric_force": f_max, "tendon_length": l_se, "optimal_muscle_length": l_ce}
        if slack_from_paths:
            table["normalized_slack_muscle_length"] = slack
        params = {k: v for k, v in table.items() if k in takes}
        effector.add_muscle(path_fixation_body=body, path_coordinates=points, name=name,
                            **{**params, **extra[name]})


class RigidTendonArm26(Effector):
    """Two-joint arm with six muscles and the moment-arm polynomial (paper 4.1.1).

    `muscle`: any muscle model (default the Kistemaker-curve `RigidTendonHillMuscle`, as the public
    toolbox's examples; the paper's networks use `RigidTendonHillMuscleThelen`), with its own defaults.
    `muscle_kwargs`: extra build parameters, each a scalar or one value per muscle.
    """

    def __init__(self, muscle=None, skeleton=None, timestep=0.01, muscle_kwargs=None, **kwargs):
        muscle = RigidTendonHillMuscle() if muscle is None else muscle
        skeleton = TwoDofArm(**ARM26_SKELETON) if skeleton is None else skeleton
        super().__init__(skeleton=skeleton, muscle=muscle, timestep=timestep, **kwargs)
        self.geometry = PolynomialGeometry(**ARM26_POLYNOMIAL)
        _add_arm26_muscles(self, slack_from_paths=False, muscle_kwargs=muscle_kwargs or {})


class CompliantTendonArm26(Effector):
    """arm26 (skeleton, muscles, moment-arm polynomial) with compliant-tendon Hill muscles.

    The elastic tendons make the fibre dynamics stiff, hence the 0.2 ms default step (s).
    `muscle_kwargs` are extra build parameters passed to `add_muscle` for every muscle.
    """

    def __init__(self, timestep=0.0002, muscle_kwargs=None, skeleton=None, **kwargs):
        skeleton = TwoDofArm(**ARM26_SKELETON) if skeleton is None else skeleton
        super().__init__(skeleton=skeleton, muscle=CompliantTendonHillMuscle(), timestep=timestep, **kwargs)
        self.geometry = PolynomialGeometry(**ARM26_POLYNOMIAL)
        _add_arm26_muscles(self, slack_from_paths=False, muscle_kwargs=muscle_kwargs or {})


class Reacher(Effector):
    """arm26 whose moment arms come from the geometric muscle paths (paper 4.3, Fig. 4d-e), with the
    paths' slack lengths (see ARM26_MUSCLES); `muscle` and `muscle_kwargs` as `RigidTendonArm26`."""

    def __init__(self, muscle=None, skeleton=None, timestep=0.01, muscle_kwargs=None, **kwargs):
        muscle = RigidTendonHillMuscle() if muscle is None else muscle
        skeleton = TwoDofArm(**ARM26_SKELETON) if skeleton is None else skeleton
        super().__init__(skeleton=skeleton, muscle=muscle, timestep=timestep, **kwargs)
        _add_arm26_muscles(self, slack_from_paths=True, muscle_kwargs=muscle_kwargs or {})


POINT_MASS_ANCHORS = ((2., 2.), (-2., 2.), (2., -2.), (-2., -2.))


class FreePointMass24(Effector):
    """Point mass (kg) in [-1, 1]^2 (m) pulled by four muscles from the corners of an "X"."""

    def __init__(self, muscle, timestep=0.01, max_isometric_force=500., mass=1., skeleton=None,
                 muscle_kwargs=None, **kwargs):
        skeleton = PointMass(space_dim=2, mass=mass) if skeleton is None else skeleton
        super().__init__(skeleton=skeleton, muscle=muscle, timestep=timestep, **kwargs)
        names = [f"muscle_{i + 1}" for i in range(len(POINT_MASS_ANCHORS))]
        extra = per_muscle_kwargs(muscle_kwargs, names)
        for name, anchor in zip(names, POINT_MASS_ANCHORS):
            self.add_muscle(path_fixation_body=(0, 1), path_coordinates=(anchor, (0., 0.)), name=name,
                            **{"max_isometric_force": max_isometric_force, **extra[name]})


class ReluPointMass24(FreePointMass24):
    """The paper's point-mass effector (4.1.2): four ReLU muscles of 500 N on a 1 kg mass."""

    def __init__(self, timestep=0.01, max_isometric_force=500., mass=1., **kwargs):
        super().__init__(muscle=ReluMuscle(), timestep=timestep, max_isometric_force=max_isometric_force,
                         mass=mass, **kwargs)
