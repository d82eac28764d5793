"""The tutorials in docs/tutorials/ run top to bottom at the tiny budget (MOTORNET_TUTORIAL_BUDGET=tiny), on
a temporary copy so that their stored outputs are left as they are; and each is stored executed (the docs
site shows the outputs), without an error."""

import os
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the tutorials need nbformat, nbclient and ipykernel")
nbclient = pytest.importorskip("nbclient", reason="the tutorials need nbformat, nbclient and ipykernel")
pytest.importorskip("ipykernel", reason="the tutorials need nbformat, nbclient and ipykernel")

REPO = Path(__file__).resolve().parents[1]
TUTORIALS = REPO / "docs" / "tutorials"
NAMES = sorted(p.name for p in TUTORIALS.glob("*.ipynb"))


def test_tutorials_exist():
    assert {"01_effectors.ipynb", "03_training.ipynb"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_tutorial_is_stored_executed(name):
    code = [c for c in nbformat.read(TUTORIALS / name, as_version=4).cells if c.cell_type == "code"]
    # every code cell executed (a cell defining a function has no output of its own), in order, with figures
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), f"{name}: not stored executed"
    assert any("image/png" in o.get("data", {}) for c in code for o in c.outputs), f"{name}: no figure stored"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{name}: stored with an error: {errors[0]['ename']}: {errors[0]['evalue']}"


@pytest.mark.parametrize("name", NAMES)
def test_tutorial_runs_at_the_tiny_budget(name, tmp_path):
    copy = tmp_path / name
    shutil.copy(TUTORIALS / name, copy)
    before = (TUTORIALS / name).read_bytes()
    notebook = nbformat.read(copy, as_version=4)
    env = {
        **os.environ,
        "MOTORNET_TUTORIAL_BUDGET": "tiny",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    try:
        client.execute(env=env)
    except nbclient.exceptions.CellExecutionError as error:
        pytest.fail(f"{name}: {error.ename}: {error.evalue}\n{error}", pytrace=False)
    assert (TUTORIALS / name).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name], "the tutorial wrote files into its folder"
