"""A script written for the public MotorNet 0.3 toolbox runs unchanged."""
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
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
''')


def test_motornet_03_script_runs_unchanged():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "torch.Size([4, 4]) torch.Size([4, 7, 6]) torch.Size([4, 4, 6]) torch.Size([4, 2])"
    assert lines[1].startswith("2 ['pectoralis', 'deltoid']")
    assert lines[-1] == "ok"
