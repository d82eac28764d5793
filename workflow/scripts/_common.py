"""Helpers shared by the workflow scripts (imported as `_common` from the script's directory)."""
import logging
import sys

import motornet as mn

EFFECTORS = {"arm26": mn.effector.RigidTendonArm26, "arm26_geometric": mn.effector.Reacher,
             "point_mass": mn.effector.ReluPointMass24}


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


def make_effector(name):
    """A pre-built effector by the pipeline's name, in float64 (sweeps are cheap; precision is free)."""
    return EFFECTORS[name]().double()
