"""The policy's GRU cell alone (Figure 1's sizes: 16 inputs, 50 units, 6 outputs, B = 64, one thread), 100 steps
in one compiled scan, and its recurrent product alone: torch (motornet.policy.gru_cell's arithmetic, batch first
and trial last) against XLA (the same cell under `jax.lax.scan`, `jax.jit`), microseconds per step.

    python benchmarks/gru_cell.py                  # torch only
    python benchmarks/gru_cell.py --jax .jaxvenv   # + the JAX version, run by that venv's python
    python benchmarks/gru_cell.py --libraries      # the GRU's products alone: MKL against oneDNN, 1 and 2 threads

It separates the GEMMs from the rest of a step: at these shapes torch's `aten::mm` (MKL) and XLA's dot
differ by more than the whole element-wise cell does (docs/speed.md). `--libraries` times each product of a
training step (forward, input gradient, weight gradient) at the paper's sizes through `torch.mm` (MKL) and
through oneDNN, which torch also ships (`torch.ops.mkldnn._linear_pointwise`, operands made contiguous
beforehand), microseconds per product, and the transposing copies oneDNN's weight gradient needs (aten's
and a compiled one's).
"""

import argparse
import statistics
import subprocess
import time
from functools import partial
from pathlib import Path

B, I, H, O, T = 64, 16, 50, 6, 100


def gate_sum(p):
    """(B, 3H) -> (B, H), every column used: a compiler cannot shrink the product to the columns a step reads."""
    return p[:, :H] * p[:, H : 2 * H] * 0.1 + p[:, 2 * H :]


def timed(call, repeats=200, warmup=20, steps=T):
    """Median microseconds per step of `call()` (one `steps`-step scan)."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) / steps * 1e6


def torch_rows():
    import torch
    from torch._higher_order_ops import scan

    from motornet.policy import gru_cell

    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    w_ih, w_hh, w_out = (torch.randn(*shape, generator=g) * 0.1 for shape in ((3 * H, I), (3 * H, H), (O, H)))
    b_ih, b_hh, b_out = (torch.randn(n, generator=g) * 0.1 for n in (3 * H, 3 * H, O))
    xs = torch.randn(T, B, I, generator=g)

    def trial_last_cell(x, h):  # x (I, B), h (H, B): the products as W @ x, the gates vectorised along trials
        gi, gh = w_ih @ x, w_hh @ h
        r = torch.sigmoid(gi[:H] + gh[:H] + (b_ih[:H] + b_hh[:H])[:, None])
        z = torch.sigmoid(gi[H : 2 * H] + gh[H : 2 * H] + (b_ih[H : 2 * H] + b_hh[H : 2 * H])[:, None])
        c = (
            2.0 * torch.sigmoid(2.0 * (gi[2 * H :] + b_ih[2 * H :, None] + r * (gh[2 * H :] + b_hh[2 * H :, None])))
            - 1.0
        )
        h = c + z * (h - c)
        return torch.sigmoid(w_out @ h + b_out[:, None]), h

    cells = {
        "GRU cell, batch first (motornet.policy.gru_cell)": (
            lambda x, h: gru_cell(x, h, w_ih, w_hh, b_ih, b_hh, w_out, b_out),
            torch.zeros(B, H),
            xs,
        ),
        "GRU cell, trial last": (trial_last_cell, torch.zeros(H, B), xs.transpose(1, 2).contiguous()),
        "recurrent product alone (64 x 50 x 150)": (
            lambda x, h: (x, gate_sum(h @ w_hh.T) + x[:, :1]),
            torch.zeros(B, H),
            xs,
        ),
    }
    for name, (cell, h0, inputs) in cells.items():

        def episode(h, inputs, cell=cell):
            def step(h, x):
                u, h = cell(x, h)
                return h.clone(), u.clone()

            return scan(step, h, inputs)

        compiled = torch.compile(episode, fullgraph=True, dynamic=False, options={"cpp_wrapper": True})
        with torch.no_grad():
            yield f"torch {name}", timed(lambda c=compiled, h0=h0, inputs=inputs: c(h0, inputs))


def jax_rows():
    import os

    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    import jax
    import jax.numpy as jnp

    k = jax.random.split(jax.random.PRNGKey(0), 7)
    w_ih, w_hh, w_out = (jax.random.normal(k[i], s) * 0.1 for i, s in enumerate(((3 * H, I), (3 * H, H), (O, H))))
    b_ih, b_hh, b_out = (jax.random.normal(k[3 + i], (n,)) * 0.1 for i, n in enumerate((3 * H, 3 * H, O)))
    xs = jax.random.normal(k[6], (T, B, I))

    def cell(h, x):
        gi, gh = x @ w_ih.T, h @ w_hh.T
        r = jax.nn.sigmoid(gi[:, :H] + gh[:, :H] + b_ih[:H] + b_hh[:H])
        z = jax.nn.sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H] + b_ih[H : 2 * H] + b_hh[H : 2 * H])
        c = jnp.tanh(gi[:, 2 * H :] + b_ih[2 * H :] + r * (gh[:, 2 * H :] + b_hh[2 * H :]))
        h = c + z * (h - c)
        return h, jax.nn.sigmoid(h @ w_out.T + b_out)

    def product(h, x):
        return gate_sum(h @ w_hh.T) + x[:, :1], None

    h0 = jnp.zeros((B, H))
    for name, step in (("GRU cell, batch first", cell), ("recurrent product alone (64 x 50 x 150)", product)):
        episode = jax.jit(lambda h, xs, step=step: jax.lax.scan(step, h, xs))
        yield f"jax {name}", timed(lambda e=episode: jax.block_until_ready(e(h0, xs)))


def library_rows():
    """torch.mm (MKL) and oneDNN at the GRU products of Figure 1 / (a) (B 64, GRU 50), Figure 5 / (c) (B 1,024,
    GRU 110) and one network of Figure 6 (B 64, GRU 90), 16 inputs: x @ W.T, dL/dx = g @ W, dL/dW = g.T @ x."""
    import torch

    onednn = torch.ops.mkldnn._linear_pointwise  # x @ w.T for contiguous x (M, K), w (N, K)
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for rows, k, n in ((64, 16, 150), (64, 50, 150), (64, 90, 270), (1024, 16, 330), (1024, 110, 330)):
            x, w, g = torch.randn(rows, k), torch.randn(n, k), torch.randn(rows, n)
            for name, (a, b), (c, d) in (  # torch.mm(a, b) and its oneDNN form, linear(c, d) = c @ d.T
                ("x @ W.T", (x, w.T), (x, w)),
                ("g @ W", (g, w), (g, w.T.contiguous())),
                ("g.T @ x", (g.T, x), (g.T.contiguous(), x.T.contiguous())),
            ):
                mkl = timed(partial(torch.mm, a, b), steps=1)
                dnnl = timed(partial(onednn, c, d, None, "none", [], ""), steps=1)
                yield f"{threads} thr {rows}x{k}x{n} {name}: MKL {mkl:.1f}, oneDNN {dnnl:.1f} us ({mkl / dnnl:.2f}x)"
            # oneDNN's form of g.T @ x needs both operands transposed in memory: aten's copy and inductor's
            # (with a compiled function's call, ~10 us)
            aten = timed(partial(transposed, g, x), steps=1)
            torch.compiler.reset()  # a graph per shape and thread count (Dynamo's recompile limit is 8)
            compiled = torch.compile(transposed, dynamic=False)
            fused = timed(partial(compiled, g, x), steps=1)
            yield f"{threads} thr {rows}x{k}x{n} g.T, x.T made contiguous: aten {aten:.1f}, compiled {fused:.1f} us"


def transposed(g, x):
    return g.T.contiguous(), x.T.contiguous()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jax", type=Path, default=None, help="a venv with jax and jaxlib (benchmarks/README.md)")
    parser.add_argument("--libraries", action="store_true", help="the products alone: MKL against oneDNN")
    parser.add_argument("--jax-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.libraries:
        for line in library_rows():
            print(line, flush=True)
        return
    rows = jax_rows() if args.jax_worker else torch_rows()
    for name, us in rows:
        print(f"{name:60s} {us:6.2f} us per step", flush=True)
    if args.jax is not None:
        subprocess.run([str(args.jax / "bin" / "python"), __file__, "--jax-worker"], check=True)


if __name__ == "__main__":
    main()
