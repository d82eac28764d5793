"""Helpers shared by the workflow scripts (imported as `_common` from the script's directory)."""
import logging
import sys

from analysis import claims
from motornet.muscle import MUSCLES
from motornet.train import EFFECTORS


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
