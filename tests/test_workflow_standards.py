"""The workflow meets Snakemake's own standards: `snakemake --lint` finds nothing, the Snakefiles are
formatted by snakefmt, and the rules' conda environment is environment.yml, listing exactly the
project's dependencies."""

import subprocess
import sys

import pytest
import yaml
from conftest import REPO, snakemake

pytest.importorskip("snakemake", reason="the pipeline needs snakemake (pip install snakemake)")


def test_snakemake_lint_finds_nothing(tmp_path):
    out = snakemake(tmp_path, "--lint")
    assert "Lints for" not in out and "good condition" in out, out


def test_snakefiles_are_formatted_with_snakefmt():
    pytest.importorskip("snakefmt", reason="pip install snakefmt (in the [test] extra)")
    result = subprocess.run(
        [sys.executable, "-m", "snakefmt", "--check", "."], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"run `snakefmt .`:\n{result.stdout}{result.stderr}"


def test_rule_environment_is_environment_yml():
    env = REPO / "workflow" / "envs" / "motornet.yaml"
    assert env.is_symlink() and env.resolve() == (REPO / "environment.yml").resolve()


def test_conda_environment_lists_exactly_the_project_dependencies():
    tomllib = pytest.importorskip("tomllib", reason="Python >= 3.11")
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = project["dependencies"] + extras["test"] + extras["lean"]
    notebooks = [r for r in pip if r.startswith("jupyterlab")]
    assert sorted(pip) == sorted(set(wanted) | set(notebooks)), "environment.yml and pyproject.toml differ"


@pytest.mark.parametrize("caption", sorted((REPO / "workflow" / "report").glob("*.rst")), ids=lambda p: p.name)
def test_report_captions_render_without_docutils_messages(caption):
    """Snakemake's report renders each caption with docutils: no warning or error (e.g. |x| read as a
    substitution) may show in it."""
    import docutils.core

    doctree = docutils.core.publish_doctree(
        caption.read_text(), settings_overrides={"report_level": 5, "halt_level": 5}
    )
    messages = [node.astext() for node in doctree.findall(lambda n: n.tagname in ("problematic", "system_message"))]
    assert not messages, messages
