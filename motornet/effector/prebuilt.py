"""The prebuilt effectors and their parameter tables: arm26 (rigid, compliant, geometric), MotorNet 0.3's
`Reacher` and `FreePointMass24`, and the paper's point mass `ReluPointMass24`."""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..geometry import ConstantGeometry, PolynomialGeometry
from ..muscle import CompliantTendonHillMuscle, Muscle, ReluMuscle, RigidTendonHillMuscle
from ..skeleton import PointMass, Skeleton, TwoDofArm
from .core import Effector

ARM26_SKELETON = dict(
    m1=1.82,
    m2=1.43,
    l1g=0.135,
    l2g=0.165,
    i1=0.051,
    i2=0.057,
    l1=0.309,
    l2=0.333,
    pos_lower_bound=(0.0, 0.0),
    pos_upper_bound=(math.radians(135.0), math.radians(155.0)),
)

# name: (fixation bodies, points (m), max_isometric_force F_max (N), tendon_length l_se (m),
#        optimal_muscle_length l_ce (m), normalised slack length s of the geometric model).
# F_max, l_se, l_ce: the paper's table 3 (Kistemaker et al. 2010; docs/model.md §2.7).
# Paths and s: the paper's table 5 is missing from our copy of the text. They are the six arm26 muscles'
# rows of the public toolbox tutorial's ten-muscle arm ("arm210", built there with the Thelen muscle;
# docs/model.md §4.4), placed on the arm26 skeleton. `GeometricArm26` uses them; `RigidTendonArm26` takes s from
# its muscle model's default (Thelen 1.0, Kistemaker 1.4) and its moment arms from the polynomial.
ARM26_MUSCLES = {
    "pectoralis": ((0, 1), ((-0.15, 0.03), (0.094, 0.017)), 838.0, 0.039, 0.134, 1.48),
    "deltoid": ((0, 0, 1), ((0.14, 0.0), (0.05, 0.0), (0.153, 0.0)), 1207.0, 0.066, 0.140, 1.52),
    "brachioradialis": ((1, 2), ((0.23, 0.001), (0.231, 0.01)), 1422.0, 0.172, 0.092, 1.43),
    "tricepslat": ((1, 1, 2), ((0.03, 0.0), (0.138, -0.019), (-0.04, -0.017)), 1549.0, 0.187, 0.093, 1.45),
    "biceps": ((0, 2), ((-0.052, 0.033), (0.044, 0.001)), 414.0, 0.204, 0.137, 1.5),
    "tricepslong": ((0, 2), ((0.02, -0.028), (-0.04, -0.017)), 603.0, 0.217, 0.127, 1.4),
}

# Kistemaker (2010) moment-arm polynomial: a0 (m); a1, a2 rows shoulder then elbow; phi (rad).
ARM26_POLYNOMIAL = dict(
    a0=(0.151, 0.2322, 0.2859, 0.2355, 0.3329, 0.2989),
    a1=((-0.03, 0.03, 0.0, 0.0, -0.03, 0.03), (0.0, 0.0, -0.014, 0.025, -0.016, 0.03)),
    a2=((0.0, 0.0, 0.0, 0.0, 0.0, 0.0), (0.0, 0.0, -4e-3, -2.2e-3, -5.7e-3, -3.2e-3)),
    phi=(math.pi / 2, 0.0),
)


def per_muscle_kwargs(muscle_kwargs: dict[str, Any] | None, names: Sequence[str]) -> dict[str, dict[str, float]]:
    """{muscle name: {parameter: value}} from `muscle_kwargs` whose values are scalars (every muscle)
    or sequences of one value per muscle, in the order of `names`."""
    out = {name: {} for name in names}
    for key, value in (muscle_kwargs or {}).items():
        values = np.asarray(value, dtype=float)
        if values.ndim == 0:
            values = np.full(len(names), float(values))
        if values.shape != (len(names),):
            raise ValueError(
                f"muscle_kwargs[{key!r}] must be a scalar or one value per muscle "
                f"({len(names)}: {', '.join(names)}), got {value!r}"
            )
        for name, v in zip(names, values.tolist()):
            out[name][key] = v
    return out


def _muscle_parameters(effector, table, muscle_kwargs):
    """Per muscle: the effector's `table` parameters that its muscle model takes, over `muscle_kwargs`
    (scalar or per muscle), which override the table's values. A key the muscle model does not take is a
    KeyError."""
    takes = set(effector.muscle.to_build_dict) | set(effector.muscle.to_build_dict_default)
    unknown = sorted(set(muscle_kwargs or {}) - takes)
    if unknown:
        raise KeyError(
            f"muscle_kwargs {unknown} are not parameters of {type(effector.muscle).__name__} (it takes {sorted(takes)})"
        )
    extra = per_muscle_kwargs(muscle_kwargs, list(table))
    return {name: {**{k: v for k, v in row.items() if k in takes}, **extra[name]} for name, row in table.items()}


def _add_arm26_muscles(effector, slack_from_paths, muscle_kwargs, tendon_length=None):
    """The six arm26 muscles with the table parameters the effector's muscle model takes (a ReLU
    muscle takes only F_max), over `muscle_kwargs`; `tendon_length` {name: m} overrides the table's."""
    table = {
        name: {
            "max_isometric_force": f_max,
            "tendon_length": (tendon_length or {}).get(name, l_se),
            "optimal_muscle_length": l_ce,
            **({"normalized_slack_muscle_length": slack} if slack_from_paths else {}),
        }
        for name, (_, _, f_max, l_se, l_ce, slack) in ARM26_MUSCLES.items()
    }
    for name, params in _muscle_parameters(effector, table, muscle_kwargs).items():
        body, points = ARM26_MUSCLES[name][:2]
        effector.add_muscle(path_fixation_body=body, path_coordinates=points, name=name, **params)


class _Arm26(Effector):
    """The arm26 skeleton with its six muscles, of any muscle model (default `RigidTendonHillMuscle`); moment
    arms from the polynomial, or from the muscle paths (with their slack lengths) if `_from_paths`."""

    _from_paths = False

    def __init__(
        self,
        muscle: Muscle | None = None,
        skeleton: Skeleton | None = None,
        timestep: float = 0.01,
        muscle_kwargs: dict[str, Any] | None = None,
        **kwargs,
    ) -> None:
        muscle = RigidTendonHillMuscle() if muscle is None else muscle
        skeleton = TwoDofArm(**ARM26_SKELETON) if skeleton is None else skeleton
        super().__init__(skeleton=skeleton, muscle=muscle, timestep=timestep, **kwargs)
        if not self._from_paths:
            self.geometry = PolynomialGeometry(**ARM26_POLYNOMIAL)
        _add_arm26_muscles(self, slack_from_paths=self._from_paths, muscle_kwargs=muscle_kwargs)


class RigidTendonArm26(_Arm26):
    """Two-joint arm with six muscles and the moment-arm polynomial (paper 4.1.1).

    `muscle`: any muscle model (default the Kistemaker-curve `RigidTendonHillMuscle`, as the public
    toolbox's examples; the paper's networks use `RigidTendonHillMuscleThelen`), with its own defaults.
    `muscle_kwargs`: build parameters, each a scalar or one value per muscle, over table 3's F_max, tendon
    and optimal lengths (MotorNet 0.3 kept the table's values and ignored these silently: we apply them, so
    that a weakened-muscle study gets weaker muscles).
    """


# CompliantTendonArm26's own values (docs/model.md §2.5): the two shoulder muscles' tendons and a0 (m).
COMPLIANT_TENDON_LENGTH = {"pectoralis": 0.070, "deltoid": 0.070}
COMPLIANT_A0 = {"pectoralis": 0.182, "deltoid": 0.2362}


class CompliantTendonArm26(Effector):
    """arm26 (skeleton, muscles, moment-arm polynomial) with compliant-tendon Hill muscles, RK4 by default.

    The elastic tendons make the fibre dynamics stiff, hence the 0.2 ms default step (s). The pectoralis
    and deltoid have 70 mm tendons and a0 = 0.182 / 0.2362 m (`COMPLIANT_TENDON_LENGTH`, `COMPLIANT_A0`).
    `muscle_kwargs` as `RigidTendonArm26`.
    """

    def __init__(
        self,
        timestep: float = 0.0002,
        muscle_kwargs: dict[str, Any] | None = None,
        skeleton: Skeleton | None = None,
        integration_method: str = "rk4",
        **kwargs,
    ) -> None:
        skeleton = TwoDofArm(**ARM26_SKELETON) if skeleton is None else skeleton
        super().__init__(
            skeleton=skeleton,
            muscle=CompliantTendonHillMuscle(),
            timestep=timestep,
            integration_method=integration_method,
            **kwargs,
        )
        a0 = [COMPLIANT_A0.get(name, a) for name, a in zip(ARM26_MUSCLES, ARM26_POLYNOMIAL["a0"])]
        self.geometry = PolynomialGeometry(**{**ARM26_POLYNOMIAL, "a0": a0})
        _add_arm26_muscles(
            self, slack_from_paths=False, muscle_kwargs=muscle_kwargs, tendon_length=COMPLIANT_TENDON_LENGTH
        )


class GeometricArm26(_Arm26):
    """arm26 whose moment arms come from the geometric muscle paths (paper 4.3, Fig. 4d-e), with the
    paths' slack lengths (see ARM26_MUSCLES); `muscle` and `muscle_kwargs` as `RigidTendonArm26`."""

    _from_paths = True


class _ConstantMomentArms(Effector):
    """Muscles `MUSCLES` without paths, of constant moment arms `MOMENT_ARM` (dof, M; m/rad or m) and zero
    musculotendon length and velocity, F_max 1000 N each, on `default_skeleton()` unless a skeleton is given.
    `muscle`: any muscle model; one whose build needs more than F_max (e.g. a Hill muscle's tendon_length and
    optimal_muscle_length) gets them from `muscle_kwargs` (scalar or per muscle)."""

    MUSCLES: tuple[str, ...] = ()
    MOMENT_ARM: tuple[tuple[float, ...], ...] = ()

    def __init__(
        self,
        muscle: Muscle,
        skeleton: Skeleton | None = None,
        timestep: float = 0.01,
        muscle_kwargs: dict[str, Any] | None = None,
        **kwargs,
    ) -> None:
        skeleton = self.default_skeleton() if skeleton is None else skeleton
        super().__init__(skeleton=skeleton, muscle=muscle, timestep=timestep, **kwargs)
        self.geometry = ConstantGeometry(self.MOMENT_ARM)
        table = {name: {"max_isometric_force": 1000.0} for name in self.MUSCLES}
        for name, params in _muscle_parameters(self, table, muscle_kwargs).items():
            self._declare_muscle(name, [], [], params)


class Reacher(_ConstantMomentArms):
    """MotorNet 0.3's `Reacher`: the arm26 skeleton (bounds [0, 135] x [0, 155] deg) with four muscles
    `sf, se, ef, ee` (shoulder and elbow flexor and extensor) of constant moment arms (shoulder -1, +1,
    0, 0; elbow 0, 0, -1, +1 m/rad), zero musculotendon length and velocity, F_max 1000 N each, Euler.

    `muscle`: any muscle model; one whose build needs more than F_max (e.g. a Hill muscle's
    tendon_length and optimal_muscle_length) gets them from `muscle_kwargs` (scalar or per muscle).
    """

    MUSCLES = ("sf", "se", "ef", "ee")
    MOMENT_ARM = ((-1.0, 1.0, 0.0, 0.0), (0.0, 0.0, -1.0, 1.0))

    @staticmethod
    def default_skeleton() -> Skeleton:
        return TwoDofArm(**ARM26_SKELETON)


class FreePointMass24(_ConstantMomentArms):
    """MotorNet 0.3's `FreePointMass24`: a 1 kg point mass in [-0.6, 0.6]^2 (m) with four muscles
    `r, u, l, d` of constant moment arms (x: -1, 0, +1, 0; y: 0, -1, 0, +1; so each pulls toward its
    side), zero musculotendon length and velocity, F_max 1000 N each. `muscle`, `muscle_kwargs` as `Reacher`."""

    MUSCLES = ("r", "u", "l", "d")
    MOMENT_ARM = ((-1.0, 0.0, 1.0, 0.0), (0.0, -1.0, 0.0, 1.0))

    @staticmethod
    def default_skeleton() -> Skeleton:
        return PointMass(space_dim=2, mass=1.0, pos_lower_bound=-0.6, pos_upper_bound=0.6)


# Anchors (m) of ReluPointMass24's muscles, named after the corner they pull towards.
POINT_MASS_ANCHORS = {
    "UpperRight": (2.0, 2.0),
    "UpperLeft": (-2.0, 2.0),
    "LowerRight": (2.0, -2.0),
    "LowerLeft": (-2.0, -2.0),
}


class ReluPointMass24(Effector):
    """The paper's point-mass effector (4.1.2): a mass (kg) in [-1, 1]^2 (m) pulled by four ReLU muscles
    of `max_isometric_force` N from the corners of an "X" (`POINT_MASS_ANCHORS`). `muscle_kwargs` as
    `RigidTendonArm26` (a ReLU muscle takes only F_max, so it can only be a KeyError)."""

    def __init__(
        self,
        timestep: float = 0.01,
        max_isometric_force: float = 500.0,
        mass: float = 1.0,
        skeleton: Skeleton | None = None,
        muscle_kwargs: dict[str, Any] | None = None,
        **kwargs,
    ) -> None:
        skeleton = PointMass(space_dim=2, mass=mass) if skeleton is None else skeleton
        super().__init__(skeleton=skeleton, muscle=ReluMuscle(), timestep=timestep, **kwargs)
        table = {name: {"max_isometric_force": max_isometric_force} for name in POINT_MASS_ANCHORS}
        for name, params in _muscle_parameters(self, table, muscle_kwargs).items():
            self.add_muscle(
                path_fixation_body=(0, 1), path_coordinates=(POINT_MASS_ANCHORS[name], (0.0, 0.0)), name=name, **params
            )
