"""Training and rollout speed of motornet on arm26 + GRU, side by side with a baseline.

    python benchmarks/bench.py                                   # our paths only
    python benchmarks/bench.py --reference .refvenv              # + the public toolbox, same run
    python benchmarks/bench.py --jax .jaxvenv --paths plain step # + benchmarks/jax_reference.py, same run
    python benchmarks/bench.py --baseline train64=0.50 fwd64=0.19 train1024=0.97
    python benchmarks/bench.py --compile                         # + the torch.compile'd fused path
    python benchmarks/bench.py --trainer fig6 fig5               # motornet.train's step: ensembles, GEMM share
    python benchmarks/bench.py --trainer fig6 --trainer-compile step   # the same, compiled one step per call

Workloads (the reference runs them through benchmarks/reference_train.py; same loss: L1 fingertip-goal +
1e-4 mean u^2):
train64 (B=64, T=100, GRU 50, 1 thread, forward + backward + Adam), fwd64 (same, no gradients),
train1024 (B=1024, T=80, GRU 110, 2 threads), physics (1,000 arms x 100 steps under constant random excitations,
no network, 1 thread; its paths: `plain`, the Effector.step loop, `fused` and `step`, motornet.rollout.simulate
eager and compiled). Paths: `plain` (the MotorNet 0.3 script: `policy(obs, h)`,
`env.step(u)`, loss, backward in a Python loop; its steps run as motornet.compiled's --step-compile
mode says: `always` (default) times the compiled steps a long script reaches after COMPILE_AFTER calls,
with their compilation in the first warm-up batch, printed apart), `fused` (motornet.rollout.Rollout,
eager), `compiled` (Rollout with torch.compile of a 10-step chunk), `step` (Rollout compiled one step
per call through motornet.compiled's lean backend), `scan` (Rollout's whole episode as one compiled torch
scan); the compiled paths' compile time is printed separately and excluded from the per-batch figure. The Rollout paths record only what the loss uses
(fingertip, action). Each figure is the median over --batches batches after --warmup batches, each path
and workload in a Python process of its own, as the reference's. With --repeats R the reference and our
paths alternate R times. The last line summarises s/batch and the
speed-up over the baseline (medians over the repeats: the fastest path's time, its per-repeat ratio).
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

import motornet as mn
from motornet import compiled
from motornet import train as trainer
from motornet.ensemble import PolicyEnsemble, TaskEnsemble
from motornet.loss import eq1_step_costs
from motornet.products import linear
from motornet.rollout import Rollout

WORKLOADS = {
    "train64": dict(batch_size=64, steps=100, hidden=50, threads=1, grad=True),
    "fwd64": dict(batch_size=64, steps=100, hidden=50, threads=1, grad=False),
    "train1024": dict(batch_size=1024, steps=80, hidden=110, threads=2, grad=True),
    "physics": dict(batch_size=1000, steps=100, hidden=None, threads=1, grad=False),
}
# the physics workload's paths: the MotorNet 0.3 loop (Effector.step), and motornet.rollout.simulate eager
# and compiled; the policy paths' names, so that one --paths serves every workload
PHYSICS_PATHS = {"plain": "Effector.step loop", "fused": "simulate, eager", "step": "simulate, compiled"}
JAX_SCRIPT = Path(__file__).resolve().parent / "jax_reference.py"
REFERENCE_SCRIPT = Path(__file__).resolve().parent / "reference_train.py"
CONFIGS = Path(__file__).resolve().parents[1] / "motornet" / "configs"
# motornet.train's compiled training step (`--trainer`), on the paper's configs: Figure 6's arm26 network
# (GRU 90, B = 64, T = 80) alone and as an ensemble of 8 (1 and 2 threads), Figure 5's (GRU 110, B = 1,024,
# T = 80; 2 threads).
TRAINER = {
    "fig6": dict(config="fig6_arm26.yaml", batch_size=64, networks=(1, 8), threads=(1, 2)),
    "fig5": dict(config="fig5_perturbation_free.yaml", batch_size=1024, networks=(1,), threads=(2,)),
}


def make(steps, hidden):
    torch.manual_seed(0)
    effector = mn.effector.RigidTendonArm26()
    env = mn.environment.RandomTargetReach(
        effector, max_ep_duration=steps * effector.dt, proprioception_delay=0.02, vision_delay=0.05
    )
    policy = mn.policy.PolicyGRU(env.observation_space.shape[0], hidden, env.n_muscles)
    return env, policy, torch.optim.Adam(policy.parameters(), lr=1e-3)


def plain_batch(env, policy, batch_size, steps):
    obs, info = env.reset(options={"batch_size": batch_size})
    h = policy.init_hidden(batch_size)
    loss = 0.0
    for _ in range(steps):
        u, h = policy(obs, h)
        obs, _, _, _, info = env.step(u)
        loss = loss + (info["states"]["fingertip"] - info["goal"]).abs().sum(-1).mean() + 1e-4 * (u**2).mean()
    return loss


def fused_batch(runner, batch_size):
    out = runner(batch_size)
    goal = runner.env.goal[:, None]
    return (out["fingertip"] - goal).abs().sum(-1).mean(0).sum() + 1e-4 * (out["action"] ** 2).mean((0, 2)).sum()


def physics_batch(path, effector, excitation):
    """One physics batch: 1,000 arms from random start postures under constant random excitations (simulate
    records the fingertip trajectory; the Effector.step loop and the JAX yardstick record nothing)."""
    from motornet.rollout import simulate  # here: benchmarks/ab.py imports this module beside older checkouts

    batch, steps = excitation.shape[0], excitation.shape[1]
    if path == "plain":
        effector.reset(options={"batch_size": batch})
        for t in range(steps):
            effector.step(excitation[:, t])
        return effector.states["joint"]
    return simulate(effector, excitation, compile=path == "step", record=("cartesian",))["cartesian"][:, -1]


def time_path(path, workload, batches, warmup, step_compile="always"):
    """(median s per batch, warm-up time, first batch's time) of one path on one workload, in this process."""
    w = WORKLOADS[workload]
    compiled.MODE = step_compile
    torch.set_num_threads(w["threads"])
    if workload == "physics":
        effector = mn.effector.RigidTendonArm26()
        u = torch.rand(w["batch_size"], 1, effector.n_muscles, generator=torch.Generator().manual_seed(0))
        excitation = u.expand(-1, w["steps"], -1)

        def one():
            with torch.no_grad():
                physics_batch(path, effector, excitation)

        return _time(one, batches, warmup)
    env, policy, optimizer = make(w["steps"], w["hidden"])
    record = ("fingertip", "action")
    runner = {
        "plain": lambda: None,
        "fused": lambda: Rollout(env, policy, record=record),
        "compiled": lambda: Rollout(env, policy, compile=True, record=record),
        "step": lambda: Rollout(env, policy, chunk=1, compile="step", record=record),
        "scan": lambda: Rollout(env, policy, compile="scan", record=record),
    }[path]()

    def one():
        with torch.set_grad_enabled(w["grad"]):
            loss = (
                plain_batch(env, policy, w["batch_size"], w["steps"])
                if runner is None
                else fused_batch(runner, w["batch_size"])
            )
            if w["grad"]:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

    return _time(one, batches, warmup)


def _time(one, batches, warmup):
    start = time.perf_counter()
    one()
    first = time.perf_counter() - start
    for _ in range(warmup - 1):
        one()
    warm = time.perf_counter() - start
    times = []
    for _ in range(batches):
        t0 = time.perf_counter()
        one()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), warm, first


def time_path_in_process_of_its_own(path, workload, batches, warmup, step_compile):
    """time_path in a new Python process, as the reference runs: a script's first and only workload, with no
    earlier workload's compiled graphs, guards or heap in the process."""
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        path,
        workload,
        "--batches",
        str(batches),
        "--warmup",
        str(warmup),
        "--step-compile",
        step_compile,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WORKER"))
    return tuple(float(x) for x in line.split()[1:])


def training_step(config_path, batch_size, n_networks, compile=True):
    """(step, policy, task): `step()` runs one batch of motornet.train's step (Rollout with eq. 1's costs,
    compiled as `compile` says: True, a chunk of config's `training.chunk` steps, or "step"; backward,
    per-network clipping, Adam) for seeds 0..n_networks-1 of the config at `config_path`, as one ensemble."""
    config = trainer.load_config(config_path)
    config.training.batch_size = batch_size
    members = [
        trainer._Member(
            trainer.load_config({**trainer.config_to_dict(config), "seed": k}), Path("."), torch.device("cpu")
        )
        for k in range(n_networks)
    ]
    policy, task = PolicyEnsemble([m.policy for m in members]), TaskEnsemble([m.task for m in members])
    for p in (policy, *policy.policies):
        p.train()
    optimizer = torch.optim.Adam(policy.parameters(), lr=config.training.learning_rate)
    runner = Rollout(
        task,
        policy,
        chunk=1 if compile == "step" else config.training.chunk,
        compile=compile,
        record=(),
        costs=eq1_step_costs(config.loss, task.muscle.max_iso_force, task.dt),
    )
    return (lambda: trainer.train_step(runner, optimizer, config)), policy, task


def trainer_step_time(config_name, batch_size, n_networks, threads, batches, warmup, compile=True):
    """(median s per training batch of all n_networks, compile + warm-up time, dimensions): training_step
    on the config `config_name`."""
    torch.set_num_threads(threads)
    torch._dynamo.reset()
    step, policy, task = training_step(CONFIGS / config_name, batch_size, n_networks, compile)
    start = time.perf_counter()
    for _ in range(warmup):
        step()
    warm = time.perf_counter() - start
    times = []
    for _ in range(batches):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    dims = dict(
        rows=batch_size,
        networks=n_networks,
        inputs=policy.input_dim,
        hidden=policy.hidden_dim,
        steps=task.n_steps,
    )
    return statistics.median(times), warm, dims


def gemm_time(rows, networks, inputs, hidden, steps, threads, repeats=5):
    """(median s, GFLOP) of the matrix products of one training batch alone: per step, the GRU's two forward
    products and their four backward ones (input and weight gradients), batched over the networks, with the
    transposing copies oneDNN's weight gradients need (aten's, eager; compiled steps make them in their own loops)."""
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    x, h = torch.randn(networks, rows, inputs, generator=g), torch.randn(networks, rows, hidden, generator=g)
    w_ih, w_hh = (
        torch.randn(networks, 3 * hidden, inputs, generator=g),
        torch.randn(networks, 3 * hidden, hidden, generator=g),
    )
    grad = torch.randn(networks, rows, 3 * hidden, generator=g)

    def batch():  # through the library the step's products take (motornet.products: MKL, oneDNN or its kernel by size)
        for _ in range(steps):
            linear(x, w_ih), linear(h, w_hh)  # forward
            linear(grad, w_hh.mT), linear(grad.mT, h.mT)  # d/dh, d/dW_hh
            linear(grad, w_ih.mT), linear(grad.mT, x.mT)  # d/dx, d/dW_ih

    batch()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        batch()
        times.append(time.perf_counter() - t0)
    flop = 3 * 2 * networks * rows * 3 * hidden * (inputs + hidden) * steps
    return statistics.median(times), flop / 1e9


def trainer_benchmarks(names, batches, warmup, repeats, compile=True):
    """Print motornet.train's step per workload: s/batch, network-batches/s, the ensemble's gain over one
    network alone (same thread count, medians over the repeats) and the share of the batch's time its
    matrix products alone take (the GEMM fraction)."""
    summary = []
    for name in names:
        w = TRAINER[name]
        for threads in w["threads"]:
            rates = {n: [] for n in w["networks"]}
            for _ in range(repeats):
                for n in w["networks"]:
                    seconds, warm, dims = trainer_step_time(
                        w["config"], w["batch_size"], n, threads, batches, warmup, compile
                    )
                    gemm, gflop = gemm_time(threads=threads, **dims)
                    rates[n].append(n / seconds)
                    print(
                        f"trainer {name} x{n} {threads} thr  {seconds:.4f} s/batch  {n / seconds:.2f} network-batches/s"
                        f"  GEMMs alone {gemm:.4f} s ({gflop:.1f} GFLOP, {gflop / gemm:.0f} GFLOP/s): "
                        f"fraction {gemm / seconds:.2f}  (compile + {warmup} warm-up batches: {warm:.1f} s)",
                        flush=True,
                    )
            if len(w["networks"]) > 1:
                one, many = w["networks"][0], w["networks"][-1]
                gain = statistics.median(m / o for m, o in zip(rates[many], rates[one]))
                summary.append(
                    f"{name} {threads} thr: x{many} ensemble {statistics.median(rates[many]):.1f} "
                    f"network-batches/s = {gain:.2f}x one network"
                )
            else:
                summary.append(f"{name} {threads} thr: {statistics.median(rates[w['networks'][0]]):.2f} batches/s")
    print("TRAINER " + " | ".join(summary))


def reference(venv, workload, batches):
    w = WORKLOADS[workload]
    cmd = [
        str(Path(venv) / "bin" / "python"),
        str(REFERENCE_SCRIPT),
        "--batches",
        str(batches + 3),
        "--batch-size",
        str(w["batch_size"]),
        "--hidden",
        str(w["hidden"]),
        "--steps",
        str(w["steps"]),
        "--threads",
        str(w["threads"]),
    ] + ([] if w["grad"] else ["--forward-only"])
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("REF"))
    return float(line.split("sec_per_batch=")[1].split()[0])


def jax_reference(venv, workload, batches, warmup):
    """(median s per batch, cold compile + first call) of benchmarks/jax_reference.py on `workload`, with the
    Kistemaker muscle of RigidTendonArm26, in the venv `venv` (jax, jaxlib, optax)."""
    w = WORKLOADS[workload]
    cmd = [str(Path(venv) / "bin" / "python"), str(JAX_SCRIPT), "--workloads", workload, "--muscle", "kistemaker"]
    cmd += ["--threads", str(w["threads"]), "--batches", str(batches), "--warmup", str(warmup)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    result = json.loads(next(line for line in out.splitlines() if line.startswith("JSON "))[5:])["results"][workload]
    return result["median_s"], result["cold_s"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", nargs="*", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument(
        "--trainer",
        nargs="*",
        default=[],
        choices=list(TRAINER),
        help="motornet.train's step on these workloads (ensemble gain, GEMM fraction)",
    )
    parser.add_argument(
        "--trainer-compile",
        default="chunk",
        choices=["chunk", "step"],
        help="--trainer's Rollout: a compiled chunk of training.chunk steps (the pipeline's), or one step per call",
    )
    parser.add_argument(
        "--paths", nargs="+", default=["plain", "fused"], choices=["plain", "fused", "compiled", "step", "scan"]
    )
    parser.add_argument("--compile", action="store_true", help="also time the compiled fused path")
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--repeats", type=int, default=1, help="alternate reference and ours this many times; the summary gives medians"
    )
    parser.add_argument("--reference", metavar="VENV", help="venv with motornet==0.3.0 (benchmarks/reference_venv.sh)")
    parser.add_argument(
        "--jax", metavar="VENV", help="venv with jax, jaxlib, optax: time benchmarks/jax_reference.py too"
    )
    parser.add_argument("--baseline", nargs="*", default=[], metavar="WORKLOAD=SECONDS")
    parser.add_argument(
        "--step-compile",
        default="always",
        choices=["auto", "always", "never"],
        help="motornet.compiled.MODE for the plain path's steps (default: always)",
    )
    parser.add_argument("--worker", nargs=2, metavar=("PATH", "WORKLOAD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print("WORKER", *time_path(*args.worker, args.batches, args.warmup, args.step_compile))
        return
    if args.trainer:
        trainer_benchmarks(
            args.trainer, args.batches, args.warmup, args.repeats, "step" if args.trainer_compile == "step" else True
        )
    paths = args.paths + (["compiled"] if args.compile and "compiled" not in args.paths else [])
    baseline = {k: float(v) for k, v in (item.split("=") for item in args.baseline)}
    summary = []
    for workload in args.workloads:
        physics = workload == "physics"
        ours = [path for path in paths if not physics or path in PHYSICS_PATHS]
        times, references, jax_times = {path: [] for path in ours}, [], []
        for _ in range(args.repeats):
            # The reference, the JAX yardstick and our paths alternate, so that slow and quiet periods of a
            # shared machine fall on every side; the summary takes the median over the repeats.
            if args.reference and not physics:  # benchmarks/reference_train.py times the policy workloads
                references.append(reference(args.reference, workload, args.batches))
                baseline[workload] = references[-1]
                print(f"{workload:10s} reference  {baseline[workload]:.4f} s/batch (motornet 0.3.0)", flush=True)
            if args.jax:
                seconds, cold = jax_reference(args.jax, workload, args.batches, args.warmup)
                jax_times.append(seconds)
                print(f"{workload:10s} jax        {seconds:.4f} s/batch  (cold: compile + first call {cold:.1f} s)")
            for path in ours:
                seconds, warm, first = time_path_in_process_of_its_own(
                    path, workload, args.batches, args.warmup, args.step_compile
                )
                times[path].append(seconds)
                ratio = f"  x{baseline[workload] / seconds:.1f} vs baseline" if workload in baseline else ""
                ratio += f"  x{jax_times[-1] / seconds:.2f} vs jax" if jax_times else ""
                name = f"{path} ({PHYSICS_PATHS[path]})" if physics else path
                print(
                    f"{workload:10s} {name:10s} {seconds:.4f} s/batch  (warm-up {args.warmup} batches: {warm:.1f} s, "
                    f"the first {first:.1f} s){ratio}",
                    flush=True,
                )
        best = min(ours, key=lambda path: statistics.median(times[path]))
        seconds = statistics.median(times[best])
        ratio = (
            statistics.median(r / t for r, t in zip(references, times[best]))
            if references
            else baseline[workload] / seconds
            if workload in baseline
            else None
        )
        line = f"{workload} {seconds:.4f}s ({best})" + (f" x{ratio:.1f}" if ratio else "")
        if jax_times:  # per repeat: the JAX time over our best path's; above 1, ours is faster
            line += f" x{statistics.median(j / t for j, t in zip(jax_times, times[best])):.2f} vs jax"
        summary.append(line)
    if summary:
        print("SUMMARY " + " | ".join(summary))


if __name__ == "__main__":
    sys.exit(main())
