"""A researcher's own script, and a hostile environment: every case ends in a one-line error naming the
problem (or in the documented safe outcome), never in a silent wrong result, a traceback or code run from
a file. The table below is the list of probes; the tests after it cover what a table row cannot."""

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

import motornet.train as train_module
from motornet import evaluate as evaluate_module
from motornet.effector import GeometricArm26, ReluPointMass24, RigidTendonArm26
from motornet.environment import Environment
from motornet.evaluate import RunUnfinishedError, load_policy, load_test_config, run_test
from motornet.muscle import MUSCLES
from motornet.skeleton import PointMass, TwoDofArm
from motornet.train import CheckpointError, ConfigError, RunMismatchError, load_checkpoint, load_config, train

REPO = Path(__file__).resolve().parents[1]
TINY = {
    "seed": 2,
    "effector": {"name": "arm26", "muscle": "thelen"},
    "task": {"name": "random_reach", "max_ep_duration": 0.1},
    "policy": {"hidden_size": 8},
    "training": {
        "n_batches": 4,
        "batch_size": 4,
        "log_every": 1,
        "checkpoint_every": 2,
        "device": "cpu",
        "threads": 1,
        "progress": False,
    },
}


def tiny(**training):
    return {**TINY, "training": {**TINY["training"], **training}}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A finished tiny run."""
    path = tmp_path_factory.mktemp("run")
    train(tiny(), path)
    return path


def thelen_arm(**muscle_kwargs):
    return RigidTendonArm26(muscle=MUSCLES["thelen"](), muscle_kwargs=muscle_kwargs)


def environment(**kwargs):
    return Environment(RigidTendonArm26(), **kwargs)


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def payload_checkpoint(tmp_path):
    """A checkpoint whose pickle, if unpickled freely, creates tmp_path/pwned."""

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path}/pwned",))

    torch.save({"batch": 1, "policy": {}, "optimizer": {}, "config": {}, "x": Payload()}, tmp_path / "checkpoint.pt")
    return tmp_path


def _test_config_from(tmp_path, text):
    return load_test_config(write(tmp_path, "test.yaml", text))


# (case, action(tmp_path, run), expected exception, its message)
CASES = [
    (
        "negative forearm mass",
        lambda t, r: TwoDofArm(m2=-1.0),
        ValueError,
        r"m2 \(kg\) must be a finite number greater than 0",
    ),
    ("zero upper-arm length", lambda t, r: TwoDofArm(l1=0.0), ValueError, r"l1 \(m\) must be .* greater than 0"),
    ("NaN inertia", lambda t, r: TwoDofArm(i1=math.nan), ValueError, r"i1 \(kg m\^2\) must be a finite number"),
    ("negative joint viscosity", lambda t, r: TwoDofArm(viscosity=-0.1), ValueError, r"viscosity .* of at least 0"),
    ("massless point mass", lambda t, r: PointMass(mass=0.0), ValueError, r"mass \(kg\) must be .* greater than 0"),
    ("zero timestep", lambda t, r: RigidTendonArm26(timestep=0.0), ValueError, "timestep must be a positive number"),
    ("NaN timestep", lambda t, r: RigidTendonArm26(timestep=math.nan), ValueError, "timestep must be a positive"),
    (
        "zero muscle force",
        lambda t, r: thelen_arm(max_isometric_force=0.0),
        ValueError,
        "max_isometric_force must be a finite number greater than 0",
    ),
    (
        "negative optimal fibre length",
        lambda t, r: thelen_arm(optimal_muscle_length=-0.1),
        ValueError,
        "optimal_muscle_length must be",
    ),
    (
        "NaN tendon length",
        lambda t, r: thelen_arm(tendon_length=math.nan),
        ValueError,
        "tendon_length must be a finite",
    ),
    (
        "per-muscle list of the wrong length",
        lambda t, r: thelen_arm(max_isometric_force=[1.0, 2.0]),
        ValueError,
        "one value per muscle",
    ),
    ("muscle parameter the model lacks", lambda t, r: thelen_arm(not_a_parameter=1.0), KeyError, "not parameters of"),
    (
        "negative point-mass muscle force",
        lambda t, r: ReluPointMass24(max_isometric_force=-5.0),
        ValueError,
        "max_isometric_force must be",
    ),
    (
        "geometric arm, zero slack",
        lambda t, r: GeometricArm26(muscle=MUSCLES["thelen"](), muscle_kwargs={"normalized_slack_muscle_length": 0.0}),
        ValueError,
        "normalized_slack_muscle_length must be",
    ),
    (
        "episode shorter than a step",
        lambda t, r: environment(max_ep_duration=0.001),
        ValueError,
        "shorter than one timestep",
    ),
    (
        "vision delay longer than the episode",
        lambda t, r: environment(max_ep_duration=0.5, vision_delay=0.6),
        ValueError,
        "longer than the episode",
    ),
    (
        "delay not a multiple of the step",
        lambda t, r: environment(proprioception_delay=0.015),
        ValueError,
        "integer multiple of the effector's timestep",
    ),
    (
        "NaN joint state at reset",
        lambda t, r: RigidTendonArm26().reset(options={"joint_state": [math.nan, 1.0]}),
        ValueError,
        "joint_state must hold finite numbers",
    ),
    (
        "joint state of the wrong width",
        lambda t, r: RigidTendonArm26().reset(options={"joint_state": [1.0, 1.0, 1.0]}),
        ValueError,
        "joint_state must have 2",
    ),
    (
        "seed beyond torch's range",
        lambda t, r: load_config({"seed": 1e30}),
        ConfigError,
        "seed must be an integer from 0",
    ),
    ("negative seed", lambda t, r: load_config({"seed": -1}), ConfigError, "seed must be an integer from 0"),
    (
        "unknown component reduction",
        lambda t, r: load_config({"loss": {"component_reduction": "max"}}),
        ConfigError,
        "component_reduction must be one of",
    ),
    (
        "snapshot beyond the run",
        lambda t, r: load_config(tiny(snapshots=[5])),
        ConfigError,
        "training.snapshots must list increasing batch numbers",
    ),
    (
        "test with no targets",
        lambda t, r: _test_config_from(t, "task: {name: centre_out, n_targets: 0}"),
        ConfigError,
        "task.n_targets must be an integer of at least 1",
    ),
    (
        "test whose go-cue never comes",
        lambda t, r: _test_config_from(t, "task: {name: centre_out, go_cue_time: 5.0, max_ep_duration: 1.0}"),
        ConfigError,
        "go_cue_time must be shorter than task.max_ep_duration",
    ),
    (
        "test with a NaN curl gain",
        lambda t, r: _test_config_from(t, "task: {name: centre_out, curl_gain: .nan}"),
        ConfigError,
        "task.curl_gain must hold finite numbers",
    ),
    (
        "test config with a key twice",
        lambda t, r: _test_config_from(t, "seed: 0\ntask: {name: centre_out}\nseed: 1\n"),
        ConfigError,
        "key 'seed' is given twice, at lines 1 and 3",
    ),
    (
        "two training sections",
        lambda t, r: load_config(write(t, "c.yaml", "training: {n_batches: 1}\ntraining: {}\n")),
        ConfigError,
        "key 'training' is given twice, at lines 1 and 2",
    ),
    (
        "config that is not UTF-8",
        lambda t, r: load_config(write(t, "c.yaml", b"seed: 1\n# caf\xe9\n")),
        ConfigError,
        "is not UTF-8 text",
    ),
    (
        "checkpoint carrying code",
        lambda t, r: load_checkpoint(payload_checkpoint(t)),
        CheckpointError,
        "holds posix.system besides tensors and plain containers",
    ),
    (
        "checkpoint that is a list of tensors",
        lambda t, r: (torch.save([torch.zeros(2)], t / "c.pt"), load_checkpoint(t / "c.pt")),
        CheckpointError,
        "is not a motornet.train checkpoint",
    ),
    (
        "truncated checkpoint",
        lambda t, r: load_checkpoint(write(t, "c.pt", (r / "checkpoint.pt").read_bytes()[:999])),
        CheckpointError,
        "truncated or damaged",
    ),
    (
        "another run's checkpoint",
        lambda t, r: (
            train({**tiny(n_batches=2), "seed": 7}, t / "other"),
            load_policy(r, checkpoint=t / "other" / "checkpoint.pt"),
        ),
        RunMismatchError,
        "written with another configuration",
    ),
    (
        "unfinished run evaluated",
        lambda t, r: (train(tiny(n_batches=2), t / "u"), load_policy(t / "u", config_n(t))),
        RunUnfinishedError,
        r"at batch 2 of training.n_batches = 4: the run is unfinished",
    ),
    (
        "dangling symlink as run directory",
        lambda t, r: (os.symlink(t / "gone", t / "link"), train(tiny(), t / "link")),
        ConfigError,
        "is a symbolic link to .* which does not exist",
    ),
    (
        "init_from a policy of another size",
        lambda t, r: train({**tiny(init_from=str(r)), "policy": {"hidden_size": 16}}, t / "bigger"),
        ConfigError,
        "holds a policy of another shape",
    ),
]


def config_n(tmp_path):
    """Make tmp_path/u's config ask for 4 batches (its checkpoint is at 2): an unfinished run."""
    (tmp_path / "u" / "config.yaml").write_text(yaml.safe_dump(train_module.config_to_dict(load_config(tiny()))))
    return None


@pytest.mark.parametrize("case, action, error, message", CASES, ids=[c[0] for c in CASES])
def test_a_hostile_input_gets_an_error_naming_it(case, action, error, message, tmp_path, run):
    with pytest.raises(error, match=message) as raised:
        action(tmp_path, run)
    assert "\n" not in str(raised.value), "one line"
    assert not (tmp_path / "pwned").exists(), "no code from a file ran"


# ---- what a table row cannot show --------------------------------------------------------------------


def test_weaker_muscles_give_proportionally_less_isometric_force():
    """muscle_kwargs reach the physics: at the same posture, velocity and activation, half of F_max is half the
    force (active and passive alike scale with F_max)."""
    forces = []
    for scale in (1.0, 0.5):
        arm = RigidTendonArm26(
            muscle=MUSCLES["thelen"](),
            muscle_kwargs={"max_isometric_force": [scale * f for f in (838.0, 1207.0, 1422.0, 1549.0, 414.0, 603.0)]},
        )
        arm.reset(options={"joint_state": [[0.8, 1.5, 0.0, 0.0]]})
        arm.step(torch.full((1, 6), 0.5))  # one step from rest: the same lengths, velocities, activations
        forces.append(arm.states["muscle"][0, arm.force_index])
    torch.testing.assert_close(forces[1], 0.5 * forces[0], rtol=1e-4, atol=1e-6)


def test_a_config_muscle_kwargs_changes_the_trained_result(tmp_path):
    weak = {**tiny(n_batches=2), "effector": {**TINY["effector"], "muscle_kwargs": {"max_isometric_force": 300.0}}}
    train(tiny(n_batches=2), tmp_path / "default")
    train(weak, tmp_path / "weak")
    assert (tmp_path / "default" / "log.csv").read_text().splitlines()[1].split(",")[:7] != (
        tmp_path / "weak" / "log.csv"
    ).read_text().splitlines()[1].split(",")[:7]


def test_a_checkpoint_carrying_code_runs_nothing_in_the_evaluate_cli_or_a_dry_run(tmp_path, run):
    target = tmp_path / "run"
    target.mkdir()
    for name in ("config.yaml", "log.csv"):
        (target / name).write_bytes((run / name).read_bytes())
    payload_checkpoint(target)
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "motornet.evaluate",
            str(target),
            str(REPO / "motornet/configs/test_fig6.yaml"),
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert cli.returncode == 2 and cli.stderr.count("\n") == 1 and "besides tensors" in cli.stderr, cli.stderr
    assert train_module.run_status(target, tiny()) is not None  # what snakemake -n asks of every run
    assert not (target / "pwned").exists()


def test_evaluate_records_which_checkpoint_and_marks_an_unfinished_one(tmp_path, run):
    _, meta = run_test(run, {"task": {"name": "centre_out", "n_targets": 2}}, tmp_path / "done")
    import json

    done = json.loads(meta.read_text())["checkpoint"]
    assert done["batch"] == 4 and not done["unfinished"] and done["kind"] == "checkpoint"
    assert done["config_sha256"] == train_module.config_hash(load_config(tiny()))
    train(tiny(n_batches=2), tmp_path / "u")
    config_n(tmp_path)
    _, meta = run_test(
        tmp_path / "u", {"task": {"name": "centre_out", "n_targets": 2}}, tmp_path / "u_out", allow_unfinished=True
    )
    assert json.loads(meta.read_text())["checkpoint"]["unfinished"] is True


def test_a_failing_save_keeps_the_previous_results_whole(tmp_path, run, monkeypatch):
    test = {"task": {"name": "centre_out", "n_targets": 2}}
    npz, _ = run_test(run, test, tmp_path / "out")
    before = npz.read_bytes()

    def full_disk(file, **arrays):
        file.write(b"PK\x03\x04 partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(evaluate_module.np, "savez_compressed", full_disk)
    with pytest.raises(OSError):
        run_test(run, test, tmp_path / "out")
    assert npz.read_bytes() == before and not list(tmp_path.glob(".out.npz.*"))


def test_a_full_disk_at_checkpoint_time_is_one_line_and_keeps_the_last_checkpoint(tmp_path, run, monkeypatch, capsys):
    config = write(tmp_path, "c.yaml", yaml.safe_dump(tiny(n_batches=8)))
    target = tmp_path / "r"
    train(tiny(n_batches=2), target)
    before = (target / "checkpoint.pt").read_bytes()
    original = train_module.save_checkpoint

    def full(path, *args, **kwargs):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(train_module, "save_checkpoint", full)
    with pytest.raises(SystemExit) as stop:
        train_module.main([str(config), str(target), "--quiet"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1 and "No space left on device" in err, err
    assert (target / "checkpoint.pt").read_bytes() == before
    monkeypatch.setattr(train_module, "save_checkpoint", original)


def test_ctrl_c_is_one_line_that_says_how_to_resume(tmp_path, monkeypatch, capsys):
    config = write(tmp_path, "c.yaml", yaml.safe_dump(tiny()))

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "train_step", interrupt)
    with pytest.raises(SystemExit) as stop:
        train_module.main([str(config), str(tmp_path / "r"), "--quiet"])
    err = capsys.readouterr().err
    assert stop.value.code == 130 and err.count("\n") == 1 and "run the same command again to resume" in err


def test_a_damaged_log_row_is_dropped_with_a_message(tmp_path, capsys):
    train(tiny(n_batches=2), tmp_path)
    log = tmp_path / "log.csv"
    lines = log.read_text().splitlines()
    log.write_bytes(("\n".join(lines[:2] + ["2,0.1,\xff" + ",x" * 7]) + "\n").encode("latin-1"))
    train(tiny(), tmp_path)
    assert "1 damaged row dropped (line 3)" in capsys.readouterr().err
    assert [row.split(",")[0] for row in log.read_text().splitlines()[1:]] == ["1", "3", "4"]


def test_an_emptied_config_is_restored_from_its_checkpoint(tmp_path, run):
    target = tmp_path / "r"
    target.mkdir()
    for name in ("checkpoint.pt", "log.csv"):
        (target / name).write_bytes((run / name).read_bytes())
    (target / "config.yaml").write_text("")
    with pytest.raises(RunMismatchError, match="--restore-config"):
        load_policy(target)
    assert "--restore-config" in train_module.config_file_problem(target)
    train_module.main([str(target), "--restore-config"])
    assert train_module.config_file_problem(target) is None
    load_policy(target)


def test_run_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        train(tiny(n_batches=2), tmp_path)
    finally:
        os.umask(old)
    for name in ("checkpoint.pt", "config.yaml", "log.csv"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644, name


def test_sigterm_leaves_no_temporary_checkpoint(tmp_path):
    config = write(tmp_path, "c.yaml", yaml.safe_dump(tiny(n_batches=100000, checkpoint_every=1, log_every=1)))
    process = subprocess.Popen(
        [sys.executable, "-m", "motornet.train", str(config), str(tmp_path / "r"), "--quiet"],
        env={**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"},
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    while not (tmp_path / "r" / "checkpoint.pt").exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    assert not list((tmp_path / "r").glob(".*.tmp")), "an orphan temporary file"
    load_checkpoint(tmp_path / "r")


def test_a_stop_while_the_temporary_file_is_created_leaves_no_orphan(tmp_path, monkeypatch):
    # the window the subprocess test above hits only by chance: SIGTERM as the temporary file is created
    from motornet import runs

    create = os.open

    def open_then_sigterm(*args, **kwargs):
        made = create(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)
        return made

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        monkeypatch.setattr(runs.os, "open", open_then_sigterm)
        with pytest.raises(SystemExit):
            runs.atomic_write(tmp_path / "checkpoint.pt", lambda f: f.write(b"x"))
    finally:
        monkeypatch.undo()
        signal.signal(signal.SIGTERM, previous)
    assert list(tmp_path.iterdir()) == []
