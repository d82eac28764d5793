"""The compiled per-step path behind Effector.step, Environment.step and PolicyGRU.forward."""

import warnings

import pytest
import torch

import motornet as mn
from motornet import compiled


def fake_compile(calls):
    def compile(fn, **options):
        def run(*args, **kwargs):
            calls.append(fn)
            return fn(*args, **kwargs)

        return run

    return compile


def test_auto_mode_compiles_each_step_function_after_compile_after_calls(monkeypatch):
    calls = []
    monkeypatch.setattr(torch, "compile", fake_compile(calls))
    monkeypatch.setattr(compiled, "MODE", "auto")
    monkeypatch.setattr(compiled, "COMPILE_AFTER", 3)
    env = mn.environment.RandomTargetReach(mn.effector.ReluPointMass24())
    policy = mn.policy.PolicyGRU(env.observation_space.shape[0], 8, env.n_muscles)
    obs, _ = env.reset(options={"batch_size": 2})
    h = policy.init_hidden(2)
    for step in range(5):
        u, h = policy(obs, h)
        obs, *_ = env.step(u)
        assert len(calls) == 2 * max(step - 2, 0)


def test_always_and_never_modes(monkeypatch):
    calls = []
    monkeypatch.setattr(torch, "compile", fake_compile(calls))
    effector = mn.effector.ReluPointMass24()
    effector.reset(options={"batch_size": 2})
    monkeypatch.setattr(compiled, "MODE", "never")
    effector.step(torch.zeros(2, 4))
    assert not calls
    monkeypatch.setattr(compiled, "MODE", "always")
    effector.step(torch.zeros(2, 4))
    assert len(calls) == 1
    monkeypatch.setattr(compiled, "MODE", "sometimes")
    with pytest.raises(ValueError, match="MOTORNET_COMPILE"):
        effector.step(torch.zeros(2, 4))


def test_a_failing_compiler_leaves_the_step_eager_with_a_warning(monkeypatch):
    def broken(fn, **options):
        def run(*args, **kwargs):
            raise RuntimeError("no C++ compiler")

        return run

    monkeypatch.setattr(torch, "compile", broken)
    monkeypatch.setattr(compiled, "MODE", "always")
    effector, reference = mn.effector.ReluPointMass24(), mn.effector.ReluPointMass24()
    for e in (effector, reference):
        e.reset(options={"batch_size": 2, "joint_state": [[0.1, 0.2]]})
    with pytest.warns(RuntimeWarning, match="no C\\+\\+ compiler"):
        effector.step(torch.full((2, 4), 0.3))
    effector.step(torch.full((2, 4), 0.3))  # no second warning: it stays eager
    assert effector._transition.fallback.startswith("failed, staying eager")
    monkeypatch.setattr(compiled, "MODE", "never")
    for _ in range(2):
        reference.step(torch.full((2, 4), 0.3))
    assert torch.equal(effector.states["joint"], reference.states["joint"])


def public_loop(steps=8):  # 80 ms: longer than the vision delay (50 ms), which the environment requires
    torch.manual_seed(0)
    effector = mn.effector.RigidTendonArm26(muscle=mn.muscle.RigidTendonHillMuscle())
    env = mn.environment.RandomTargetReach(
        effector, max_ep_duration=steps * 0.01, proprioception_delay=0.02, vision_delay=0.05
    )
    policy = mn.policy.PolicyGRU(env.observation_space.shape[0], 16, env.n_muscles)
    obs, info = env.reset(seed=1, options={"batch_size": 3})
    h = policy.init_hidden(3)
    loss, observations = 0.0, []
    for _ in range(steps):
        u, h = policy(obs, h)
        obs, _, _, _, info = env.step(u)
        observations.append(obs)
        loss = loss + (info["states"]["fingertip"] - info["goal"]).abs().sum(-1).mean()
    loss.backward()
    return torch.stack(observations).detach(), [p.grad.clone() for p in policy.parameters()]


@pytest.mark.slow
def test_compiled_public_loop_matches_eager_in_values_and_gradients(monkeypatch):
    monkeypatch.setattr(compiled, "MODE", "never")
    eager_obs, eager_grads = public_loop()
    monkeypatch.setattr(compiled, "MODE", "always")
    torch._dynamo.reset()
    captured = []
    capture = compiled._capture
    monkeypatch.setattr(compiled, "_capture", lambda *args: captured.append(capture(*args)) or captured[-1])
    fast_obs, fast_grads = public_loop()
    assert captured and all(step is not None for step in captured)  # every graph runs its kernels directly
    assert torch.allclose(fast_obs, eager_obs, rtol=1e-5, atol=1e-5)
    for fast, eager in zip(fast_grads, eager_grads):
        assert torch.allclose(fast, eager, rtol=1e-4, atol=1e-6)


def test_step_backend_runs_kernels_directly_and_keeps_the_standard_call_where_they_do_not_fit(monkeypatch):
    """A training graph becomes one _LeanStep node with the eager values and gradients; a graph whose output
    shares memory with its input (a view) keeps inductor's standard call."""
    captured = []
    capture = compiled._capture
    monkeypatch.setattr(compiled, "_capture", lambda *args: captured.append(capture(*args)) or captured[-1])

    def step(x, w):
        y = torch.tanh(x @ w)
        return y * x.sum(-1, keepdim=True), y.exp()

    def view(x):
        return (x * 2)[0], x[1:]

    x, w = torch.randn(5, 3, requires_grad=True), torch.randn(3, 3, requires_grad=True)
    fast = torch.compile(step, backend=compiled.step_backend)
    a, b = fast(x, w)
    assert type(a.grad_fn).__name__ == "_LeanStepBackward"
    grads = torch.autograd.grad((a.square().sum() + b.sum()), (x, w))
    ea, eb = step(x, w)
    expected = torch.autograd.grad((ea.square().sum() + eb.sum()), (x, w))
    assert torch.allclose(a, ea) and torch.allclose(b, eb)
    assert all(torch.allclose(g, e, atol=1e-6) for g, e in zip(grads, expected))
    with torch.no_grad():
        assert all(torch.allclose(f, e) for f, e in zip(fast(x, w), step(x, w)))
    assert len(captured) == 2 and all(c is not None for c in captured)

    y = torch.randn(4, 3)
    first, rest = torch.compile(view, backend=compiled.step_backend)(y)
    assert torch.equal(first, y[0] * 2) and torch.equal(rest, y[1:]) and captured[-1] is None


def point_mass_episodes(batch_sizes, steps):
    """Training episodes of `steps` steps on the point mass at each batch size in turn, through the public
    loop; returns each episode's loss, the policy's gradients after it, and the step functions."""
    torch.manual_seed(0)
    env = mn.environment.RandomTargetReach(mn.effector.ReluPointMass24(), max_ep_duration=steps * 0.01)
    policy = mn.policy.PolicyGRU(env.observation_space.shape[0], 8, env.n_muscles)
    losses, grads = [], []
    for episode, batch_size in enumerate(batch_sizes):
        obs, info = env.reset(seed=episode, options={"batch_size": batch_size})
        h, loss, terminated = policy.init_hidden(batch_size), 0.0, False
        while not terminated:
            u, h = policy(obs, h)
            obs, _, terminated, _, info = env.step(u)
            loss = loss + (info["states"]["fingertip"] - info["goal"]).abs().sum(-1).mean()
        policy.zero_grad()
        loss.backward()
        losses.append(loss.detach())
        grads.append([p.grad.clone() for p in policy.parameters()])
    return losses, grads, (env._transition, policy._step)


def test_a_batch_size_change_and_a_switch_mid_episode_stay_compiled(monkeypatch):
    """`auto` switches to compiled steps at call 7 of 5-step episodes (mid-episode: the state comes from eager
    steps in another layout), then the batch size changes: both compile new static graphs, nothing falls
    back to eager steps, and the values and gradients are the eager ones."""
    monkeypatch.setattr(compiled, "MODE", "never")
    eager = point_mass_episodes([4, 4, 2], steps=5)
    monkeypatch.setattr(compiled, "MODE", "auto")
    monkeypatch.setattr(compiled, "COMPILE_AFTER", 6)
    torch._dynamo.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a fallback warns
        fast = point_mass_episodes([4, 4, 2], steps=5)
    assert all(step.fallback is None and step.graphs >= 2 for step in fast[2])
    for fast_loss, eager_loss in zip(fast[0], eager[0]):
        torch.testing.assert_close(fast_loss, eager_loss, rtol=1e-5, atol=1e-6)
    for fast_grads, eager_grads in zip(fast[1], eager[1]):
        for f, e in zip(fast_grads, eager_grads):
            torch.testing.assert_close(f, e, rtol=1e-4, atol=1e-6)


def test_reaching_the_graph_limit_warns_once_and_is_counted(monkeypatch):
    torch._dynamo.reset()
    step = compiled.StepFunction(lambda x: (x * 2).sin())
    monkeypatch.setattr(compiled, "MODE", "always")
    # config.patch, not monkeypatch: monkeypatch's undo deletes the option from torch's config module
    with torch._dynamo.config.patch(recompile_limit=2), pytest.warns(RuntimeWarning, match="recompile_limit") as warned:
        for n in (1, 2, 3, 4):
            torch.testing.assert_close(step(torch.ones(n)), (torch.ones(n) * 2).sin())
    assert len([w for w in warned if "motornet" in str(w.message)]) == 1 and step.graphs == 2
    assert (
        compiled.fallbacks()["test_reaching_the_graph_limit_warns_once_and_is_counted.<locals>.<lambda>"]["count"] == 1
    )


def test_under_a_torch_the_lean_backend_does_not_know_steps_compile_with_inductor_after_one_notice(monkeypatch):
    """The lean backend calls torch 2.13's compiler internals; under another torch every step function takes
    torch.compile's standard inductor backend, values and gradients unchanged, with one notice per process."""
    monkeypatch.setattr(compiled, "_LEAN", False)
    monkeypatch.setattr(compiled, "_NOTICE", [])
    monkeypatch.setattr(compiled, "step_backend", None)  # must not be reached
    monkeypatch.setattr(compiled, "MODE", "always")
    torch._dynamo.reset()
    steps = [compiled.StepFunction(lambda x: (x * 2).sin()), compiled.StepFunction(lambda x: x.cos() * 3)]
    with pytest.warns(RuntimeWarning, match="standard inductor backend") as warned:
        for step, eager in zip(steps, (lambda x: (x * 2).sin(), lambda x: x.cos() * 3)):
            x = torch.linspace(0, 1, 5, requires_grad=True)
            y = step(x)
            (grad,) = torch.autograd.grad(y.sum(), x)
            expected = torch.linspace(0, 1, 5, requires_grad=True)
            torch.testing.assert_close(y, eager(expected))
            torch.testing.assert_close(grad, torch.autograd.grad(eager(expected).sum(), expected)[0])
    assert len([w for w in warned if "motornet" in str(w.message)]) == 1
    assert all(step.graphs == 1 and step.fallback is None for step in steps)


def test_a_step_whose_output_is_not_contiguous_stays_compiled_with_the_lean_backward(monkeypatch):
    """The lean backward's kernel takes each output's gradient in the strides it was compiled for; the check
    at capture hands them over in those strides too. A trial-last slice stacked batch first, as a rollout
    records the fingertip, once made the check fail and the step fall back to eager."""
    monkeypatch.setattr(compiled, "MODE", "always")
    torch._dynamo.reset()

    def record(x, w):  # (B, 1, 2) from a (4, B) trial-last state
        return torch.stack([(w @ x).sin()[:2].t()], dim=1)

    step = compiled.StepFunction(record)
    weights = torch.arange(16.0).reshape(8, 1, 2)
    for _ in range(3):
        x, w = torch.randn(3, 8), torch.randn(4, 3, requires_grad=True)
        y = step(x, w)
        (grad,) = torch.autograd.grad((y * weights).sum(), w)
        w_eager = w.detach().requires_grad_()
        expected = record(x, w_eager)
        torch.testing.assert_close(y, expected)
        torch.testing.assert_close(grad, torch.autograd.grad((expected * weights).sum(), w_eager)[0])
    assert not y.is_contiguous() and step.fallback is None and step.graphs == 1
