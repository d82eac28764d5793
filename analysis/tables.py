"""The paper's parameter tables 1-5, regenerated from the simulator's own objects.

Every number is read from an instantiated effector (or the module-level table it was built from),
so a table cannot drift from what is simulated. Each function returns a pandas DataFrame whose
column names carry the units; `to_markdown` renders one without extra dependencies.

| table | content (paper) |
|---|---|
| 1 | base classes (Skeleton, Muscle, Effector, Environment, Policy) and their pre-built subclasses |
| 2 | arm26 skeleton parameters (Nijhof & Kouwenhoven 2000) |
| 3 | arm26 muscle parameters (RigidTendonArm26) |
| 4 | moment-arm polynomial coefficients (Kistemaker et al. 2010, eq. A10-A12) |
| 5 | geometric muscle paths of the arm26 (GeometricArm26; paper Fig. 8) |
"""

import importlib
import inspect
import math

import numpy as np
import pandas as pd
import torch

import motornet as mn

BASE_CLASSES = ("Skeleton", "Muscle", "Effector", "Environment", "Policy")
_MODULES = ("skeleton", "muscle", "effector", "environment", "tasks", "policy")


def _first_line(obj):
    doc = inspect.getdoc(obj) or ""
    return doc.split("\n\n")[0].replace("\n", " ").strip()


def _base_of(cls):
    """The paper's concept a class implements, from its method resolution order."""
    names = [c.__name__ for c in cls.__mro__]
    for base in BASE_CLASSES:
        if base in names:
            return base
    if "Policy" in cls.__name__:
        return "Policy"
    return None


def table1_classes():
    """Table 1: each class defined in the simulator's modules (a package's: in its modules), grouped by the
    concept it implements."""
    rows = []
    for module_name in _MODULES:
        try:
            module = importlib.import_module(f"motornet.{module_name}")
        except ImportError:  # a module still being written
            continue
        for name, cls in inspect.getmembers(module, inspect.isclass):
            defined_here = cls.__module__ == module.__name__ or cls.__module__.startswith(f"{module.__name__}.")
            if not defined_here or not issubclass(cls, torch.nn.Module):
                continue
            base = _base_of(cls)
            if base is None:
                continue
            rows.append(
                {
                    "base class": base,
                    "class": name,
                    "module": f"motornet.{module_name}",
                    "pre-built": name != base,
                    "description": _first_line(cls),
                }
            )
    order = {b: i for i, b in enumerate(BASE_CLASSES)}
    df = pd.DataFrame(rows)
    df["_order"] = df["base class"].map(order)
    return df.sort_values(["_order", "pre-built", "class"]).drop(columns="_order").reset_index(drop=True)


def table2_skeleton(effector=None):
    """Table 2: arm26 skeleton parameters, read from the effector's skeleton."""
    sk = (effector or mn.effector.RigidTendonArm26()).skeleton
    lower = sk.pos_lower_bound[0].tolist()
    upper = sk.pos_upper_bound[0].tolist()
    rows = [
        ("upper arm mass", "m1", sk.m1, "kg"),
        ("forearm mass", "m2", sk.m2, "kg"),
        ("upper arm length", "l1", sk.l1, "m"),
        ("forearm length", "l2", sk.l2, "m"),
        ("upper arm centre of mass (from shoulder)", "l1g", sk.l1g, "m"),
        ("forearm centre of mass (from elbow)", "l2g", sk.l2g, "m"),
        ("upper arm inertia about its centre of mass", "I1", sk.i1, "kg m^2"),
        ("forearm inertia about its centre of mass", "I2", sk.i2, "kg m^2"),
        ("joint viscosity", "b", sk.viscosity, "N m s/rad"),
        ("shoulder range", "q1", f"[{math.degrees(lower[0]):.0f}, {math.degrees(upper[0]):.0f}]", "deg"),
        ("elbow range", "q2", f"[{math.degrees(lower[1]):.0f}, {math.degrees(upper[1]):.0f}]", "deg"),
    ]
    return pd.DataFrame(rows, columns=["parameter", "symbol", "value", "unit"])


def _muscle_parameter(muscle, name):
    return muscle.__getattr__(name).flatten().tolist()


def table3_muscles(effector=None):
    """Table 3: per-muscle parameters of the paper's arm26 (RigidTendonArm26 with the Thelen muscle, 4.1.1),
    read from its muscle object."""
    effector = effector or mn.effector.RigidTendonArm26(muscle=mn.muscle.RigidTendonHillMuscleThelen())
    m = effector.muscle
    l_ce = _muscle_parameter(m, "l0_ce")
    df = pd.DataFrame(
        {
            "muscle": effector.muscle_name,
            "max isometric force (N)": _muscle_parameter(m, "max_iso_force"),
            "tendon length l_se (m)": _muscle_parameter(m, "l0_se"),
            "optimal fibre length l_ce (m)": l_ce,
            "normalised slack length": np.array(_muscle_parameter(m, "l0_pe")) / np.array(l_ce),
            "max shortening velocity (m/s)": _muscle_parameter(m, "vmax"),
        }
    )
    df["activation time constant (s)"] = m.tau_activation.item()
    df["deactivation time constant (s)"] = m.tau_deactivation.item()
    df["minimum activation"] = m.min_activation.item()
    return df


def table4_moment_arms(effector=None):
    """Table 4: L = a0 + sum_j a1_j theta_j + a2_j theta_j^2, theta = q - phi (moment arm = dL/dq)."""
    effector = effector or mn.effector.RigidTendonArm26()
    g = effector.geometry
    phi = [math.degrees(p) for p in g.phi.tolist()]
    a1, a2 = g.a1.tolist(), g.a2.tolist()
    return pd.DataFrame(
        {
            "muscle": effector.muscle_name,
            "a0 (m)": g.a0.tolist(),
            "a1 shoulder (m/rad)": a1[0],
            "a1 elbow (m/rad)": a1[1],
            "a2 shoulder (m/rad^2)": a2[0],
            "a2 elbow (m/rad^2)": a2[1],
            "phi shoulder (deg)": phi[0],
            "phi elbow (deg)": phi[1],
        }
    )


BODY_NAMES = {0: "world", 1: "upper arm", 2: "forearm"}


def table5_paths(effector=None):
    """Table 5: fixation points of the geometric arm26 (GeometricArm26): body and coordinates in its frame
    (world: x, y; bone: distance along the bone from its proximal joint, orthogonal offset; m)."""
    effector = effector or mn.effector.GeometricArm26(muscle=mn.muscle.RigidTendonHillMuscleThelen())
    m = effector.muscle
    slack = np.array(_muscle_parameter(m, "l0_pe")) / np.array(_muscle_parameter(m, "l0_ce"))
    rows = []
    for i, (name, cfg) in enumerate(effector.get_muscle_cfg().items()):
        for k, (body, (c0, c1)) in enumerate(zip(cfg["fixation body"], cfg["coordinates"])):
            rows.append(
                {
                    "muscle": name,
                    "point": k + 1,
                    "body": body,
                    "body name": BODY_NAMES.get(body, str(body)),
                    "coordinate 1 (m)": c0,
                    "coordinate 2 (m)": c1,
                    "max isometric force (N)": cfg["max_isometric_force"],
                    "tendon length (m)": cfg["tendon_length"],
                    "optimal fibre length (m)": cfg["optimal_muscle_length"],
                    "normalised slack length": float(slack[i]),
                }
            )
    return pd.DataFrame(rows)


TABLES = {
    "table1": ("Base classes and their pre-built subclasses", table1_classes),
    "table2": ("arm26 skeleton parameters", table2_skeleton),
    "table3": ("arm26 muscle parameters (RigidTendonArm26)", table3_muscles),
    "table4": ("Moment-arm polynomial coefficients (Kistemaker et al. 2010)", table4_moment_arms),
    "table5": ("Geometric muscle paths of the arm26 (GeometricArm26, Fig. 8)", table5_paths),
}


def _cell(value):
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value).replace("|", "\\|")


def to_markdown(df, title=None):
    """A GitHub-flavoured markdown table (no tabulate dependency)."""
    lines = [f"### {title}", ""] if title else []
    lines.append("| " + " | ".join(df.columns) + " |")
    lines.append("|" + "---|" * len(df.columns))
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"
