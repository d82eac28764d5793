"""The fused rollout equals the plain env.step loop: trajectories, environment state and gradients."""

import pytest
import torch

import motornet as mn
from motornet.rollout import Rollout
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
@pytest.mark.parametrize("chunk, compile", [(5, True), (1, "step")], ids=["chunk", "step"])
def test_compiled_rollout_matches_plain_loop_to_float32_precision(chunk, compile):
    """compile=True: a torch.compile'd chunk (the second batch size recompiles with a dynamic batch
    dimension); compile='step': each step through motornet.compiled's lean backend from the first call (a
    new batch size compiles another static graph; the backward's tangents arrive in the strides its kernel
    was compiled for, whatever layout the loss's gradient has)."""
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


def test_compile_step_takes_one_step_per_call():
    env, policy = make(False)
    with pytest.raises(ValueError, match="chunk=1"):
        Rollout(env, policy, chunk=10, compile="step")
    with pytest.raises(ValueError, match="compile must be"):
        Rollout(env, policy, compile="chunk")
