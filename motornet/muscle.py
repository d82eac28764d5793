"""Muscles: activation dynamics and force from (activation, length, velocity).

A muscle object describes all n_muscles muscles of an effector at once. Its state is a
(B, n_states, n_muscles) tensor whose first row is the activation and last row the force (N);
`state_name` names the rows. Geometry states are (B, 2 + dof, n_muscles): musculotendon length (m),
musculotendon velocity (m/s), then one moment arm (m or m/rad) per degree of freedom.
Parameters are (1, 1, n_muscles) buffers set by `build`.

Public methods are batch first. The underscore methods the effector's step calls (`_state`, `_rate`,
`_integrate`) are trial-last (motornet.layout): muscle state (n_states, M, B), geometry (2 + dof, M, B),
excitation (M, B); there a parameter is `column(p)`, (1, M, 1).
"""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .layout import trials_first, trials_last


def column(p: torch.Tensor) -> torch.Tensor:
    """A (1, 1, M) parameter as the trial-last (1, M, 1). A method call rather than `p.mT`: Dynamo lifts a
    buffer's `.mT` into a traced `scan` body as an input of its own, aliasing the buffer, and refuses it
    (motornet.rollout's compile="scan")."""
    return p.transpose(-1, -2)


def activation_derivative(
    excitation: torch.Tensor,
    activation: torch.Tensor,
    tau_activation: float | torch.Tensor,
    tau_deactivation: float | torch.Tensor,
) -> torch.Tensor:
    """Thelen (2003) first-order activation dynamics, da/dt (1/s); time constants in s."""
    scale = 0.5 + 1.5 * activation
    tau = torch.where(excitation > activation, tau_activation * scale, tau_deactivation / scale)
    return (excitation - activation) / tau


def _per_muscle(value, default, n_muscles):
    return [default] * n_muscles if value is None else value


# The state rows of the rigid-tendon Hill muscles (B, 7, M): activation, fibre length (m) and velocity (m/s),
# the passive and active force-length factors, the force-velocity factor, force (N).
HILL_STATE_NAME = (
    "activation",
    "muscle length",
    "muscle velocity",
    "force-length PE",
    "force-length CE",
    "force-velocity CE",
    "force",
)


class Muscle(torch.nn.Module):
    """Base muscle: activation dynamics shared by every model (docs/model.md §2.1).

    Subclasses declare `state_name`, `_required` (build parameters without default),
    `_defaults` (with default) and implement `_state(activation, geometry_state)`, trial-last.
    """

    state_name = ["activation", "muscle length", "muscle velocity", "force"]
    _required = ("max_isometric_force",)
    _defaults = {}

    def __init__(
        self,
        input_dim: int = 1,
        output_dim: int = 1,
        min_activation: float = 0.0,
        tau_activation: float = 0.015,
        tau_deactivation: float = 0.05,
    ) -> None:
        super().__init__()
        self.input_dim = input_dim
        self.output_dim = output_dim
        # 0-d float32 buffers, as MotorNet 0.3 (they follow `.to()`; `.item()` gives the number).
        for name, value in (
            ("min_activation", min_activation),
            ("tau_activation", tau_activation),
            ("tau_deactivation", tau_deactivation),
        ):
            self.register_buffer(name, torch.tensor(float(value)), persistent=False)
        self.dt = None
        self.n_muscles = None
        self.built = False

    @property
    def state_dim(self) -> int:
        return len(self.state_name)

    @property
    def to_build_dict(self) -> dict[str, list]:
        """The parameters `Effector.add_muscle` must receive for this muscle type."""
        return {name: [] for name in self._required}

    @property
    def to_build_dict_default(self) -> dict[str, Any]:
        """The optional parameters and their defaults."""
        return dict(self._defaults)

    @property
    def device(self) -> torch.device:
        return self.min_activation.device

    def setattr(self, name: str, value: Any) -> None:
        setattr(self, name, value)

    def _param(self, name, values):
        t = torch.as_tensor(values, dtype=torch.get_default_dtype()).reshape(1, 1, -1)
        if t.shape[-1] == 1 and self.n_muscles is not None:  # a scalar applies to every muscle
            t = t.expand(1, 1, self.n_muscles)
        if self.n_muscles is not None and t.shape[-1] != self.n_muscles:
            raise ValueError(f"{name} has {t.shape[-1]} values but there are {self.n_muscles} muscles")
        self.register_buffer(name, t.clone(), persistent=False)
        return t

    def build(self, timestep: float, max_isometric_force: float | Sequence[float], **kwargs) -> None:
        """Set the step (s) and per-muscle parameters (sequences of n_muscles values)."""
        self.dt = float(timestep)
        self.n_muscles = int(np.size(max_isometric_force))
        self._param("max_iso_force", max_isometric_force)
        unknown = set(kwargs) - set(self._required) - set(self._defaults)
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.build got unknown parameters {sorted(unknown)}; "
                f"valid ones are {sorted(set(self._required) | set(self._defaults))}"
            )
        self._build(**kwargs)
        self.built = True

    def _build(self, **kwargs):
        ones = [1.0] * self.n_muscles
        self._param("l0_ce", ones)
        self._param("l0_se", [0.0] * self.n_muscles)
        self._param("l0_pe", ones)
        self._param("vmax", ones)

    def _hill_parameters(self, tendon_length, optimal_muscle_length, normalized_slack_muscle_length):
        """Set l0_ce, l0_se (m), passive slack length l0_pe = s l_ce (m) and v_max = 10 l_ce (m/s);
        returns l_ce and the normalised slack lengths s as (1, 1, M) tensors. s None: the default."""
        slack = _per_muscle(
            normalized_slack_muscle_length, self._defaults["normalized_slack_muscle_length"], self.n_muscles
        )
        l_ce = self._param("l0_ce", optimal_muscle_length)
        self._param("l0_se", tendon_length)
        slack = torch.as_tensor(slack, dtype=l_ce.dtype).reshape(1, 1, -1)
        self._param("l0_pe", slack * l_ce)
        self._param("vmax", 10.0 * l_ce)
        return l_ce, slack

    def clip_activation(self, a: torch.Tensor) -> torch.Tensor:
        return a.clamp(min=self.min_activation).clamp(max=1.0)

    def activation_ode(self, action: torch.Tensor | float, activation: torch.Tensor) -> torch.Tensor:
        """da/dt (B, 1, n_muscles) from excitation `action`: (B, n_muscles), (B, 1, n_muscles) or a scalar
        (broadcast)."""
        return trials_first(self._activation_rate(self._excitation(action), trials_last(activation)))

    def ode(self, action: torch.Tensor | float, muscle_state: torch.Tensor) -> torch.Tensor:
        """Time derivative of the integrated muscle state rows (here: activation only)."""
        return trials_first(self._rate(self._excitation(action), trials_last(muscle_state)))

    def integrate(
        self, dt: float, state_derivative: torch.Tensor, muscle_state: torch.Tensor, geometry_state: torch.Tensor
    ) -> torch.Tensor:
        """New muscle state: activation stepped by dt (s) and clipped, the other rows computed
        from it and the given (pre-step) geometry."""
        return trials_first(
            self._integrate(dt, trials_last(state_derivative), trials_last(muscle_state), trials_last(geometry_state))
        )

    def get_initial_muscle_state(self, batch_size: int, geometry_state: torch.Tensor) -> torch.Tensor:
        activation = self.min_activation.to(geometry_state.dtype).expand(batch_size, 1, self.n_muscles)
        return self._muscle_state(activation, geometry_state)

    def _muscle_state(self, activation, geometry_state, *rows):
        """Muscle state (B, n_states, M) from activation (B, 1, M), geometry (B, 2 + dof, M) and the
        model's other integrated rows, if any (each (B, 1, M))."""
        return trials_first(self._state(*(trials_last(x) for x in (activation, geometry_state, *rows))))

    def _excitation(self, action):
        """Batch-first excitation (B, M), (B, 1, M) or a scalar, trial-last: (M, B) or the scalar."""
        action = torch.as_tensor(action)
        return trials_last(action.reshape(-1, self.n_muscles)) if action.ndim else action

    # ---- trial-last physics --------------------------------------------------------------------

    def _activation_rate(self, excitation, activation):
        """da/dt (1, M, B; 1/s) from excitation (M, B) and activation (1, M, B), both clipped first."""
        return activation_derivative(
            self.clip_activation(excitation),
            self.clip_activation(activation),
            self.tau_activation,
            self.tau_deactivation,
        )

    def _rate(self, excitation, muscle_state):
        """Time derivative of the integrated rows (here: activation only), (1, M, B)."""
        return self._activation_rate(excitation, muscle_state[:1])

    def _integrate(self, dt, rate, muscle_state, geometry_state):
        activation = self.clip_activation(muscle_state[:1] + dt * rate)
        return self._state(activation, geometry_state)

    def get_save_config(self) -> dict:
        return {"name": type(self).__name__, "state names": list(self.state_name)}


class ReluMuscle(Muscle):
    """Force = activation * max_isometric_force (N); length and velocity are the musculotendon's.
    Its normalisers l0_ce and vmax are 1, so proprioception reports raw length (m) and velocity (m/s)."""

    state_name = ["activation", "muscle length", "muscle velocity", "force"]

    def __init__(self, min_activation: float = 0.0, **kwargs) -> None:
        super().__init__(min_activation=min_activation, **kwargs)

    def _state(self, activation, geometry_state):
        return torch.cat([activation, geometry_state[:2], activation * column(self.max_iso_force)], dim=0)


class RigidTendonHillMuscle(Muscle):
    """Rigid-tendon Hill muscle, Kistemaker et al. (2010) force-length-velocity (docs/model.md §2.3).

    Build parameters (per muscle): max_isometric_force (N), tendon_length l_se (m),
    optimal_muscle_length l_ce (m), normalized_slack_muscle_length (default 1.4, x l_ce).
    """

    state_name = list(HILL_STATE_NAME)
    _required = ("max_isometric_force", "tendon_length", "optimal_muscle_length")
    _defaults = {"normalized_slack_muscle_length": 1.4}

    # Kistemaker (2010) shape constants.
    _width_sq = 0.66**2
    _a_rel_st = 0.41
    _b_rel_st = 5.2
    _q_crit = 0.3
    _q_min = 0.005
    _s_as = 0.001
    _f_l_min = 0.01

    def __init__(self, min_activation: float = 0.001, **kwargs) -> None:
        super().__init__(min_activation=min_activation, **kwargs)

    def _build(self, tendon_length, optimal_muscle_length, normalized_slack_muscle_length=None):
        _, slack = self._hill_parameters(tendon_length, optimal_muscle_length, normalized_slack_muscle_length)
        self._param("k_pe", 1.0 / (1.66 - slack) ** 2)

    def _state(self, activation, geometry_state):
        a = activation
        l0_se, l0_ce, l0_pe, vmax, k_pe = (
            column(p) for p in (self.l0_se, self.l0_ce, self.l0_pe, self.vmax, self.k_pe)
        )
        fibre_length = torch.relu(geometry_state[:1] - l0_se)
        fibre_velocity = geometry_state[1:2]
        l_n = fibre_length / l0_ce
        v_n = fibre_velocity / vmax
        strain = torch.relu((fibre_length - l0_pe) / l0_ce)
        f_pe = k_pe * strain**2
        f_l = torch.clamp(1.0 - (l_n - 1.0) ** 2 / self._width_sq, min=self._f_l_min)

        a_rel = torch.where(l_n > 1.0, self._a_rel_st * f_l, torch.full_like(f_l, self._a_rel_st))
        b_low = self._b_rel_st * (1.0 - 0.9 * (a - self._q_crit) / (self._q_min - self._q_crit)) ** 2
        b_rel = torch.where(a < self._q_crit, b_low, torch.full_like(a, self._b_rel_st))
        fa = f_l * a
        d0 = a * (f_l + a_rel) / b_rel
        p1 = -(fa / 2.0) / (self._s_as - 2.0 * d0)
        p2 = (fa / 2.0) ** 2 / (self._s_as - 2.0 * d0)
        p3 = -1.5 * fa
        # Each branch sees only its half-line of v_n so the unused one cannot produce inf/NaN gradients.
        v_con = torch.clamp(v_n, max=0.0)
        v_ecc = torch.clamp(v_n, min=0.0)
        f_con = (v_con * a * a_rel + fa * b_rel) / (b_rel - v_con)
        f_ecc = (-p1 * p3 + p1 * self._s_as * v_ecc + p2 - p3 * v_ecc + self._s_as * v_ecc**2) / (p1 + v_ecc)
        f_a = torch.relu(torch.where(v_n < 0.0, f_con, f_ecc))
        force = (f_a + f_pe) * column(self.max_iso_force)
        return torch.cat([a, fibre_length, fibre_velocity, f_pe, f_l, f_a, force], dim=0)


# ---- Thelen (2003) curves ----------------------------------------------------------------------
# Thelen DG (2003) J Biomech Eng 125:70-77, eq. 3-6; all forces normalised by max_isometric_force.


def thelen_passive_force(strain: torch.Tensor, shape: float = 5.0, strain_at_max_force: float = 0.6) -> torch.Tensor:
    """Passive fibre force (x F0), Thelen (2003) eq. 3: (exp(k strain / e0) - 1) / (exp(k) - 1).

    `strain` = (fibre length - passive slack length) / optimal length; zero force below slack.
    Thelen measures strain from the optimal length (slack = 1 l_ce, our default); another slack length
    shifts the curve, so F0 is reached at slack + e0 (1.6 l_ce for the default slack of 1.0).
    """
    return torch.expm1(shape * torch.relu(strain) / strain_at_max_force) / math.expm1(shape)


def thelen_active_force_length(normalized_length: torch.Tensor, gamma: float = 0.45) -> torch.Tensor:
    """Active force-length f_L, Thelen (2003) eq. 4: exp(-(l / l_ce - 1)^2 / gamma); peak 1 at l_ce."""
    return torch.exp(-((normalized_length - 1.0) ** 2) / gamma)


def thelen_force_velocity(velocity: torch.Tensor, max_lengthening_force: float = 1.4, af: float = 0.25) -> torch.Tensor:
    """Force-velocity multiplier f_V: Thelen (2003) eq. 6 solved for force at f_L = a = 1.

    `velocity` is the fibre velocity over the activation-scaled maximum (0.25 + 0.75 a) v_max,
    lengthening positive. Shortening: (1 + v) / (1 - v / Af), 0 at v <= -1; lengthening:
    (1 + c f_len v) / (1 + c v) with c = (2 + 2 / Af) / (f_len - 1), rising to f_len.
    Continuous at v = 0 (value 1); the lengthening slope there is twice the shortening one.
    """
    c = (2.0 + 2.0 / af) / (max_lengthening_force - 1.0)
    # Each branch sees only its half-line so the unused one cannot produce inf/NaN gradients.
    v_con = velocity.clamp(-1.0, 0.0)
    v_ecc = velocity.clamp(min=0.0)
    f_con = (1.0 + v_con) / (1.0 - v_con / af)
    f_ecc = (1.0 + c * max_lengthening_force * v_ecc) / (1.0 + c * v_ecc)
    return torch.where(velocity < 0.0, f_con, f_ecc)


def thelen_tendon_force(strain: torch.Tensor, strain_at_max_force: float = 0.04) -> torch.Tensor:
    """Tendon force (x F0), Thelen (2003) eq. 5: exponential toe (k_toe = 3) up to F_toe = 0.33 at
    strain 0.609 e0, linear beyond with stiffness 1.712 / e0 (so ~F0 at e0); 0 when slack (strain <= 0).
    `strain` = tendon length / tendon slack length - 1."""
    e_toe = 0.609 * strain_at_max_force
    k_toe, f_toe, k_lin = 3.0, 0.33, 1.712 / strain_at_max_force
    toe = f_toe * torch.expm1(k_toe * strain.clamp(0.0, e_toe) / e_toe) / math.expm1(k_toe)
    return torch.where(strain > e_toe, f_toe + k_lin * (strain - e_toe), toe)


def _quadratic_root_plus(a, b, c):
    """The root (-b + sqrt(b^2 - 4ac)) / (2a) of a x^2 + b x + c, without cancellation
    (needs b^2 > 4ac and a != 0)."""
    s = torch.sqrt(b * b - 4.0 * a * c)
    b_pos = b >= 0.0
    # Citardauq form where -b + s would cancel; its denominator is kept away from 0 where unused.
    citardauq = 2.0 * c / torch.where(b_pos, -b - s, -torch.ones_like(s))
    return torch.where(b_pos, citardauq, (s - b) / (2.0 * a))


def thelen_damped_velocity(
    active_force: torch.Tensor,
    activation_force_length: torch.Tensor,
    damping: float,
    max_lengthening_force: float = 1.4,
    af: float = 0.25,
) -> torch.Tensor:
    """Fibre velocity x (over (0.25 + 0.75 a) v_max) at which a f_L f_V(x) + damping x = F.

    F = tendon force - passive force (x F0); `activation_force_length` = a f_L. f_V is Thelen's
    (see `thelen_force_velocity`); the linear damping term is Millard et al. (2013)'s damped
    equilibrium model (their beta = 0.1), which makes the inverse exist and stay finite for every
    F and every a f_L >= 0, without Thelen's singularities at a -> 0 and F -> f_len a f_L.
    With f_V hyperbolic, each branch is a quadratic in x solved in closed form:
      F <= -d:          f_V = 0 (x <= -1), x = F / d;
      -d < F <= a f_L:  (-d / Af) x^2 + (a f_L + d + F / Af) x + (a f_L - F) = 0, root in [-1, 0];
      F > a f_L:        d c x^2 + (c (a f_L f_len - F) + d) x + (a f_L - F) = 0, root >= 0.
    """
    d, afl, f_len = damping, activation_force_length, max_lengthening_force
    c = (2.0 + 2.0 / af) / (f_len - 1.0)
    f_con = torch.minimum(torch.maximum(active_force, torch.full_like(active_force, -d)), afl)
    # Downward parabola, positive at 0 and negative at -1: its smaller root.
    x_con = _quadratic_root_plus(torch.full_like(f_con, -d / af), afl + d + f_con / af, afl - f_con)
    f_ecc = torch.maximum(active_force, afl)
    # Upward parabola, negative at 0: its larger root.
    x_ecc = _quadratic_root_plus(torch.full_like(f_ecc, d * c), c * (afl * f_len - f_ecc) + d, afl - f_ecc)
    return torch.where(active_force <= -d, active_force / d, torch.where(active_force <= afl, x_con, x_ecc))


# ---- MuJoCo curves -----------------------------------------------------------------------------
# MuJoCo documentation, Modeling > Muscles (mju_muscleGain / mju_muscleBias); lengths are in
# optimal lengths, velocities in optimal lengths per second over vmax.


def mujoco_bump(
    l: torch.Tensor, lmin: float | torch.Tensor, mid: float | torch.Tensor, lmax: float | torch.Tensor
) -> torch.Tensor:
    """Four smoothly joined half-quadratics: 0 outside (lmin, lmax), peak 1 at mid."""
    mid_low, mid_high = 0.5 * (lmin + mid), 0.5 * (mid + lmax)
    rise = 0.5 * ((l - lmin) / (mid_low - lmin)) ** 2
    top_low = 1.0 - 0.5 * ((mid - l) / (mid - mid_low)) ** 2
    top_high = 1.0 - 0.5 * ((l - mid) / (mid_high - mid)) ** 2
    fall = 0.5 * ((lmax - l) / (lmax - mid_high)) ** 2
    f = torch.where(l <= mid_low, rise, torch.where(l <= mid, top_low, torch.where(l <= mid_high, top_high, fall)))
    return torch.where((l > lmin) & (l < lmax), f, torch.zeros_like(f))


def mujoco_active_force_length(
    normalized_length: torch.Tensor, lmin: float | torch.Tensor = 0.5, lmax: float | torch.Tensor = 1.6
) -> torch.Tensor:
    """Active force-length: the bump on (lmin, lmax) peaking at 1, plus 0.15 x a second bump on (lmin, 0.95)
    peaking at (lmin + 0.95) / 2 (MuJoCo's mju_muscleGain)."""
    return mujoco_bump(normalized_length, lmin, 1.0, lmax) + 0.15 * mujoco_bump(
        normalized_length, lmin, 0.5 * (lmin + 0.95), 0.95
    )


def mujoco_force_velocity(normalized_velocity: torch.Tensor, fvmax: float | torch.Tensor = 1.2) -> torch.Tensor:
    """Force-velocity: (v + 1)^2 for -1 < v <= 0 (0 below), fvmax - (y - v)^2 / y for 0 < v <= y,
    fvmax beyond, with y = fvmax - 1. Value and slope (2) are continuous at v = 0."""
    y = fvmax - 1.0
    v_con = normalized_velocity.clamp(-1.0, 0.0)
    v_ecc = torch.minimum(normalized_velocity.clamp(min=0.0), y + torch.zeros_like(normalized_velocity))
    return torch.where(normalized_velocity <= 0.0, (v_con + 1.0) ** 2, fvmax - (y - v_ecc) ** 2 / y)


def mujoco_passive_force(
    normalized_stretch: torch.Tensor, lmax: float | torch.Tensor = 1.6, fpmax: float | torch.Tensor = 1.3
) -> torch.Tensor:
    """Passive force for a fibre `normalized_stretch` optimal lengths beyond its slack length:
    0.25 fpmax x^3 up to x = 1, then 0.25 fpmax (3 x - 2), with x = stretch / ((lmax - 1) / 2);
    so fpmax at lmax when slack is at the optimal length (MuJoCo's case)."""
    x = torch.relu(normalized_stretch) / (0.5 * (lmax - 1.0))
    return torch.where(x <= 1.0, 0.25 * fpmax * x.clamp(max=1.0) ** 3, 0.25 * fpmax * (3.0 * x - 2.0))


# Floor of the Thelen and MuJoCo muscles' fibre length (m), as MotorNet 0.3.
MIN_FIBRE_LENGTH = 0.001


class RigidTendonHillMuscleThelen(Muscle):
    """Rigid-tendon Hill muscle with Thelen (2003) curves (eq. 1-7, young-adult parameters): the
    muscle of the paper's arm26 networks (4.1.1).

    Build parameters as `RigidTendonHillMuscle`: max_isometric_force F0 (N), tendon_length l_se (m),
    optimal_muscle_length l_ce (m), normalized_slack_muscle_length s (default 1.0: Thelen's passive
    force starts at the optimal fibre length).
    Fibre length l = max(L - l_se, 1 mm), fibre velocity v = dL/dt (m/s);
    force = (a f_L(l / l_ce) f_V(v / ((0.25 + 0.75 a) v_max)) + f_PE((l - s l_ce) / l_ce)) F0,
    v_max = 10 l_ce (m/s), passive k = 5 and e0 = 0.6 (from the slack length, see
    `thelen_passive_force`), gamma = 0.45, f_len = 1.4, Af = 0.25.
    """

    state_name = list(HILL_STATE_NAME)
    _required = ("max_isometric_force", "tendon_length", "optimal_muscle_length")
    _defaults = {"normalized_slack_muscle_length": 1.0}

    passive_shape = 5.0
    passive_strain_at_max_force = 0.6
    gamma = 0.45
    max_lengthening_force = 1.4
    af = 0.25

    def __init__(self, min_activation: float = 0.001, **kwargs) -> None:
        super().__init__(min_activation=min_activation, **kwargs)

    def _build(self, tendon_length, optimal_muscle_length, normalized_slack_muscle_length=None):
        self._hill_parameters(tendon_length, optimal_muscle_length, normalized_slack_muscle_length)

    def _state(self, activation, geometry_state):
        """Rows: a, fibre length (m, floored at MIN_FIBRE_LENGTH), velocity (m/s), f_PE, f_L, f_V, force (N)."""
        a = activation
        l0_se, l0_ce, l0_pe, vmax = (column(p) for p in (self.l0_se, self.l0_ce, self.l0_pe, self.vmax))
        fibre_length = torch.clamp(geometry_state[:1] - l0_se, min=MIN_FIBRE_LENGTH)
        fibre_velocity = geometry_state[1:2]
        f_pe = thelen_passive_force(
            (fibre_length - l0_pe) / l0_ce, self.passive_shape, self.passive_strain_at_max_force
        )
        f_l = thelen_active_force_length(fibre_length / l0_ce, self.gamma)
        f_v = thelen_force_velocity(fibre_velocity / ((0.25 + 0.75 * a) * vmax), self.max_lengthening_force, self.af)
        force = (a * f_l * f_v + f_pe) * column(self.max_iso_force)
        return torch.cat([a, fibre_length, fibre_velocity, f_pe, f_l, f_v, force], dim=0)


class CompliantTendonHillMuscle(Muscle):
    """Hill muscle with an elastic tendon: Thelen (2003) curves, Millard et al. (2013) damped
    equilibrium model without pennation (J Biomech Eng 135:021005).

    Build parameters as `RigidTendonHillMuscle`; tendon_length is the tendon slack length l_se (m).
    The fibre length l is a state, integrated from the fibre velocity stored in the state. Given
    the musculotendon length L: tendon strain = (L - l) / l_se - 1, tendon force f_T (eq. 5,
    e0 = `tendon_strain_at_max_force`), and the fibre velocity is the one at which the fibre
    carries the tendon force: f_T = a f_L f_V(v / ((0.25 + 0.75 a) v_max)) + f_PE + beta v / (...)
    (`thelen_damped_velocity`, beta = `fibre_damping`). Force = f_T F0 (N).
    The tendon makes the fibre ODE stiff: use a step of about 0.2 ms. At reset the fibre length
    balances tendon and fibre forces at zero fibre velocity (bisection, one iteration per mantissa bit).

    `variant='kistemaker'` replicates MotorNet 0.3's compliant muscle instead, for its compliant-arm
    runs only: quadratic tendon f_SE = min(625 strain^2, 1), Kistemaker passive and active curves as
    `RigidTendonHillMuscle` (a_rel = 0.41 f_L below the optimal length), the fibre velocity from the
    inverted Kistemaker force-velocity curve at the active force max(f_SE - f_PE, 0), a fibre length
    integrated at v_n l_ce per second while the stored velocity is v_n v_max (10x larger), and a
    closed-form passive equilibrium at reset.
    """

    state_name = [
        "activation",
        "muscle length",
        "muscle velocity",
        "force-length PE",
        "force-length SE",
        "active force",
        "force",
    ]
    _required = ("max_isometric_force", "tendon_length", "optimal_muscle_length")
    _defaults = {"normalized_slack_muscle_length": 1.4}

    passive_shape = 5.0
    passive_strain_at_max_force = 0.6
    gamma = 0.45
    max_lengthening_force = 1.4
    af = 0.25

    def __init__(
        self,
        min_activation: float = 0.01,
        tendon_strain_at_max_force: float = 0.04,
        fibre_damping: float = 0.1,
        variant: str = "millard",
        **kwargs,
    ) -> None:
        super().__init__(min_activation=min_activation, **kwargs)
        if fibre_damping <= 0:
            raise ValueError(
                f"fibre_damping must be positive (it keeps the fibre velocity finite), got {fibre_damping}"
            )
        if variant not in ("millard", "kistemaker"):
            raise ValueError(f"variant must be 'millard' (ours) or 'kistemaker' (MotorNet 0.3's), got {variant!r}")
        self.tendon_strain_at_max_force = float(tendon_strain_at_max_force)
        self.fibre_damping = float(fibre_damping)
        self.variant = variant

    def _build(self, tendon_length, optimal_muscle_length, normalized_slack_muscle_length=None):
        _, slack = self._hill_parameters(tendon_length, optimal_muscle_length, normalized_slack_muscle_length)
        if self.variant == "kistemaker":
            self._param("k_pe", 1.0 / (1.66 - slack) ** 2)

    def _fibre_forces(self, activation, fibre_length, musculotendon_length):
        """Trial-last: tendon strain, f_T, f_PE and f_L (x F0) of (1, M, B) tensors."""
        l0_se, l0_ce, l0_pe = column(self.l0_se), column(self.l0_ce), column(self.l0_pe)
        tendon_strain = (musculotendon_length - fibre_length) / l0_se - 1.0
        f_t = thelen_tendon_force(tendon_strain, self.tendon_strain_at_max_force)
        f_pe = thelen_passive_force(
            (fibre_length - l0_pe) / l0_ce, self.passive_shape, self.passive_strain_at_max_force
        )
        f_l = thelen_active_force_length(fibre_length / l0_ce, self.gamma)
        return tendon_strain, f_t, f_pe, f_l

    def _state(self, activation, geometry_state, fibre_length=None):
        """State rows from activation (1, M, B), geometry and fibre length (1, M, B; m): a, fibre length (m),
        fibre velocity (m/s), f_PE, tendon force f_T (x F0), active force max(f_T - f_PE, 0), force f_T F0 (N).
        Without a fibre length, the static equilibrium one is used."""
        a = activation
        musculotendon_length = geometry_state[:1]
        if self.variant == "kistemaker":
            return self._kistemaker_state(a, musculotendon_length, fibre_length)
        if fibre_length is None:
            fibre_length = self._equilibrium_fibre_length(a, musculotendon_length)
        _, f_t, f_pe, f_l = self._fibre_forces(a, fibre_length, musculotendon_length)
        x = thelen_damped_velocity(f_t - f_pe, a * f_l, self.fibre_damping, self.max_lengthening_force, self.af)
        fibre_velocity = x * (0.25 + 0.75 * a) * column(self.vmax)
        force = f_t * column(self.max_iso_force)
        return torch.cat([a, fibre_length, fibre_velocity, f_pe, f_t, torch.relu(f_t - f_pe), force], dim=0)

    def equilibrium_fibre_length(self, activation: torch.Tensor, musculotendon_length: torch.Tensor) -> torch.Tensor:
        """Fibre length (B, 1, M; m) at which f_T = a f_L + f_PE (zero fibre velocity), from activation and
        musculotendon length (B, 1, M), by bisection (see `_equilibrium_fibre_length`)."""
        return trials_first(self._equilibrium_fibre_length(trials_last(activation), trials_last(musculotendon_length)))

    @torch.no_grad()
    def _equilibrium_fibre_length(self, activation, musculotendon_length):
        """Trial-last `equilibrium_fibre_length`, (1, M, B) tensors.

        The bracket runs from a tendon stretched to 10 e0 to a slack tendon (where f_T = 0 is below
        the fibre force); if the geometry admits no balance the nearest end is returned."""
        a, length, l0_se = activation.detach(), musculotendon_length.detach(), column(self.l0_se)
        hi = torch.relu(length - l0_se) + torch.zeros_like(a)
        lo = torch.minimum(torch.relu(length - l0_se * (1.0 + 10.0 * self.tendon_strain_at_max_force)), hi)
        for _ in range(round(-math.log2(torch.finfo(hi.dtype).eps)) + 1):
            mid = 0.5 * (lo + hi)
            _, f_t, f_pe, f_l = self._fibre_forces(a, mid, length)
            tendon_wins = f_t > a * f_l + f_pe  # the tendon pulls harder: the fibre must be longer
            lo = torch.where(tendon_wins, mid, lo)
            hi = torch.where(tendon_wins, hi, mid)
        return 0.5 * (lo + hi)

    def _kistemaker_state(self, a, musculotendon_length, fibre_length=None):
        """MotorNet 0.3's compliant muscle (`variant='kistemaker'`; docs/model.md §2.5)."""
        rigid, k_se = RigidTendonHillMuscle, 625.0
        l_ce, l_se, l_pe, k_pe = (column(p) for p in (self.l0_ce, self.l0_se, self.l0_pe, self.k_pe))
        length = musculotendon_length
        if fibre_length is None:  # closed-form balance of tendon and passive fibre forces
            balance = (
                k_pe * l_pe * l_se**2
                - k_se * l_ce**2 * length
                + k_se * l_ce**2 * l_se
                - l_ce * l_se * torch.sqrt(k_pe * k_se) * (l_pe + l_se - length)
            ) / (k_pe * l_se**2 - k_se * l_ce**2)
            fibre_length = torch.where(
                length < l_se, 0.001 * l_ce, torch.where(length < l_se + l_pe, length - l_se, balance)
            )
        l_n = fibre_length / l_ce
        f_se = torch.clamp(k_se * torch.relu((length - fibre_length - l_se) / l_se) ** 2, max=1.0)
        f_pe = k_pe * torch.relu((fibre_length - l_pe) / l_ce) ** 2
        f_act = torch.relu(f_se - f_pe)
        f_l = torch.clamp(1.0 - (l_n - 1.0) ** 2 / rigid._width_sq, min=rigid._f_l_min)
        a_rel = torch.where(l_n < 1.0, rigid._a_rel_st * f_l, torch.full_like(f_l, rigid._a_rel_st))
        b_low = rigid._b_rel_st * (1.0 - 0.9 * (a - rigid._q_crit) / (rigid._q_min - rigid._q_crit)) ** 2
        b_rel = torch.where(a < rigid._q_crit, b_low, torch.full_like(a, rigid._b_rel_st))
        f_a, s_as = f_l * a, rigid._s_as
        d0 = a * (f_l + a_rel) / b_rel
        p1, p2, p3 = -(f_a / 2.0) / (s_as - 2.0 * d0), (f_a / 2.0) ** 2 / (s_as - 2.0 * d0), -1.5 * f_a
        v_con = b_rel * (f_act - f_a) / (f_act + a * a_rel)
        delta = (
            f_act**2
            + 2.0 * f_act * p1 * s_as
            + 2.0 * f_act * p3
            + p1**2 * s_as**2
            + 2.0 * p1 * p3 * s_as
            - 4.0 * p2 * s_as
            + p3**2
        )
        v_ecc = (-f_act + p1 * s_as - p3 - torch.sqrt(torch.relu(delta))) / (-2.0 * s_as)
        v_n = torch.where(f_act < f_a, v_con, v_ecc)
        return torch.cat(
            [a, fibre_length, v_n * column(self.vmax), f_pe, f_se, f_act, f_se * column(self.max_iso_force)], dim=0
        )

    def _rate(self, excitation, muscle_state):
        """d/dt of the integrated rows (2, M, B): activation (1/s) and fibre length (the stored velocity,
        m/s; with `variant='kistemaker'` v_n l_ce, a tenth of it)."""
        velocity = muscle_state[2:3]
        if self.variant == "kistemaker":
            velocity = velocity / column(self.vmax) * column(self.l0_ce)
        return torch.cat([self._activation_rate(excitation, muscle_state[:1]), velocity], dim=0)

    def _integrate(self, dt, rate, muscle_state, geometry_state):
        """Step activation (clipped) and fibre length by dt (s); the other rows follow from them and
        the given (pre-step) geometry."""
        activation = self.clip_activation(muscle_state[:1] + dt * rate[:1])
        fibre_length = muscle_state[1:2] + dt * rate[1:2]
        return self._state(activation, geometry_state, fibre_length)


class MujocoHillMuscle(Muscle):
    """MuJoCo's muscle (MuJoCo documentation, Modeling > Muscles) on a rigid tendon.

    Build parameters (per muscle): max_isometric_force F0 (N), tendon_length l_se (m),
    optimal_muscle_length l_ce (m), normalized_slack_muscle_length (default 1: MuJoCo's passive
    curve starts at the optimal length; another value shifts it), lmin (0.5), lmax (1.6) in l_ce,
    vmax (1.5, in l_ce per second), fvmax (1.2) and fpmax (1.3, passive force at lmax, x F0);
    these defaults are MuJoCo's. Fibre length l = max(L - l_se, 1 mm), velocity v = dL/dt;
    force = (a FL(l / l_ce) FV(v / (vmax l_ce)) + passive_forces FP) F0.
    Activation time constants default to MuJoCo's (0.01 s, 0.04 s), with the same
    activation-dependent scaling as the other muscles. Rows: a, l (m), v (m/s), FP, FL, FV, force (N).

    `reference_parameters=True` reads the parameters as MotorNet 0.3 does: normalized_slack_muscle_length
    (default 1.3) is the passive scale fpmax (the passive curve then starts at l_ce), and vmax is in m/s
    (so `vmax` = 1.5 m/s also scales proprioception).
    """

    state_name = list(HILL_STATE_NAME)
    _required = ("max_isometric_force", "tendon_length", "optimal_muscle_length")
    _defaults = {
        "normalized_slack_muscle_length": 1.0,
        "lmin": 0.5,
        "lmax": 1.6,
        "vmax": 1.5,
        "fvmax": 1.2,
        "fpmax": 1.3,
    }

    def __init__(
        self,
        min_activation: float = 0.0,
        passive_forces: float = 1.0,
        tau_activation: float = 0.01,
        tau_deactivation: float = 0.04,
        reference_parameters: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(
            min_activation=min_activation, tau_activation=tau_activation, tau_deactivation=tau_deactivation, **kwargs
        )
        self.passive_forces = float(passive_forces)
        self.reference_parameters = bool(reference_parameters)
        if self.reference_parameters:
            self._defaults = {**self._defaults, "normalized_slack_muscle_length": 1.3}

    def _build(
        self,
        tendon_length,
        optimal_muscle_length,
        normalized_slack_muscle_length=None,
        lmin=None,
        lmax=None,
        vmax=None,
        fvmax=None,
        fpmax=None,
    ):
        values = {
            k: _per_muscle(v, self._defaults[k], self.n_muscles)
            for k, v in (("lmin", lmin), ("lmax", lmax), ("vmax", vmax), ("fvmax", fvmax), ("fpmax", fpmax))
        }
        if self.reference_parameters:
            values["fpmax"] = _per_muscle(normalized_slack_muscle_length, 1.3, self.n_muscles)
            normalized_slack_muscle_length = 1.0
        l_ce, _ = self._hill_parameters(tendon_length, optimal_muscle_length, normalized_slack_muscle_length)
        lmin, lmax = self._param("lmin", values["lmin"]), self._param("lmax", values["lmax"])
        fvmax = self._param("fvmax", values["fvmax"])
        self._param("fpmax", values["fpmax"])
        if not ((lmin < 1.0).all() and (lmax > 1.0).all() and (fvmax > 1.0).all()):
            raise ValueError(
                "MujocoHillMuscle needs lmin < 1 < lmax and fvmax > 1 "
                f"(got lmin={lmin.flatten().tolist()}, lmax={lmax.flatten().tolist()}, "
                f"fvmax={fvmax.flatten().tolist()})"
            )
        vmax = torch.as_tensor(values["vmax"], dtype=l_ce.dtype).reshape(1, 1, -1)
        self._param("vmax", vmax if self.reference_parameters else vmax * l_ce)

    def _state(self, activation, geometry_state):
        a = activation
        l0_se, l0_ce, l0_pe, vmax, lmin, lmax, fvmax, fpmax = (
            column(p)
            for p in (self.l0_se, self.l0_ce, self.l0_pe, self.vmax, self.lmin, self.lmax, self.fvmax, self.fpmax)
        )
        fibre_length = torch.clamp(geometry_state[:1] - l0_se, min=MIN_FIBRE_LENGTH)
        fibre_velocity = geometry_state[1:2]
        f_pe = self.passive_forces * mujoco_passive_force((fibre_length - l0_pe) / l0_ce, lmax, fpmax)
        f_l = mujoco_active_force_length(fibre_length / l0_ce, lmin, lmax)
        f_v = mujoco_force_velocity(fibre_velocity / vmax, fvmax)
        force = (a * f_l * f_v + f_pe) * column(self.max_iso_force)
        return torch.cat([a, fibre_length, fibre_velocity, f_pe, f_l, f_v, force], dim=0)


# Config names of the muscle models (motornet.config's `effector.muscle`).
MUSCLES = {
    "thelen": RigidTendonHillMuscleThelen,
    "kistemaker": RigidTendonHillMuscle,
    "compliant": CompliantTendonHillMuscle,
    "mujoco": MujocoHillMuscle,
    "relu": ReluMuscle,
}
