"""Gymnasium environments around an effector: delayed, noisy feedback and a goal (docs/model.md §6).

Observation vector, in order:

| slice | content | size |
|---|---|---|
| goal | goal position (m), no noise | space_dim |
| vision | fingertip position (m), delayed by `vision_delay` | space_dim |
| proprioception | fibre length / l_ce, then fibre velocity / v_max, delayed by `proprioception_delay` | 2 * n_muscles |
| actions | the last `action_frame_stacking` actions, newest last | frames * n_muscles |

A delay of k * dt is a FIFO of k entries (`obs_buffer`): each observation appends the current feedback
and shows the oldest entry, so it lags the state just reached by k - 1 steps (k = 1, or a delay of 0:
no lag beyond the step).

A step is the pure function `transition`, run compiled when it pays (motornet.compiled). A subclass
defined outside motornet that overrides a MotorNet 0.3 hook (`reset`, `get_obs`, `update_obs_buffer`,
`get_proprioception`, `get_vision`), or whose effector overrides one of its own, is stepped through
those hooks instead: `effector.step`, then `get_obs(action=noisy_action)`.

- `state`: the pure state (`EnvState`, `StepNoise`);
- `sensing`: feedback and the observation, pure functions of the state;
- `env`: the gymnasium `Environment` (its pure `transition` and the stateful shell around it), `RandomTargetReach`;
- `hooks`: the MotorNet 0.3 compatibility layer (`obs_buffer`, `get_obs` and the hooks it calls).
"""

from .env import Environment, RandomTargetReach, delay_in_steps, noise_list
from .hooks import HOOKS, HookObservation
from .sensing import feedback, observation
from .state import NO_NOISE, EnvState, StepNoise, fifo_lists, shift, with_fifo_lists

__all__ = [
    "EnvState",
    "StepNoise",
    "NO_NOISE",
    "shift",
    "fifo_lists",
    "with_fifo_lists",
    "feedback",
    "observation",
    "delay_in_steps",
    "noise_list",
    "Environment",
    "RandomTargetReach",
    "HookObservation",
    "HOOKS",
]
