"""The notebooks in analysis/notebooks/ run top to bottom on the smoke preset's results (one test each)."""
import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebooks need nbformat, nbclient and ipykernel")
nbclient = pytest.importorskip("nbclient", reason="the notebooks need nbformat, nbclient and ipykernel")
pytest.importorskip("ipykernel", reason="the notebooks need nbformat, nbclient and ipykernel")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "analysis" / "notebooks"


def run_notebook(path, workdir, preset="smoke", timeout=300):
    """Execute a notebook in a fresh python3 kernel (jupyter_client starts it with this interpreter,
    sys.executable, so motornet and analysis are importable), cwd = the notebook's folder, results looked up
    under workdir/results/preset; raises CellExecutionError on the first failing cell."""
    notebook = nbformat.read(path, as_version=4)
    env = {**os.environ, "MOTORNET_WORKDIR": str(workdir), "MOTORNET_PRESET": preset}
    client = nbclient.NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=env)
    return notebook


def test_the_kernel_is_this_python_with_the_repository_installed(tmp_path):
    path = tmp_path / "probe.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys, motornet, analysis.notebook\nprint(sys.executable)")]), path)
    output = run_notebook(path, tmp_path).cells[0].outputs[0]["text"].strip()
    assert Path(output).resolve() == Path(sys.executable).resolve()


def test_notebooks_exist():
    assert {"fig1.ipynb", "fig4.ipynb"} <= {p.name for p in NOTEBOOKS.glob("*.ipynb")}


def test_notebooks_are_stored_without_outputs():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        assert not [c for c in cells if c.cell_type == "code" and (c.outputs or c.execution_count)], path.name


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebook_runs_on_the_smoke_results(smoke, name):
    notebook = run_notebook(NOTEBOOKS / name, smoke)
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{name}: {errors[0]['ename']}: {errors[0]['evalue']}"
