"""The pipeline's config is checked before any job runs (workflow/schemas/config.schema.yaml, then every
model's training config by motornet.train), and a training job never resumes another run's weights."""

import hashlib
import runpy
import subprocess
import sys
import types
from pathlib import Path

import pytest
import torch
import yaml

pytest.importorskip("snakemake", reason="the pipeline needs snakemake (pip install snakemake)")

from conftest import snakemake

from motornet.train import load_checkpoint, train

REPO = Path(__file__).resolve().parents[1]


def failing_snakemake(workdir, *args):
    """Run a dry run that must stop before any job; returns its output (stdout + stderr)."""
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "-n",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0, result.stdout + result.stderr
    assert not (workdir / "results").exists()
    return result.stdout + result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--config", "presett=quick"], "error: unknown key 'presett' in the config. Did you mean 'preset'?"),
        (
            ["--config", "preset=smoke", "models={fig1_naive: {training: {n_bacthes: 5}}}"],
            "error: models.fig1_naive: unknown key 'n_bacthes' in training. Did you mean 'n_batches'?",
        ),
        (
            ["--config", "preset=smoke", "fig4={drift: {gird: 5}}"],
            "error: unknown key 'gird' in fig4.drift. Did you mean 'grid'?",
        ),
        (
            ["--config", "preset=smoke", "fig4={workspace_grid: many}"],
            "error: config fig4.workspace_grid: 'many' is not of type 'integer'",
        ),
        (
            ["--config", "preset=smoke", "models={fig1_adapted: {init_from: fig1_naiv}}"],
            "error: models.fig1_adapted.init_from: 'fig1_naiv' is not a model",
        ),
        (
            ["--config", "preset=smoke", "models={fig1_naive: {policy: {hidden_size: 0}}}"],
            "error: models.fig1_naive: policy.hidden_size must be at least 1, got 0",
        ),
    ],
)
def test_a_bad_config_stops_the_dry_run_with_one_line_naming_it(tmp_path, args, message):
    out = failing_snakemake(tmp_path, *args)
    assert message in out, out
    assert "Traceback" not in out, out


def test_nested_overrides_arrive_typed_from_the_command_line_and_a_configfile(tmp_path):
    override = tmp_path / "override.yaml"
    override.write_text("models:\n  fig1_adapted: {training: {n_batches: 3}}\n")
    out = snakemake(
        tmp_path,
        "-n",
        "results/smoke/runs/fig1_adapted/seed0/checkpoint.pt",
        "--configfile",
        str(override),
        "--config",
        "preset=smoke",
        "models={fig1_naive: {training: {n_batches: 5}}}",
    )
    assert "train fig1_naive seeds 0, 1: 5 batches x 8 episodes" in out, out
    assert "train fig1_adapted seeds 0, 1: 3 batches x 8 episodes" in out, out


class Output(list):
    """Snakemake's output list as training.smk names it: the run files in order, then `snapshots` (none here)."""

    snapshots = ()


def run_train_script(tmp_path, monkeypatch, config, staging):
    """workflow/scripts/train_model.py as a training job of one seed runs it, with a stand-in `snakemake`."""
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    job = types.SimpleNamespace(
        log=[str(tmp_path / "train.log")],
        threads=1,
        params=types.SimpleNamespace(configs=[config], stagings=[str(staging)]),
        output=Output([str(out / "checkpoint.pt"), str(out / "config.yaml"), str(out / "log.csv")]),
    )
    monkeypatch.setattr(sys, "stdout", sys.stdout)  # the script sends both to its log file
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    monkeypatch.syspath_prepend(str(REPO / "workflow" / "scripts"))
    runpy.run_path(str(REPO / "workflow" / "scripts" / "train_model.py"), init_globals={"snakemake": job})
    return out


def test_training_job_restarts_a_staging_run_whose_parent_was_retrained(tmp_path, monkeypatch):
    tiny = {
        "seed": 3,
        "effector": {"name": "arm26"},
        "task": {"name": "random_reach", "max_ep_duration": 0.1},
        "policy": {"hidden_size": 8},
        "training": {
            "n_batches": 2,
            "batch_size": 4,
            "log_every": 1,
            "checkpoint_every": 1,
            "device": "cpu",
            "progress": False,
        },
    }
    parent, staging = tmp_path / "parent", tmp_path / "child" / "training"
    train(tiny, parent)
    child = {**tiny, "training": {**tiny["training"], "init_from": str(parent / "checkpoint.pt")}}
    train(child, staging)  # the child's job, stopped at batch 2
    train({**tiny, "seed": 4}, parent, resume=False)  # the parent is changed and retrained
    (staging / "config.yaml").touch()  # newer than the parent, as after an aborted start
    longer = {**child, "training": {**child["training"], "n_batches": 4}}
    out = run_train_script(tmp_path, monkeypatch, longer, staging)

    result = load_checkpoint(out)
    assert result["parent_sha256"] == hashlib.sha256((parent / "checkpoint.pt").read_bytes()).hexdigest()
    reference = train(longer, tmp_path / "reference")  # the same run started from the new parent
    for name, value in load_checkpoint(tmp_path / "reference")["policy"].items():
        assert torch.equal(value, result["policy"][name]), name
    assert reference["batch"] == result["batch"] == 4
    assert [line.split(",")[0] for line in (out / "log.csv").read_text().splitlines()[1:]] == ["1", "2", "3", "4"]
    assert yaml.safe_load((out / "config.yaml").read_text())["training"]["n_batches"] == 4
