"""Ensembles (motornet.train.train_ensemble): N networks trained as one batch equal N runs trained alone."""

import csv
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

import motornet.train as train_module
from motornet.ensemble import PolicyEnsemble, TaskEnsemble
from motornet.loss import eq1_from_costs, eq1_loss, eq1_step_costs
from motornet.rollout import Rollout
from motornet.train import ConfigError, NonFiniteLossError, build, load_checkpoint, train, train_ensemble

REPO = Path(__file__).resolve().parents[1]
# hidden noise, action noise and pulses: every random stream of a run is exercised
TINY = {
    "effector": {"name": "arm26", "muscle": "thelen"},
    "task": {"name": "random_reach", "max_ep_duration": 0.1, "perturbation_probability": 0.5},
    "policy": {"hidden_size": 8, "action_noise": 0.01, "hidden_noise": 0.001},
    "training": {
        "n_batches": 20,
        "batch_size": 4,
        "learning_rate": 3e-3,
        "log_every": 5,
        "checkpoint_every": 5,
        "device": "cpu",
        "threads": 1,
        "progress": False,
    },
}
SEEDS = (0, 1, 2)


def tiny(seed, **training):
    return {**TINY, "seed": seed, "training": {**TINY["training"], **training}}


def read_log(run_dir):
    with open(Path(run_dir) / "log.csv", newline="") as f:
        return [{k: float(v) for k, v in row.items() if k != "wall_time"} for row in csv.DictReader(f)]


def assert_same_run(a, b, rtol=1e-4, atol=1e-6):
    """Weights, Adam moments and logged values equal to float32 tolerance; same batch and random streams."""
    x, y = load_checkpoint(a), load_checkpoint(b)
    assert x["batch"] == y["batch"]
    for name, value in x["policy"].items():
        torch.testing.assert_close(value, y["policy"][name], rtol=rtol, atol=atol, msg=name)
    for i, state in x["optimizer"]["state"].items():
        for key, value in state.items():
            torch.testing.assert_close(value, y["optimizer"]["state"][i][key], rtol=rtol, atol=atol)
    assert torch.equal(x["rng"]["effector"], y["rng"]["effector"]) and torch.equal(x["rng"]["torch"], y["rng"]["torch"])
    rows_a, rows_b = read_log(a), read_log(b)
    assert [r["batch"] for r in rows_a] == [r["batch"] for r in rows_b]
    for ra, rb in zip(rows_a, rows_b):
        for key in ra:
            assert ra[key] == pytest.approx(rb[key], rel=rtol, abs=atol), key


@pytest.fixture(scope="module")
def alone(tmp_path_factory):
    """Each seed trained on its own for 20 batches."""
    root = tmp_path_factory.mktemp("alone")
    for seed in SEEDS:
        train(tiny(seed), root / f"seed{seed}")
    return root


def test_an_ensemble_equals_the_networks_trained_alone(alone, tmp_path):
    summaries = train_ensemble([tiny(seed) for seed in SEEDS], [tmp_path / f"seed{seed}" for seed in SEEDS])
    assert [s["batch"] for s in summaries] == [20] * 3
    for seed in SEEDS:
        assert_same_run(tmp_path / f"seed{seed}", alone / f"seed{seed}")
    # the networks differ from each other: each has its own initialisation and data
    a, b = (load_checkpoint(tmp_path / f"seed{s}")["policy"]["fc.bias"] for s in SEEDS[:2])
    assert not torch.allclose(a, b)


def test_networks_resumed_at_different_batches_train_in_groups_until_they_meet(alone, tmp_path):
    # seed 0 stopped at batch 10, seed 1 at batch 5 (as a kill -9 between two checkpoint writes leaves
    # them), seed 2 never started: the ensemble resumes each from its own checkpoint
    train(tiny(0, n_batches=10), tmp_path / "seed0")
    train(tiny(1, n_batches=5), tmp_path / "seed1")
    train_ensemble([tiny(seed) for seed in SEEDS], [tmp_path / f"seed{seed}" for seed in SEEDS])
    for seed in SEEDS:
        assert_same_run(tmp_path / f"seed{seed}", alone / f"seed{seed}")


def test_an_ensemble_killed_resumes_to_the_same_networks(alone, tmp_path):
    paths = []
    for seed in SEEDS:
        paths.append(tmp_path / f"seed{seed}.yaml")
        paths[-1].write_text(yaml.safe_dump(tiny(seed)))
    script = (
        "import sys; from motornet.train import train_ensemble; "
        "train_ensemble(sys.argv[1:4], sys.argv[4:7], progress=False)"
    )
    command = [sys.executable, "-c", script, *map(str, paths), *(str(tmp_path / f"seed{s}") for s in SEEDS)]
    env = {"PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(command, cwd=REPO, env=env)
    deadline = time.time() + 120
    while not (tmp_path / "seed2" / "checkpoint.pt").exists() and time.time() < deadline and process.poll() is None:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the ensemble ended before it could be killed"
    assert load_checkpoint(tmp_path / "seed0")["batch"] < 20
    subprocess.run(command, cwd=REPO, env=env, check=True, timeout=300)
    for seed in SEEDS:
        assert_same_run(tmp_path / f"seed{seed}", alone / f"seed{seed}")


def test_a_network_whose_loss_becomes_nan_leaves_and_the_others_finish(alone, tmp_path, monkeypatch):
    real = train_module.eq1_from_costs
    calls = {"n": 0}

    def poisoned(*args, **kwargs):  # network 1's loss is NaN from the 7th batch on
        calls["n"] += 1
        terms = real(*args, **kwargs)
        if calls["n"] >= 7 and terms["loss"].shape[0] == 3:
            terms["loss"] = terms["loss"] * torch.tensor([1.0, float("nan"), 1.0])
        return terms

    monkeypatch.setattr(train_module, "eq1_from_costs", poisoned)
    with pytest.raises(NonFiniteLossError, match=r"batch 7 of \S*seed1; the last good checkpoint \(batch 5\)") as error:
        train_ensemble([tiny(seed) for seed in SEEDS], [tmp_path / f"seed{seed}" for seed in SEEDS])
    assert "seed0" not in str(error.value) and "seed2" not in str(error.value)
    assert load_checkpoint(tmp_path / "seed1")["batch"] == 5
    for seed in (0, 2):
        assert_same_run(tmp_path / f"seed{seed}", alone / f"seed{seed}")


def test_ensemble_configs_may_differ_only_in_seed(tmp_path):
    other = tiny(1)
    other["policy"] = {**other["policy"], "hidden_size": 9}
    with pytest.raises(ConfigError, match=r"may differ only in seed.*policy.hidden_size: 8 -> 9"):
        train_ensemble([tiny(0), other], [tmp_path / "a", tmp_path / "b"])
    with pytest.raises(ConfigError, match="run directories must differ"):
        train_ensemble([tiny(0), tiny(1)], [tmp_path / "a", tmp_path / "a"])
    assert not any(tmp_path.iterdir()), "nothing may be written for a bad ensemble"


@pytest.mark.parametrize(
    "reduction, fused",
    [
        ("mean", {"chunk": 3}),
        ("sum", {"chunk": 3}),
        pytest.param("mean", {"compile": "scan"}, marks=pytest.mark.slow),  # ~60 s to compile its backward
    ],
    ids=["mean", "sum", "mean-scan"],
)
def test_the_fused_costs_give_eq1_of_the_recorded_episode(reduction, fused):
    """Rollout(costs=eq1_step_costs) sums, turned into eq. 1 by eq1_from_costs, equal eq1_loss on the
    recorded trajectories, per network of an ensemble, with either component reduction, in eager chunks
    and in one compiled scan; and their gradients agree."""
    configs = [train_module.load_config({**tiny(seed), "loss": {"component_reduction": reduction}}) for seed in (3, 4)]
    built = [build(c) for c in configs]
    policy, task = PolicyEnsemble([p for _, p in built]), TaskEnsemble([t for t, _ in built])
    config = configs[0].loss
    runner = Rollout(
        task,
        policy,
        **fused,
        record=("fingertip", "activation", "hidden"),
        costs=eq1_step_costs(config, task.muscle.max_iso_force, task.dt),
    )
    out = runner(5)
    fused = eq1_from_costs(config, out["costs"], 10, policy.input_kernels(), 2)
    desired = task.desired_trajectory[:, 1:]
    for k in range(2):
        rows = slice(5 * k, 5 * (k + 1))
        recorded = eq1_loss(
            config,
            out["fingertip"][rows],
            desired[rows],
            out["activation"][rows],
            task.muscle.max_iso_force,
            out["hidden"][rows],
            policy.input_kernels()[k],
            task.dt,
        )
        for name, value in recorded.items():
            torch.testing.assert_close(fused[name][k], value, rtol=1e-5, atol=1e-9, msg=name)
        assert recorded["hidden_derivative"] > 0
    grads = torch.autograd.grad(fused["loss"][1], policy.stacked[1], retain_graph=True)[0]
    recorded = eq1_loss(
        config,
        out["fingertip"][5:],
        desired[5:],
        out["activation"][5:],
        task.muscle.max_iso_force,
        out["hidden"][5:],
        policy.input_kernels()[1],
        task.dt,
    )["loss"]
    torch.testing.assert_close(grads, torch.autograd.grad(recorded, policy.stacked[1])[0], rtol=1e-4, atol=1e-8)
    assert grads[0].abs().sum() == 0, "network 1's loss has no gradient on network 0's weights"


def test_the_command_line_trains_an_ensemble_into_seed_directories(alone, tmp_path, capsys):
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump(tiny(5)))
    train_module.main([str(config), str(tmp_path / "runs"), "--seeds", "1", "2", "--quiet"])
    assert capsys.readouterr().out.count("trained to batch 20") == 2
    for seed in (1, 2):
        assert_same_run(tmp_path / "runs" / f"seed{seed}", alone / f"seed{seed}")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_an_ensemble_trains_on_cuda_as_its_networks_alone(tmp_path):
    configs = [tiny(seed, n_batches=6, device="cuda") for seed in SEEDS[:2]]
    train_ensemble(configs, [tmp_path / f"ensemble{k}" for k in range(2)])
    for k, config in enumerate(configs):
        train(config, tmp_path / f"alone{k}")
        assert_same_run(tmp_path / f"ensemble{k}", tmp_path / f"alone{k}", rtol=1e-3, atol=1e-5)
