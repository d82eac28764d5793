"""Helpers shared by the workflow scripts (imported as `_common` from the script's directory, and
first, so that motornet and analysis come from this checkout)."""

import logging
import sys
from pathlib import Path

# A rule's conda environment (environment.yml) holds the dependencies, not this package: the
# repository root goes on the path so that the scripts import its motornet and analysis.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from analysis import claims  # noqa: E402 (after the path)
from motornet.muscle import MUSCLES  # noqa: E402
from motornet.train import EFFECTORS  # noqa: E402


def log_to(path):
    """Send this script's prints, warnings and tracebacks to the rule's log file."""
    stream = open(path, "w", buffering=1)
    sys.stdout = sys.stderr = stream
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    log = logging.getLogger("workflow")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return log


def make_effector(name, muscle=None):
    """A pre-built effector by the pipeline's name, with a muscle model by its config name (None: the
    effector's default), in float64 (sweeps are cheap; precision is free)."""
    return EFFECTORS[name](**({} if muscle is None else {"muscle": MUSCLES[muscle]()})).double()


def write_claims(records, path, log):
    """Write a figure's claim records (analysis.claims.write) and log one line per claim."""
    claims.write(records, path)
    for r in records:
        log.info(claims.describe(r))
