"""GRU policy with the paper's initialisation (section 4.1.3)."""

import torch

from .compiled import StepFunction, requiring_grad
from .products import linear


class GRUWeights(torch.nn.GRU):
    """One batch-first `torch.nn.GRU` layer (callable as such; gates r, z, n). PolicyGRU initialises it,
    so construction draws no random numbers here."""

    def __init__(self, input_dim: int, hidden_dim: int) -> None:
        self._initialised = False
        super().__init__(input_dim, hidden_dim, num_layers=1, batch_first=True)
        self._initialised = True

    def reset_parameters(self) -> None:
        if self._initialised:
            super().reset_parameters()


class PolicyGRU(torch.nn.Module):
    """One GRU layer and a sigmoid read-out: observation -> muscle excitation in (0, 1).

    Input kernel Glorot-uniform, recurrent kernel orthogonal, GRU biases 0; read-out weights
    N(0, 0.003^2) (the paper; `readout_init='xavier'`: Glorot-uniform, as MotorNet 0.3) and bias -5,
    so that the naive network's excitation is about 0.007. `gru` is a batch-first `torch.nn.GRU`,
    `fc` the read-out `Linear` and `sigmoid` its non-linearity; `forward` runs the fused `cell`
    (compiled when it pays, motornet.compiled), the same function.
    `hidden_noise` sigma_h (standard deviation) is added, while training, to the hidden state the GRU
    cell receives at every step (as in the original toolbox), so the read-out sees its effect through
    the cell, not the noise itself; it is drawn from `generator` (a torch.Generator, or None for torch's
    global one).
    """

    def __init__(
        self,
        input_dim: int,
        hidden_dim: int,
        output_dim: int,
        device: str | torch.device | None = None,
        hidden_noise: float = 0.0,
        readout_init: str = "normal",
    ) -> None:
        super().__init__()
        if readout_init not in ("normal", "xavier"):
            raise ValueError(f"readout_init must be 'normal' (paper) or 'xavier' (MotorNet 0.3), got {readout_init!r}")
        self.input_dim, self.hidden_dim, self.output_dim = int(input_dim), int(hidden_dim), int(output_dim)
        self.n_layers = 1
        self.hidden_noise = float(hidden_noise)
        self.generator = None  # of the hidden noise; None: torch's global generator
        self.gru = GRUWeights(self.input_dim, self.hidden_dim)
        self.fc = torch.nn.Linear(self.hidden_dim, self.output_dim)
        self.sigmoid = torch.nn.Sigmoid()
        torch.nn.init.xavier_uniform_(self.gru.weight_ih_l0)
        torch.nn.init.orthogonal_(self.gru.weight_hh_l0)
        torch.nn.init.zeros_(self.gru.bias_ih_l0)
        torch.nn.init.zeros_(self.gru.bias_hh_l0)
        if readout_init == "xavier":
            torch.nn.init.xavier_uniform_(self.fc.weight)
        else:
            torch.nn.init.normal_(self.fc.weight, std=0.003)
        torch.nn.init.constant_(self.fc.bias, -5.0)
        # `cell` reads the GRU's parameters through this tuple: torch.compile does not trace into torch.nn.GRU
        # modules (it would fall back to eager). The same Parameter objects: `.to()` and load_state_dict keep them.
        self._gru_parameters = (self.gru.weight_ih_l0, self.gru.weight_hh_l0, self.gru.bias_ih_l0, self.gru.bias_hh_l0)
        self._step = StepFunction(self._forward)
        if device is not None:
            self.to(device)

    @property
    def device(self) -> torch.device:
        return self.fc.weight.device

    def init_hidden(self, batch_size: int) -> torch.Tensor:
        """Zero hidden state (1, B, hidden_dim)."""
        return torch.zeros(1, batch_size, self.hidden_dim, device=self.device, dtype=self.fc.weight.dtype)

    def forward(self, x: torch.Tensor, h0: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, input_dim), h0 (1, B, hidden_dim) -> excitation (B, output_dim), h (1, B, hidden_dim)."""
        if x.shape[-1] != self.input_dim:
            raise ValueError(
                f"PolicyGRU expects inputs of size {self.input_dim} in the last dimension, got shape {tuple(x.shape)}"
            )
        noise = self.sample_hidden_noise(x.shape[0])
        if torch.is_grad_enabled() and not h0.requires_grad:
            x, h0 = requiring_grad(x), requiring_grad(h0)
        return self._step(x, h0, noise)

    def _forward(self, x, h0, noise):
        u, h = self.cell(x.reshape(-1, self.input_dim), h0.reshape(-1, self.hidden_dim), noise)
        return u, h.unsqueeze(0).clone()  # a fresh output: the compiled call then has no aliased output

    def cell(
        self, x: torch.Tensor, h: torch.Tensor, noise: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Pure step on (B, input_dim) and (B, hidden_dim) tensors; `noise` is added to the hidden state
        `h` before the cell uses it (`gru_cell`)."""
        return gru_cell(x, h, *self._gru_parameters, self.fc.weight, self.fc.bias, noise)

    def sample_hidden_noise(self, batch_size: int) -> torch.Tensor | None:
        """sigma_h N(0, 1) samples (batch_size, hidden_dim) from `generator` (None: torch's global one), or
        None outside training or without hidden noise."""
        if not (self.hidden_noise and self.training):
            return None
        return self.hidden_noise * torch.randn(
            batch_size, self.hidden_dim, generator=self.generator, device=self.device, dtype=self.fc.weight.dtype
        )


def gru_cell(
    x: torch.Tensor,
    h: torch.Tensor,
    w_ih: torch.Tensor,
    w_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
    w_out: torch.Tensor,
    b_out: torch.Tensor,
    noise: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One GRU step and the sigmoid read-out -> (excitation, new hidden state).

    The equations of `torch.nn.GRU` (gates r, z, n), written as bias-free matrix products with the biases
    added in the gate arithmetic (products through `motornet.products.linear`: MKL, oneDNN or its kernel by size):
    compiled, a step is then 2 products and fused element-wise loops, with
    no bias copies into product outputs. The candidate's tanh is evaluated as 2 sigmoid(2 x) - 1, the same
    function (to ~1e-7) at a quarter of the cost of a vectorised CPU tanh. Shapes: one network, x (B, I),
    h (B, H), w_ih (3H, I), w_hh (3H, H), b_* (3H,), w_out (O, H), b_out (O,); or N stacked networks,
    x (N, B, I), h (N, B, H), each weight with a leading N and each bias (N, 1, ...).
    """
    n = h.shape[-1]
    if noise is not None:
        h = h + noise
    gi, gh = linear(x, w_ih), linear(h, w_hh)
    r = torch.sigmoid(gi[..., :n] + gh[..., :n] + (b_ih[..., :n] + b_hh[..., :n]))
    z = torch.sigmoid(gi[..., n : 2 * n] + gh[..., n : 2 * n] + (b_ih[..., n : 2 * n] + b_hh[..., n : 2 * n]))
    candidate = (
        2.0 * torch.sigmoid(2.0 * (gi[..., 2 * n :] + b_ih[..., 2 * n :] + r * (gh[..., 2 * n :] + b_hh[..., 2 * n :])))
        - 1.0
    )
    h = candidate + z * (h - candidate)
    # The read-out (a few outputs) as a broadcast product and sum, which fuses with the sigmoid.
    return torch.sigmoid((h.unsqueeze(-2) * w_out.unsqueeze(-3)).sum(-1) + b_out), h
