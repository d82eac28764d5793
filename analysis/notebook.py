"""Where the notebooks in analysis/notebooks/ find the pipeline's results, and running them headless.

    from analysis.notebook import locate, require
    workdir, preset, results = locate()     # results = workdir / "results" / preset
    require(results, "fig5_metrics.csv")    # ResultsMissing, naming the files and the command, if absent

    python -m analysis.notebook [--preset paper] [--workdir DIR] NOTEBOOK...   # `make notebooks`

| variable          | meaning                                         | default                                      |
|---|---|---|
| MOTORNET_WORKDIR  | the directory Snakemake ran in (`--directory`)  | the repository root (nearest dir with a Snakefile above the cwd) |
| MOTORNET_PRESET   | paper, quick or smoke (`--config preset=...`)   | paper (what `make run` builds from the shipped networks) |

The command line executes each notebook in place (outputs stored, `metadata.motornet.preset` set); a
notebook that fails is left as it was and named, with the error, in one line.
"""

import argparse
import os
import sys
import time
from pathlib import Path
from typing import NamedTuple

import yaml

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "workflow" / "config"


class Located(NamedTuple):
    workdir: Path
    preset: str
    results: Path


def repo_root(start=None):
    """The nearest directory holding a Snakefile at or above `start` (default the cwd); else this repository."""
    start = Path(start or Path.cwd()).resolve()
    return next((d for d in (start, *start.parents) if (d / "Snakefile").is_file()), REPO)


class ResultsMissing(FileNotFoundError):
    """The results a notebook reads have not been built for its preset."""


def build_command(preset):
    """The command that builds a preset's results (run in the workdir)."""
    if preset == "paper":
        return (
            "`make run` (from the shipped networks; figures whose networks are not shipped are left out) "
            "or `snakemake --cores 2 --config preset=paper` (trains them)"
        )
    return (
        f"`snakemake --cores 2 --config preset={preset}` (it trains the preset's networks), or read the "
        f"paper preset's results instead (MOTORNET_PRESET=paper, built by `make run` in minutes)"
    )


def locate():
    """(workdir, preset, results) from MOTORNET_WORKDIR and MOTORNET_PRESET (see the module docstring);
    ResultsMissing when the preset has no results there."""
    workdir = Path(os.environ.get("MOTORNET_WORKDIR") or repo_root()).resolve()
    preset = os.environ.get("MOTORNET_PRESET", "paper")
    results = workdir / "results" / preset
    if not results.is_dir():
        raise ResultsMissing(
            f"{results} does not exist: build it with {build_command(preset)} in {workdir}, "
            f"or set MOTORNET_WORKDIR / MOTORNET_PRESET"
        )
    return Located(workdir, preset, results)


def require(results, *paths):
    """ResultsMissing, naming the missing ones among `paths` (relative to `results` or absolute) and the command
    that builds them, unless all exist: a notebook calls it first, so that it stops there rather than deep inside."""
    missing = [Path(results) / p for p in paths if not (Path(results) / p).exists()]
    if missing:
        shown = ", ".join(str(p.relative_to(results)) if p.is_relative_to(results) else str(p) for p in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise ResultsMissing(
            f"{len(missing)} of the results this notebook reads are missing under {results}: {shown}{more}. "
            f"Build them with {build_command(Path(results).name)}"
        )


class KernelFailed(RuntimeError):
    """The notebook's kernel died or a cell ran past the timeout; the message ends with the kernel's last words."""


def execute(path, workdir=None, preset="paper", timeout=600):
    """Run a notebook top to bottom in a fresh python3 kernel (jupyter_client starts it with this interpreter,
    sys.executable, so motornet and analysis are importable), cwd = the notebook's folder, its results looked up
    under workdir/results/preset (workdir: default repo_root()). Returns the executed notebook (nothing is
    written); raises nbclient's CellExecutionError at the first failing cell, KernelFailed if the kernel dies or
    a cell takes longer than `timeout` s. The kernel's own stdout and stderr (its start-up warnings, ipykernel's
    shutdown noise) go to a scratch file, read only when the kernel fails."""
    import tempfile

    import nbclient
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    env = {**os.environ, "MOTORNET_WORKDIR": str(workdir or repo_root()), "MOTORNET_PRESET": preset}
    client = nbclient.NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(Path(path).parent)}},
    )
    with tempfile.TemporaryFile("w+") as log:
        try:
            client.execute(env=env, stdout=log, stderr=log)
        except (nbclient.exceptions.DeadKernelError, nbclient.exceptions.CellTimeoutError) as error:
            log.seek(0)
            last = [line.strip() for line in log if line.strip()][-1:] or ["(it printed nothing)"]
            raise KernelFailed(
                f"{type(error).__name__}: {str(error).strip().splitlines()[0]}; kernel: {last[0]}"
            ) from None
    return notebook


def _merge(base, override):
    """Nested dicts merged the way Snakemake merges its config files (override wins, key by key)."""
    out = dict(base)
    for key, value in override.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def config(preset):
    """The pipeline's settings for a preset: workflow/config/paper.yaml overridden by <preset>.yaml."""
    settings = yaml.safe_load((CONFIGS / "paper.yaml").read_text())
    if preset != "paper":
        settings = _merge(settings, yaml.safe_load((CONFIGS / f"{preset}.yaml").read_text()) or {})
    return settings


def main(argv=None):
    """Execute notebooks in place on a preset's results (`make notebooks`)."""
    import nbclient
    import nbformat

    parser = argparse.ArgumentParser(prog="python -m analysis.notebook", description=main.__doc__)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--workdir", type=Path, default=None, help="where Snakemake ran (default: this checkout)")
    args = parser.parse_args(argv)
    failed = []
    for path in args.notebooks:
        t0 = time.perf_counter()
        try:
            notebook = execute(path, args.workdir, args.preset)
        except (nbclient.exceptions.CellExecutionError, KernelFailed) as error:
            failed.append(path)
            reason = f"{error.ename}: {error.evalue}" if hasattr(error, "ename") else f"KernelFailed: {error}"
            print(f"{path}: not executed, left as it was: {reason}", file=sys.stderr)
            continue
        notebook.metadata["motornet"] = {"preset": args.preset}
        nbformat.write(notebook, path)
        print(f"{path}: executed on the {args.preset} preset's results ({time.perf_counter() - t0:.0f} s)")
    if failed:
        sys.exit(f"{len(failed)} of {len(args.notebooks)} notebooks not executed: {', '.join(map(str, failed))}")


if __name__ == "__main__":
    main()
