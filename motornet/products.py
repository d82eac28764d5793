"""The policy's matrix products x @ w.T, through MKL or oneDNN, whichever is faster at the size.

torch's CPU matmul calls MKL, whose single-precision kernels on AMD CPUs use 256-bit (AVX2) instructions
even where the CPU has AVX-512; oneDNN, which torch also ships, dispatches on the instruction set. Measured
on a 2-core AMD EPYC with AVX-512 (`python benchmarks/gru_cell.py --libraries`), a oneDNN product costs
~11 us per call and then runs at ~2.2x MKL's rate: 2.2-2.6x faster at Figure 5's recurrent product (1,024 x
110 x 330), slower below a few MFLOP, and slower when a long reduction (over 1,024 trials) feeds few
outputs (the input kernel's gradient). So `linear` takes oneDNN for 2-D float32 products on an AVX-512 CPU
of at least MIN_FLOP with at least MIN_SIDE rows and columns out, and MKL otherwise (stacks of more than one
network too). oneDNN is reached through a small C++ operator, `motornet::linear`, built once per machine with
torch's C++ extension tools (~20 s, cached under torch's extensions directory), so that compiled code calls
it without Python.

| `MOTORNET_ONEDNN` (environment variable) | products |
|---|---|
| `auto` (default) | oneDNN where it is faster (above), MKL elsewhere |
| `never` | MKL only: the floating-point rounding of motornet before this module |

The two libraries sum in different orders, so their results differ by float32 rounding (~1e-6
relative), not in the model. If the operator cannot be built, every product stays on MKL, with one
warning saying why.
"""

import functools
import os
import warnings

import torch

MODE = os.environ.get("MOTORNET_ONEDNN", "auto")
MIN_FLOP = 4e6  # 2 x rows x inputs x outputs; MKL is faster below (~11 us fixed cost per oneDNN call)
MIN_SIDE = 32  # rows and columns of the product; with fewer, a long reduction is slower in oneDNN

_SOURCE = r"""
#include <torch/library.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

// x (B, I) @ w (O, I).T through oneDNN's linear (the CPU operator inductor uses for frozen weights)
at::Tensor linear(const at::Tensor& x, const at::Tensor& w) {
  static auto op = c10::Dispatcher::singleton().findSchemaOrThrow("mkldnn::_linear_pointwise", "");
  torch::jit::Stack stack;
  stack.emplace_back(x.contiguous());
  stack.emplace_back(w.contiguous());
  stack.emplace_back(c10::IValue());  // no bias
  stack.emplace_back(std::string("none"));  // no fused activation
  stack.emplace_back(c10::List<std::optional<at::Scalar>>());
  stack.emplace_back(c10::IValue());
  op.callBoxed(&stack);
  return stack[0].toTensor();
}

TORCH_LIBRARY(motornet, m) { m.def("linear(Tensor x, Tensor w) -> Tensor"); }
TORCH_LIBRARY_IMPL(motornet, CPU, m) { m.impl("linear", linear); }
"""


def onednn_available() -> bool:
    """Whether `linear` may use oneDNN here: MOTORNET_ONEDNN=auto, an AVX-512 CPU, torch built with oneDNN,
    and the operator built (on the first call; a failure warns once and leaves MKL)."""
    return _decide()


# Compiled code takes its answer as a constant instead of tracing it (Dynamo would trace a cached function's
# body): the mark torch.compiler.assume_constant_result sets, set here without importing the compiler
# (~0.9 s on `import motornet`).
onednn_available._dynamo_marked_constant = True


@functools.cache
def _decide() -> bool:
    if MODE not in ("auto", "never"):
        raise ValueError(f"MOTORNET_ONEDNN must be 'auto' or 'never', got {MODE!r}")
    if MODE == "never" or not torch.backends.mkldnn.is_available():
        return False
    if not torch.backends.cpu.get_cpu_capability().startswith("AVX512"):
        return False
    reason = _build()
    if reason is not None:
        warnings.warn(
            f"motornet.products: building the oneDNN operator failed ({reason}); the GRU's large products stay "
            "on MKL (up to ~2.5x slower on AVX-512 CPUs). MOTORNET_ONEDNN=never silences this.",
            RuntimeWarning,
            stacklevel=2,
        )
    return reason is None


@functools.cache
def _build() -> str | None:
    """Build, load and register `motornet::linear` (once per process); the reason it failed, or None."""
    try:
        from torch.utils.cpp_extension import load_inline

        load_inline("motornet_products", cpp_sources=[_SOURCE], is_python_module=False, extra_cflags=["-O2"])
    except Exception as error:  # no compiler, no write access, ...: the products stay on MKL
        lines = str(error).strip().splitlines()
        return lines[-1] if lines else type(error).__name__
    torch.library.register_fake("motornet::linear")(_fake)
    torch.library.register_autograd("motornet::linear", _backward, setup_context=_save_inputs)
    return None


def takes_onednn(rows: int, inputs: int, outputs: int, x: torch.Tensor) -> bool:
    """Whether the product of x (rows, inputs) with a weight (outputs, inputs) goes through oneDNN."""
    return (
        x.device.type == "cpu"
        and x.dtype == torch.float32
        and 2 * rows * inputs * outputs >= MIN_FLOP
        and min(rows, outputs) >= MIN_SIDE
        and onednn_available()
    )


def linear(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """x @ w.T: x (B, I) and w (O, I) -> (B, O), or stacked x (N, B, I) and w (N, O, I) -> (N, B, O)."""
    if x.ndim == 3 and w.ndim == 3 and x.shape[0] == w.shape[0] == 1:  # a stack of one (motornet.train's)
        return linear(x[0], w[0])[None]
    if x.ndim == 2 and w.ndim == 2 and takes_onednn(x.shape[0], x.shape[1], w.shape[0], x):
        # oneDNN reads both operands row by row: the backward's transposed ones are copied here, where
        # compiled code makes the copy in its own parallel loops (a weight's once per graph), rather than
        # in the operator (aten's single-threaded transposing copy of 1,024 x 330: ~130 us)
        return torch.ops.motornet.linear(x.contiguous(), w.contiguous())
    return torch.matmul(x, w.transpose(-1, -2))


def _fake(x, w):
    return x.new_empty(x.shape[0], w.shape[0])


def _save_inputs(ctx, inputs, output):
    ctx.save_for_backward(*inputs)


def _backward(ctx, grad):
    """d/dx = grad @ w and d/dw = grad.T @ x, each through the library `linear` picks for its shape."""
    x, w = ctx.saved_tensors
    grad_x = linear(grad, w.T) if ctx.needs_input_grad[0] else None
    grad_w = linear(grad.T, x.T) if ctx.needs_input_grad[1] else None
    return grad_x, grad_w
