import os
import subprocess
import sys
from pathlib import Path

# Eager steps in tests (and the pipelines they run): compiling takes minutes on a CPU. tests/test_compiled.py
# switches the mode itself.
os.environ.setdefault("MOTORNET_COMPILE", "never")

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items):
    """Under pytest-xdist (`make test`: -n 2 --dist loadgroup) each file's tests share a worker, so that its
    module fixtures are built once, and the files of the smoke pipeline share one, for its session fixture."""
    smoke = {item.path for item in items if "smoke" in getattr(item, "fixturenames", ())}
    for item in items:
        item.add_marker(pytest.mark.xdist_group("smoke" if item.path in smoke else str(item.path.relative_to(REPO))))


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def snakemake(workdir, *args, timeout=300):
    """Run the repository's Snakefile with `workdir` as the working directory (results/, figures/)."""
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result.stdout + result.stderr


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    """The whole smoke preset (`snakemake --cores 2 --config preset=smoke`) run once in a scratch
    directory; returns that directory (results/smoke/, figures/smoke/ under it)."""
    pytest.importorskip("snakemake", reason="the pipeline needs snakemake (pip install snakemake)")
    workdir = tmp_path_factory.mktemp("smoke")
    snakemake(workdir, "--cores", "2", "--config", "preset=smoke", timeout=900)
    return workdir
