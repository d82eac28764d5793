"""The Python sources are formatted and linted by ruff, with the settings in pyproject.toml."""

import shutil
import subprocess

import pytest
from conftest import REPO

RUFF = shutil.which("ruff", path=str(REPO / ".venv" / "bin")) or shutil.which("ruff")


@pytest.mark.skipif(RUFF is None, reason="pip install ruff (in the [test] extra)")
@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_sources_pass_ruff(command):
    result = subprocess.run([RUFF, *command, "."], cwd=REPO, capture_output=True, text=True, timeout=120)
    fix = "ruff check --fix ." if command == ["check"] else "ruff format ."
    assert result.returncode == 0, f"run `{fix}`:\n{result.stdout}{result.stderr}"
