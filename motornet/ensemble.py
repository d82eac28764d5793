"""N networks of one architecture, run side by side as one batch (motornet.train's ensembles).

`PolicyEnsemble` stacks N `PolicyGRU`s' parameters on a leading axis, so that one step of all N is
two batched matrix products (`gru_cell`); `TaskEnsemble` concatenates N tasks' episodes along the batch,
each task drawing its own trials and noise from its own generator. `motornet.rollout.Rollout` runs the
pair as it runs one policy and one task: rows [k B, (k + 1) B) of every tensor belong to network k.
The networks stay independent: no operation mixes rows of different networks, so each one's
trajectories and gradients are those it would have alone (up to float rounding). One Adam over the
ensemble's stacked parameters steps each network as its own Adam would: `stack_adam` loads the N Adams'
states into it, `unstack` writes its weights and state back to the N policies and Adams.
"""

from collections.abc import Sequence

import torch

from .environment import EnvState, StepNoise
from .policy import PolicyGRU, gru_cell
from .tasks import ReachTask

# PolicyGRU's parameters in `parameters()` order (its optimiser state is indexed in this order).
PARAMETERS = ("gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0", "fc.weight", "fc.bias")


class PolicyEnsemble(torch.nn.Module):
    """The parameters of N PolicyGRUs of one shape, stacked (N, ...) in PARAMETERS order.

    `cell` steps all N on (N B, ...) rows; `sample_hidden_noise` draws each network's hidden noise from
    its own policy's generator; `write_back` copies the stacked values into the N policies."""

    def __init__(self, policies: Sequence[PolicyGRU]) -> None:
        super().__init__()
        first = policies[0]
        shapes = {(p.input_dim, p.hidden_dim, p.output_dim, p.hidden_noise) for p in policies}
        if len(shapes) != 1:
            raise ValueError(
                f"an ensemble's policies must share input, hidden and output sizes and hidden noise, "
                f"got {sorted(shapes)}"
            )
        self.policies = list(policies)
        self.n_networks = len(policies)
        self.input_dim, self.hidden_dim, self.output_dim = first.input_dim, first.hidden_dim, first.output_dim
        self.hidden_noise = first.hidden_noise
        states = [p.state_dict() for p in policies]
        self.stacked = torch.nn.ParameterList(
            torch.nn.Parameter(torch.stack([s[name].detach() for s in states])) for name in PARAMETERS
        )

    @property
    def device(self) -> torch.device:
        return self.stacked[0].device

    def init_hidden(self, batch_size: int) -> torch.Tensor:
        """Zero hidden state (1, batch_size, hidden_dim); batch_size counts the rows of all N networks."""
        return torch.zeros(1, batch_size, self.hidden_dim, device=self.device, dtype=self.stacked[0].dtype)

    def cell(
        self, x: torch.Tensor, h: torch.Tensor, noise: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(N B, input_dim), (N B, hidden_dim) -> excitation (N B, output_dim), hidden (N B, hidden_dim)."""
        n = self.n_networks
        w_ih, w_hh, b_ih, b_hh, w_out, b_out = self.stacked
        u, h = gru_cell(
            x.view(n, -1, self.input_dim),
            h.view(n, -1, self.hidden_dim),
            w_ih,
            w_hh,
            b_ih.unsqueeze(1),
            b_hh.unsqueeze(1),
            w_out,
            b_out.unsqueeze(1),
            None if noise is None else noise.view(n, -1, self.hidden_dim),
        )
        return u.reshape(-1, self.output_dim), h.reshape(-1, self.hidden_dim)

    def input_kernels(self) -> torch.Tensor:
        """The N GRU input kernels (N, 3 hidden_dim, input_dim)."""
        return self.stacked[0]

    def sample_hidden_noise(self, batch_size: int) -> torch.Tensor | None:
        """Each network's sigma_h samples for its batch_size / N rows, concatenated; None when not training."""
        if not (self.hidden_noise and self.training):
            return None
        rows = batch_size // self.n_networks
        return torch.cat([p.sample_hidden_noise(rows) for p in self.policies])

    def write_back(self) -> None:
        """Copy network k's stacked values into policies[k] (for its checkpoint)."""
        with torch.no_grad():
            for k, policy in enumerate(self.policies):
                targets = dict(policy.named_parameters())
                for name, stacked in zip(PARAMETERS, self.stacked):
                    targets[name].copy_(stacked[k])


def _cat(values, dim=0):
    return None if values[0] is None else torch.cat(values, dim)


def cat_states(states: Sequence[EnvState]) -> EnvState:
    """One EnvState of the concatenated batches (delay buffers are (delay, B, n): batch on dim 1)."""
    first = states[0]
    return EnvState(
        *(torch.cat([s[i] for s in states]) for i in range(4)),
        torch.cat([s.vision for s in states], 1),
        torch.cat([s.proprioception for s in states], 1),
        tuple(torch.cat(a) for a in zip(*(s.actions for s in states))) if first.actions else (),
    )


def split_state(state: EnvState, n: int) -> list[EnvState]:
    """The inverse of cat_states for n equal batches."""
    parts = [t.chunk(n) for t in state[:4]]
    vision, proprioception = state.vision.chunk(n, 1), state.proprioception.chunk(n, 1)
    actions = [a.chunk(n) for a in state.actions]
    return [
        EnvState(*(p[k] for p in parts), vision[k], proprioception[k], tuple(a[k] for a in actions)) for k in range(n)
    ]


class TaskEnsemble:
    """N tasks of one configuration (each with its own effector and generator) as one batch of N B rows.

    Implements what motornet.rollout.Rollout uses of a task: `n_steps`, `reset` (each task draws its own B
    episodes), `schedule`, `draw_noise` (each task's own samples), the pure `transition` (the first
    task's: the tasks share every parameter), `desired_trajectory` and `_finish_rollout`."""

    def __init__(self, tasks: Sequence[ReachTask]) -> None:
        self.tasks = list(tasks)
        first = self.tasks[0]
        self.n_networks = len(self.tasks)
        self.effector, self.muscle, self.dt = first.effector, first.muscle, first.dt
        self.max_ep_duration, self.n_steps, self.space_dim = first.max_ep_duration, first.n_steps, first.space_dim
        self.transition = first.transition
        self.goal = self._state = None

    def reset(self, seed: None = None, options: dict | None = None) -> tuple[torch.Tensor, None]:
        """Reset every task with `options` (batch_size: rows per network); seed must be None (each task
        keeps its own stream). Returns (obs (N B, n), None)."""
        if seed is not None:
            raise ValueError("a TaskEnsemble's tasks draw from their own generators: reset it with seed=None")
        obs = [task.reset(options=options)[0] for task in self.tasks]
        self._state = cat_states([task._state for task in self.tasks])
        self.goal = torch.cat([task.goal for task in self.tasks])
        return torch.cat(obs), None

    def schedule(self) -> tuple[list[torch.Tensor], torch.Tensor | None]:
        schedules = [task.schedule() for task in self.tasks]
        inputs = [torch.cat(parts) for parts in zip(*(s[0] for s in schedules))]
        return inputs, _cat([s[1] for s in schedules])

    def draw_noise(self, batch_size: int) -> StepNoise:
        rows = batch_size // self.n_networks
        return StepNoise(*(_cat(list(values)) for values in zip(*(task.draw_noise(rows) for task in self.tasks))))

    @property
    def desired_trajectory(self) -> torch.Tensor:
        return torch.cat([task.desired_trajectory for task in self.tasks])

    def _finish_rollout(self, state, n_steps):
        for task, part in zip(self.tasks, split_state(state, self.n_networks)):
            task._finish_rollout(part, n_steps)


def stack_adam(optimizer: torch.optim.Adam, optimizers: Sequence[torch.optim.Adam]) -> None:
    """Load N networks' Adam states (`optimizers`, one per PolicyGRU, in the ensemble's order) into the Adam of
    their PolicyEnsemble, stacked (N, ...) in PARAMETERS order; nothing before their first step."""
    states = [o.state_dict()["state"] for o in optimizers]
    if not states[0]:
        return
    stacked = {
        i: {
            key: torch.stack([s[i][key] for s in states]) if value.dim() else value.clone()
            for key, value in states[0][i].items()
        }
        for i in range(len(PARAMETERS))
    }
    optimizer.load_state_dict({"state": stacked, "param_groups": optimizer.state_dict()["param_groups"]})


def unstack(ensemble: PolicyEnsemble, optimizer: torch.optim.Adam, optimizers: Sequence[torch.optim.Adam]) -> None:
    """Write the ensemble's weights back into its N policies (`write_back`) and its Adam state, network by
    network, into their own Adams (`optimizers`): stack_adam's inverse."""
    ensemble.write_back()
    state = optimizer.state_dict()["state"]
    for k, own_optimizer in enumerate(optimizers):
        own = {
            i: {key: value[k].clone() if value.dim() else value.clone() for key, value in s.items()}
            for i, s in state.items()
        }
        own_optimizer.load_state_dict({"state": own, "param_groups": own_optimizer.state_dict()["param_groups"]})
