"""Where the notebooks in analysis/notebooks/ find the pipeline's results.

    from analysis.notebook import locate
    workdir, preset, results = locate()     # results = workdir / "results" / preset

| variable          | meaning                                         | default                                      |
|---|---|---|
| MOTORNET_WORKDIR  | the directory Snakemake ran in (`--directory`)  | the repository root (nearest dir with a Snakefile above the cwd) |
| MOTORNET_PRESET   | paper, quick or smoke (`--config preset=...`)   | quick                                        |
"""
import os
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


def locate():
    """(workdir, preset, results) from MOTORNET_WORKDIR and MOTORNET_PRESET (see the module docstring)."""
    workdir = Path(os.environ.get("MOTORNET_WORKDIR") or repo_root()).resolve()
    preset = os.environ.get("MOTORNET_PRESET", "quick")
    results = workdir / "results" / preset
    if not results.is_dir():
        raise FileNotFoundError(f"{results} does not exist: run `snakemake --cores 2 --config preset={preset}` "
                                f"in {workdir}, or set MOTORNET_WORKDIR / MOTORNET_PRESET")
    return Located(workdir, preset, results)


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
