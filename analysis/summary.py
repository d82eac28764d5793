"""A preset's results as one Markdown page: each figure (its PNG) with its claims, one line each, the claims
table, and the training of every model (batches and wall time, from each run's log.csv).

`python -m analysis.summary README.md results/paper/summary.md` puts the page into the README between
the markers `<!-- summary:begin -->` and `<!-- summary:end -->` (`make readme`).

Training times come from the runs' log.csv (wall_time, s, carried over resumes), not from Snakemake's
benchmark files, which time only a resumed job's last stretch. The networks of one ensemble job share
its wall time; a job's CPU time is its wall time times its threads.
"""

import argparse
import csv
import os
import sys
from pathlib import Path

import yaml

from analysis import claims as claims_module

BEGIN, END = "<!-- summary:begin -->", "<!-- summary:end -->"


def run_training(run_dir):
    """{"batches", "batch_size", "threads", "wall_h"} of a run directory (its log.csv's last row and
    config.yaml)."""
    run_dir = Path(run_dir)
    with open(run_dir / "log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{run_dir / 'log.csv'} has no rows: the run has not logged a batch")
    last = rows[-1]
    training = yaml.safe_load((run_dir / "config.yaml").read_text())["training"]
    return {
        "batches": int(last["batch"]),
        "batch_size": int(training["batch_size"]),
        "threads": int(training.get("threads") or 1),
        "wall_h": float(last["wall_time"]) / 3600,
    }


def training_table(jobs):
    """Markdown table of training jobs, `jobs` a list of (model, seeds, [run_training(...) per seed]),
    and the total CPU-hours (each job: its wall time x its threads). The seeds of one entry that were
    trained apart (a seed added to a finished ensemble) get a row per job: the runs of one ensemble job
    share its wall time and threads, runs of different jobs do not."""
    lines = [
        "| model | seeds (one job) | batches x episodes | wall time | threads | CPU-hours |",
        "|---|---|---|---|---|---|",
    ]
    total = 0.0
    for model, seeds, runs in jobs:
        trained_together = {}
        for seed, run in zip(seeds, runs):
            trained_together.setdefault((run["wall_h"], run["threads"]), []).append((seed, run))
        for (wall, threads), members in trained_together.items():
            total += wall * threads
            budget = sorted({(r["batches"], r["batch_size"]) for _, r in members})
            lines.append(
                f"| {model} | {', '.join(str(seed) for seed, _ in members)} | "
                f"{'; '.join(f'{b:,} x {s:,}' for b, s in budget)} | {wall:.2f} h | {threads} | "
                f"{wall * threads:.2f} |"
            )
    return "\n".join(lines) + "\n", total


def figure_section(n, records, png):
    """A figure's heading, its image (`png`, a path relative to the page's reader) and its claims."""
    mine = [r for r in records if r["figure"] == n]
    lines = [
        f"**Figure {n}.** "
        + (
            f"{sum(r['pass'] for r in mine)} of {len(mine)} claims hold."
            if mine
            else "No claim is computed from this figure."
        ),
        "",
        f"![Figure {n}]({png})",
        "",
    ]
    lines += [
        f"- {'holds' if r['pass'] else '**does not hold**'}: {r['claim']} ({claims_module.against_threshold(r)})"
        for r in mine
    ]
    return "\n".join(lines).rstrip() + "\n"


def page(preset, claims_path, figures, jobs, relative_to="."):
    """The page: `figures` maps figure number -> PNG path; paths in the page are relative to
    `relative_to` (the directory of the file it ends up in)."""
    records = claims_module.merge([claims_path])
    rel = lambda p: Path(os.path.relpath(p, relative_to)).as_posix()
    held = sum(r["pass"] for r in records)
    table, cpu_hours = training_table(jobs)
    parts = [
        f"Preset `{preset}`: {held} of {len(records)} claims hold (`results/{preset}/claims.json`; thresholds "
        "set before any run).",
        "",
    ]
    parts += [figure_section(n, records, rel(png)) for n, png in sorted(figures.items())]
    parts += [
        "**Claims.**",
        "",
        claims_module.to_markdown(records),
        f"**Training** (wall time from each run's log.csv, over all its resumed stretches; "
        f"{cpu_hours:.1f} CPU-hours in all):",
        "",
        table,
    ]
    return "\n".join(parts)


def splice(text, block):
    """`text` with what lies between the BEGIN and END markers replaced by `block`."""
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise ValueError(f"the README must hold one {BEGIN} line followed by one {END} line")
    head, rest = text.split(BEGIN)
    return f"{head}{BEGIN}\n{block.strip()}\n{END}{rest.split(END, 1)[1]}"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Put a preset's summary page into the README between its markers.")
    parser.add_argument("readme", type=Path)
    parser.add_argument("page", type=Path, help="results/<preset>/summary.md, written by the pipeline's summary rule")
    args = parser.parse_args(argv)
    if not args.page.is_file():
        sys.exit(f"error: {args.page} is missing: build it first (`make run`, or snakemake {args.page})")
    try:
        page = args.page.read_text()
        args.readme.write_text(
            splice(args.readme.read_text(), rebase_links(page, args.page.parent, args.readme.parent))
        )
    except (OSError, ValueError) as error:
        sys.exit(f"error: {error}")


def rebase_links(page, page_dir, target_dir):
    """The page's image links, written relative to `page_dir`, made relative to `target_dir`."""
    out = []
    for line in page.splitlines():
        if line.startswith("![") and "](" in line and line.endswith(")"):
            label, link = line[:-1].split("](", 1)
            link = os.path.relpath(Path(page_dir) / link, target_dir)
            line = f"{label}]({Path(link).as_posix()})"
        out.append(line)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
