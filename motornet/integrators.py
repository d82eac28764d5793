"""Integration schemes, each written once (docs/model.md §5.4): one step of `dt` (s) from a state.

A scheme takes `derivative(state) -> rates` and `advance(state, rates, dt) -> state`, and knows nothing
else of the model: a state and its rates are tuples of tensors in the effector's pure step (trial-last)
and dicts of tensors in its MotorNet 0.3 hook step (batch first); both steps call these functions.
"""

RK4_NAMES = ("rk4", "rungekutta4", "runge-kutta4", "runge-kutta-4")


def scheme_name(integration_method: str) -> str:
    """'euler', 'rk4' (for any of `RK4_NAMES`) or 'rk4-chained', case-insensitive; anything else is a ValueError."""
    method = str(integration_method).lower()
    if method in ("euler", "rk4-chained"):
        return method
    if method in RK4_NAMES:
        return "rk4"
    raise ValueError(
        f"unknown integration_method {integration_method!r}: use 'euler', 'rk4' "
        f"(also spelt {', '.join(repr(n) for n in RK4_NAMES[1:])}) or 'rk4-chained'"
    )


def rk4_mean(k1, k2, k3, k4):
    """(k1 + 2 k2 + 2 k3 + k4) / 6, element by element of tuples or key by key of dicts."""
    if isinstance(k1, dict):
        return {k: (k1[k] + 2 * k2[k] + 2 * k3[k] + k4[k]) / 6 for k in k1}
    return tuple((a + 2 * b + 2 * c + d) / 6 for a, b, c, d in zip(k1, k2, k3, k4))


def euler(derivative, advance, state, dt):
    """Forward Euler."""
    return advance(state, derivative(state), dt)


def rk4(derivative, advance, state, dt):
    """Classical fourth-order Runge-Kutta: every stage advances from the start state."""
    k1 = derivative(state)
    k2 = derivative(advance(state, k1, dt / 2))
    k3 = derivative(advance(state, k2, dt / 2))
    k4 = derivative(advance(state, k3, dt))
    return advance(state, rk4_mean(k1, k2, k3, k4), dt)


def rk4_chained(derivative, advance, state, dt):
    """The published toolbox's RK4: each stage advances from the previous stage, not from the start state."""
    k1 = derivative(state)
    s1 = advance(state, k1, dt / 2)
    k2 = derivative(s1)
    s2 = advance(s1, k2, dt / 2)
    k3 = derivative(s2)
    k4 = derivative(advance(s2, k3, dt))
    return advance(state, rk4_mean(k1, k2, k3, k4), dt)


SCHEMES = {"euler": euler, "rk4": rk4, "rk4-chained": rk4_chained}
