import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from motornet.effector import ReluPointMass24, RigidTendonArm26
from motornet.tasks import (
    ARM26_START,
    CentreOutReach,
    PosturalTask,
    RandomReach,
    curl_field,
    make_task,
    task_class,
    task_parameters,
)
from motornet.train import ConfigError, load_config

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def arm():
    return RigidTendonArm26()


def run(task, batch_size=None, seed=0, action=0.02, **options):
    """Roll a constant excitation; returns obs (B, T+1, D) and per-state / per-step info lists."""
    obs, info = task.reset(seed=seed, options={"batch_size": batch_size, **options})
    observations, infos = [obs], [info]
    u = torch.as_tensor(action, dtype=obs.dtype).expand(obs.shape[0], task.n_muscles)
    with torch.no_grad():
        for _ in range(task.n_steps):
            obs, _, _, _, info = task.step(u)
            observations.append(obs)
            infos.append(info)
    return torch.stack(observations, 1), infos


def test_observation_is_target_feedback_start_and_go_cue(arm):
    task = RandomReach(arm, max_ep_duration=0.2)
    obs, info = task.reset(seed=1, options={"batch_size": 5})
    assert obs.shape == (5, 2 + 2 + 12 + 3) == (5, task.observation_space.shape[0])
    torch.testing.assert_close(obs[:, :2], task.trials.target)
    torch.testing.assert_close(obs[:, -3:-1], info["states"]["fingertip"])
    torch.testing.assert_close(task.trials.start, info["states"]["fingertip"])
    assert (obs[:, -1] == 1).all()


def test_go_cue_input_is_delayed_exactly_as_vision(arm):
    task = CentreOutReach(arm, go_cue_time=0.1, max_ep_duration=0.3, vision_delay=0.05)
    go, k = 10, 5
    obs, infos = run(task, action=0.2)  # the arm moves, so every vision entry is distinct
    assert (task.trials.go_step == go).all()
    cue = obs[:, :, -1]
    assert (cue[:, : go + k - 1] == 1).all() and (cue[:, go + k - 1 :] == 0).all()
    fingertip = torch.stack([i["states"]["fingertip"] for i in infos], 1)
    vision = obs[:, :, 2:4]
    # the observation where the cue first reads 0 is the one whose vision first shows the go-step state
    torch.testing.assert_close(vision[:, go + k - 1], fingertip[:, go])
    torch.testing.assert_close(vision[:, go + k - 2], fingertip[:, go - 1])


def test_start_input_turns_to_zero_with_the_go_cue_input_and_the_target_stays_shown(arm):
    """Inputs as the original toolbox generates them (paper-protocols, corrected 4.1.4)."""
    task = CentreOutReach(arm, go_cue_time=0.1, max_ep_duration=0.3, vision_delay=0.05)
    go, k = 10, 5
    obs, _ = run(task)
    start = obs[:, :, -3:-1]
    torch.testing.assert_close(start[:, : go + k - 1], task.trials.start[:, None].expand(-1, go + k - 1, -1))
    assert (start[:, go + k - 1 :] == 0).all()
    torch.testing.assert_close(obs[:, :, :2], task.trials.target[:, None].expand(-1, obs.shape[1], -1))
    shown = CentreOutReach(arm, go_cue_time=0.1, max_ep_duration=0.3, hide_start_at_go=False)
    obs, _ = run(shown)
    torch.testing.assert_close(obs[:, :, -3:-1], shown.trials.start[:, None].expand(-1, obs.shape[1], -1))


def test_catch_trials_keep_the_start_input(arm):
    task = RandomReach(arm, max_ep_duration=0.3, catch_probability=1.0)
    obs, _ = run(task, batch_size=4)
    torch.testing.assert_close(obs[:, :, -3:-1], task.trials.start[:, None].expand(-1, obs.shape[1], -1))


def test_desired_position_switches_to_target_at_the_go_cue_without_delay(arm):
    task = CentreOutReach(arm, go_cue_time=0.1, max_ep_duration=0.3)
    _, infos = run(task)
    desired = torch.stack([i["desired"] for i in infos], 1)
    start, target = task.trials.start[:, None], task.trials.target[:, None]
    torch.testing.assert_close(desired[:, :10], start.expand(-1, 10, -1))
    torch.testing.assert_close(desired[:, 10:], target.expand(-1, 21, -1))
    torch.testing.assert_close(task.desired_trajectory, desired)


def test_catch_trials_never_show_a_go_cue_and_keep_the_start_as_goal(arm):
    task = RandomReach(arm, max_ep_duration=0.3, catch_probability=1.0)
    obs, infos = run(task, batch_size=16)
    assert task.trials.catch.all()
    assert (obs[:, :, -1] == 1).all()
    desired = torch.stack([i["desired"] for i in infos], 1)
    torch.testing.assert_close(desired, task.trials.start[:, None].expand_as(desired))
    assert not torch.allclose(task.trials.target, task.trials.start)  # a target is shown all the same


def test_half_of_the_base_protocol_trials_are_catch_trials(arm):
    task = RandomReach(arm, max_ep_duration=0.5)
    task.reset(seed=0, options={"batch_size": 4000})
    assert abs(task.trials.catch.float().mean().item() - 0.5) < 0.03


def test_random_go_cue_is_uniform_over_the_episode(arm):
    task = RandomReach(arm, max_ep_duration=0.5, catch_probability=0.0)
    task.reset(seed=0, options={"batch_size": 5000})
    go = task.trials.go_step
    assert go.min() == 0 and go.max() == task.n_steps - 1
    counts = torch.bincount(go, minlength=task.n_steps).float()
    assert counts.std() / counts.mean() < 0.25
    ranged = RandomReach(arm, max_ep_duration=0.5, catch_probability=0.0, go_cue_range=(0.1, 0.3))
    ranged.reset(seed=0, options={"batch_size": 500})
    assert ranged.trials.go_step.min() == 10 and ranged.trials.go_step.max() == 29
    fixed = RandomReach(arm, max_ep_duration=0.5, catch_probability=0.0, go_cue_time=0.1)
    fixed.reset(seed=0, options={"batch_size": 50})
    assert (fixed.trials.go_step == 10).all()


def test_random_start_and_target_cover_the_joint_space(arm):
    task = RandomReach(arm, max_ep_duration=0.1)
    _, info = task.reset(seed=0, options={"batch_size": 2000})
    joint = info["states"]["joint"][:, :2]
    lo, hi = arm.pos_lower_bound, arm.pos_upper_bound
    assert ((joint >= lo) & (joint <= hi)).all()
    assert ((joint.min(0).values - lo) < 0.05 * (hi - lo)).all() and (
        (hi - joint.max(0).values) < 0.05 * (hi - lo)
    ).all()
    reach = torch.linalg.vector_norm(task.trials.target, dim=-1)
    assert (reach <= arm.skeleton.l1 + arm.skeleton.l2).all()


def test_point_mass_start_and_target_cover_the_workspace():
    task = RandomReach(ReluPointMass24(), max_ep_duration=0.1)
    task.reset(seed=0, options={"batch_size": 2000})
    for xy in (task.trials.start, task.trials.target):
        assert (xy.abs() <= 1).all() and (xy.min(0).values < -0.9).all() and (xy.max(0).values > 0.9).all()


def test_same_seed_gives_the_same_trials(arm):
    task = RandomReach(arm, max_ep_duration=0.5, perturbation_probability=0.5)
    draws = []
    for seed in (3, 3, 4):
        task.reset(seed=seed, options={"batch_size": 8})
        draws.append(
            torch.cat(
                [task.trials.start, task.trials.target, task.trials.pulse_force, task.trials.go_step[:, None].float()],
                1,
            )
        )
    torch.testing.assert_close(draws[0], draws[1], rtol=0, atol=0)
    assert not torch.allclose(draws[0], draws[2])


@pytest.mark.parametrize("n_targets", [8, 24])
def test_centre_out_targets_lie_on_a_circle_around_the_fixed_start(arm, n_targets):
    task = CentreOutReach(arm, n_targets=n_targets, radius=0.1, max_ep_duration=0.2)
    _, info = task.reset(seed=0)
    assert info["states"]["joint"].shape[0] == n_targets
    torch.testing.assert_close(info["states"]["joint"][:, :2], torch.tensor([ARM26_START] * n_targets))
    offset = task.trials.target - task.trials.start
    torch.testing.assert_close(torch.linalg.vector_norm(offset, dim=-1), torch.full((n_targets,), 0.1))
    angles = torch.rad2deg(torch.atan2(offset[:, 1], offset[:, 0])) % 360
    torch.testing.assert_close(angles, torch.arange(n_targets) * (360.0 / n_targets), atol=1e-3, rtol=0)
    assert not task.trials.catch.any()
    assert (task.trials.go_step == 10).all()


def test_centre_out_batch_cycles_through_conditions(arm):
    task = CentreOutReach(arm, n_targets=8, max_ep_duration=0.2, catch_probability=0.5)
    task.reset(seed=0, options={"batch_size": 64})
    torch.testing.assert_close(task.trials.condition, torch.arange(64) % 8)
    assert 0.3 < task.trials.catch.float().mean() < 0.7


def test_curl_field_force_is_orthogonal_to_velocity_and_turns_it_counter_clockwise():
    v = torch.randn(100, 2)
    force = curl_field(v, 8.0)
    torch.testing.assert_close((force * v).sum(-1), torch.zeros(100), atol=1e-5, rtol=0)
    torch.testing.assert_close(torch.linalg.vector_norm(force, dim=-1), 8 * torch.linalg.vector_norm(v, dim=-1))
    assert (v[:, 0] * force[:, 1] - v[:, 1] * force[:, 0] > 0).all()
    torch.testing.assert_close(curl_field(torch.tensor([[1.0, 0.0]]), 8.0), torch.tensor([[0.0, 8.0]]))


def test_curl_field_is_applied_as_the_endpoint_load_of_each_step(arm):
    task = CentreOutReach(arm, curl_gain=8.0, max_ep_duration=0.3)
    _, infos = run(task, action=[0.3, 0.0, 0.3, 0.0, 0.0, 0.0])  # flexors: the arm moves
    for before, after in zip(infos[:-1], infos[1:]):
        expected = curl_field(before["states"]["cartesian"][:, 2:], 8.0)
        torch.testing.assert_close(after["endpoint_load"], expected)
    assert torch.linalg.vector_norm(infos[-1]["endpoint_load"], dim=-1).max() > 0.1


def test_centre_out_pulse_is_orthogonal_to_the_reach_after_go_plus_70ms_plus_visual_delay(arm):
    task = CentreOutReach(arm, n_targets=8, perturbation_magnitudes=(0.0, 3.0, -6.0), max_ep_duration=0.4)
    _, infos = run(task)
    load = torch.stack([i["endpoint_load"] for i in infos[1:]], 1)  # (B, T, 2), load of step n -> n + 1
    onset, steps = 10 + 12, 10
    tr = task.trials
    assert tr.condition.tolist() == list(range(24))
    reach = tr.target - tr.start
    for b in range(24):
        magnitude = (0.0, 3.0, -6.0)[b % 3]
        active = load[b, onset : onset + steps]
        if magnitude == 0:
            assert (load[b] == 0).all()
            continue
        assert (load[b, :onset] == 0).all() and (load[b, onset + steps :] == 0).all()
        torch.testing.assert_close(active, active[:1].expand(steps, -1))
        force = active[0]
        torch.testing.assert_close(torch.linalg.vector_norm(force), torch.tensor(abs(magnitude)))
        assert abs(torch.dot(force, reach[b]).item()) < 1e-6
        cross = (reach[b, 0] * force[1] - reach[b, 1] * force[0]).item()
        assert cross * magnitude > 0  # positive magnitudes push counter-clockwise of the reach


def test_postural_task_has_no_go_cue_and_cardinal_pulses_at_170ms_plus_visual_delay(arm):
    task = PosturalTask(arm, perturbation_magnitudes=(6.0, 12.0))
    obs, infos = run(task)
    tr = task.trials
    assert obs.shape[0] == 8 and (obs[:, :, -1] == 1).all()
    torch.testing.assert_close(tr.target, tr.start)
    desired = torch.stack([i["desired"] for i in infos], 1)
    torch.testing.assert_close(desired, tr.start[:, None].expand_as(desired))
    load = torch.stack([i["endpoint_load"] for i in infos[1:]], 1)
    onset = 22
    expected = torch.tensor(
        [[6.0, 0.0], [12.0, 0.0], [0.0, 6.0], [0.0, 12.0], [-6.0, 0.0], [-12.0, 0.0], [0.0, -6.0], [0.0, -12.0]]
    )
    torch.testing.assert_close(load[:, onset], expected, atol=1e-5, rtol=0)
    assert (load[:, :onset] == 0).all() and (load[:, onset + 10 :] == 0).all()
    assert (load[:, onset : onset + 10] != 0).any(-1).all()


def test_pulse_pushes_the_point_mass_along_the_force():
    effector = ReluPointMass24()
    task = PosturalTask(effector, perturbation_magnitudes=(4.0,), start_joint=(0.0, 0.0), max_ep_duration=0.4)
    _, infos = run(task, action=0.0)
    position = infos[-1]["states"]["fingertip"]  # right, up, left, down
    direction = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    assert ((position * direction).sum(-1) > 0.01).all()


def test_random_training_pulses_follow_paper_4_4_2(arm):
    task = RandomReach(arm, max_ep_duration=0.8, perturbation_probability=0.5)
    task.reset(seed=0, options={"batch_size": 4000})
    tr = task.trials
    perturbed = tr.pulse_steps > 0
    assert abs(perturbed.float().mean().item() - 0.5) < 0.03
    assert (tr.pulse_steps[perturbed] == 10).all()
    assert (tr.pulse_onset[perturbed] + 10 <= task.n_steps).all()
    assert tr.pulse_onset[perturbed].min() == 0 and tr.pulse_onset[perturbed].max() == task.n_steps - 10
    magnitude = torch.linalg.vector_norm(tr.pulse_force, dim=-1)
    assert (magnitude[~perturbed] == 0).all()
    in_catch, in_reach = magnitude[perturbed & tr.catch], magnitude[perturbed & ~tr.catch]
    assert in_reach.max() <= 4 and in_reach.max() > 3.9 and in_catch.max() <= 8 and in_catch.max() > 7.8
    # independent of catch: as many perturbed trials among catch and reach trials
    assert abs(perturbed[tr.catch].float().mean() - perturbed[~tr.catch].float().mean()) < 0.05
    angle = torch.atan2(tr.pulse_force[perturbed, 1], tr.pulse_force[perturbed, 0])
    assert torch.histc(angle, bins=4, min=-math.pi, max=math.pi).min() > 0.2 * perturbed.sum()
    schedule = task.pulse_schedule
    b = int(torch.nonzero(perturbed)[0])
    on = int(tr.pulse_onset[b])
    torch.testing.assert_close(schedule[b, on : on + 10], tr.pulse_force[b].expand(10, -1))
    assert (schedule[b, :on] == 0).all() and (schedule[b, on + 10 :] == 0).all()


def test_task_parameters_list_what_a_config_may_set():
    assert "catch_probability" not in task_parameters("posture")
    assert {"n_targets", "radius", "curl_gain", "max_ep_duration"} <= set(task_parameters("centre_out"))
    assert "action_noise" not in task_parameters("random_reach")
    with pytest.raises(ValueError, match="valid"):
        make_task("center_out", RigidTendonArm26())


VIA_POINT = """
import torch
from motornet.tasks import ReachTask

class ViaPoint(ReachTask):
    \"\"\"Reach to a target `reach` (m) straight above the start.\"\"\"
    def __init__(self, effector, reach=0.05, **kwargs):
        super().__init__(effector, **kwargs)
        self.reach = float(reach)

    def draw_trials(self, batch_size, start):
        go, catch = self.draw_go_steps(batch_size)
        target = start + torch.tensor([0.0, self.reach], dtype=start.dtype)
        return self.make_trials(start, target, go, catch)
"""


@pytest.fixture
def via_point_module(tmp_path, monkeypatch):
    (tmp_path / "my_tasks.py").write_text(VIA_POINT)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_a_task_named_module_colon_class_is_built_with_its_own_options(arm, via_point_module):
    task = make_task("my_tasks:ViaPoint", arm, reach=0.03, max_ep_duration=0.1)
    obs, _ = task.reset(seed=0, options={"batch_size": 3})
    torch.testing.assert_close(task.trials.target - task.trials.start, torch.tensor([[0.0, 0.03]] * 3))
    assert task_parameters("my_tasks:ViaPoint")["reach"] == 0.05


def test_a_config_trains_a_task_of_the_users_own_module_in_a_fresh_process(via_point_module, tmp_path):
    config = tmp_path / "via.yaml"
    config.write_text(
        textwrap.dedent("""
        effector: {name: arm26}
        task: {name: "my_tasks:ViaPoint", reach: 0.02, max_ep_duration: 0.1}
        policy: {hidden_size: 8}
        training: {n_batches: 2, batch_size: 4, log_every: 1, checkpoint_every: 2, threads: 1, progress: false}
        """)
    )
    env = {"PYTHONPATH": f"{via_point_module}:{REPO}", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "motornet.train", str(config), str(tmp_path / "run"), "--quiet"]
    subprocess.run(command, check=True, env=env, capture_output=True, timeout=300)
    saved = load_config(tmp_path / "run" / "config.yaml")
    assert saved.task.name == "my_tasks:ViaPoint" and saved.task.options["reach"] == 0.02
    with pytest.raises(ConfigError, match="unknown key 'reech'"):
        load_config({"task": {"name": "my_tasks:ViaPoint", "reech": 0.02}})


@pytest.mark.parametrize(
    "name, message",
    [
        ("no_such_module:Task", "cannot import 'no_such_module'.*PYTHONPATH"),
        ("math:Task", "module 'math' has no 'Task'"),
        ("math:pi", "not a subclass of motornet.tasks.ReachTask"),
        ("centre_outt", "valid: .*'module:Class'"),
    ],
)
def test_a_task_name_that_names_no_task_is_refused_with_the_reason(name, message):
    with pytest.raises(ValueError, match=message):
        task_class(name)
