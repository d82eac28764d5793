"""The fused rollout equals the plain env.step loop: trajectories, environment state and gradients."""

import warnings

import pytest
import torch

import motornet as mn
from motornet.rollout import Rollout, simulate
from motornet.tasks import CentreOutReach


def make(task, duration=0.3):
    torch.manual_seed(0)
    effector = mn.effector.RigidTendonArm26()
    if task:
        env = CentreOutReach(
            effector,
            max_ep_duration=duration,
            curl_gain=8.0,
            action_noise=0.02,
            vision_noise=0.001,
            proprioception_noise=0.001,
            obs_noise=0.001,
            perturbation_magnitudes=(4.0,),
        )
    else:
        env = mn.environment.RandomTargetReach(
            effector,
            max_ep_duration=duration,
            proprioception_delay=0.02,
            vision_delay=0.05,
            action_noise=0.02,
            action_frame_stacking=2,
        )
    policy = mn.policy.PolicyGRU(env.observation_space.shape[0], 16, env.n_muscles, hidden_noise=0.01)
    return env, policy


def plain_loop(env, policy, batch_size, seed):
    obs, _ = env.reset(seed=seed, options={"batch_size": batch_size})
    h = policy.init_hidden(batch_size)
    fingertip, activation, hidden = [], [], []
    for _ in range(env.n_steps):
        u, h = policy(obs, h)
        obs, _, _, _, info = env.step(u)
        fingertip.append(info["states"]["fingertip"])
        activation.append(info["states"]["muscle"][:, 0])
        hidden.append(h[0])
    return {
        "fingertip": torch.stack(fingertip, 1),
        "activation": torch.stack(activation, 1),
        "hidden": torch.stack(hidden, 1),
    }, obs


@pytest.mark.parametrize("task", [False, True])
@pytest.mark.parametrize("chunk", [1, 7, 30])
def test_fused_rollout_equals_plain_loop(task, chunk):
    env, policy = make(task)
    torch.manual_seed(5)
    expected, _ = plain_loop(env, policy, 8, seed=3)
    expected_grad = torch.autograd.grad(
        expected["fingertip"].sum() + expected["activation"].sum(), policy.gru.weight_ih_l0
    )[0]
    expected_joint = env.states["joint"].clone()

    env, policy = make(task)
    torch.manual_seed(5)
    fused = Rollout(env, policy, chunk=chunk)(8, seed=3)
    grad = torch.autograd.grad(fused["fingertip"].sum() + fused["activation"].sum(), policy.gru.weight_ih_l0)[0]
    for name in expected:
        torch.testing.assert_close(fused[name], expected[name], rtol=0, atol=0)
    torch.testing.assert_close(grad, expected_grad, rtol=1e-6, atol=1e-7)
    torch.testing.assert_close(env.states["joint"], expected_joint)
    assert env.elapsed == pytest.approx(0.3)


def test_curl_field_and_pulses_act_in_the_fused_rollout():
    env, policy = make(True)
    env.curl_gain = 0.0
    without = Rollout(env, policy)(8, seed=3)["fingertip"]
    env.curl_gain = 8.0
    with_field = Rollout(env, policy)(8, seed=3)["fingertip"]
    assert (with_field - without).abs().max() > 1e-4


def test_record_selects_what_is_returned_without_changing_it():
    env, policy = make(False)
    torch.manual_seed(5)
    full = Rollout(env, policy, chunk=4)(8, seed=3)
    torch.manual_seed(5)
    some = Rollout(env, policy, chunk=4, record=("action", "fingertip"))(8, seed=3)
    assert set(some) == {"action", "fingertip"}
    for name in some:
        torch.testing.assert_close(some[name], full[name], rtol=0, atol=0)
    for bad in (("fingertips",), "fingertip"):
        with pytest.raises(ValueError, match="record"):
            Rollout(env, policy, record=bad)


def test_chunk_must_be_positive():
    env, policy = make(False)
    with pytest.raises(ValueError, match="chunk"):
        Rollout(env, policy, chunk=0)


@pytest.mark.slow
@pytest.mark.parametrize("chunk, compile", [(5, True), (1, "step"), (None, "scan")], ids=["chunk", "step", "scan"])
def test_compiled_rollout_matches_plain_loop_to_float32_precision(chunk, compile, monkeypatch):
    """compile=True: a torch.compile'd chunk, whose backward recomputes the steps' intermediates at the
    first batch size (8 rows, up to RECOMPUTE_ROWS) and takes those its forward saved at the second (11
    rows); compile='step': each step through motornet.compiled's lean backend from the first call (a new
    batch size compiles another static graph; the backward's tangents arrive in the strides its kernel was
    compiled for, whatever layout the loss's gradient has); compile='scan': the episode as one scan (a
    static graph per batch size)."""
    monkeypatch.setattr("motornet.rollout.RECOMPUTE_ROWS", 8)
    env, policy = make(True, duration=0.05)
    compiled = Rollout(env, policy, chunk=chunk, compile=compile)
    for batch_size in (8, 11):
        torch.manual_seed(5)
        expected, _ = plain_loop(env, policy, batch_size, seed=3)
        expected_grad = torch.autograd.grad(expected["fingertip"].sum(), policy.gru.weight_ih_l0)[0]
        torch.manual_seed(5)
        fused = compiled(batch_size, seed=3)
        grad = torch.autograd.grad(fused["fingertip"].sum(), policy.gru.weight_ih_l0)[0]
        for name in expected:
            torch.testing.assert_close(fused[name], expected[name], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(grad, expected_grad, rtol=1e-4, atol=1e-5)
    if compile == "step":
        assert compiled._run.graphs >= 2 and compiled._run.fallback is None


def test_compile_step_takes_one_step_per_call_and_scan_the_whole_episode():
    env, policy = make(False)
    assert Rollout(env, policy).chunk == 10 and Rollout(env, policy, compile="step").chunk == 1
    with pytest.raises(ValueError, match="chunk=1"):
        Rollout(env, policy, chunk=10, compile="step")
    with pytest.raises(ValueError, match="whole episode in one call: leave chunk out"):
        Rollout(env, policy, chunk=100, compile="scan")
    with pytest.raises(ValueError, match="compile must be"):
        Rollout(env, policy, compile="chunk")


@pytest.mark.parametrize(
    "task, grad", [(False, False), (True, True)], ids=["delays_frame_stacking_no_grad", "curl_pulses_noise_grad"]
)
def test_scan_rollout_equals_the_eager_one_values_gradients_and_final_state(task, grad):
    """compile='scan': the whole episode as one compiled torch scan; the same noise draws as the eager
    rollout (5 steps), so the same trajectories, gradients and final state to float32 precision; under
    autograd it warns once that it trains slower than the other compiled paths."""
    env, policy = make(task, duration=0.05)

    def episode(runner):
        torch.manual_seed(5)
        with torch.set_grad_enabled(grad):
            out = runner(8, seed=3)
            if not grad:
                return out, []
            loss = out["fingertip"].sum() + out["activation"].sum() + out["hidden"].square().sum()
            return out, torch.autograd.grad(loss, list(policy.parameters()))

    expected, expected_grads = episode(Rollout(env, policy))
    expected_joint = env.states["joint"].clone()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scanned, grads = episode(Rollout(env, policy, compile="scan"))
    assert sum(str(w.message).startswith("Rollout(compile='scan') under autograd") for w in caught) == grad
    for name in expected:
        assert scanned[name].shape == expected[name].shape and scanned[name].is_contiguous()
        torch.testing.assert_close(scanned[name], expected[name], rtol=1e-5, atol=1e-6)
    for got, want in zip(grads, expected_grads, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(env.states["joint"], expected_joint, rtol=1e-5, atol=1e-6)
    assert env.elapsed == pytest.approx(0.05)


def _open_loop(effector, excitation, start, endpoint_load):
    """The MotorNet 0.3 loop: reset, then Effector.step per step, states stacked batch first."""
    effector.reset(options={"batch_size": excitation.shape[0], "joint_state": start})
    states = []
    for t in range(excitation.shape[1]):
        effector.step(excitation[:, t], endpoint_load=endpoint_load[:, t])
        states.append({name: effector.states[name] for name in ("joint", "muscle", "geometry", "cartesian")})
    return {name: torch.stack([s[name] for s in states], dim=1) for name in states[0]}


def _physics_inputs(batch=5, steps=40):
    g = torch.Generator().manual_seed(3)
    excitation = torch.rand(batch, steps, 6, generator=g)
    start = torch.tensor([[0.6, 1.4, 0.0, 0.0]]).expand(batch, -1)
    endpoint_load = 2 * torch.randn(batch, steps, 2, generator=g)
    return excitation, start, endpoint_load


def test_simulate_equals_the_effector_step_loop():
    effector = mn.effector.RigidTendonArm26()
    excitation, start, load = _physics_inputs()
    expected = _open_loop(effector, excitation, start, load)
    with torch.no_grad():
        got = simulate(effector, excitation, start, endpoint_load=load, compile=False)
    assert set(got) == set(expected)
    for name in expected:
        assert torch.equal(got[name], expected[name]), name


def test_simulate_gradient_matches_finite_differences():
    """d(final elbow angle)/d(each muscle's excitation at step 5), float64, against central differences (over
    12 steps from mid-range, so that no joint reaches a bound, where the clipping's gradient is 0)."""
    effector = mn.effector.RigidTendonArm26().double()
    excitation = 0.1 + 0.2 * torch.rand(1, 12, 6, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    start = torch.tensor([[0.8, 1.5, 0.0, 0.0]], dtype=torch.float64)

    def elbow(u):
        return simulate(effector, u, start, compile=False)["joint"][0, -1, 1]

    (grad,) = torch.autograd.grad(elbow(excitation.requires_grad_()), excitation)
    eps = 1e-6
    for muscle in range(6):
        bump = torch.zeros_like(excitation)
        bump[0, 5, muscle] = eps
        with torch.no_grad():
            numeric = (elbow(excitation + bump) - elbow(excitation - bump)) / (2 * eps)
        assert abs(grad[0, 5, muscle]) > 1e-3
        torch.testing.assert_close(grad[0, 5, muscle], numeric, rtol=1e-6, atol=1e-9)


def test_simulate_refuses_misshapen_inputs_in_one_line():
    effector = mn.effector.RigidTendonArm26()
    with pytest.raises(ValueError, match=r"excitation must be a \(batch, steps, 6\) tensor.*got \(5, 6\)"):
        simulate(effector, torch.rand(5, 6))
    with pytest.raises(ValueError, match=r"endpoint_load must be a \(5, 10, 2\) tensor or None, got \(5, 2\)"):
        simulate(effector, torch.rand(5, 10, 6), endpoint_load=torch.zeros(5, 2))


@pytest.mark.slow
def test_compiled_simulate_matches_the_eager_one():
    effector = mn.effector.RigidTendonArm26()
    excitation, start, load = _physics_inputs()
    with torch.no_grad():
        eager = simulate(effector, excitation, start, endpoint_load=load, compile=False)
        compiled = simulate(effector, excitation, start, endpoint_load=load)
    for name in eager:
        torch.testing.assert_close(compiled[name], eager[name], rtol=1e-5, atol=1e-6)
