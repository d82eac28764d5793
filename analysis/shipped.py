"""Do the results the pipeline just wrote equal the shipped ones, number by number?

    python -m analysis.shipped [--preset paper] [--workdir .] [--rev HEAD] [--rtol 1e-4] [--atol 2e-6]

`make run` rebuilds the paper's figures and their data from the shipped networks, over the committed
files; `make check-shipped` runs this. It compares every data file the repository ships under
results/<preset>/ as committed at `--rev` (CSV, JSON and Markdown; not the networks in runs/, nor logs and
benchmarks) with the file of the same path under `--workdir` (default this checkout). Numbers are equal
within max(atol, rtol x |value|), and in Markdown (numbers rounded for display) within one unit of the last
digit shown; integers, and everything that is not a number, must be equal exactly. One line per file, the
first differences of each file that differs, then a summary; exit status 1 if a file differs or is missing,
or if a run's config.yaml does not hold the settings its checkpoint records (a hand edit).
"""

import argparse
import csv
import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path

from motornet.train import config_file_problem

REPO = Path(__file__).resolve().parents[1]
DATA_SUFFIXES = (".csv", ".json", ".md")
NOT_DATA = ("runs", "logs", "benchmarks")  # networks, job logs, timings
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf)\b", re.IGNORECASE)
SHOWN = 5  # differences printed per file
# The tolerance: the spread of the shipped numbers across CPUs. The float32 rollouts take other SIMD paths
# on other CPUs (ATen's kernels and MKL's GEMMs), and a 0.8 s rollout amplifies their rounding. Measured on
# one machine by rebuilding every shipped file (`make run`) through each path (ATEN_CPU_CAPABILITY=default
# with MKL_ENABLE_INSTRUCTIONS=SSE4_2, avx2 with AVX2, against the committed avx512 files; commit b4db79f):
# 549 and 109 numbers differ; above 1e-6 in size they differ by at most 4.2e-5 relative (Figure 5's mean
# max deviation, a claim's value), and the smaller ones (final errors of ~2 mm) by at most 9.8e-7 absolute
# (1 um), no integer or claim verdict differs. RTOL and ATOL are those maxima with a margin of ~2x. ATOL is
# in each number's own unit: it is below any resolution the claims use (metres, ratios, degrees, p-values
# against 0.05).
RTOL, ATOL = 1e-4, 2e-6


def shipped_files(preset="paper", rev="HEAD", repo=REPO):
    """The data files committed at `rev` under results/<preset>/ (repository-relative paths)."""
    listed = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", rev, "--", f"results/{preset}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [p for p in listed if p.endswith(DATA_SUFFIXES) and not set(Path(p).parts[2:-1]) & set(NOT_DATA)]


def committed_text(path, rev="HEAD", repo=REPO):
    return subprocess.run(
        ["git", "-C", str(repo), "show", f"{rev}:{path}"], capture_output=True, text=True, check=True
    ).stdout


def _last_digit(token):
    """One unit of the last digit `token` shows; 0 for an integer (compared exactly)."""
    mantissa, _, exponent = token.lower().partition("e")
    if "." not in mantissa and not exponent:
        return 0.0
    return 10.0 ** (int(exponent or 0) - len(mantissa.partition(".")[2]))


def numbers_equal(a, b, rtol, atol, rounded=False):
    """Two number tokens (text as printed) equal within max(atol, rtol x |value|), or, for numbers `rounded`
    for display, one unit of the last digit the more precise of the two shows; integers exactly."""
    x, y = float(a), float(b)
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if x == y:
        return True
    units = [u for u in (_last_digit(a), _last_digit(b)) if u]
    if math.isinf(x) or math.isinf(y) or not units:
        return False
    unit = min(units) * (1 + 1e-9) if rounded else 0.0  # the slack: 0.2405 - 0.2404 > 1e-4 in binary
    return abs(x - y) <= max(atol, rtol * max(abs(x), abs(y)), unit)


def _is_number(text):
    return isinstance(text, str) and NUMBER.fullmatch(text.strip()) is not None


def _values_differ(a, b, rtol, atol):
    if _is_number(a) and _is_number(b):
        return not numbers_equal(a.strip(), b.strip(), rtol, atol)
    return a != b


def _relative(a, b):
    try:
        x, y = float(a), float(b)
        return abs(x - y) / max(abs(x), abs(y)) if max(abs(x), abs(y)) > 0 else 0.0
    except (TypeError, ValueError):
        return math.nan


def compare_csv(old, new, rtol, atol):
    """Differences between two CSV texts: 'row i, column: old -> new'."""
    old_rows, new_rows = list(csv.reader(io.StringIO(old))), list(csv.reader(io.StringIO(new)))
    if not old_rows or not new_rows or old_rows[0] != new_rows[0]:
        return [f"header {old_rows[:1]} -> {new_rows[:1]}"]
    header, diffs = old_rows[0], []
    if len(old_rows) != len(new_rows):
        diffs.append(f"{len(old_rows) - 1} rows -> {len(new_rows) - 1}")
    for i, (a_row, b_row) in enumerate(zip(old_rows[1:], new_rows[1:]), start=1):
        for column, a, b in zip(header, a_row, b_row):
            if _values_differ(a, b, rtol, atol):
                diffs.append(f"row {i}, {column}: {a} -> {b}" + _relative_note(a, b))
    return diffs


def _relative_note(a, b):
    r = _relative(a, b)
    return f" (relative {r:.2g})" if math.isfinite(r) else ""


class _Number(str):
    """A JSON number kept as printed (json.loads' parse_float / parse_int)."""


def compare_json(old, new, rtol, atol):
    """Differences between two JSON texts: '<path>: old -> new'."""

    def walk(a, b, where):
        if isinstance(a, dict) and isinstance(b, dict):
            if set(a) != set(b):
                yield f"{where or 'top'}: keys {sorted(set(a) ^ set(b))} in one only"
            for key in sorted(set(a) & set(b)):
                yield from walk(a[key], b[key], f"{where}.{key}" if where else key)
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                yield f"{where}: {len(a)} items -> {len(b)}"
            for i, (x, y) in enumerate(zip(a, b)):
                yield from walk(x, y, f"{where}[{i}]")
        elif isinstance(a, _Number) and isinstance(b, _Number):
            if not numbers_equal(a, b, rtol, atol):
                yield f"{where}: {a} -> {b}" + _relative_note(a, b)
        elif a != b or type(a) is not type(b):
            yield f"{where}: {a!r} -> {b!r}"

    def parse(text):
        return json.loads(
            text,
            parse_float=_Number,
            parse_int=_Number,
            parse_constant=lambda c: _Number(c.lower().replace("infinity", "inf")),
        )

    return list(walk(parse(old), parse(new), ""))


def compare_text(old, new, rtol, atol):
    """Differences between two texts (e.g. a Markdown table), line by line: the numbers within the
    tolerance, the rest exactly."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    diffs = [f"{len(old_lines)} lines -> {len(new_lines)}"] if len(old_lines) != len(new_lines) else []
    for i, (a, b) in enumerate(zip(old_lines, new_lines), start=1):
        a_numbers, b_numbers = NUMBER.findall(a), NUMBER.findall(b)
        if (
            NUMBER.sub("#", a) != NUMBER.sub("#", b)
            or len(a_numbers) != len(b_numbers)
            or any(not numbers_equal(x, y, rtol, atol, rounded=True) for x, y in zip(a_numbers, b_numbers))
        ):
            diffs.append(f"line {i}: {a.strip()[:100]} -> {b.strip()[:100]}")
    return diffs


COMPARE = {".csv": compare_csv, ".json": compare_json, ".md": compare_text}


def check(preset="paper", workdir=REPO, rev="HEAD", rtol=RTOL, atol=ATOL, repo=REPO, out=sys.stdout):
    """Compare every shipped data file (shipped_files) with workdir's; print the report; returns the number
    of files that differ or are missing."""
    files = shipped_files(preset, rev, repo)
    if not files:
        print(f"no data files under results/{preset}/ are committed at {rev}: nothing to compare", file=out)
        return 0
    bad = 0
    for run in sorted(Path(workdir).glob(f"results/{preset}/runs/*/seed*/")):
        problem = config_file_problem(run) if (run / "checkpoint.pt").is_file() else None
        if problem:
            print(f"EDITED   {problem}", file=out)
            bad += 1
    for path in files:
        new_path = Path(workdir) / path
        if not new_path.is_file():
            print(f"MISSING  {path}: not written under {workdir} (has `make run` run?)", file=out)
            bad += 1
            continue
        diffs = COMPARE[Path(path).suffix](committed_text(path, rev, repo), new_path.read_text(), rtol, atol)
        print(
            f"{'DIFFERS' if diffs else 'equal':8s} {path}" + (f": {len(diffs)} differences" if diffs else ""), file=out
        )
        for diff in diffs[:SHOWN]:
            print(f"           {diff}", file=out)
        if len(diffs) > SHOWN:
            print(f"           ... and {len(diffs) - SHOWN} more", file=out)
        bad += bool(diffs)
    print(
        f"{len(files) - bad} of {len(files)} shipped data files equal (rtol {rtol:g}, atol {atol:g}); "
        f"{bad} differ or are missing",
        file=out,
    )
    return bad


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m analysis.shipped", description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="paper")
    parser.add_argument(
        "--workdir", default=str(REPO), help="where the pipeline wrote results/ (default: this checkout)"
    )
    parser.add_argument("--rev", default="HEAD", help="the commit whose files are the shipped ones")
    parser.add_argument("--rtol", type=float, default=RTOL)
    parser.add_argument("--atol", type=float, default=ATOL)
    args = parser.parse_args(argv)
    try:
        bad = check(args.preset, Path(args.workdir), args.rev, args.rtol, args.atol)
    except subprocess.CalledProcessError as error:
        parser.exit(2, f"error: {' '.join(error.cmd)}: {error.stderr.strip()}\n")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
