"""The package as a user installs it: a wheel built from this checkout, installed outside it, gives a
working motornet with its bundled configs and its command-line tools."""

import os
import subprocess
import sys

import pytest
import tomllib
from conftest import REPO

import motornet


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built from this checkout, installed (without its dependencies, which this venv has) into
    a directory of its own."""
    root = tmp_path_factory.mktemp("package")
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", root / "dist", REPO], check=True, timeout=300
    )
    (wheel,) = (root / "dist").glob("motornet_repro-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", root / "site", wheel], check=True, timeout=300)
    return root, wheel


def run_outside(root, *command):
    env = {**os.environ, "PYTHONPATH": str(root / "site"), "OMP_NUM_THREADS": "1"}
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_the_wheel_carries_the_version_and_the_bundled_configs(installed):
    root, wheel = installed
    assert wheel.name.startswith(f"motornet_repro-{motornet.__version__}-")
    probe = (
        "import motornet, pathlib, yaml; from motornet.train import load_config; "
        "d = pathlib.Path(motornet.__file__).parent; "
        "print(d); [load_config(p) for p in sorted((d / 'configs').glob('fig*.yaml'))]; print(motornet.__version__)"
    )
    result = run_outside(root, sys.executable, "-c", probe)
    assert result.returncode == 0, result.stderr
    where, version = result.stdout.split()
    assert where.startswith(str(root / "site")) and version == motornet.__version__


def test_the_command_line_tools_run_from_the_installed_package(installed, tmp_path):
    root, _ = installed
    config = root / "site" / "motornet" / "configs" / "fig6_point_mass.yaml"
    train = run_outside(
        root,
        str(root / "site" / "bin" / "motornet-train"),
        str(config),
        str(tmp_path / "run"),
        *("--set", "training.n_batches=2", "--set", "training.batch_size=4", "--set", "training.threads=1"),
        "--quiet",
    )
    assert train.returncode == 0, train.stderr
    assert (tmp_path / "run" / "checkpoint.pt").exists()
    help_ = run_outside(root, str(root / "site" / "bin" / "motornet-evaluate"), "--help")
    assert help_.returncode == 0 and "usage" in help_.stdout


def test_the_version_is_declared_once():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert "version" in project["dynamic"] and "version" not in project
    assert (REPO / "CHANGELOG.md").read_text().count(f"## {motornet.__version__}") == 1
