"""The MotorNet 0.3 hook step: an effector stepped through its user-overridable hooks (on the `states` dict).

A subclass defined outside motornet that overrides one of `HOOKS` (`integrate(action, endpoint_load,
joint_load)`, `ode(action, states, endpoint_load, joint_load)`, `integration_step(dt, state_derivative,
states)`, `_get_geometry(joint_state)`) is stepped through them, batch first, instead of through the pure
`Effector.transition`; motornet's own effectors never are.
"""

import functools

import torch

from ..integrators import SCHEMES
from ..layout import trials_first, trials_last
from ..skeleton import integrate_joint

# Subclass hooks of the MotorNet 0.3 API; a user's effector overriding one is stepped through them.
HOOKS = ("integrate", "ode", "integration_step", "_get_geometry")


@functools.cache
def overrides_outside_motornet(cls, names):
    """Whether class `cls` takes any of `names` from a class defined outside motornet (a user's
    subclass hook); motornet's own classes keep the pure, compilable path."""
    for name in names:
        owner = next((klass for klass in cls.__mro__ if name in vars(klass)), None)
        if owner is not None and not owner.__module__.startswith("motornet."):
            return True
    return False


class HookStep:
    """The hooks of MotorNet 0.3's effector step, mixed into `Effector`: `integrate` runs one sub-step through
    `ode` and `integration_step`."""

    def ode(
        self,
        action: torch.Tensor,
        states: dict[str, torch.Tensor],
        endpoint_load: torch.Tensor | None = None,
        joint_load: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """{'muscle': muscle-state derivative, 'joint': (B, 2 dof) velocity then acceleration}."""
        d_muscle, velocity, acceleration = self.derivatives(
            *(
                trials_last(x)
                for x in (states["joint"], states["muscle"], states["geometry"], action, endpoint_load, joint_load)
            )
        )
        return {"muscle": trials_first(d_muscle), "joint": trials_first(torch.cat([velocity, acceleration]))}

    def integration_step(
        self, dt: float, state_derivative: dict[str, torch.Tensor], states: dict[str, torch.Tensor]
    ) -> dict[str, torch.Tensor]:
        """New states dict after `dt` (s) at the rates `state_derivative` (as from `ode`)."""
        d_joint = trials_last(state_derivative["joint"])
        new_muscle = self.muscle.integrate(dt, state_derivative["muscle"], states["muscle"], states["geometry"])
        new_joint = trials_first(
            integrate_joint(
                trials_last(states["joint"]),
                d_joint[: self.dof],
                d_joint[self.dof :],
                dt,
                self.skeleton.pos_bounds,
                self.skeleton.vel_bounds,
            )
        )
        cartesian = self.joint2cartesian(new_joint)
        return {
            "joint": new_joint,
            "muscle": new_muscle,
            "geometry": self.get_geometry(new_joint),
            "cartesian": cartesian,
            "fingertip": cartesian[:, : self.space_dim],
        }

    def integrate(
        self, action: torch.Tensor, endpoint_load: torch.Tensor | None = None, joint_load: torch.Tensor | None = None
    ) -> None:
        """One sub-step of `minidt` through `ode` and `integration_step`, updating `states` in place."""
        if self._method == "rk4-chained":
            raise NotImplementedError("'rk4-chained' is not available with subclass hooks")

        def derivative(states):
            return self.ode(action, states, endpoint_load, joint_load)

        def advance(states, state_derivative, dt):
            return self.integration_step(dt, state_derivative, states)

        new = SCHEMES[self._method](derivative, advance, self.states, self.minidt)
        self._set_state(new["joint"], new["muscle"], new["geometry"], new.get("cartesian"))
