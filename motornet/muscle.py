"""Muscles: activation dynamics and force from (activation, length, velocity).

A muscle object describes all n_muscles muscles of an effector at once. Its state is a
(B, n_states, n_muscles) tensor whose first row is the activation and last row the force (N);
`state_name` names the rows. Geometry states are (B, 2 + dof, n_muscles): musculotendon length (m),
musculotendon velocity (m/s), then one moment arm (m or m/rad) per degree of freedom.
Parameters are (1, 1, n_muscles) buffers set by `build`.
"""
import torch


def activation_derivative(excitation, activation, tau_activation, tau_deactivation):
    """Thelen (2003) first-order activation dynamics, da/dt (1/s); time constants in s."""
    scale = 0.5 + 1.5 * activation
    tau = torch.where(excitation > activation, tau_activation * scale, tau_deactivation / scale)
    return (excitation - activation) / tau


class Muscle(torch.nn.Module):
    """Base muscle: activation dynamics shared by every model (model-facts §2).

    Subclasses declare `state_name`, `_required` (build parameters without default),
    `_defaults` (with default) and implement `_muscle_state(activation, geometry_state)`.
    """

    state_name = ["activation", "muscle length", "muscle velocity", "force"]
    _required = ("max_isometric_force",)
    _defaults = {}

    def __init__(self, input_dim=1, output_dim=1, min_activation=0., tau_activation=0.015,
                 tau_deactivation=0.05):
        super().__init__()
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.min_activation = float(min_activation)
        self.tau_activation = float(tau_activation)
        self.tau_deactivation = float(tau_deactivation)
        self.dt = None
        self.n_muscles = None
        self.built = False

    @property
    def state_dim(self):
        return len(self.state_name)

    @property
    def to_build_dict(self):
        """The parameters `Effector.add_muscle` must receive for this muscle type."""
        return {name: [] for name in self._required}

    @property
    def to_build_dict_default(self):
        """The optional parameters and their defaults."""
        return dict(self._defaults)

    def _param(self, name, values):
        t = torch.as_tensor(values, dtype=torch.get_default_dtype()).reshape(1, 1, -1)
        if self.n_muscles is not None and t.shape[-1] != self.n_muscles:
            raise ValueError(f"{name} has {t.shape[-1]} values but there are {self.n_muscles} muscles")
        self.register_buffer(name, t.clone(), persistent=False)
        return t

    def build(self, timestep, max_isometric_force, **kwargs):
        """Set the step (s) and per-muscle parameters (sequences of n_muscles values)."""
        self.dt = float(timestep)
        self.n_muscles = len(max_isometric_force)
        self._param("max_iso_force", max_isometric_force)
        unknown = set(kwargs) - set(self._required) - set(self._defaults)
        if unknown:
            raise TypeError(f"{type(self).__name__}.build got unknown parameters {sorted(unknown)}; "
                            f"valid ones are {sorted(set(self._required) | set(self._defaults))}")
        self._build(**kwargs)
        self.built = True

    def _build(self, **kwargs):
        ones = [1.] * self.n_muscles
        self._param("l0_ce", ones)
        self._param("l0_se", [0.] * self.n_muscles)
        self._param("l0_pe", ones)
        self._param("vmax", ones)

    def clip_activation(self, a):
        return a.clamp(self.min_activation, 1.)

    def activation_ode(self, action, activation):
        """da/dt (B, 1, n_muscles) from excitation `action` (B, n_muscles) or (B, 1, n_muscles)."""
        excitation = self.clip_activation(action.reshape(activation.shape))
        return activation_derivative(excitation, self.clip_activation(activation),
                                     self.tau_activation, self.tau_deactivation)

    def ode(self, action, muscle_state):
        """Time derivative of the integrated muscle state rows (here: activation only)."""
        return self.activation_ode(action, muscle_state[:, :1])

    def integrate(self, dt, state_derivative, muscle_state, geometry_state):
        """New muscle state: activation stepped by dt (s) and clipped, the other rows computed
        from it and the given (pre-step) geometry."""
        activation = self.clip_activation(muscle_state[:, :1] + dt * state_derivative)
        return self._muscle_state(activation, geometry_state)

    def get_initial_muscle_state(self, batch_size, geometry_state):
        activation = torch.full((batch_size, 1, self.n_muscles), self.min_activation,
                                dtype=geometry_state.dtype, device=geometry_state.device)
        return self._muscle_state(activation, geometry_state)

    def get_save_config(self):
        return {"name": type(self).__name__, "state_name": self.state_name,
                "min_activation": self.min_activation, "tau_activation": self.tau_activation,
                "tau_deactivation": self.tau_deactivation,
                "max_isometric_force": self.max_iso_force.flatten().tolist() if self.built else None}


class ReluMuscle(Muscle):
    """Force = activation * max_isometric_force (N); length and velocity are the musculotendon's.
    Its normalisers l0_ce and vmax are 1, so proprioception reports raw length (m) and velocity (m/s)."""

    state_name = ["activation", "muscle length", "muscle velocity", "force"]

    def __init__(self, min_activation=0., **kwargs):
        super().__init__(min_activation=min_activation, **kwargs)

    def _muscle_state(self, activation, geometry_state):
        return torch.cat([activation, geometry_state[:, :2], activation * self.max_iso_force], dim=1)


class RigidTendonHillMuscle(Muscle):
    """Rigid-tendon Hill muscle, Kistemaker et al. (2010) force-length-velocity (model-facts §2).

    Build parameters (per muscle): max_isometric_force (N), tendon_length l_se (m),
    optimal_muscle_length l_ce (m), normalized_slack_muscle_length (default 1.4, x l_ce).
    """

    state_name = ["activation", "muscle length", "muscle velocity", "passive force",
                  "force-length (active)", "active force (force-velocity)", "force"]
    _required = ("max_isometric_force", "tendon_length", "optimal_muscle_length")
    _defaults = {"normalized_slack_muscle_length": 1.4}

    # Kistemaker (2010) shape constants.
    _width_sq = 0.66 ** 2
    _a_rel_st = 0.41
    _b_rel_st = 5.2
    _q_crit = 0.3
    _q_min = 0.005
    _s_as = 0.001
    _f_l_min = 0.01

    def __init__(self, min_activation=0.001, **kwargs):
        super().__init__(min_activation=min_activation, **kwargs)

    def _build(self, tendon_length, optimal_muscle_length, normalized_slack_muscle_length=None):
        slack = normalized_slack_muscle_length
        if slack is None:
            slack = [self._defaults["normalized_slack_muscle_length"]] * self.n_muscles
        l_ce = self._param("l0_ce", optimal_muscle_length)
        self._param("l0_se", tendon_length)
        slack = torch.as_tensor(slack, dtype=l_ce.dtype).reshape(1, 1, -1)
        self._param("l0_pe", slack * l_ce)
        self._param("k_pe", 1. / (1.66 - slack) ** 2)
        self._param("vmax", 10. * l_ce)

    def _muscle_state(self, activation, geometry_state):
        a = activation
        fibre_length = torch.relu(geometry_state[:, :1] - self.l0_se)
        fibre_velocity = geometry_state[:, 1:2]
        l_n = fibre_length / self.l0_ce
        v_n = fibre_velocity / self.vmax
        strain = torch.relu((fibre_length - self.l0_pe) / self.l0_ce)
        f_pe = self.k_pe * strain ** 2
        f_l = torch.clamp(1. - (l_n - 1.) ** 2 / self._width_sq, min=self._f_l_min)

        a_rel = torch.where(l_n > 1., self._a_rel_st * f_l, torch.full_like(f_l, self._a_rel_st))
        b_low = self._b_rel_st * (1. - 0.9 * (a - self._q_crit) / (self._q_min - self._q_crit)) ** 2
        b_rel = torch.where(a < self._q_crit, b_low, torch.full_like(a, self._b_rel_st))
        fa = f_l * a
        d0 = a * (f_l + a_rel) / b_rel
        p1 = -(fa / 2.) / (self._s_as - 2. * d0)
        p2 = (fa / 2.) ** 2 / (self._s_as - 2. * d0)
        p3 = -1.5 * fa
        # Each branch sees only its half-line of v_n so the unused one cannot produce inf/NaN gradients.
        v_con = torch.clamp(v_n, max=0.)
        v_ecc = torch.clamp(v_n, min=0.)
        f_con = (v_con * a * a_rel + fa * b_rel) / (b_rel - v_con)
        f_ecc = (-p1 * p3 + p1 * self._s_as * v_ecc + p2 - p3 * v_ecc + self._s_as * v_ecc ** 2) / (p1 + v_ecc)
        f_a = torch.relu(torch.where(v_n < 0., f_con, f_ecc))
        force = (f_a + f_pe) * self.max_iso_force
        return torch.cat([a, fibre_length, fibre_velocity, f_pe, f_l, f_a, force], dim=1)
