"""A script written for the public MotorNet 0.3 toolbox runs unchanged, and the toolbox's public surface,
item by item (behaviour a script may depend on; each item of the API-gap list has a test here)."""

import math
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch

import motornet as mn
from motornet.muscle import thelen_force_velocity

SCRIPT = textwrap.dedent("""
    import torch as th
    import motornet as mn

    muscle = mn.muscle.RigidTendonHillMuscle()
    effector = mn.effector.RigidTendonArm26(muscle=muscle)
    effector.reset(options={"batch_size": 4})
    effector.step(th.rand(4, effector.n_muscles))
    print(effector.states["joint"].shape, effector.states["muscle"].shape, effector.states["geometry"].shape,
          effector.states["fingertip"].shape)

    custom = mn.effector.Effector(skeleton=mn.skeleton.TwoDofArm(), muscle=mn.muscle.RigidTendonHillMuscle(),
                                  integration_method="rungekutta4", timestep=0.01)
    custom.add_muscle(path_fixation_body=[0, 1], path_coordinates=[[-.15, .03], [.094, .017]], name="pectoralis",
                      max_isometric_force=838, tendon_length=.039, optimal_muscle_length=.134,
                      normalized_slack_muscle_length=1.48)
    custom.add_muscle(path_fixation_body=[0, 0, 1], path_coordinates=[[.14, 0.], [.05, 0.], [.153, 0.]],
                      name="deltoid", max_isometric_force=1207, tendon_length=.066, optimal_muscle_length=.14)
    custom.reset(options={"batch_size": 2, "joint_state": th.tensor([[0.5, 0.5]])})
    custom.step(th.full((2, 2), 0.3))
    print(custom.n_muscles, custom.muscle_name, custom.muscle.state_name)
    print(custom.muscle.to_build_dict, custom.muscle.to_build_dict_default)
    print(custom.muscle.max_iso_force.shape, custom.muscle.l0_ce.shape, custom.muscle.vmax.shape)
    custom.print_muscle_wrappings()

    env = mn.environment.RandomTargetReach(effector=mn.effector.ReluPointMass24(), max_ep_duration=0.2,
                                           proprioception_delay=0.02, vision_delay=0.05)
    policy = mn.policy.PolicyGRU(env.observation_space.shape[0], 32, env.n_muscles, device="cpu")
    optimizer = th.optim.Adam(policy.parameters(), lr=1e-3)
    for batch in range(3):
        h = policy.init_hidden(batch_size=8)
        obs, info = env.reset(options={"batch_size": 8})
        terminated, xy, tg = False, [], []
        while not terminated:
            action, h = policy(obs, h)
            obs, reward, terminated, truncated, info = env.step(action=action)
            xy.append(info["states"]["fingertip"][:, None, :])
            tg.append(info["goal"][:, None, :])
        loss = th.nn.functional.l1_loss(th.cat(xy, dim=1), th.cat(tg, dim=1))
        optimizer.zero_grad()
        loss.backward()
        th.nn.utils.clip_grad_norm_(policy.parameters(), max_norm=1.)
        optimizer.step()
    print("loss", loss.item(), env.elapsed, env.dt, env.space_dim, env.device)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    mn.plotor.plot_pos_over_time(th.cat(xy, dim=1).detach(), ax)
    print("ok")
""")


def test_motornet_03_script_runs_unchanged():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "torch.Size([4, 4]) torch.Size([4, 7, 6]) torch.Size([4, 4, 6]) torch.Size([4, 2])"
    assert lines[1].startswith("2 ['pectoralis', 'deltoid']")
    assert lines[-1] == "ok"


def arm26(muscle=None, **kwargs):
    return mn.effector.RigidTendonArm26(muscle=muscle or mn.muscle.RigidTendonHillMuscle(), **kwargs)


# ---- skeleton ---------------------------------------------------------------------------------


def test_skeleton_has_motornet03_dimensions_and_helpers():
    skeleton = arm26().skeleton
    assert (skeleton.input_dim, skeleton.state_dim, skeleton.output_dim, skeleton.geometry_state_dim) == (2, 4, 4, 4)
    assert skeleton.built and torch.equal(skeleton.default_endpoint_load, torch.zeros(1, 2))
    clipped = skeleton.clip_position(torch.tensor([[-1.0, 9.0]]))
    assert torch.allclose(clipped, torch.tensor([[0.0, math.radians(155.0)]]))
    assert skeleton.get_base_config() == {"name": "two_dof_arm", "dof": 2, "dt": "0.01", "space_dim": 2}
    skeleton.setattr("m1", 2.0)
    assert skeleton.m1 == 2.0 and not skeleton.detach(torch.ones(1, requires_grad=True)).requires_grad


def test_skeleton_bounds_are_one_by_dof_float32_tensors():
    skeleton = arm26().skeleton
    for bound in (
        skeleton.pos_lower_bound,
        skeleton.pos_upper_bound,
        skeleton.vel_lower_bound,
        skeleton.vel_upper_bound,
    ):
        assert bound.shape == (1, 2) and bound.dtype == torch.float32
    assert skeleton.pos_upper_bound[0, 1].item() == pytest.approx(math.radians(155.0))


def test_path2cartesian_accepts_motornet03_array_shapes():
    skeleton = arm26().skeleton
    joint = torch.tensor([[0.4, 1.1, 0.3, -0.2]])
    coords, body = torch.tensor([[0.1, 0.05, -0.02], [0.0, 0.01, 0.03]]), torch.tensor([0, 1, 2])
    ours = skeleton.path2cartesian(coords, body, joint)
    theirs = skeleton.path2cartesian(coords[None], body[None, None].float(), joint)
    for a, b in zip(ours, theirs):
        assert torch.equal(a, b)


def test_two_dof_arm_upper_case_parameters_override_lower_case_ones():
    arm = mn.skeleton.TwoDofArm(l1=0.3, L1=0.5, I2=0.07, viscosity=0.2)
    assert (arm.l1, arm.L1, arm.i2, arm.c_viscosity) == (0.5, 0.5, 0.07, 0.2)


def test_skeleton_save_configs_have_motornet03_keys():
    config = arm26().skeleton.get_save_config()
    assert {
        "dof",
        "dt",
        "space_dim",
        "I1",
        "I2",
        "L1",
        "L2",
        "L1g",
        "L2g",
        "c_viscosity",
        "coriolis_1",
        "coriolis_2",
        "m1",
        "m2",
    } <= set(config) and config["dt"] == "0.01"
    assert mn.skeleton.PointMass(mass=2.0).get_save_config()["mass"] == 2.0


# ---- muscle -----------------------------------------------------------------------------------


def test_activation_parameters_are_float32_buffers_that_follow_to():
    muscle = arm26().muscle
    for value in (muscle.min_activation, muscle.tau_activation, muscle.tau_deactivation):
        assert value.ndim == 0 and value.dtype == torch.float32
    assert muscle.tau_activation.item() == pytest.approx(0.015)
    assert arm26().double().muscle.min_activation.dtype == torch.float64
    assert muscle.device == torch.device("cpu")


@pytest.mark.parametrize(
    "muscle", [mn.muscle.RigidTendonHillMuscle, mn.muscle.RigidTendonHillMuscleThelen, mn.muscle.MujocoHillMuscle]
)
def test_hill_muscle_state_names(muscle):
    assert muscle.state_name == [
        "activation",
        "muscle length",
        "muscle velocity",
        "force-length PE",
        "force-length CE",
        "force-velocity CE",
        "force",
    ]
    assert muscle().get_save_config() == {"name": muscle.__name__, "state names": muscle.state_name}


def test_thelen_row_five_is_the_force_velocity_multiplier_alone():
    effector = arm26(mn.muscle.RigidTendonHillMuscleThelen())
    effector.reset(options={"batch_size": 3})
    for _ in range(5):
        effector.step(torch.full((3, 6), 0.6))
    m = effector.states["muscle"]
    a, v = m[:, 0:1], m[:, 2:3]
    expected = thelen_force_velocity(v / ((0.25 + 0.75 * a) * effector.muscle.vmax))
    assert torch.allclose(m[:, 5:6], expected)
    assert not torch.allclose(m[:, 5:6], a * m[:, 4:5] * expected)


def test_kistemaker_row_five_is_the_nonnegative_active_force():
    effector = arm26()
    effector.reset(options={"batch_size": 3})
    effector.step(torch.full((3, 6), 0.6))
    m, muscle = effector.states["muscle"], effector.muscle
    assert (m[:, 5] >= 0).all()
    assert torch.allclose((m[:, 5] + m[:, 3]) * muscle.max_iso_force[0], m[:, 6])


def test_compliant_muscle_has_seven_rows_with_the_normalised_tendon_force():
    effector = mn.effector.CompliantTendonArm26()
    effector.reset(options={"batch_size": 2, "joint_state": [[0.8, 1.2]]})
    for _ in range(20):
        effector.step(torch.full((2, 6), 0.5))
    m = effector.states["muscle"]
    assert effector.muscle.state_name == [
        "activation",
        "muscle length",
        "muscle velocity",
        "force-length PE",
        "force-length SE",
        "active force",
        "force",
    ]
    assert m.shape == (2, 7, 6)
    assert torch.allclose(m[:, 4] * effector.muscle.max_iso_force[0], m[:, 6])
    assert torch.equal(m[:, 5], torch.relu(m[:, 4] - m[:, 3]))
    assert effector.muscle.ode(torch.full((2, 6), 0.5), m).shape == (2, 2, 6)


def test_compliant_kistemaker_variant_replicates_the_toolbox_muscle():
    m = mn.muscle.CompliantTendonHillMuscle(variant="kistemaker")
    m.build(0.0002, [500.0] * 3, tendon_length=[0.1] * 3, optimal_muscle_length=[0.1] * 3)
    length = torch.tensor([[[0.09, 0.2, 0.25]]])  # below the tendon, slack fibre, tendon against passive fibre
    geometry = torch.cat([length, torch.zeros_like(length), torch.ones_like(length)], dim=1)
    state = m.get_initial_muscle_state(1, geometry)[0]
    assert state[1].tolist() == pytest.approx([0.0001, 0.1, 0.14867], abs=2e-5)
    assert state[4, 2].item() == pytest.approx(state[3, 2].item(), rel=1e-4) and 0 < state[4, 2] < 1
    strain = (length - state[1] - 0.1) / 0.1
    assert torch.allclose(state[4], torch.clamp(625 * torch.relu(strain[0]) ** 2, max=1.0))
    assert torch.allclose(state[6], 500.0 * state[4])
    stepped = m._muscle_state(torch.full((1, 1, 3), 0.5), geometry, torch.tensor([[[0.0001, 0.08, 0.13]]]))
    assert torch.allclose(m.ode(torch.full((1, 3), 0.5), stepped)[:, 1], stepped[:, 2] / 10.0)
    with pytest.raises(ValueError, match="variant"):
        mn.muscle.CompliantTendonHillMuscle(variant="other")


@pytest.mark.parametrize("muscle", [mn.muscle.RigidTendonHillMuscleThelen, mn.muscle.MujocoHillMuscle])
def test_fibre_length_is_floored_at_one_millimetre(muscle):
    m = muscle()
    m.build(0.01, [100.0], tendon_length=[0.3], optimal_muscle_length=[0.1])
    geometry = torch.tensor([[[0.2], [0.0], [0.01]]])  # musculotendon shorter than the tendon
    assert m.get_initial_muscle_state(1, geometry)[0, 1, 0].item() == pytest.approx(0.001)


def test_activation_ode_broadcasts_scalar_and_three_d_actions():
    muscle = arm26().muscle
    activation = torch.full((4, 1, 6), 0.2)
    reference = muscle.activation_ode(torch.full((4, 6), 0.5), activation)
    for action in (torch.tensor(0.5), torch.full((4, 1, 6), 0.5), torch.full((6,), 0.5)):
        assert torch.equal(muscle.activation_ode(action, activation), reference)


def test_mujoco_force_length_has_the_second_bump():
    from motornet.muscle import mujoco_active_force_length, mujoco_bump

    lmin = 0.5
    centre = torch.tensor((lmin + 0.95) / 2)
    assert mujoco_active_force_length(centre, lmin, 1.6).item() == pytest.approx(
        mujoco_bump(centre, lmin, 1.0, 1.6).item() + 0.15
    )
    assert mujoco_active_force_length(torch.tensor(1.0), lmin, 1.6).item() == pytest.approx(1.0)
    m = mn.muscle.MujocoHillMuscle()
    m.build(0.01, [100.0, 200.0], tendon_length=0.1, optimal_muscle_length=0.1, lmin=0.5)  # scalars broadcast
    assert m.l0_se.shape == (1, 1, 2)


def test_mujoco_reference_parameters_read_slack_as_passive_scale_and_vmax_in_metres_per_second():
    m = mn.muscle.MujocoHillMuscle(reference_parameters=True)
    m.build(0.01, [100.0], tendon_length=[0.1], optimal_muscle_length=[0.2])
    assert m.fpmax.item() == pytest.approx(1.3) and m.vmax.item() == pytest.approx(1.5)
    assert m.l0_pe.item() == pytest.approx(0.2)
    ours = mn.muscle.MujocoHillMuscle()
    ours.build(0.01, [100.0], tendon_length=[0.1], optimal_muscle_length=[0.2])
    assert ours.vmax.item() == pytest.approx(0.3)


# ---- effector ---------------------------------------------------------------------------------


def test_reacher_is_the_toolbox_four_muscle_constant_moment_arm_arm():
    effector = mn.effector.Reacher(muscle=mn.muscle.ReluMuscle())
    assert effector.muscle_name == ["sf", "se", "ef", "ee"] and effector.integration_method == "euler"
    assert effector.skeleton.m1 == 1.82 and effector.skeleton.l2 == 0.333
    assert effector.pos_upper_bound.tolist() == pytest.approx([math.radians(135.0), math.radians(155.0)])
    assert effector.muscle.max_iso_force.flatten().tolist() == [1000.0] * 4
    geometry = effector.get_geometry(torch.tensor([[0.3, 1.0, 0.5, 0.2]]))
    assert torch.equal(geometry[0, :2], torch.zeros(2, 4))
    assert geometry[0, 2:].tolist() == [[-1.0, 1.0, 0.0, 0.0], [0.0, 0.0, -1.0, 1.0]]
    effector.reset(options={"joint_state": [[0.5, 0.5]]})
    for _ in range(2):  # the first step activates, the second applies the force
        effector.step(torch.tensor([[1.0, 0.0, 0.0, 0.0]]))
    assert effector.states["joint"][0, 2] > 0 and effector.states["joint"][0, 3] < 0  # shoulder flexes
    hill = mn.effector.Reacher(
        mn.muscle.RigidTendonHillMuscle(), muscle_kwargs={"tendon_length": 0.1, "optimal_muscle_length": 0.1}
    )
    assert hill.muscle.l0_se.flatten().tolist() == pytest.approx([0.1] * 4)


def test_free_point_mass_is_the_toolbox_four_muscle_point_mass():
    effector = mn.effector.FreePointMass24(muscle=mn.muscle.ReluMuscle())
    assert effector.muscle_name == ["r", "u", "l", "d"] and effector.skeleton.mass == 1.0
    assert effector.pos_lower_bound.tolist() == pytest.approx([-0.6] * 2)
    assert effector.pos_upper_bound.tolist() == pytest.approx([0.6] * 2)
    effector.reset(options={"joint_state": [[0.0, 0.0]]})
    for _ in range(2):
        effector.step(torch.tensor([[1.0, 1.0, 0.0, 0.0]]))  # r and u
    assert effector.states["joint"][0, 2] > 0 and effector.states["joint"][0, 3] > 0


def test_prebuilt_muscle_kwargs_scalar_or_per_muscle_override_the_table_unknown_is_key_error():
    effector = arm26(
        mn.muscle.RigidTendonHillMuscleThelen(),
        muscle_kwargs={"normalized_slack_muscle_length": [1.1, 1.2, 1.3, 1.4, 1.5, 1.6], "max_isometric_force": 1.0},
    )
    slack = (effector.muscle.l0_pe / effector.muscle.l0_ce).flatten().tolist()
    assert slack == pytest.approx([1.1, 1.2, 1.3, 1.4, 1.5, 1.6])
    assert effector.muscle.max_iso_force.flatten().tolist() == [1.0] * 6  # MotorNet 0.3 kept 838 N, silently
    assert arm26(mn.muscle.RigidTendonHillMuscleThelen()).muscle.max_iso_force.flatten().tolist()[0] == 838.0
    with pytest.raises(KeyError):
        arm26(muscle_kwargs={"not_a_parameter": 1.0})
    assert arm26(mn.muscle.ReluMuscle()).n_muscles == 6


def test_relu_point_mass_muscles_are_named_after_their_corners():
    assert mn.effector.ReluPointMass24().muscle_name == ["UpperRight", "UpperLeft", "LowerRight", "LowerLeft"]


def test_compliant_arm26_defaults():
    effector = mn.effector.CompliantTendonArm26()
    assert effector.integration_method == "rk4"
    assert effector.muscle.l0_se.flatten().tolist() == pytest.approx([0.070, 0.070, 0.172, 0.187, 0.204, 0.217])
    assert effector.geometry.a0[:2].tolist() == pytest.approx([0.182, 0.2362])


def test_effector_attributes():
    e = arm26(integration_method="RungeKutta4")
    assert e.integration_method == "rungekutta4"
    assert e.pos_lower_bound.shape == (2,) and e.vel_upper_bound.shape == (2,)
    assert torch.equal(e.pos_range_bound, e.pos_lower_bound - e.pos_upper_bound)
    assert torch.equal(e.vel_range_bound, e.vel_lower_bound - e.vel_upper_bound)
    assert (e.muscle_state_dim, e.geometry_state_dim, e.force_index, e.state_dim, e.output_dim) == (7, 4, 6, 4, 4)
    assert e.geometry_state_name == [
        "musculotendon length",
        "musculotendon velocity",
        "moment for joint 0",
        "moment for joint 1",
    ]
    assert e.half_minidt == pytest.approx(0.005)
    assert torch.equal(e.default_endpoint_load, torch.zeros(1, 2)) and torch.equal(
        e.default_joint_load, torch.zeros(1, 2)
    )
    assert all(v is None for v in e.states.values())
    e.reset(seed=3)
    assert e.seed == 3 and isinstance(e.np_random, np.random.Generator)
    e.np_random = np.random.default_rng(1)
    assert e.np_random.integers(100) == np.random.default_rng(1).integers(100)
    e.n_muscles, e.input_dim = 5, 5
    assert (e.n_muscles, e.input_dim) == (5, 5)


def test_muscle_cfg_print_and_save_config_layout(capsys):
    effector = mn.effector.GeometricArm26()
    cfg = effector.get_muscle_cfg()["deltoid"]
    assert cfg["n_fixation_points"] == 3 and cfg["fixation body"] == [0, 0, 1]
    assert cfg["coordinates"][2] == [0.153, 0.0] and cfg["max_isometric_force"] == 1207.0
    effector.print_muscle_wrappings()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "MUSCLE NAME: pectoralis" and set(lines[1]) == {"-"} and lines[2] == "n_fixation_points:  2"
    assert {
        "muscle",
        "skeleton",
        "dt",
        "n_ministeps",
        "minidt",
        "half_minidt",
        "muscle_names",
        "n_muscles",
        "muscle_wrapping_cfg",
    } <= set(effector.get_save_config())


def test_step_accepts_three_d_and_numpy_actions_and_ignores_unknown_arguments():
    effector = arm26()
    effector.reset(options={"batch_size": 2, "joint_state": [[0.7, 0.9]], "unknown_option": 1})
    effector.step(np.full((2, 1, 6), 0.3, dtype=np.float32), unknown_kwarg=True)
    reference = arm26()
    reference.reset(options={"batch_size": 2, "joint_state": [[0.7, 0.9]]})
    reference.step(torch.full((2, 6), 0.3))
    assert torch.equal(effector.states["joint"], reference.states["joint"])


def test_add_muscle_warns_about_and_ignores_unused_parameters():
    effector = mn.effector.Effector(mn.skeleton.PointMass(), mn.muscle.ReluMuscle())
    with pytest.warns(UserWarning, match="tendon_length"):
        effector.add_muscle([0, 1], [[1.0, 0.0], [0.0, 0.0]], max_isometric_force=10.0, tendon_length=0.1)
    assert "tendon_length" not in effector.get_muscle_cfg()["muscle_1"]


class HookedArm(mn.effector.RigidTendonArm26):
    """A user's subclass: overriding a MotorNet 0.3 hook moves the step onto the hooks."""

    calls = 0

    def ode(self, action, states, endpoint_load=None, joint_load=None):
        HookedArm.calls += 1
        return super().ode(action, states, endpoint_load, joint_load)


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_stepping_through_subclass_hooks_equals_the_pure_step(method):
    hooked, plain = HookedArm(integration_method=method), arm26(integration_method=method)
    for e in (hooked, plain):
        e.reset(options={"batch_size": 3, "joint_state": [[0.5, 1.0]]})
        for t in range(10):
            e.step(torch.full((3, 6), 0.1 * (t % 4)), endpoint_load=torch.tensor([1.0, -2.0]))
    assert HookedArm.calls > 0
    for key in ("joint", "muscle", "geometry", "cartesian"):
        assert torch.allclose(hooked.states[key], plain.states[key], atol=1e-6), key


def test_a_custom_get_geometry_hook_drives_the_step():
    class Linear(mn.effector.Effector):
        def _get_geometry(self, joint_state):
            arm = torch.tensor([[[-0.02], [0.0]]]).expand(joint_state.shape[0], 2, 1)
            zeros = torch.zeros(joint_state.shape[0], 2, 1)
            return torch.cat([zeros, arm], dim=1)

    e = Linear(mn.skeleton.TwoDofArm(), mn.muscle.ReluMuscle())
    e.add_muscle([0, 1], [[0.0, 0.0], [0.1, 0.0]], max_isometric_force=100.0)
    e.reset(options={"joint_state": [[0.5, 0.5]]})
    for _ in range(2):
        e.step(torch.ones(1, 1))
    assert e.states["geometry"][0, 2, 0].item() == pytest.approx(-0.02, rel=1e-6) and e.states["joint"][0, 2] > 0


def test_rk4_chained_steps_positions_with_the_start_velocity():
    effector = arm26(integration_method="rk4-chained")
    effector.reset(options={"joint_state": [[0.8, 1.0, 0.5, -0.4]]})
    effector.step(torch.full((1, 6), 0.3))
    assert torch.allclose(effector.states["joint"][:, :2], torch.tensor([[0.805, 0.996]]))
    classical = arm26(integration_method="rk4")
    classical.reset(options={"joint_state": [[0.8, 1.0, 0.5, -0.4]]})
    classical.step(torch.full((1, 6), 0.3))
    assert not torch.allclose(classical.states["joint"][:, :2], effector.states["joint"][:, :2], atol=1e-6)


# ---- environment ------------------------------------------------------------------------------


def env_of(**kwargs):
    return mn.environment.RandomTargetReach(arm26(), max_ep_duration=0.1, **kwargs)


def test_obs_buffer_lists_and_update():
    env = env_of(proprioception_delay=0.03, vision_delay=0.05, action_frame_stacking=2)
    assert [len(env.obs_buffer[k]) for k in ("proprioception", "vision", "action")] == [3, 5, 2]
    obs, _ = env.reset(options={"batch_size": 2})
    buffer = env.obs_buffer
    assert buffer["vision"][0].shape == (2, 2) and buffer["proprioception"][0].shape == (2, 12)
    env.step(torch.full((2, 6), 0.4))
    env.update_obs_buffer(action=torch.ones(2, 6))
    assert torch.equal(env.obs_buffer["vision"][-1], env.states["fingertip"])
    assert torch.equal(env.obs_buffer["action"][-1], torch.ones(2, 6))


class SlowProprioception(mn.environment.RandomTargetReach):
    """Overrides a feedback hook: observations must come through it."""

    def get_proprioception(self):
        return 2.0 * super().get_proprioception()


def test_overriding_get_proprioception_changes_the_observations():
    plain, custom = env_of(), SlowProprioception(arm26(), max_ep_duration=0.1)
    for env in (plain, custom):
        env.reset(seed=1, options={"batch_size": 2})
        obs, *_ = env.step(torch.full((2, 6), 0.2))
        env.out = obs
    n = plain.n_muscles
    assert torch.allclose(custom.out[:, 4 : 4 + 2 * n], 2 * plain.out[:, 4 : 4 + 2 * n])
    assert torch.allclose(custom.out[:, :4], plain.out[:, :4])


def test_overriding_get_obs_without_obs_size_warns_at_class_definition():
    with pytest.warns(UserWarning, match="_get_obs_size"):

        class Custom(mn.environment.Environment):
            def get_obs(self, action=None, deterministic=False):
                return super().get_obs(action, deterministic)

    with warnings.catch_warnings():
        warnings.simplefilter("error")

        class Sized(mn.environment.Environment):
            def get_obs(self, action=None, deterministic=False):
                return super().get_obs(action, deterministic)[:, :4]

            def _get_obs_size(self):
                return 4

    assert Sized(arm26()).observation_space.shape == (4,)


class TutorialEnv(mn.environment.Environment):
    """The toolbox tutorial's pattern: a custom reset filling obs_buffer, goal and elapsed itself."""

    def reset(self, *, seed=None, options=None):
        self._set_generator(seed)
        options = options or {}
        batch_size = options.get("batch_size", 1)
        self.effector.reset(options={"batch_size": batch_size, "joint_state": options.get("joint_state")})
        self.goal = torch.full((batch_size, 2), 0.3)
        self.elapsed = 0.0
        action = torch.zeros(batch_size, self.muscle.n_muscles)
        self.obs_buffer["proprioception"] = [self.get_proprioception()] * len(self.obs_buffer["proprioception"])
        self.obs_buffer["vision"] = [self.get_vision()] * len(self.obs_buffer["vision"])
        self.obs_buffer["action"] = [action] * self.action_frame_stacking
        obs = self.get_obs(deterministic=options.get("deterministic", False))
        return obs, {"states": self.states, "action": action, "noisy action": action, "goal": self.goal}


def test_a_tutorial_style_custom_reset_drives_the_episode():
    env = TutorialEnv(arm26(), max_ep_duration=0.03, vision_delay=0.02)
    assert env.goal is None and env.elapsed is None
    obs, info = env.reset(options={"batch_size": 2})
    assert obs.shape == (2, env.observation_space.shape[0]) and torch.equal(obs[:, :2], torch.full((2, 2), 0.3))
    terminated = False
    while not terminated:
        obs, reward, terminated, truncated, info = env.step(torch.full((2, 6), 0.3))
    assert env.elapsed == pytest.approx(0.03)
    assert torch.equal(obs[:, 2:4], env.obs_buffer["vision"][0])


def test_hook_path_equals_pure_path_without_noise():
    class Hooked(mn.environment.RandomTargetReach):
        def get_vision(self):
            return super().get_vision()

    plain, hooked = env_of(vision_delay=0.03), Hooked(arm26(), max_ep_duration=0.1, vision_delay=0.03)
    outs = []
    for env in (plain, hooked):
        obs, _ = env.reset(seed=4, options={"batch_size": 2})
        seq = [obs]
        for t in range(5):
            obs, *_ = env.step(torch.full((2, 6), 0.1 * t))
            seq.append(obs)
        outs.append(torch.stack(seq))
    assert torch.allclose(outs[0], outs[1], atol=1e-6)


def test_environment_attributes_and_save_config(capsys):
    env = env_of(action_noise=0.1, proprioception_delay=0.02)
    names, values = env.get_attributes()
    assert "dt" in names and "action_noise" in names and "proprioception_delay" in names
    assert not {"effector", "muscle", "skeleton", "np_random", "states", "goal", "obs_buffer"} & set(names)
    env.print_attributes()
    assert "dt: 0.01" in capsys.readouterr().out
    config = env.get_save_config()
    assert config["name"] == "Env" and config["proprioception_delay"] == 2 and "effector" in config
    assert not env.detach(torch.ones(1, requires_grad=True)).requires_grad
    env._set_generator(5)
    assert env.effector.seed == 5 and env.np_random is env.effector.np_random


def test_noise_attributes_are_lists_and_apply_noise_takes_one_std_per_column():
    env = env_of(action_noise=0.1, obs_noise=0.2, proprioception_noise=0.3, vision_noise=0.4)
    assert env.action_noise == [0.1] * 6 and env.proprioception_noise == [0.3] and env.vision_noise == [0.4]
    assert env.obs_noise == [0.0] * 2 + [0.2] * (env.observation_space.shape[0] - 2)
    env.reset(options={"batch_size": 1})
    noisy = env.apply_noise(torch.zeros(20000, 2), [0.0, 1.0])
    assert noisy[:, 0].abs().max() == 0 and noisy[:, 1].std().item() == pytest.approx(1.0, rel=0.05)


def test_delays_are_step_counts_and_zero_is_one_step():
    env = env_of(proprioception_delay=0.0, vision_delay=0.07)
    assert (env.proprioception_delay, env.vision_delay) == (1, 7)
    with pytest.raises(ValueError):
        env_of(vision_delay=0.015)


def test_non_differentiable_reward_is_zeros_b_by_1():
    env = mn.environment.RandomTargetReach(arm26(), differentiable=False)
    env.reset(options={"batch_size": 3})
    obs, reward, *_ = env.step(np.full((3, 6), 0.1, dtype=np.float32))
    assert isinstance(obs, np.ndarray) and reward.shape == (3, 1) and not reward.any()


def test_deterministic_reset_option_affects_only_the_reset_observation():
    env = env_of(obs_noise=0.1)
    obs, _ = env.reset(options={"batch_size": 2, "deterministic": True})
    assert torch.equal(obs[:, 2:4], env.states["fingertip"])
    obs, *_ = env.step(torch.zeros(2, 6))
    assert not torch.equal(obs[:, 2:4], env.states["fingertip"])


def test_reset_ignores_unknown_options_and_step_passes_loads_to_the_effector():
    env, pushed = env_of(), env_of()
    for e in (env, pushed):
        e.reset(seed=0, options={"batch_size": 1, "joint_state": [[0.5, 0.5]], "my_option": 3})
    env.step(torch.zeros(1, 6))
    pushed.step(torch.zeros(1, 6), endpoint_load=torch.tensor([[20.0, 0.0]]))
    assert not torch.equal(env.states["joint"], pushed.states["joint"])


def test_env_states_is_the_effector_dict_and_info_holds_a_copy():
    env = env_of()
    env.reset(options={"batch_size": 1})
    assert env.states is env.effector.states
    _, _, _, _, info = env.step(torch.zeros(1, 6))
    assert info["states"] is not env.states and info["states"]["joint"] is env.states["joint"]


def test_noisy_actions_are_the_stacked_ones():
    env = env_of(action_noise=0.5, action_frame_stacking=1)
    env.reset(options={"batch_size": 2})
    obs, *_, info = env.step(torch.zeros(2, 6))
    assert torch.equal(obs[:, -6:], info["noisy action"])


# ---- policy -----------------------------------------------------------------------------------


def test_policy_gru_is_a_batch_first_torch_gru_and_readout_options():
    policy = mn.policy.PolicyGRU(10, 8, 3)
    assert policy.n_layers == 1 and isinstance(policy.sigmoid, torch.nn.Sigmoid)
    assert isinstance(policy.gru, torch.nn.GRU) and policy.gru.batch_first
    x, h = torch.rand(4, 10), torch.rand(1, 4, 8)
    u, h1 = policy(x, h)
    _, h_gru = policy.gru(x[:, None], h)
    assert torch.allclose(h1, h_gru, atol=1e-6)
    assert torch.allclose(u, policy.sigmoid(policy.fc(h_gru[0])), atol=1e-6)
    xavier = mn.policy.PolicyGRU(10, 50, 6, readout_init="xavier")
    assert xavier.fc.weight.std() > 0.05 > policy.fc.weight.std()


def test_every_public_module_is_an_attribute_of_the_package_and_the_clis_import_cleanly():
    import types

    assert all(isinstance(getattr(mn, name), types.ModuleType) for name in mn.__all__)
    with pytest.raises(AttributeError, match="no attribute 'trian'"):
        _ = mn.trian
    for cli in ("motornet.train", "motornet.evaluate"):  # no "found in sys.modules" warning
        subprocess.run([sys.executable, "-W", "error", "-m", cli, "--help"], check=True, capture_output=True)


# The library's layers, each importing only those before it (docs/architecture.md).
LAYERS = [
    "layout",
    "compiled",
    "integrators",
    "skeleton",
    "muscle",
    "geometry",
    "effector",
    "environment",
    "tasks",
    "products",
    "policy",
    "loss",
    "ensemble",
    "rollout",
    "config",
    "runs",
    "train",
    "evaluate",
    "plotor",
]


def test_each_module_imports_only_the_layers_below_it():
    import ast
    from pathlib import Path

    package = Path(mn.__file__).parent
    packages = {p.parent.name: sorted(p.parent.glob("*.py")) for p in package.glob("*/__init__.py")}
    modules = {p.stem: [p] for p in package.glob("*.py") if p.stem != "__init__"}
    assert sorted(LAYERS) == sorted({**modules, **packages})
    for module in LAYERS:
        for path in {**modules, **packages}[module]:
            tree = ast.parse(path.read_text())
            # `from .x` names a motornet module in a module, a sibling in a package (`from ..x` a motornet module)
            level = 1 if module in modules else 2
            imported = {
                node.module.split(".")[0] if node.module else alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.level == level
                for alias in node.names
            }
            above = imported - set(LAYERS[: LAYERS.index(module)])
            assert not above, f"motornet.{module} ({path.name}) imports {sorted(above)}, a layer above it"
            outside = {
                alias.name.split(".")[0]
                for node in ast.walk(tree)
                if isinstance(node, ast.Import)
                for alias in node.names
            } | {
                node.module.split(".")[0]
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.level == 0
            }
            assert not outside & {"analysis", "workflow", "snakemake"}, f"motornet.{module} imports the pipeline"
