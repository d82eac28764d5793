"""The compiled per-step path behind the public `Effector.step`, `Environment.step` and `PolicyGRU.forward`.

A MotorNet 0.3 script calls these once per timestep; eager PyTorch then spends most of its time
dispatching ~200 small tensor operations per step. Each of those calls runs one pure function
(`Effector.transition`, `Environment.transition`, `PolicyGRU.cell`), which torch.compile fuses into
a few loops; the fused rollout (motornet.rollout) runs the same functions. Gradients flow through the compiled calls as through eager ones (AOTAutograd), so a
user's Python loop and `loss.backward()` are unchanged.

Compilation costs tens of seconds per function (forward and backward, once per process and batch
size; torch's on-disk caches make later processes start in seconds), so it is done when it pays. On
arm26 with a GRU of 50 units (B = 64, one thread), a compiled training step saves ~3-4 ms over an eager
one and compiling the environment and policy steps (forward and backward) takes 30-60 s with empty
caches: compiling after COMPILE_AFTER = 3000 calls (30 episodes of 100 steps) spends at most
about as long in eager steps as compiling costs, and leaves short scripts and tests eager.

| `MOTORNET_COMPILE` (environment variable) or `motornet.compiled.MODE` | behaviour |
|---|---|
| `auto` (default) | eager for the first `COMPILE_AFTER` calls of each function, compiled after |
| `always` | compiled from the first call |
| `never` | eager |

If compilation fails (e.g. no C++ compiler), a warning is issued and that function stays eager.
"""
import functools
import os
import warnings

import torch

# torch.compile options of every compiled call: cpp_wrapper launches the generated kernels from C++
# rather than Python, ~40 % less per call for these small graphs.
COMPILE_OPTIONS = {"cpp_wrapper": True}

MODE = os.environ.get("MOTORNET_COMPILE", "auto")
COMPILE_AFTER = int(os.environ.get("MOTORNET_COMPILE_AFTER", 3000))
_MODES = ("auto", "always", "never")


class RecomputeInBackward:
    """torch.compile's min-cut forward/backward partitioner with an activation memory budget of 0: the
    compiled backward recomputes a step's intermediates from its inputs instead of the forward saving
    them. A step's tensors are small (B x muscles), so recomputing is cheaper than handing ~40 saved
    tensors from each forward call to its backward (~15 % of a plain training step on arm26)."""

    def __call__(self, gm, joint_inputs, **kwargs):
        from torch._functorch.partitioners import min_cut_rematerialization_partition
        with torch._functorch.config.patch(activation_memory_budget=0.):
            return min_cut_rematerialization_partition(gm, joint_inputs, **kwargs)

    def uuid(self):  # identifies the partitioner in torch's compile caches
        return "motornet.compiled.RecomputeInBackward: min-cut, activation memory budget 0"


@functools.lru_cache(maxsize=None)
def step_compile_options():
    """COMPILE_OPTIONS with RecomputeInBackward as the partitioner of the per-step compiled calls. It is
    declared a torch partitioner here, at the first compilation, as importing torch's compiler modules
    adds ~2 s to `import motornet`."""
    from torch._inductor.custom_graph_pass import CustomPartitionerFn
    CustomPartitionerFn.register(RecomputeInBackward)
    return {**COMPILE_OPTIONS, "custom_partitioner_fn": RecomputeInBackward()}


class StepFunction:
    """`fn`, called eagerly or compiled according to `MODE` (see the module docstring)."""

    def __init__(self, fn):
        self.fn = fn
        self.calls = 0
        self.compiled = None
        self.failed = False

    def _use_compiled(self):
        if MODE not in _MODES:
            raise ValueError(f"MOTORNET_COMPILE must be one of {_MODES}, got {MODE!r}")
        if self.failed or MODE == "never" or torch.compiler.is_compiling():
            return False
        self.calls += 1
        return MODE == "always" or self.calls > COMPILE_AFTER

    def __call__(self, *args, **kwargs):
        if not self._use_compiled():
            return self.fn(*args, **kwargs)
        if self.compiled is None:
            self.compiled = torch.compile(self.fn, options=dict(step_compile_options()))
        try:
            return self.compiled(*args, **kwargs)
        except Exception as error:  # a compiler failure (or a bad input, which the eager call raises again)
            result = self.fn(*args, **kwargs)
            warnings.warn(f"motornet: compiling {getattr(self.fn, '__qualname__', self.fn)} failed, staying eager "
                          f"({type(error).__name__}: {str(error)[:200]})", RuntimeWarning, stacklevel=3)
            self.failed = True
            return result


def requiring_grad(value):
    """A tensor, or a (named) tuple of them, with each tensor that does not require grad replaced by a leaf
    that does. Under autograd a step's inputs then require grad from an episode's first step on, so one
    compiled graph (forward and backward) serves every step instead of one per combination."""
    if isinstance(value, torch.Tensor):
        return value if value.requires_grad else value.detach().requires_grad_()
    items = [requiring_grad(v) for v in value]
    return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
