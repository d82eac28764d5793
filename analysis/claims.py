"""The paper's claims as checkable statistics: one record per claim, written by each figure's metrics
rule to results/<preset>/claims/fig<N>.json and merged into results/<preset>/claims.json.

A record: {"id", "figure", "claim", "statistic", "value", "comparison", "threshold", "n", "pass"}
with comparison one of "<", "<=", ">", ">=" (value compared to threshold) and n the sample size the
statistic is computed over (reaches, units, networks, grid points...). A statistic computed per network
and averaged over networks (`across_seeds`) also has "seeds", "per_seed" (the value of each network) and
"spread" (their sample standard deviation; null for one network), and n counts one network's sample.
"""

import json
import math
import operator
import statistics
from pathlib import Path

COMPARISONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def claim(id, figure, text, statistic, value, comparison, threshold, n):
    """One claim record; `pass` is `value <comparison> threshold`. An undefined statistic (NaN) is
    recorded as value None (JSON null) and does not pass."""
    if comparison not in COMPARISONS:
        raise ValueError(f"comparison {comparison!r} is not one of {sorted(COMPARISONS)}")
    value = float(value)
    defined = math.isfinite(value)
    return {
        "id": id,
        "figure": int(figure),
        "claim": text,
        "statistic": statistic,
        "value": value if defined else None,
        "comparison": comparison,
        "threshold": float(threshold),
        "n": int(n),
        "pass": defined and bool(COMPARISONS[comparison](value, threshold)),
    }


def across_seeds(id, figure, text, statistic, values, comparison, threshold, n):
    """A claim on the mean over networks of a per-network statistic; `values` maps seed -> value.
    The verdict is the mean's; the spread over networks is recorded beside it."""
    seeds = list(values)
    per_seed = [float(values[s]) for s in seeds]
    record = claim(
        id,
        figure,
        text,
        f"{statistic}; mean over {len(seeds)} networks",
        math.fsum(per_seed) / len(seeds),
        comparison,
        threshold,
        n,
    )
    spread = statistics.stdev(per_seed) if len(per_seed) > 1 else None
    finite = lambda v: v if v is not None and math.isfinite(v) else None
    return {
        **record,
        "seeds": [int(s) for s in seeds],
        "per_seed": [finite(v) for v in per_seed],
        "spread": finite(spread),
    }


def write(records, path):
    """Write a list of claim records as JSON (sorted keys, one file per figure)."""
    Path(path).write_text(json.dumps(list(records), indent=1, sort_keys=True, allow_nan=False) + "\n")


def merge(paths):
    """Concatenate the per-figure claim files, ordered by figure then id; ids must be unique."""
    records = [r for p in paths for r in json.loads(Path(p).read_text())]
    ids = [r["id"] for r in records]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"claim ids appear more than once: {duplicated}")
    return sorted(records, key=lambda r: (r["figure"], r["id"]))


def _value(r):
    if r["value"] is None:
        return "undefined"
    if r.get("spread") is not None:
        return f"{r['value']:.4g} ± {r['spread']:.2g} (sd, {len(r['seeds'])} nets)"
    return format(r["value"], ".4g")


def against_threshold(r):
    """The value against its threshold, e.g. '0.0123 < 0.02'."""
    return f"{_value(r)} {r['comparison']} {r['threshold']:.4g}"


def describe(r):
    """One line for a log: id, value, threshold and verdict."""
    return f"{r['id']}: {against_threshold(r)} -> {'holds' if r['pass'] else 'fails'}"


def to_markdown(records):
    """The README's claims table."""
    lines = ["| Fig. | claim | statistic | value | threshold | n | holds |", "|---|---|---|---|---|---|---|"]
    cell = lambda text: text.replace("|", "\\|")
    for r in records:
        lines.append(
            f"| {r['figure']} | {cell(r['claim'])} | {cell(r['statistic'])} | "
            f"{_value(r)} | "
            f"{r['comparison']} {r['threshold']:.4g} | {r['n']} | {'yes' if r['pass'] else '**no**'} |"
        )
    return "\n".join(lines) + "\n"
