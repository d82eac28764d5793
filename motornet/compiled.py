"""The compiled per-step path behind the public `Effector.step`, `Environment.step` and `PolicyGRU.forward`.

A MotorNet 0.3 script calls these once per timestep; eager PyTorch then spends most of its time
dispatching ~200 small tensor operations per step. Each of those calls runs one pure function
(`Effector.transition`, `Environment.transition`, `PolicyGRU.cell`), which torch.compile fuses into
a few loops; the fused rollout (motornet.rollout) runs the same functions. Gradients flow through the
compiled calls as through eager ones, so a user's Python loop and `loss.backward()` are unchanged. Each
compiled graph calls inductor's kernels directly (`step_backend`): a training step is one autograd node
(`_LeanStep`: forward kernel, backward kernel), which saves ~20 % of a plain training step on arm26 over
AOTAutograd's general runtime; Dynamo's guards still recompile when an attribute the step reads changes.

Compilation costs tens of seconds per function (forward and backward, once per process and batch
size; torch's on-disk caches make later processes start in seconds), so it is done when it pays. On
arm26 with a GRU of 50 units (B = 64, one thread), a compiled training step (environment and policy,
forward and backward) takes ~0.6 ms against ~2.9 ms eager, and compiling them takes ~40 s with empty
caches, ~6 s warm: compiling after COMPILE_AFTER = 3000 calls (30 episodes of 100 steps) spends ~7 s
more in eager steps, at most about as long as compiling costs, and leaves short scripts and tests eager.

| `MOTORNET_COMPILE` (environment variable) or `motornet.compiled.MODE` | behaviour |
|---|---|
| `auto` (default) | eager for the first `COMPILE_AFTER` calls of each function, compiled after |
| `always` | compiled from the first call |
| `never` | eager |

Each function is compiled for static shapes (`dynamic=False`): a new batch size, or the layout of a state
handed over from eager steps (the switch in `auto` mode may come mid-episode), compiles one more graph of
the same lean kind instead of a symbolic-shape graph. Dynamo keeps at most
`torch._dynamo.config.recompile_limit` graphs per function; past it, new shapes would run eagerly, so
reaching it is a fallback too. Every fallback (a compiler failure, the graph limit) warns once, with its
reason, and is counted in `fallbacks()`.
"""

import functools
import os
import warnings
import weakref

import torch

# torch.compile options of every compiled call: cpp_wrapper launches the generated kernels from C++
# rather than Python, ~40 % less per call for these small graphs.
COMPILE_OPTIONS = {"cpp_wrapper": True}

# step_backend calls inductor's internals (compile_fx_inner, the generated kernels' calling convention) as
# torch 2.13 has them; under another torch the per-step calls use torch.compile's standard inductor backend.
LEAN_TORCH = "2.13."
_LEAN = torch.__version__.startswith(LEAN_TORCH)
_NOTICE = []

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

        with torch._functorch.config.patch(activation_memory_budget=0.0):
            return min_cut_rematerialization_partition(gm, joint_inputs, **kwargs)

    def uuid(self):  # identifies the partitioner in torch's compile caches
        return "motornet.compiled.RecomputeInBackward: min-cut, activation memory budget 0"


@functools.cache
def recompute_options():
    """COMPILE_OPTIONS with RecomputeInBackward as the partitioner: the per-step compiled calls', and a
    compiled chunk's of up to `motornet.rollout.RECOMPUTE_ROWS` rows. It is declared a torch partitioner
    here, at the first compilation, as importing torch's compiler modules adds ~2 s to `import motornet`."""
    from torch._inductor.custom_graph_pass import CustomPartitionerFn

    CustomPartitionerFn.register(RecomputeInBackward)
    return {**COMPILE_OPTIONS, "custom_partitioner_fn": RecomputeInBackward()}


class _LeanStep(torch.autograd.Function):
    """A training step's captured inductor kernels as one autograd node: the forward kernel returns the
    step's outputs and the tensors its backward kernel needs (saved here), the backward kernel the inputs'
    gradients."""

    @staticmethod
    def forward(ctx, step, *inputs):
        results = step.forward(list(inputs))
        outputs = results[: step.n_outputs]
        ctx.step = step
        ctx.save_for_backward(*results[step.n_outputs :])
        if step.constant:
            ctx.mark_non_differentiable(*(outputs[i] for i in step.constant))
        return tuple(outputs)

    @staticmethod
    def backward(ctx, *grads):
        tangents = []
        for i, stride in ctx.step.tangents:
            grad = grads[i]
            if grad.stride() != stride:
                grad = torch.empty_strided(grad.shape, stride, dtype=grad.dtype, device=grad.device).copy_(grad)
            tangents.append(grad)
        return (None, *ctx.step.backward([*ctx.saved_tensors, *tangents]))


class _CapturedStep:
    """What `_LeanStep` runs: forward and backward kernels, the number of outputs, (output index, stride)
    of each output the backward takes a gradient for, and the indices of the outputs it takes none for."""

    def __init__(self, forward, backward, n_outputs, tangents, constant):
        self.forward, self.backward, self.n_outputs = forward, backward, n_outputs
        self.tangents, self.constant = tangents, constant


def _static(value):
    return isinstance(value, torch.Tensor) and not any(
        isinstance(n, torch.SymInt) for n in (*value.shape, *value.stride())
    )


def step_backend(graph, example_inputs):
    """The torch.compile backend of the per-step calls: inductor (`compile_fx`, `recompute_options()`),
    whose kernels a graph of static shapes then calls directly: a training graph as one `_LeanStep` node,
    an inference graph as its forward kernel alone. This skips AOTAutograd's general runtime wrappers (input
    mutation, aliasing, subclasses, ...), which cost a per-step call more than the kernels themselves, while
    Dynamo's guards still decide when a call may use the graph. The kernels are captured and checked at the
    graph's first call (`_capture`); graphs of symbolic shapes, or kernels that do not fit, run as inductor
    compiled them."""
    from torch._inductor.compile_fx import compile_fx, compile_fx_inner  # here: ~2 s to import

    static = all(_static(x) for x in example_inputs)
    training = torch.is_grad_enabled() and any(isinstance(x, torch.Tensor) and x.requires_grad for x in example_inputs)
    kernels = {}

    def inner_compile(fx_graph, inputs, **kwargs):
        code = compile_fx_inner(fx_graph, inputs, **kwargs)
        if kwargs.get("is_backward"):
            kernels["backward"] = code
            kernels["tangent_strides"] = [
                tuple(node.meta["val"].stride())
                for node in fx_graph.graph.nodes
                if node.op == "placeholder" and node.name.startswith("tangents")
            ]
        else:
            kernels["forward"] = code
        return code

    # AOTAutograd's own cache would hand back compiled graphs without calling inner_compile; inductor's cache
    # of the generated code still applies.
    with torch._functorch.config.patch(enable_autograd_cache=not static):
        standard = compile_fx(
            graph, example_inputs, inner_compile=inner_compile, config_patches=dict(recompute_options())
        )
    if not static:
        return standard
    captured = []

    def run(*args):
        if not captured:
            captured.append(_capture(standard, kernels, args, training))
        step = captured[0]
        if step is None:
            return standard(*args)
        return _LeanStep.apply(step, *args) if training else step.forward(list(args))

    return run


def _kernel_call(code):
    """The function an inductor OutputCode runs (its generated wrapper), without OutputCode.__call__'s
    bookkeeping (autotune caches, profiler, runtime metrics), when it has one."""
    return getattr(code, "current_callable", None) or code


def _fresh(results, inputs):
    """Whether `results` are tensors none of which shares memory with a tensor of `inputs`."""
    own = {x.untyped_storage().data_ptr() for x in inputs}
    return all(isinstance(r, torch.Tensor) and r.untyped_storage().data_ptr() not in own for r in results)


def _capture(standard, kernels, args, training):
    """The `_CapturedStep` of a compiled graph, its kernels checked against the standard call on copies of
    `args` (which, for a training graph, compiles the backward), or None (the standard call stays) if they
    differ or do not fit: an output sharing memory with an input, or other inputs than `_LeanStep` assumes."""
    inputs = [x.detach().requires_grad_(x.requires_grad) for x in args]
    with torch.enable_grad() if training else torch.no_grad():
        outputs = list(standard(*inputs))
        tangents = [i for i, out in enumerate(outputs) if out.requires_grad]
        if training:
            grads = torch.autograd.grad(
                [outputs[i] for i in tangents],
                [x for x in inputs if x.requires_grad],
                [torch.ones_like(outputs[i]) for i in tangents],
                allow_unused=True,
            )
    if "forward" not in kernels or (training and len(kernels.get("tangent_strides", ())) != len(tangents)):
        return None
    step = _CapturedStep(
        _kernel_call(kernels["forward"]),
        _kernel_call(kernels.get("backward")),
        len(outputs),
        list(zip(tangents, kernels.get("tangent_strides", ()))),
        [i for i in range(len(outputs)) if i not in tangents],
    )
    with torch.no_grad():
        results = step.forward(list(inputs))
        if (
            len(results) < len(outputs)
            or not _fresh(results[: len(outputs)], inputs)
            or not all(torch.equal(r, out) for r, out in zip(results, outputs))
        ):
            return None
        if not training:
            return step if len(results) == len(outputs) else None
        # the tangents as _LeanStep.backward hands them over: in the strides the backward kernel was compiled for
        ones = [
            torch.empty_strided(outputs[i].shape, stride, dtype=outputs[i].dtype, device=outputs[i].device).fill_(1)
            for i, stride in step.tangents
        ]
        lean = step.backward([*results[len(outputs) :], *ones])
    if len(lean) != len(inputs):
        return None
    lean = [g for g, x in zip(lean, inputs) if x.requires_grad]
    same = all(
        (a is None and b is None) or (a is not None and b is not None and torch.equal(a, b))
        for a, b in zip(lean, grads)
    )
    return step if same else None


_FUNCTIONS = weakref.WeakSet()


def fallbacks():
    """{function name: {"count": step functions of that name that fell back to eager steps, "reason": one
    of their reasons}} for this process: empty when every compiled step stayed compiled."""
    found = {}
    for function in list(_FUNCTIONS):
        if function.fallback:
            entry = found.setdefault(function.name, {"count": 0, "reason": function.fallback})
            entry["count"] += 1
    return found


class StepFunction:
    """`fn`, called eagerly or compiled according to `mode` (one of `auto`, `always`, `never`; None: the
    module's `MODE`, see the module docstring). `graphs` counts the graphs compiled for it; `fallback` is why
    it runs eagerly for some or all inputs (None while it does not)."""

    def __init__(self, fn, mode=None):
        if mode is not None and mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES} or None, got {mode!r}")
        self.fn, self.mode = fn, mode
        self.name = getattr(fn, "__qualname__", repr(fn))
        self.calls = 0
        self.graphs = 0
        self.compiled = None
        self.failed = False
        self.fallback = None
        _FUNCTIONS.add(self)

    def _backend(self, graph, example_inputs):
        self.graphs += 1
        limit = torch._dynamo.config.recompile_limit
        if self.graphs == limit:
            self._fall_back(
                f"{limit} graphs compiled (torch._dynamo.config.recompile_limit): inputs of new "
                f"shapes or layouts run eagerly; raise the limit before the first step to keep "
                f"them compiled"
            )
        if _LEAN:
            return step_backend(graph, example_inputs)
        if not _NOTICE:
            _NOTICE.append(True)
            warnings.warn(
                f"motornet: torch {torch.__version__} is not {LEAN_TORCH}x, whose compiler internals the lean step "
                f"backend calls; compiled steps use torch.compile's standard inductor backend (~20 % slower per "
                f"step; pip install 'motornet-repro[lean]' installs torch 2.13.0)",
                RuntimeWarning,
                stacklevel=4,
            )
        return torch._dynamo.lookup_backend("inductor")(graph, example_inputs)

    def _fall_back(self, reason):
        self.fallback = reason
        warnings.warn(f"motornet: compiling {self.name}: {reason}", RuntimeWarning, stacklevel=4)

    def __call__(self, *args, **kwargs):
        mode = MODE if self.mode is None else self.mode
        if mode not in _MODES:
            raise ValueError(f"MOTORNET_COMPILE must be one of {_MODES}, got {mode!r}")
        if self.failed or mode == "never" or torch.compiler.is_compiling():
            return self.fn(*args, **kwargs)
        self.calls += 1
        if mode == "auto" and self.calls <= COMPILE_AFTER:
            return self.fn(*args, **kwargs)
        if self.compiled is None:
            self.compiled = torch.compile(self.fn, backend=self._backend, dynamic=False)
        try:
            return self.compiled(*args, **kwargs)
        except Exception as error:  # a compiler failure (or a bad input, which the eager call raises again)
            result = self.fn(*args, **kwargs)
            self.failed = True
            self._fall_back(f"failed, staying eager ({type(error).__name__}: {str(error)[:200]})")
            return result


def requiring_grad(value):
    """A tensor, or a (named) tuple of them, with each tensor that does not require grad replaced by a leaf
    that does. Under autograd a step's inputs then require grad from an episode's first step on, so one
    compiled graph (forward and backward) serves every step instead of one per combination."""
    if isinstance(value, torch.Tensor):
        return value if value.requires_grad else value.detach().requires_grad_()
    items = [requiring_grad(v) for v in value]
    return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
