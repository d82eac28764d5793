"""The paper's loss (eq. 1), term by term.

    L = lambda * K  +  alpha * P  +  beta * A  +  gamma * (H + kappa * D)

with, for a batch of B trials of T steps (t = 1..T are the states reached after each step):

| term | function | normalisation |
|---|---|---|
| P, position | `position_loss` | mean over B, T and (x, y) of abs(x_t - x*_t) (m), 0 at the steps where the Euclidean distance of x_t to x*_t is < r |
| A, activation | `activation_loss` | mean over B, T and muscles of (a_t,i * F_i / mean(F))^2, a the muscle activation, F the maximal isometric forces |
| H, hidden | `hidden_loss` | mean over B, T and units of h_t^2 |
| D, hidden derivative | `hidden_derivative_loss` | mean over B, the T - 1 steps and units of ((h_t - h_{t-1}) / dt)^2, the time derivative in 1/s |
| K, kernel | `kernel_loss` | sum of the squared weights of the GRU's input kernel |

The paper sums L_t over time; we average, so that the coefficients do not depend on the episode's
length (the published TensorFlow toolbox averages too). Over components (x and y, muscles, hidden units)
we average too, as the original toolbox does; `component_reduction: sum` sums over them instead, reading
the paper's vector norms literally: P_t = ||x_t - x*_t||_1, A_t = ||a_t * F / mean(F)||_2^2,
H_t = ||h_t||_2^2 and D_t = ||dh_t/dt||_2^2 (still averaged over batch and time), so that A weighs 6 and
H, D weigh n_hidden times more than with means (an ablation of Figure 6's model, not the paper's default). Defaults are the paper's: alpha = 2, beta = 5,
gamma = 0.1, kappa = 0.05, lambda = 1e-6, r = 0.01 m. D is the paper's dh/dt, per second, as the original
toolbox computes it (with dt = 0.01 s, 10^4 times the squared per-step difference);
`hidden_derivative_unit: per_step` drops the 1 / dt, for comparison only (our code before 2026-11-29).
"""

import dataclasses
from collections.abc import Callable, Sequence

import torch


def _over_components(values, reduction="mean"):
    """Mean (the original toolbox's) or sum (the paper's norms) over the last dimension."""
    return values.sum(-1) if reduction == "sum" else values.mean(-1)


def position_cost(
    position: torch.Tensor, desired: torch.Tensor, target_radius: float = 0.0, reduction: str = "mean"
) -> torch.Tensor:
    """Per-row P: mean (or sum) over (x, y) of |x - x*| (m), 0 where the distance ||x - x*||_2 < r;
    (..., 2) -> (...)."""
    error = position - desired
    outside = torch.linalg.vector_norm(error, dim=-1, keepdim=True) >= target_radius
    return _over_components(error.abs() * outside, reduction)


def activation_cost(
    activation: torch.Tensor, max_isometric_force: Sequence[float] | torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    """Per-row A: mean (or sum) over muscles of (a_i F_i / mean(F))^2; (..., n_muscles) -> (...)."""
    force = torch.as_tensor(max_isometric_force, dtype=activation.dtype, device=activation.device).flatten()
    return _over_components((activation * (force / force.mean())).square(), reduction)


def hidden_cost(hidden: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Per-row H: mean (or sum) over units of h^2; (..., n_hidden) -> (...)."""
    return _over_components(hidden.square(), reduction)


def hidden_derivative_cost(
    hidden: torch.Tensor, previous: torch.Tensor, dt: float, reduction: str = "mean"
) -> torch.Tensor:
    """Per-row D: mean (or sum) over units of ((h_t - h_{t-1}) / dt)^2 (1/s^2 with dt in s; dt = 1: per
    step)."""
    return _over_components(((hidden - previous) / dt).square(), reduction)


def position_loss(
    position: torch.Tensor, desired: torch.Tensor, target_radius: float = 0.0, reduction: str = "mean"
) -> torch.Tensor:
    """P: mean L1 distance (m) between positions and desired positions (..., 2), zero inside the radius (m)
    (`reduction`: over x and y, see _over_components)."""
    return position_cost(position, desired, target_radius, reduction).mean()


def activation_loss(
    activation: torch.Tensor, max_isometric_force: Sequence[float] | torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    """A: mean squared activation (..., n_muscles) weighted by each muscle's max isometric force relative
    to the muscles' mean force."""
    return activation_cost(activation, max_isometric_force, reduction).mean()


def hidden_loss(hidden: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """H: mean squared hidden activity (B, T, n_hidden)."""
    return hidden_cost(hidden, reduction).mean()


def hidden_derivative_loss(hidden: torch.Tensor, dt: float, reduction: str = "mean") -> torch.Tensor:
    """D: mean squared time derivative (1/s) of the hidden activity (B, T, n_hidden) along time (dim 1),
    (h_t - h_{t-1}) / dt with dt the step (s); dt = 1 gives the per-step difference."""
    return hidden_derivative_cost(hidden[:, 1:], hidden[:, :-1], dt, reduction).mean()


def kernel_loss(weight: torch.Tensor) -> torch.Tensor:
    """K: sum of squares of a weight matrix (the GRU's input kernel); stacked (N, ...) kernels give (N,)."""
    return weight.square().sum((-2, -1))


TERMS = ("position", "activation", "hidden", "hidden_derivative", "kernel")
HIDDEN_DERIVATIVE_UNITS = ("per_second", "per_step")
COMPONENT_REDUCTIONS = ("mean", "sum")


@dataclasses.dataclass
class LossConfig:
    """Coefficients of eq. 1: alpha (position_weight), beta (activation_weight), gamma (hidden_weight),
    kappa (hidden_derivative_weight, inside gamma), lambda (kernel_weight); target_radius r (m);
    hidden_derivative_unit: per_second (the paper's dh/dt) or per_step (h_t - h_{t-1}, an ablation);
    component_reduction: mean (the original toolbox's) or sum (the paper's vector norms, an ablation) over
    each term's components (see the module's docstring)."""

    position_weight: float = 2.0
    activation_weight: float = 5.0
    hidden_weight: float = 0.1
    hidden_derivative_weight: float = 0.05
    kernel_weight: float = 1e-6
    target_radius: float = 0.01
    hidden_derivative_unit: str = "per_second"
    component_reduction: str = "mean"

    def __post_init__(self):
        if self.hidden_derivative_unit not in HIDDEN_DERIVATIVE_UNITS:
            raise ValueError(
                f"loss.hidden_derivative_unit must be one of {HIDDEN_DERIVATIVE_UNITS}, "
                f"got {self.hidden_derivative_unit!r}"
            )
        if self.component_reduction not in COMPONENT_REDUCTIONS:
            raise ValueError(
                f"loss.component_reduction must be one of {COMPONENT_REDUCTIONS}, got {self.component_reduction!r}"
            )


def derivative_step(config: LossConfig, dt: float) -> float:
    """The divisor of D's differences: dt (s) for the paper's per-second derivative, 1 for per_step."""
    return 1.0 if config.hidden_derivative_unit == "per_step" else dt


def eq1(config: LossConfig, terms: dict[str, torch.Tensor]) -> torch.Tensor:
    """Eq. 1's weighted sum of the unweighted terms (scalars, or one value per network)."""
    return (
        config.position_weight * terms["position"]
        + config.activation_weight * terms["activation"]
        + config.hidden_weight * (terms["hidden"] + config.hidden_derivative_weight * terms["hidden_derivative"])
        + config.kernel_weight * terms["kernel"]
    )


def eq1_step_costs(
    config: LossConfig, max_isometric_force: Sequence[float] | torch.Tensor, dt: float
) -> Callable[[dict[str, torch.Tensor]], dict[str, torch.Tensor]]:
    """Eq. 1's costs of one step, for motornet.rollout.Rollout(costs=...): a function of the step's values
    returning each term's per-episode (B,) value (D is 0 on the episode's first step)."""
    step_dt, reduction = derivative_step(config, dt), config.component_reduction

    def costs(step):
        return {
            "position": position_cost(step["fingertip"], step["desired"], config.target_radius, reduction),
            "activation": activation_cost(step["activation"], max_isometric_force, reduction),
            "hidden": hidden_cost(step["hidden"], reduction),
            "hidden_derivative": (1.0 - step["first"])
            * hidden_derivative_cost(step["hidden"], step["previous_hidden"], step_dt, reduction),
        }

    return costs


def eq1_from_costs(
    config: LossConfig, costs: dict[str, torch.Tensor], n_steps: int, input_kernels: torch.Tensor, n_networks: int = 1
) -> dict[str, torch.Tensor]:
    """Eq. 1's terms and 'loss', one value per network (N,), from the per-episode sums over an episode's
    n_steps of eq1_step_costs (N B,; network k's episodes are rows [k B, (k + 1) B)) and the networks'
    input kernels (N, ...). The same means as eq1_loss: over episodes, steps (D: the T - 1 differences)
    and components."""

    def mean(name, steps):
        return costs[name].view(n_networks, -1).mean(1) / max(steps, 1)

    terms = {
        "position": mean("position", n_steps),
        "activation": mean("activation", n_steps),
        "hidden": mean("hidden", n_steps),
        "hidden_derivative": mean("hidden_derivative", n_steps - 1),
        "kernel": kernel_loss(input_kernels),
    }
    terms["loss"] = eq1(config, terms)
    return terms


def eq1_loss(
    config: LossConfig,
    position: torch.Tensor,
    desired: torch.Tensor,
    activation: torch.Tensor,
    max_isometric_force: Sequence[float] | torch.Tensor,
    hidden: torch.Tensor,
    input_kernel: torch.Tensor,
    dt: float,
) -> dict[str, torch.Tensor]:
    """Eq. 1 from an episode's tensors: position and desired (B, T, 2; m), muscle activation (B, T, M),
    max isometric forces (M; N), hidden activity (B, T, n_hidden), the GRU input kernel and the step dt (s).
    Returns a dict of scalar tensors: 'loss' and each unweighted term (TERMS)."""
    reduction = config.component_reduction
    terms = {
        "position": position_loss(position, desired, config.target_radius, reduction),
        "activation": activation_loss(activation, max_isometric_force, reduction),
        "hidden": hidden_loss(hidden, reduction),
        "hidden_derivative": hidden_derivative_loss(hidden, derivative_step(config, dt), reduction),
        "kernel": kernel_loss(input_kernel),
    }
    terms["loss"] = eq1(config, terms)
    return terms
