"""The notebooks in analysis/notebooks/ run top to bottom on the smoke preset's results (one test each),
without being written back; on a preset without the results they read they stop at once, saying which."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebooks need nbformat, nbclient and ipykernel")
nbclient = pytest.importorskip("nbclient", reason="the notebooks need nbformat, nbclient and ipykernel")
pytest.importorskip("ipykernel", reason="the notebooks need nbformat, nbclient and ipykernel")

from analysis.notebook import execute  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "analysis" / "notebooks"


def test_the_kernel_is_this_python_with_the_repository_installed(tmp_path):
    path = tmp_path / "probe.ipynb"
    nbformat.write(
        nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell("import sys, motornet, analysis.notebook\nprint(sys.executable)")]
        ),
        path,
    )
    output = execute(path, tmp_path).cells[0].outputs[0]["text"].strip()
    assert Path(output).resolve() == Path(sys.executable).resolve()


def test_notebooks_exist():
    assert {"fig1.ipynb", "fig4.ipynb"} <= {p.name for p in NOTEBOOKS.glob("*.ipynb")}


def test_notebooks_are_stored_without_outputs_or_executed_on_the_paper_preset():
    """`make notebooks` stores them executed on the paper preset's results (metadata.motornet.preset), without
    an error; otherwise they are stored with no outputs."""
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        if notebook.metadata.get("motornet", {}).get("preset") == "paper":
            assert not [o for c in code for o in c.outputs if o.output_type == "error"], path.name
        else:
            assert not [c for c in code if c.outputs or c.execution_count], path.name


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebook_runs_on_the_smoke_results(smoke, name):
    before = (NOTEBOOKS / name).read_bytes()
    notebook = execute(NOTEBOOKS / name, smoke, preset="smoke")
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{name}: {errors[0]['ename']}: {errors[0]['evalue']}"
    assert (NOTEBOOKS / name).read_bytes() == before


def test_a_notebook_without_its_results_stops_in_its_first_cell_naming_them(tmp_path):
    (tmp_path / "results" / "smoke").mkdir(parents=True)  # the preset exists, Figure 5's results do not
    with pytest.raises(nbclient.exceptions.CellExecutionError) as error:
        execute(NOTEBOOKS / "fig5.ipynb", tmp_path, preset="smoke")
    assert error.value.ename == "ResultsMissing", error.value
    assert (
        "fig5_metrics.csv" in error.value.evalue and "snakemake --cores 2 --config preset=smoke" in error.value.evalue
    )


def test_make_notebooks_leaves_a_notebook_that_fails_as_it_was(tmp_path):
    notebook = tmp_path / "fig5.ipynb"
    shutil.copy(NOTEBOOKS / "fig5.ipynb", notebook)
    before = notebook.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "analysis.notebook", "--preset", "smoke", "--workdir", str(tmp_path), str(notebook)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert result.returncode == 1 and notebook.read_bytes() == before
    assert f"{notebook}: not executed, left as it was: ResultsMissing: " in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def test_a_kernel_that_dies_is_named_in_one_line_and_its_own_output_kept_off_the_terminal(tmp_path):
    notebook = tmp_path / "dies.ipynb"
    cell = "import sys, os\nprint('kernel about to exit', file=sys.__stderr__, flush=True)\nos._exit(3)"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)]), notebook)
    before = notebook.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "analysis.notebook", "--workdir", str(tmp_path), str(notebook)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert result.returncode == 1 and notebook.read_bytes() == before
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"{notebook}: not executed, left as it was: KernelFailed: "), lines
    assert "DeadKernelError" in lines[0] and lines[0].endswith("kernel: kernel about to exit"), lines[0]
