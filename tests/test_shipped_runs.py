"""The shipped networks (results/paper/runs/<model>/seed<k>/, committed) are used, never retrained, on a fresh
clone: no Snakemake metadata, checkout mtimes in any order (the runs older than their base configs, the
workflow's scripts and their parent run). A run whose settings really changed is still retrained, and its
child runs with it; `without_training` (`make run`) builds what the shipped runs allow and names the rest."""

import os
import re
import shutil
import subprocess

import pytest

pytest.importorskip("snakemake", reason="the pipeline needs snakemake (pip install snakemake)")

from conftest import REPO, snakemake

RUN_FILES = ("checkpoint.pt", "config.yaml", "log.csv")


def shipped_runs():
    """run directories (repository-relative) whose three files are committed."""
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "results/paper/runs"], capture_output=True, text=True
    ).stdout.split()
    return sorted(
        {
            os.path.dirname(p)
            for p in listed
            if p.endswith("/checkpoint.pt") and all(os.path.dirname(p) + "/" + name in listed for name in RUN_FILES)
        }
    )


SHIPPED = shipped_runs()
pytestmark = pytest.mark.skipif(
    "results/paper/runs/fig1_adapted/seed0" not in SHIPPED,
    reason="Figure 1's networks are not shipped in this checkout",
)


@pytest.fixture
def fresh_clone(tmp_path):
    """A working directory holding the shipped runs as a clone has them, with the worst mtimes: every run
    older than everything in the repository, each child run older than its parent, no .snakemake/."""
    for k, run in enumerate(sorted(SHIPPED, key=lambda r: "fig1_adapted" not in r)):  # the child first: oldest
        os.makedirs(tmp_path / run)
        for name in RUN_FILES:
            shutil.copy(REPO / run / name, tmp_path / run / name)
            os.utime(tmp_path / run / name, (946684800 + k, 946684800 + k))  # 2000-01-01
    return tmp_path


def planned(out, rule):
    """Jobs of `rule` in a dry run's summary (printed once or twice); 'train': of every training job's rule
    (train_<model>_...)."""
    pattern = r"train_\w+" if rule == "train" else re.escape(rule)
    counts = {}
    for name, n in re.findall(rf"^({pattern})\s+(\d+)$", out, re.M):
        counts.setdefault(name, int(n))
    return sum(counts.values())


def test_shipped_runs_are_not_retrained_on_a_fresh_clone(fresh_clone):
    out = snakemake(fresh_clone, "-n", "without_training", "--quiet", "rules", "--config", "preset=paper")
    assert planned(out, "train") == 0 and planned(out, "stale_run") == 0, out
    assert planned(out, "figure1") == 1 and planned(out, "test_model") >= 4, out
    if len(SHIPPED) < 20:
        assert "and claims.json are left out" in out and "snakemake --cores all --config preset=paper" in out, out
    everything = snakemake(fresh_clone, "-n", "--config", "preset=paper")
    for run in SHIPPED:
        model, seed = run.split("/")[-2], run.split("seed")[-1]
        assert f"train {model} seed {seed}:" not in everything, everything


def test_a_shipped_run_whose_settings_changed_is_retrained_with_its_child(fresh_clone):
    out = snakemake(
        fresh_clone,
        "-n",
        "results/paper/tests/fig1_adapted/seed0/test_fig1_null.npz",
        "--config",
        "preset=paper",
        "models={fig1_naive: {training: {learning_rate: 0.002}}}",
    )
    assert (
        "fig1_naive seed 0 is to be trained again: trained with other settings "
        "(training.learning_rate: 0.001 -> 0.002)" in out
    ), out
    assert "fig1_adapted seed 0 is to be trained again: its parent run results/paper/runs/fig1_naive/seed0" in out, out
    # the paper preset's three Figure 1 seeds share the changed settings: they train again as one ensemble job
    assert (
        "train fig1_naive seeds 0, 1, 2: 7680 batches" in out and "train fig1_adapted seeds 0, 1, 2: 768 batches" in out
    ), out
