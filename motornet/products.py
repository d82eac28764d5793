"""The policy's matrix products x @ w.T, through MKL, oneDNN or motornet's own AVX-512 kernel, whichever is
fastest at the size on the CPU at hand.

torch's CPU matmul calls MKL, which runs AVX-512 kernels on Intel's CPUs only: on AMD's, its single-precision
kernels use 256-bit (AVX2) instructions even where the CPU has AVX-512. oneDNN, which torch also ships,
dispatches on the instruction set. Measured on a 2-core AMD EPYC with AVX-512 (`python
benchmarks/gru_cell.py --libraries`), a oneDNN product costs ~11 us per call and then runs at ~2.2x MKL's
rate: 2.2-2.6x faster at Figure 5's recurrent product (1,024 x 110 x 330), slower below a few MFLOP, and
slower when a long reduction (over 1,024 trials) feeds few outputs (the input kernel's gradient). Below
MIN_FLOP, a small AVX-512 kernel of our own (`motornet::matmul`: register blocks of 8 rows x 32 columns,
fused multiply-adds, networks of a stack in parallel) takes 4.1 us for Figure 1's 64 x 50 x 150 against
MKL's 10.6. So on such a CPU `linear` takes oneDNN for 2-D float32 products of at least MIN_FLOP with at
least MIN_SIDE rows and columns out, the kernel for smaller float32 products (a network's or each network's
of a stack), and MKL otherwise. On a 2-core Intel Xeon with AVX-512, MKL is faster than the kernel at
every size the paper uses (1.3-2.7x), and oneDNN is no faster at one thread (0.95x) and mixed at two
(0.91-1.28x, before the transposing copies it needs): there MKL takes every product. oneDNN and the kernel
are reached through small C++ operators (`motornet::linear`, `motornet::matmul`), built once per machine
with torch's C++ extension tools (~20 s, cached under torch's extensions directory), so that compiled code
calls them without Python; on Linux inductor's C++ wrappers call the kernel through its C shim, a plain
function call (registered in inductor's `aot_inductor.custom_ops_to_c_shims`), instead of the dispatcher's
boxed call by name (2.1 against 1.1 us a call at 2 x 2).

| `MOTORNET_ONEDNN` (environment variable) | products |
|---|---|
| `auto` (default) | on AVX-512 CPUs not made by Intel: oneDNN or the kernel where faster (above), MKL elsewhere; MKL only on Intel's and where the vendor is unknown |
| `always` | oneDNN or the kernel by size on any AVX-512 CPU, Intel's too |
| `never` | MKL only: the floating-point rounding of motornet before this module |

The libraries sum in different orders, so their results differ by float32 rounding (~1e-6 relative), not
in the model. If the operators cannot be built, every product stays on MKL, with one warning saying why.
"""

import ctypes
import functools
import os
import sys
import warnings

import torch

MODE = os.environ.get("MOTORNET_ONEDNN", "auto")
_MODES = ("auto", "always", "never")
MIN_FLOP = 4e6  # 2 x rows x inputs x outputs; MKL is faster below (~11 us fixed cost per oneDNN call)
MIN_SIDE = 32  # rows and columns of the product; with fewer, a long reduction is slower in oneDNN

# the C shim's declaration, for inductor's C++ wrappers (its name is inductor's for a CPU operator `matmul`);
# used on Linux, where the wrappers' shared libraries may leave the symbol to be resolved when loaded
_SHIM = "AOTITorchError aoti_torch_cpu_matmul(AtenTensorHandle a, AtenTensorHandle b, AtenTensorHandle* out)"
_SHIM_USED = sys.platform.startswith("linux")

_SOURCE = r"""
#include <immintrin.h>
#include <ATen/Parallel.h>
#include <torch/library.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/inductor/aoti_torch/utils.h>

// Internal linkage: the library is loaded with its symbols global (for the C shim below), and these names
// must not interpose on other libraries'.
namespace {

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

// R rows of c (m, n) from columns [j, j + 32) (mask0 and mask1 keep those < n): c = a @ b, a's rows R apart
// by row_stride and its columns by col_stride, b (k, n) and c row-major. Each entry sums over p = 0..k-1
// in order, one fused multiply-add per term.
template <int R>
__attribute__((target("avx512f,fma"))) void rows(const float* a, long row_stride, long col_stride,
    const float* b, float* c, long k, long n, long j, __mmask16 mask0, __mmask16 mask1) {
  __m512 sum[R][2];
#pragma GCC unroll 8
  for (int r = 0; r < R; r++) sum[r][0] = sum[r][1] = _mm512_setzero_ps();
  for (long p = 0; p < k; p++) {
    const float* bp = b + p * n + j;
    __m512 b0 = _mm512_maskz_loadu_ps(mask0, bp);
    __m512 b1 = _mm512_maskz_loadu_ps(mask1, bp + 16);
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      __m512 ar = _mm512_set1_ps(a[r * row_stride + p * col_stride]);
      sum[r][0] = _mm512_fmadd_ps(ar, b0, sum[r][0]);
      sum[r][1] = _mm512_fmadd_ps(ar, b1, sum[r][1]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; r++) {
    _mm512_mask_storeu_ps(c + r * n + j, mask0, sum[r][0]);
    _mm512_mask_storeu_ps(c + r * n + j + 16, mask1, sum[r][1]);
  }
}

void product(const float* a, long row_stride, long col_stride, const float* b, float* c, long m, long k,
    long n) {
  for (long j = 0; j < n; j += 32) {
    long left = n - j;
    __mmask16 mask0 = left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1);
    __mmask16 mask1 = left >= 32 ? 0xFFFF : left <= 16 ? 0 : (__mmask16)((1u << (left - 16)) - 1);
    for (long i = 0; i < m; i += 8) {
      const float* ai = a + i * row_stride;
      float* ci = c + i * n;
      switch (m - i >= 8 ? 8 : m - i) {
        case 8: rows<8>(ai, row_stride, col_stride, b, ci, k, n, j, mask0, mask1); break;
        case 7: rows<7>(ai, row_stride, col_stride, b, ci, k, n, j, mask0, mask1); break;
        case 6: rows<6>(ai, row_stride, col_stride, b, ci, k, n, j, mask0, mask1); break;
        case 5: rows<5>(ai, row_stride, col_stride, b, ci, k, n, j, mask0, mask1); break;
        case 4: rows<4>(ai, row_stride, col_stride, b, ci, k, n, j, mask0, mask1); break;
        case 3: rows<3>(ai, row_stride, col_stride, b, ci, k, n, j, mask0, mask1); break;
        case 2: rows<2>(ai, row_stride, col_stride, b, ci, k, n, j, mask0, mask1); break;
        default: rows<1>(ai, row_stride, col_stride, b, ci, k, n, j, mask0, mask1);
      }
    }
  }
}

// a (M, K) @ b (K, O), or stacks (N, M, K) @ (N, K, O) one product per network (the networks in parallel):
// AVX-512 register blocks of 8 rows x 32 columns. a may have any strides; b is read row-major.
at::Tensor matmul(const at::Tensor& a, const at::Tensor& b) {
  TORCH_CHECK(a.scalar_type() == at::kFloat && b.scalar_type() == at::kFloat, "motornet::matmul takes float32");
  TORCH_CHECK(a.dim() == b.dim() && (a.dim() == 2 || a.dim() == 3), "motornet::matmul takes 2-D or 3-D operands");
  const at::Tensor bc = b.contiguous();
  const bool stacked = a.dim() == 3;
  const long networks = stacked ? a.size(0) : 1, m = a.size(-2), k = a.size(-1), n = b.size(-1);
  TORCH_CHECK(b.size(-2) == k && (!stacked || b.size(0) == networks), "motornet::matmul: shapes do not match");
  at::Tensor c = stacked ? at::empty({networks, m, n}, a.options()) : at::empty({m, n}, a.options());
  const float* pa = a.data_ptr<float>();
  const float* pb = bc.data_ptr<float>();
  float* pc = c.data_ptr<float>();
  const long network_stride = stacked ? a.stride(0) : 0, row_stride = a.stride(-2), col_stride = a.stride(-1);
  at::parallel_for(0, networks, 1, [&](int64_t first, int64_t last) {
    for (int64_t q = first; q < last; q++)
      product(pa + q * network_stride, row_stride, col_stride, pb + q * k * n, pc + q * m * n, m, k, n);
  });
  return c;
}

// Autograd in C++: compiled code calls the operator without a Python autograd wrapper. d/da = grad @ b.T,
// d/db = a.T @ grad, through the same kernel.
class MatmulFunction : public torch::autograd::Function<MatmulFunction> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& a, const at::Tensor& b) {
    ctx->save_for_backward({a, b});
    at::AutoDispatchBelowADInplaceOrView guard;
    return op().call(a, b);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
      torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor& a = saved[0];
    const at::Tensor& b = saved[1];
    const at::Tensor& grad = grads[0];
    at::Tensor grad_a, grad_b;
    if (ctx->needs_input_grad(0)) grad_a = op().call(grad, b.transpose(-1, -2).contiguous());
    if (ctx->needs_input_grad(1)) grad_b = op().call(a.transpose(-1, -2), grad.contiguous());
    return {grad_a, grad_b};
  }
  static const c10::TypedOperatorHandle<at::Tensor(const at::Tensor&, const at::Tensor&)>& op() {
    static auto handle = c10::Dispatcher::singleton().findSchemaOrThrow("motornet::matmul", "")
        .typed<at::Tensor(const at::Tensor&, const at::Tensor&)>();
    return handle;
  }
};

at::Tensor matmul_autograd(const at::Tensor& a, const at::Tensor& b) { return MatmulFunction::apply(a, b); }

}  // namespace

// The C shim inductor's C++ wrapper calls directly, without the dispatcher's boxed call by name (~1.5 us a
// call): the compiled graphs are below autograd, so this is the CPU kernel itself.
extern "C" AOTITorchError aoti_torch_cpu_matmul(AtenTensorHandle a, AtenTensorHandle b, AtenTensorHandle* out) {
  AOTI_TORCH_CONVERT_EXCEPTION_TO_ERROR_CODE({
    *out = torch::aot_inductor::new_tensor_handle(::matmul(
        *torch::aot_inductor::tensor_handle_to_tensor_pointer(a), *torch::aot_inductor::tensor_handle_to_tensor_pointer(b)));
  });
}

TORCH_LIBRARY_IMPL(motornet, Autograd, m) { m.impl("matmul", matmul_autograd); }

TORCH_LIBRARY(motornet, m) {
  m.def("linear(Tensor x, Tensor w) -> Tensor");
  m.def("matmul(Tensor a, Tensor b) -> Tensor");
}
TORCH_LIBRARY_IMPL(motornet, CPU, m) {
  m.impl("linear", linear);
  m.impl("matmul", matmul);
}
"""


def onednn_available() -> bool:
    """Whether `linear` may use oneDNN and the kernel here: an AVX-512 CPU (under MOTORNET_ONEDNN=auto, one
    not made by Intel), torch built with oneDNN, and the operators built (on the first call; a failure warns
    once and leaves MKL)."""
    available = _decide()
    if available and _SHIM_USED and "torch._inductor.config" in sys.modules:  # compiling: torch.compile imported it
        _register_shim()
    return available


# Compiled code takes its answer as a constant instead of tracing it (Dynamo would trace a cached function's
# body): the mark torch.compiler.assume_constant_result sets, set here without importing the compiler
# (~0.9 s on `import motornet`).
onednn_available._dynamo_marked_constant = True


@functools.cache
def _decide() -> bool:
    if MODE not in _MODES:
        raise ValueError(f"MOTORNET_ONEDNN must be 'auto', 'always' or 'never', got {MODE!r}")
    if MODE == "never" or not torch.backends.mkldnn.is_available():
        return False
    if not torch.backends.cpu.get_cpu_capability().startswith("AVX512"):
        return False
    if MODE == "auto" and _cpu_vendor() in ("GenuineIntel", ""):  # MKL runs AVX-512 kernels there itself
        return False
    reason = _build()
    if reason is not None:
        warnings.warn(
            f"motornet.products: building the oneDNN operator failed ({reason}); the GRU's products stay "
            "on MKL (up to ~2.5x slower on AVX-512 CPUs). MOTORNET_ONEDNN=never silences this.",
            RuntimeWarning,
            stacklevel=2,
        )
    return reason is None


@functools.cache
def _cpu_vendor() -> str:
    """The CPU's vendor id as Linux's /proc/cpuinfo gives it ("GenuineIntel", "AuthenticAMD", ...), or ""."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("vendor_id"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


@functools.cache
def _build() -> str | None:
    """Build, load and register `motornet::linear` (once per process); the reason it failed, or None."""
    try:
        from torch.utils.cpp_extension import load_inline

        # OpenMP: at::parallel_for runs a stack's networks on torch's threads only in code compiled with it
        path = load_inline(
            "motornet_products",
            cpp_sources=[_SOURCE],
            is_python_module=False,
            extra_cflags=["-O3", "-fopenmp"],
            extra_ldflags=["-fopenmp"],
        )
    except Exception as error:  # no compiler, no write access, ...: the products stay on MKL
        lines = str(error).strip().splitlines()
        return lines[-1] if lines else type(error).__name__
    if _SHIM_USED:  # the library's symbols global, so that the C++ wrappers inductor builds resolve its C shim
        ctypes.CDLL(path, mode=os.RTLD_GLOBAL | os.RTLD_NOLOAD)
    torch.library.register_fake("motornet::linear")(_fake)
    torch.library.register_autograd("motornet::linear", _backward, setup_context=_save_inputs)
    torch.library.register_fake("motornet::matmul")(_fake_matmul)
    return None


@functools.cache
def _register_shim() -> None:
    """Declare the kernel's C shim to inductor (`aot_inductor.custom_ops_to_c_shims`), once compiled code
    may call it: importing the compiler only for this would add ~0.8 s to the first product."""
    from torch._inductor import config

    shims = config.aot_inductor.custom_ops_to_c_shims
    config.aot_inductor.custom_ops_to_c_shims = {**shims, _MatmulKey(): [_SHIM]}


class _MatmulKey:
    """`torch.ops.motornet.matmul.default` as a key of inductor's `custom_ops_to_c_shims`: equal to the
    operator, and pickled without it. Inductor pickles its config into every compiled graph's cache key,
    and the operator itself cannot be pickled: with it as the key, every compilation would skip the cache."""

    def __init__(self):
        self.op = torch.ops.motornet.matmul.default

    def __reduce__(self):
        return _MatmulKey, ()

    def __hash__(self):
        return hash(self.op)

    def __eq__(self, other):
        return other is self.op or isinstance(other, _MatmulKey)


def _operators_take(x: torch.Tensor) -> bool:
    """Whether x is a tensor the C++ operators take (CPU, float32) and they are available here."""
    return x.device.type == "cpu" and x.dtype == torch.float32 and onednn_available()


def takes_onednn(rows: int, inputs: int, outputs: int, x: torch.Tensor) -> bool:
    """Whether the product of x (rows, inputs) with a weight (outputs, inputs) goes through oneDNN."""
    return 2 * rows * inputs * outputs >= MIN_FLOP and min(rows, outputs) >= MIN_SIDE and _operators_take(x)


def takes_kernel(rows: int, inputs: int, outputs: int, x: torch.Tensor) -> bool:
    """Whether the product of x (rows, inputs) with a weight (outputs, inputs), or each network's of a
    stack, goes through motornet's own AVX-512 kernel (`motornet::matmul`)."""
    return 2 * rows * inputs * outputs < MIN_FLOP and _operators_take(x)


def linear(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """x @ w.T: x (B, I) and w (O, I) -> (B, O), or stacked x (N, B, I) and w (N, O, I) -> (N, B, O)."""
    if x.ndim == 3 and w.ndim == 3 and x.shape[0] == w.shape[0] == 1:  # a stack of one (motornet.train's)
        return linear(x[0], w[0])[None]
    rows, inputs, outputs = x.shape[-2], x.shape[-1], w.shape[-2]
    if x.ndim == 2 and w.ndim == 2 and takes_onednn(rows, inputs, outputs, x):
        # oneDNN reads both operands row by row: the backward's transposed ones are copied here, where
        # compiled code makes the copy in its own parallel loops (a weight's once per graph), rather than
        # in the operator (aten's single-threaded transposing copy of 1,024 x 330: ~130 us)
        return torch.ops.motornet.linear(x.contiguous(), w.contiguous())
    if x.ndim == w.ndim and takes_kernel(rows, inputs, outputs, x):
        # the kernel reads w.T row by row: compiled code makes the transposed copy in its own loops
        return torch.ops.motornet.matmul(x, w.transpose(-1, -2).contiguous())
    return torch.matmul(x, w.transpose(-1, -2))


def _fake(x, w):
    return x.new_empty(x.shape[0], w.shape[0])


def _fake_matmul(a, b):
    return a.new_empty(*a.shape[:-1], b.shape[-1])


def _save_inputs(ctx, inputs, output):
    ctx.save_for_backward(*inputs)


def _backward(ctx, grad):
    """d/dx = grad @ w and d/dw = grad.T @ x, each through the library `linear` picks for its shape."""
    x, w = ctx.saved_tensors
    grad_x = linear(grad, w.T) if ctx.needs_input_grad[0] else None
    grad_w = linear(grad.T, x.T) if ctx.needs_input_grad[1] else None
    return grad_x, grad_w
