"""Environment: delays, noise, seeding, gymnasium API and input validation."""

import numpy as np
import pytest
import torch

import motornet as mn


def make_env(**kwargs):
    return mn.environment.RandomTargetReach(effector=mn.effector.RigidTendonArm26(), **kwargs)


@pytest.mark.parametrize("vision_delay, proprioception_delay", [(0.01, 0.01), (0.05, 0.02), (0.03, 0.07)])
def test_observation_lags_the_state_by_the_delay(vision_delay, proprioception_delay):
    env = make_env(vision_delay=vision_delay, proprioception_delay=proprioception_delay)
    obs, info = env.reset(seed=1, options={"batch_size": 3})
    k_v, k_p = round(vision_delay / 0.01), round(proprioception_delay / 0.01)
    fingertips = [info["states"]["fingertip"]]
    proprio = [
        torch.cat(
            [info["states"]["muscle"][:, 1] / env.muscle.l0_ce[0], info["states"]["muscle"][:, 2] / env.muscle.vmax[0]],
            dim=1,
        )
    ]
    observations = [obs]
    torch.manual_seed(0)
    for _ in range(12):
        obs, _, _, _, info = env.step(torch.rand(3, 6))
        fingertips.append(info["states"]["fingertip"])
        proprio.append(
            torch.cat(
                [
                    info["states"]["muscle"][:, 1] / env.muscle.l0_ce[0],
                    info["states"]["muscle"][:, 2] / env.muscle.vmax[0],
                ],
                dim=1,
            )
        )
        observations.append(obs)
    for t, o in enumerate(observations):
        # a FIFO of k entries shows the feedback recorded k - 1 observations ago (the reset state before that)
        torch.testing.assert_close(o[:, 2:4], fingertips[max(t - k_v + 1, 0)])
        torch.testing.assert_close(o[:, 4:16], proprio[max(t - k_p + 1, 0)])
        torch.testing.assert_close(o[:, :2], env.goal)


def test_delay_not_a_multiple_of_the_timestep_is_rejected():
    with pytest.raises(ValueError, match="vision_delay=0.025 s must be a non-negative integer multiple"):
        make_env(vision_delay=0.025)
    with pytest.raises(ValueError, match="proprioception_delay"):
        make_env(proprioception_delay=-0.01)


def test_same_seed_gives_identical_episodes_and_other_seeds_differ():
    def episode(seed):
        env = make_env(action_noise=0.1, proprioception_noise=0.01, vision_noise=0.01, obs_noise=0.01)
        obs, _ = env.reset(seed=seed, options={"batch_size": 4})
        trace = [obs]
        for _ in range(10):
            obs, _, _, _, info = env.step(torch.full((4, 6), 0.3))
            trace += [obs, info["noisy action"], info["states"]["joint"]]
        return torch.cat(trace, dim=1)

    torch.testing.assert_close(episode(7), episode(7), rtol=0, atol=0)
    assert not torch.allclose(episode(7), episode(8))


def test_deterministic_reset_and_step_remove_their_noise():
    env = make_env(action_noise=0.5, proprioception_noise=0.5, vision_noise=0.5, obs_noise=0.5)
    obs, info = env.reset(seed=0, options={"batch_size": 2, "joint_state": [0.6, 1.2], "deterministic": True})
    torch.testing.assert_close(obs[:, 2:4], info["states"]["fingertip"])
    obs, _, _, _, info = env.step(torch.full((2, 6), 0.2), deterministic=True)
    torch.testing.assert_close(info["noisy action"], info["action"])
    torch.testing.assert_close(obs[:, 2:4], info["states"]["fingertip"])


def test_observation_noise_spares_the_goal_and_has_the_requested_spread():
    env = make_env(obs_noise=0.1)
    obs, info = env.reset(seed=0, options={"batch_size": 4000, "joint_state": [0.6, 1.2]})
    torch.testing.assert_close(obs[:, :2], env.goal)
    noise = obs[:, 2:4] - info["states"]["fingertip"]
    assert abs(noise.std().item() - 0.1) < 0.005 and abs(noise.mean().item()) < 0.005


def test_episode_terminates_at_max_duration_and_spaces_match():
    env = make_env(max_ep_duration=0.05, action_frame_stacking=2)
    obs, _ = env.reset(options={"batch_size": 2})
    assert env.observation_space.shape == (obs.shape[1],) == (2 + 2 + 12 + 12,)
    assert env.action_space.shape == (6,) and env.action_space.low.min() == 0 and env.action_space.high.max() == 1
    done = [env.step(torch.full((2, 6), 0.1))[2] for _ in range(5)]
    assert done == [False, False, False, False, True]
    # stacked actions: the two most recent, newest last
    env.reset(options={"batch_size": 2})
    env.step(torch.full((2, 6), 0.1))
    obs, *_ = env.step(torch.full((2, 6), 0.2))
    torch.testing.assert_close(obs[:, 16:], torch.cat([torch.full((2, 6), 0.1), torch.full((2, 6), 0.2)], 1))


def test_non_differentiable_mode_returns_numpy_and_zero_reward():
    env = make_env(differentiable=False)
    obs, info = env.reset(options={"batch_size": 2})
    assert isinstance(obs, np.ndarray) and isinstance(info["states"]["joint"], np.ndarray)
    obs, reward, terminated, truncated, info = env.step(np.full((2, 6), 0.3, dtype=np.float32))
    assert isinstance(obs, np.ndarray) and (reward == 0).all() and truncated is False


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(TypeError, match="unknown arguments.*max_ep_durration"):
        make_env(max_ep_durration=1.0)
    env = make_env()
    env.reset(options={"batch_size": 3})
    with pytest.raises(ValueError, match="action must have shape"):
        env.step(torch.zeros(3, 4))
    with pytest.raises(ValueError, match="standard deviation"):
        make_env(action_noise=-0.1)


def test_gradients_flow_from_fingertip_to_policy_parameters():
    env = make_env(proprioception_delay=0.02, vision_delay=0.05)
    policy = mn.policy.PolicyGRU(env.observation_space.shape[0], 16, env.n_muscles)
    obs, info = env.reset(seed=0, options={"batch_size": 4})
    h = policy.init_hidden(4)
    loss = 0.0
    for _ in range(10):
        u, h = policy(obs, h)
        obs, _, _, _, info = env.step(u)
        loss = loss + (info["states"]["fingertip"] - info["goal"]).abs().sum()
    loss.backward()
    assert policy.gru.weight_ih_l0.grad.abs().sum() > 0 and policy.fc.weight.grad.abs().sum() > 0
