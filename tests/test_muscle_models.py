"""Physics of the Thelen rigid-tendon, compliant-tendon and MuJoCo muscle models (motornet.muscle)."""

import pytest
import torch

import motornet as mn
from motornet.effector import RigidTendonArm26
from motornet.muscle import (
    CompliantTendonHillMuscle,
    MujocoHillMuscle,
    RigidTendonHillMuscleThelen,
    thelen_active_force_length,
    thelen_damped_velocity,
    thelen_force_velocity,
    thelen_tendon_force,
)

F0 = [500.0, 1000.0, 300.0]
L_SE = [0.10, 0.20, 0.05]
L_CE = [0.10, 0.12, 0.08]
MODELS = ["thelen", "compliant", "mujoco"]

# Row indices of the passive force and active force-length in each model (the compliant muscle stores
# the tendon force instead of f_l; its f_l is the Thelen curve, tested on the rigid Thelen muscle).
ROW = {"thelen": dict(passive=3, f_l=4), "mujoco": dict(passive=3, f_l=4), "compliant": dict(passive=3)}


def make(model, dtype=torch.float64, **build):
    muscle = {
        "thelen": RigidTendonHillMuscleThelen,
        "compliant": CompliantTendonHillMuscle,
        "mujoco": MujocoHillMuscle,
    }[model]()
    muscle.build(timestep=0.0002, max_isometric_force=F0, tendon_length=L_SE, optimal_muscle_length=L_CE, **build)
    return muscle.to(dtype)


def geometry(length, velocity=None):
    """(B, 3, M) geometry state (one degree of freedom, unit moment arms) from lengths (B, M)."""
    velocity = torch.zeros_like(length) if velocity is None else velocity
    return torch.stack([length, velocity, torch.ones_like(length)], dim=1)


def state_at_fibre(muscle, activation, fibre_length, fibre_velocity=None):
    """Muscle state with the given fibre length (B, M); rigid models get it through the tendon."""
    a = torch.full_like(fibre_length, activation).unsqueeze(1) if isinstance(activation, float) else activation
    if isinstance(muscle, CompliantTendonHillMuscle):
        # Tendon exactly at slack: the fibre length is the state, the velocity follows from the forces.
        return muscle._muscle_state(a, geometry(fibre_length + muscle.l0_se[0]), fibre_length.unsqueeze(1))
    return muscle._muscle_state(a, geometry(fibre_length + muscle.l0_se[0], fibre_velocity))


def grid_through(point, low, high, n=1000):
    """Sorted float64 grid over [low, high] that contains `point` exactly."""
    return torch.cat(
        [torch.linspace(low, point, n, dtype=torch.float64), torch.linspace(point, high, n, dtype=torch.float64)[1:]]
    )


def normalized_fibre_grid(low, high):
    """Fibre lengths (n, 3) spanning [low, high] optimal lengths (through 1) for the three muscles."""
    grid = grid_through(1.0, low, high)
    return grid, grid.unsqueeze(1) * torch.tensor(L_CE, dtype=torch.float64)


# ---- passive and active force-length -----------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("slack", [1.0, 1.4])
def test_passive_force_is_zero_below_slack_length_and_increases_above(model, slack):
    muscle = make(model, normalized_slack_muscle_length=[slack] * 3)
    grid, fibre = normalized_fibre_grid(0.4, 2.2)
    state = state_at_fibre(muscle, 0.5, fibre)
    f_pe = state[:, ROW[model]["passive"]]
    below, above = state[:, 1] <= muscle.l0_pe[0], state[:, 1] > muscle.l0_pe[0]
    assert below.any() and above.any()
    assert torch.all(f_pe[below] == 0.0)
    assert torch.all(f_pe[above] > 0.0)
    assert all(torch.all(f_pe[above[:, m], m].diff() > 0.0) for m in range(3))


@pytest.mark.parametrize("slack", [None, 1.4])
def test_thelen_passive_force_reaches_max_isometric_force_at_strain_e0_past_slack(slack):
    """Thelen (2003) eq. 3: F0 at e0 = 0.6 past the slack length, which is the optimal length by default."""
    muscle = make("thelen") if slack is None else make("thelen", normalized_slack_muscle_length=[slack] * 3)
    fibre = (((slack or 1.0) + 0.6) * torch.tensor(L_CE, dtype=torch.float64)).unsqueeze(0)
    f_pe = state_at_fibre(muscle, 0.001, fibre)[:, 3]
    assert torch.allclose(f_pe, torch.ones_like(f_pe), atol=1e-12)
    at_optimal = state_at_fibre(muscle, 0.001, torch.tensor(L_CE, dtype=torch.float64).unsqueeze(0))[:, 3]
    assert torch.allclose(at_optimal, torch.zeros_like(at_optimal), atol=1e-8)  # float32 parameters


def test_mujoco_passive_force_equals_fpmax_at_lmax_when_slack_at_optimal_length():
    muscle = make("mujoco")  # MuJoCo's defaults: slack 1, lmax 1.6, fpmax 1.3
    fibre = (1.6 * torch.tensor(L_CE, dtype=torch.float64)).unsqueeze(0)
    f_pe = state_at_fibre(muscle, 0.0, fibre)[:, 3]
    assert torch.allclose(f_pe, torch.full_like(f_pe, 1.3), atol=1e-12)


@pytest.mark.parametrize("model", ["thelen", "mujoco"])
def test_active_force_length_peaks_at_optimal_length(model):
    muscle = make(model)
    grid, fibre = normalized_fibre_grid(0.3, 2.0)
    f_l = state_at_fibre(muscle, 1.0, fibre)[:, ROW[model]["f_l"]]
    peak = f_l.argmax(dim=0)
    assert torch.all(grid[peak] == 1.0)
    assert torch.allclose(f_l.max(dim=0).values, torch.ones(3, dtype=torch.float64), atol=1e-12)
    support = f_l > 0
    rising, falling = (grid < 1.0).unsqueeze(1) & support, (grid > 1.0).unsqueeze(1) & support
    d = f_l.diff(dim=0)
    assert torch.all(d[rising[1:] & rising[:-1]] > 0.0) and torch.all(d[falling[1:] & falling[:-1]] < 0.0)


def test_mujoco_active_force_length_is_zero_outside_lmin_lmax():
    muscle = make("mujoco")
    grid, fibre = normalized_fibre_grid(0.2, 2.0)
    f_l = state_at_fibre(muscle, 1.0, fibre)[:, 4]
    outside = (grid <= 0.5) | (grid >= 1.6)
    assert torch.all(f_l[outside] == 0.0) and torch.all(f_l[~outside] > 0.0)


# ---- force-velocity ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["thelen", "mujoco"])
def test_force_velocity_is_continuous_at_zero_and_monotone(model):
    muscle = make(model)
    vmax = muscle.vmax[0]
    grid = grid_through(0.0, -1.5, 3.0, 2000)  # in units of vmax
    fibre = torch.tensor(L_CE, dtype=torch.float64).expand(grid.shape[0], 3)
    f_a = state_at_fibre(muscle, 1.0, fibre, grid.unsqueeze(1) * vmax)[:, 5]
    at_zero = grid.abs().argmin()
    assert torch.allclose(f_a[at_zero], torch.ones(3, dtype=torch.float64), atol=1e-12)
    eps = 1e-7
    around = state_at_fibre(muscle, 1.0, fibre[:2], torch.cat([-eps * vmax, eps * vmax]))[:, 5]
    assert torch.all((around[1] - around[0]).abs() < 1e-5)
    d = f_a.diff(dim=0)
    assert torch.all(d >= 0.0)
    # Force drops with shortening speed and rises with lengthening speed up to its asymptote.
    asymptote = 1.4 if model == "thelen" else 1.2
    shortening, lengthening = (grid > -1.0) & (grid < 0.0), grid > 0.0
    assert torch.all(d[shortening[1:] & shortening[:-1]] > 0.0)
    assert torch.all(f_a[grid <= -1.0] == 0.0)
    assert torch.all(f_a[lengthening] > 1.0) and torch.all(
        f_a[lengthening] <= asymptote + 1e-6
    )  # parameters are stored in float32
    assert torch.allclose(f_a[-1], torch.full((3,), asymptote, dtype=torch.float64), atol=0.02)


def test_thelen_force_velocity_slows_with_activation():
    """Thelen's maximum shortening velocity scales with (0.25 + 0.75 a): at low activation the
    force is gone at a quarter of v_max."""
    muscle = make("thelen")
    fibre = torch.tensor(L_CE, dtype=torch.float64).unsqueeze(0)
    v = -0.26 * muscle.vmax[0]
    low = state_at_fibre(muscle, 0.001, fibre, v)
    high = state_at_fibre(muscle, 1.0, fibre, v)
    assert torch.all(low[:, 5] == 0.0) and torch.all(high[:, 5] > 0.0)


def test_compliant_fibre_velocity_inverts_damped_force_velocity_and_is_monotone():
    damping = 0.1
    force = torch.linspace(-0.5, 3.0, 3501, dtype=torch.float64)
    for afl in [0.0, 0.01, 0.3, 1.0]:
        afl_t = torch.tensor(afl, dtype=torch.float64)
        x = thelen_damped_velocity(force, afl_t, damping)
        assert torch.all(torch.isfinite(x))
        assert torch.allclose(afl * thelen_force_velocity(x) + damping * x, force, atol=1e-12)
        assert torch.all(x.diff() > 0.0)
        # Zero velocity exactly when the fibre carries its isometric force; no jump there.
        at_iso = thelen_damped_velocity(afl_t + torch.tensor([-1e-9, 0.0, 1e-9], dtype=torch.float64), afl_t, damping)
        assert at_iso[1] == 0.0 and at_iso[0] < 0.0 < at_iso[2] and (at_iso[2] - at_iso[0]).abs() < 1e-7


# ---- isometric force ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["thelen", "mujoco"])
def test_isometric_force_at_optimal_length_and_full_activation_equals_max_isometric_force(model):
    muscle = make(model)
    state = state_at_fibre(muscle, 1.0, torch.tensor([L_CE], dtype=torch.float64))
    # Thelen's passive curve starts at the optimal length (its default slack), so parameters stored in
    # float32 leave up to ~1e-9 F0 of passive force there.
    assert torch.allclose(state[:, -1], torch.tensor([F0], dtype=torch.float64), rtol=1e-8)


def test_compliant_isometric_force_at_optimal_fibre_length_equals_max_isometric_force():
    """Musculotendon length = optimal fibre length + tendon stretched to e0 (where f_T ~ 1): the
    equilibrium fibre sits at its optimal length and the muscle pulls with F0 (Thelen's tendon
    curve gives 0.9994 F0 at e0, hence the 0.5 % tolerance)."""
    muscle = make("compliant")
    l_ce, l_se = torch.tensor([L_CE], dtype=torch.float64), torch.tensor([L_SE], dtype=torch.float64)
    length = l_ce + l_se * (1.0 + muscle.tendon_strain_at_max_force)
    state = muscle._muscle_state(torch.ones(1, 1, 3, dtype=torch.float64), geometry(length))
    assert torch.allclose(state[:, 1], l_ce, rtol=5e-3)
    assert torch.allclose(state[:, -1], torch.tensor([F0], dtype=torch.float64), rtol=5e-3)


# ---- compliant tendon --------------------------------------------------------------------------


def test_compliant_tendon_force_is_zero_when_slack_and_increases_when_stretched():
    strain = torch.linspace(-0.05, 0.08, 13001, dtype=torch.float64)
    f_t = thelen_tendon_force(strain, 0.04)
    assert torch.all(f_t[strain <= 0.0] == 0.0)
    assert torch.all(f_t.diff()[strain[1:] > 0.0] > 0.0)
    assert torch.all(f_t.diff().abs() < 1e-3)  # continuous across the toe-to-linear junction
    assert abs(thelen_tendon_force(torch.tensor(0.04, dtype=torch.float64), 0.04).item() - 1.0) < 1e-3


@pytest.mark.parametrize("activation", [0.01, 0.3, 1.0])
def test_compliant_equilibrium_balances_tendon_and_fibre_forces(activation):
    muscle = make("compliant")
    l_ce, l_se = torch.tensor(L_CE, dtype=torch.float64), torch.tensor(L_SE, dtype=torch.float64)
    length = l_se + l_ce * torch.linspace(0.4, 2.0, 50, dtype=torch.float64).unsqueeze(1)
    a = torch.full((50, 1, 3), activation, dtype=torch.float64)
    state = muscle._muscle_state(a, geometry(length))
    tendon = state[:, -1] / muscle.max_iso_force[0]
    f_l = thelen_active_force_length(state[:, 1] / muscle.l0_ce[0])
    fibre = state[:, 3] + activation * f_l  # passive + isometric active
    assert torch.allclose(state[:, 5], torch.relu(tendon - state[:, 3]))
    assert torch.allclose(tendon, fibre, atol=1e-10)
    assert torch.all((state[:, 2] / muscle.vmax[0]).abs() < 1e-8)
    assert torch.all(tendon > 0.0)


def test_compliant_initial_state_is_at_rest_with_minimum_activation():
    muscle = make("compliant", dtype=torch.float32)
    length = torch.tensor(L_SE) + 1.1 * torch.tensor(L_CE)
    state = muscle.get_initial_muscle_state(4, geometry(length.expand(4, 3)))
    assert state.dtype == torch.float32 and state.shape == (4, len(muscle.state_name), 3)
    assert torch.all(state[:, 0] == muscle.min_activation)
    assert torch.all((state[:, 2] / muscle.vmax[0]).abs() < 1e-4)


def test_compliant_ode_integrates_fibre_length_with_stored_velocity():
    muscle = make("compliant")
    g = geometry(torch.tensor(L_SE, dtype=torch.float64).unsqueeze(0) * 1.02 + torch.tensor([L_CE]) * 1.1)
    state = muscle._muscle_state(
        torch.full((1, 1, 3), 0.5, dtype=torch.float64), g, torch.tensor(L_CE, dtype=torch.float64).view(1, 1, 3)
    )
    derivative = muscle.ode(torch.full((1, 3), 0.5, dtype=torch.float64), state)
    assert derivative.shape == (1, 2, 3)
    assert torch.equal(derivative[:, 1], state[:, 2])
    new = muscle.integrate(1e-4, derivative, state, g)
    assert torch.allclose(new[:, 1], state[:, 1] + 1e-4 * state[:, 2], atol=1e-15)


def test_compliant_fibre_relaxes_to_force_equilibrium_at_fixed_length():
    """Explicit steps of 0.2 ms from a fibre far from equilibrium settle on the static balance."""
    muscle = make("compliant")
    l_ce, l_se = torch.tensor(L_CE, dtype=torch.float64), torch.tensor(L_SE, dtype=torch.float64)
    length = l_se * 1.01 + l_ce * torch.tensor([[0.8], [1.2], [1.6]], dtype=torch.float64)
    g = geometry(length)
    excitation = torch.tensor([[0.05], [0.5], [1.0]], dtype=torch.float64).expand(3, 3)
    state = muscle._muscle_state(
        torch.full((3, 1, 3), 0.01, dtype=torch.float64), g, (length - l_se).unsqueeze(1) * 0.9
    )  # tendon stretched 10 % of the fibre
    for _ in range(5000):  # 1 s
        state = muscle.integrate(0.0002, muscle.ode(excitation, state), state, g)
    assert torch.allclose(state[:, 0], excitation, atol=1e-6)
    equilibrium = muscle.equilibrium_fibre_length(state[:, :1], length.unsqueeze(1))
    assert torch.allclose(state[:, 1:2], equilibrium, rtol=1e-5)
    assert torch.all((state[:, 2] / muscle.vmax[0]).abs() < 1e-5)


def compliant_tendon_arm26(timestep=0.0002, **kwargs):
    return mn.effector.CompliantTendonArm26(timestep=timestep, **kwargs)


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_compliant_tendon_arm26_steps_1000_times_at_0p2ms_without_nan(method):
    arm = compliant_tendon_arm26()
    arm.integration_method = method
    arm.reset(seed=3, options={"batch_size": 6})
    excitation = torch.stack(
        [
            torch.zeros(6),
            torch.full((6,), 0.5),
            torch.ones(6),
            torch.tensor([1.0, 0.0, 1.0, 0.0, 1.0, 0.0]),
            torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0, 1.0]),
            torch.rand(6),
        ]
    )
    for _ in range(1000):
        arm.step(excitation)
        assert torch.isfinite(arm.states["muscle"]).all() and torch.isfinite(arm.states["joint"]).all()
    muscle = arm.states["muscle"]
    assert torch.all(muscle[:, 1] > 0.0) and torch.all(muscle[:, -1] >= 0.0)
    assert torch.all((muscle[:, 2] / arm.muscle.vmax[0]).abs() < 1.0)  # below the maximum shortening speed


@pytest.mark.parametrize("muscle", [RigidTendonHillMuscleThelen, MujocoHillMuscle])
def test_rigid_tendon_models_drive_arm26(muscle):
    arm = RigidTendonArm26(muscle=muscle())
    arm.reset(seed=0, options={"batch_size": 4})
    start = arm.states["joint"].clone()
    for _ in range(50):
        arm.step(torch.full((4, 6), 0.3))
    assert torch.isfinite(arm.states["muscle"]).all()
    assert not torch.allclose(arm.states["joint"], start)


# ---- differentiability and dtypes --------------------------------------------------------------

GENERIC = dict(activation=[[0.35, 0.6, 0.85]], fibre=[[1.15, 1.5, 0.8]], velocity=[[-0.13, 0.07, 0.21]])


@pytest.mark.parametrize("model", MODELS)
def test_muscle_state_gradcheck_wrt_activation_and_geometry(model):
    muscle = make(model)
    l_ce, l_se = torch.tensor(L_CE, dtype=torch.float64), torch.tensor(L_SE, dtype=torch.float64)
    a = torch.tensor(GENERIC["activation"], dtype=torch.float64).unsqueeze(1).requires_grad_(True)
    fibre = torch.tensor(GENERIC["fibre"], dtype=torch.float64) * l_ce
    velocity = torch.tensor(GENERIC["velocity"], dtype=torch.float64) * muscle.vmax[0]
    if model == "compliant":
        # Tendons in the toe, linear and toe region; fibres lengthening, shortening and near balance.
        length = fibre + l_se * (1.0 + torch.tensor([[0.03, 0.05, 0.01]], dtype=torch.float64))
        g = geometry(length, velocity).requires_grad_(True)
        fibre = fibre.unsqueeze(1).requires_grad_(True)
        assert torch.autograd.gradcheck(lambda a, g, l: muscle._muscle_state(a, g, l), (a, g, fibre))
    else:
        g = geometry(fibre + l_se, velocity).requires_grad_(True)
        assert torch.autograd.gradcheck(muscle._muscle_state, (a, g))


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_muscle_state_keeps_dtype_and_is_finite(model, dtype):
    muscle = make(model, dtype=dtype)
    length = torch.tensor(L_SE, dtype=dtype) + torch.tensor(L_CE, dtype=dtype) * torch.linspace(
        0.2, 2.5, 24, dtype=dtype
    ).unsqueeze(1)
    velocity = torch.linspace(-2.0, 2.0, 24, dtype=dtype).unsqueeze(1) * muscle.vmax[0]
    state = muscle.get_initial_muscle_state(24, geometry(length, velocity))
    assert state.dtype == dtype and torch.isfinite(state).all()
    derivative = muscle.ode(torch.ones(24, 3, dtype=dtype), state)
    new = muscle.integrate(0.0002, derivative, state, geometry(length, velocity))
    assert new.dtype == dtype and torch.isfinite(new).all()
