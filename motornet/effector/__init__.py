"""Effectors: a skeleton, its muscles, their geometry and an integrator (docs/model.md §5).

- `core`: `Effector`, its state and its pure, trial-last step (`transition`);
- `hooks`: the MotorNet 0.3 hook step, for a user's subclass that overrides `ode`, `integrate`, ...;
- `prebuilt`: the prebuilt effectors (arm26, point masses) with their parameter tables.

The integration schemes are written once, in motornet.integrators.
"""

from .core import Effector
from .hooks import HOOKS, HookStep, overrides_outside_motornet
from .prebuilt import (
    ARM26_MUSCLES,
    ARM26_POLYNOMIAL,
    ARM26_SKELETON,
    COMPLIANT_A0,
    COMPLIANT_TENDON_LENGTH,
    POINT_MASS_ANCHORS,
    CompliantTendonArm26,
    FreePointMass24,
    GeometricArm26,
    Reacher,
    ReluPointMass24,
    RigidTendonArm26,
    per_muscle_kwargs,
)

__all__ = [
    "Effector",
    "HookStep",
    "HOOKS",
    "overrides_outside_motornet",
    "ARM26_SKELETON",
    "ARM26_MUSCLES",
    "ARM26_POLYNOMIAL",
    "COMPLIANT_TENDON_LENGTH",
    "COMPLIANT_A0",
    "POINT_MASS_ANCHORS",
    "per_muscle_kwargs",
    "RigidTendonArm26",
    "CompliantTendonArm26",
    "GeometricArm26",
    "Reacher",
    "FreePointMass24",
    "ReluPointMass24",
]
