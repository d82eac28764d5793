"""Muscle physics: activation dynamics, passive and active force curves."""

import torch

import motornet as mn


def hill(n=1, slack=1.4):
    muscle = mn.muscle.RigidTendonHillMuscle()
    muscle.build(
        0.01,
        max_isometric_force=[1000.0] * n,
        tendon_length=[0.1] * n,
        optimal_muscle_length=[0.1] * n,
        normalized_slack_muscle_length=[slack] * n,
    )
    return muscle


def geometry(length, velocity=0.0):
    length = torch.as_tensor(length, dtype=torch.float64).reshape(-1, 1, 1)
    return torch.cat([length, torch.full_like(length, velocity), torch.zeros_like(length)], dim=1)


def test_passive_force_is_zero_below_slack_length_and_grows_above_it():
    muscle = hill().double()
    # musculotendon length = tendon 0.1 + fibre; slack fibre length = 1.4 * 0.1
    fibre = torch.linspace(0.05, 0.2, 301, dtype=torch.float64)
    state = muscle._muscle_state(torch.full((301, 1, 1), 0.001, dtype=torch.float64), geometry(0.1 + fibre))
    passive = state[:, 3, 0]
    below = fibre <= 0.14
    assert (passive[below] == 0).all()
    assert (passive[~below] > 0).all()
    assert (passive[~below].diff() > 0).all()
    # k_pe * strain^2 with k_pe = 1 / (1.66 - 1.4)^2
    torch.testing.assert_close(passive[-1], torch.tensor((0.06 / 0.1) ** 2 / 0.26**2, dtype=torch.float64))


def test_force_velocity_is_continuous_at_zero_velocity():
    muscle = hill().double()
    for activation in (0.05, 0.3, 0.9):
        for length in (0.18, 0.2, 0.22):
            a = torch.full((3, 1, 1), activation, dtype=torch.float64)
            eps = 1e-9
            g = torch.cat([geometry(length, -eps), geometry(length, 0.0), geometry(length, eps)])
            f_a = muscle._muscle_state(a, g)[:, 5, 0]
            torch.testing.assert_close(f_a[0], f_a[1], rtol=1e-6, atol=1e-9)
            torch.testing.assert_close(f_a[2], f_a[1], rtol=1e-6, atol=1e-9)
            # isometric active force is activation * force-length
            torch.testing.assert_close(f_a[1], activation * muscle._muscle_state(a, g)[1, 4, 0])


def test_active_force_follows_hill_hyperbola_when_shortening_and_rises_when_lengthening():
    muscle = hill().double()
    velocity = torch.linspace(-3.0, 3.0, 121, dtype=torch.float64)  # m/s; v_max = 10 l_ce = 1 m/s
    g = torch.cat([geometry(0.2, float(v)) for v in velocity])
    a = 0.8
    state = muscle._muscle_state(torch.full((121, 1, 1), a, dtype=torch.float64), g)
    f_a, f_l = state[:, 5, 0], state[:, 4, 0]
    assert (f_a.diff() > 0).all()
    # concentric: (f + a a_rel)(b_rel - v_n) = b_rel a (f_l + a_rel), a_rel = 0.41, b_rel = 5.2 (a >= 0.3)
    short = velocity < 0
    lhs = (f_a[short] + a * 0.41) * (5.2 - velocity[short])
    torch.testing.assert_close(lhs, 5.2 * a * (f_l[short] + 0.41))
    # eccentric force saturates near 1.5 times the isometric force
    isometric = a * f_l[60]
    assert 1.3 * isometric < f_a[-1] < 1.5 * isometric + 0.01


def test_force_length_peaks_at_optimal_fibre_length():
    muscle = hill().double()
    fibre = torch.linspace(0.05, 0.15, 101, dtype=torch.float64)
    f_l = muscle._muscle_state(torch.full((101, 1, 1), 1.0, dtype=torch.float64), geometry(0.1 + fibre))[:, 4, 0]
    assert abs(fibre[f_l.argmax()].item() - 0.1) < 1e-9
    torch.testing.assert_close(f_l.max(), torch.tensor(1.0, dtype=torch.float64))


def test_activation_rises_and_falls_with_thelen_time_constants():
    muscle = hill()
    a = torch.tensor([[[0.2]]])
    rise = muscle.activation_ode(torch.tensor([[1.0]]), a)
    fall = muscle.activation_ode(torch.tensor([[0.0]]), a)
    scale = 0.5 + 1.5 * 0.2
    torch.testing.assert_close(rise, (1.0 - 0.2) / (0.015 * scale) * torch.ones(1, 1, 1))
    # excitation is clipped to min_activation = 0.001 before the ODE
    torch.testing.assert_close(fall, (0.001 - 0.2) / (0.05 / scale) * torch.ones(1, 1, 1))


def test_relu_muscle_force_is_activation_times_max_force():
    muscle = mn.muscle.ReluMuscle()
    muscle.build(0.01, max_isometric_force=[500.0, 250.0])
    state = muscle._muscle_state(torch.tensor([[[0.5, 0.2]]]), torch.rand(1, 4, 2))
    torch.testing.assert_close(state[0, -1], torch.tensor([250.0, 50.0]))
