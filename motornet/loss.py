"""The paper's loss (eq. 1), term by term.

    L = lambda * K  +  alpha * P  +  beta * A  +  gamma * (H + kappa * D)

with, for a batch of B trials of T steps (t = 1..T are the states reached after each step):

| term | function | normalisation |
|---|---|---|
| P, position | `position_loss` | mean over B, T and (x, y) of |x_t - x*_t| (m), 0 at the steps where the distance ||x_t - x*_t||_2 < r |
| A, activation | `activation_loss` | mean over B, T and muscles of (a_t,i * F_i / mean(F))^2, a the muscle activation, F the maximal isometric forces |
| H, hidden | `hidden_loss` | mean over B, T and units of h_t^2 |
| D, hidden derivative | `hidden_derivative_loss` | mean over B, the T - 1 steps and units of ((h_t - h_{t-1}) / dt)^2, the time derivative in 1/s |
| K, kernel | `kernel_loss` | sum of the squared weights of the GRU's input kernel |

The paper sums L_t over time; we average, so that the coefficients do not depend on the episode's
length (the published TensorFlow toolbox averages too). Defaults are the paper's: alpha = 2, beta = 5,
gamma = 0.1, kappa = 0.05, lambda = 1e-6, r = 0.01 m. D is the paper's dh/dt, per second, as the original
toolbox computes it (with dt = 0.01 s, 10^4 times the squared per-step difference);
`hidden_derivative_unit: per_step` drops the 1 / dt, for comparison only (our code before 2026-11-29).
"""
import dataclasses

import torch


def position_loss(position, desired, target_radius=0.):
    """P: mean L1 distance (m) between positions and desired positions (..., 2), zero inside the radius (m)."""
    error = position - desired
    outside = torch.linalg.vector_norm(error, dim=-1, keepdim=True) >= target_radius
    return (error.abs() * outside).mean()


def activation_loss(activation, max_isometric_force):
    """A: mean squared activation (..., n_muscles) weighted by each muscle's max isometric force relative
    to the muscles' mean force."""
    force = torch.as_tensor(max_isometric_force, dtype=activation.dtype, device=activation.device).flatten()
    return (activation * (force / force.mean())).square().mean()


def hidden_loss(hidden):
    """H: mean squared hidden activity (B, T, n_hidden)."""
    return hidden.square().mean()


def hidden_derivative_loss(hidden, dt):
    """D: mean squared time derivative (1/s) of the hidden activity (B, T, n_hidden) along time (dim 1),
    (h_t - h_{t-1}) / dt with dt the step (s); dt = 1 gives the per-step difference."""
    return ((hidden[:, 1:] - hidden[:, :-1]) / dt).square().mean()


def kernel_loss(weight):
    """K: sum of squares of a weight matrix (the GRU's input kernel)."""
    return weight.square().sum()


TERMS = ("position", "activation", "hidden", "hidden_derivative", "kernel")
HIDDEN_DERIVATIVE_UNITS = ("per_second", "per_step")


@dataclasses.dataclass
class LossConfig:
    """Coefficients of eq. 1: alpha (position_weight), beta (activation_weight), gamma (hidden_weight),
    kappa (hidden_derivative_weight, inside gamma), lambda (kernel_weight); target_radius r (m);
    hidden_derivative_unit: per_second (the paper's dh/dt) or per_step (h_t - h_{t-1}, an ablation)."""
    position_weight: float = 2.
    activation_weight: float = 5.
    hidden_weight: float = 0.1
    hidden_derivative_weight: float = 0.05
    kernel_weight: float = 1e-6
    target_radius: float = 0.01
    hidden_derivative_unit: str = "per_second"

    def __post_init__(self):
        if self.hidden_derivative_unit not in HIDDEN_DERIVATIVE_UNITS:
            raise ValueError(f"loss.hidden_derivative_unit must be one of {HIDDEN_DERIVATIVE_UNITS}, "
                             f"got {self.hidden_derivative_unit!r}")


def eq1_loss(config, position, desired, activation, max_isometric_force, hidden, input_kernel, dt):
    """Eq. 1 from an episode's tensors: position and desired (B, T, 2; m), muscle activation (B, T, M),
    max isometric forces (M; N), hidden activity (B, T, n_hidden), the GRU input kernel and the step dt (s).
    Returns a dict of scalar tensors: 'loss' and each unweighted term (TERMS)."""
    step = 1. if config.hidden_derivative_unit == "per_step" else dt
    terms = {"position": position_loss(position, desired, config.target_radius),
             "activation": activation_loss(activation, max_isometric_force),
             "hidden": hidden_loss(hidden),
             "hidden_derivative": hidden_derivative_loss(hidden, step),
             "kernel": kernel_loss(input_kernel)}
    terms["loss"] = (config.position_weight * terms["position"] + config.activation_weight * terms["activation"]
                     + config.hidden_weight * (terms["hidden"] + config.hidden_derivative_weight
                                               * terms["hidden_derivative"])
                     + config.kernel_weight * terms["kernel"])
    return terms
