"""motornet.train's step, this checkout against another, alternating batch by batch.

    python benchmarks/ab.py ../motornet-old fig6x8 --threads 1 --batches 14

On a shared machine the load changes between runs more than a code change does; here two worker
processes (one importing motornet from this checkout, one from the other) build and compile the step of
`bench.py --trainer` each, then take turns, one batch at a time, so both see the same load. Prints the
median and range of each one's s per batch (wall clock and process CPU time) and of the per-pair ratio
other / this (above 1: this checkout is faster).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

# name: (config, trials per network, networks), as bench.py's TRAINER.
WORKLOADS = {
    "fig6x1": ("fig6_arm26.yaml", 64, 1),
    "fig6x8": ("fig6_arm26.yaml", 64, 8),
    "fig5": ("fig5_perturbation_free.yaml", 1024, 1),
}
HERE = Path(__file__).resolve().parents[1]


def worker(workload, threads, warmup):
    """Build the step, run the warm-up, then time one batch per line read from stdin."""
    from bench import training_step  # this checkout's benchmark; motornet comes from PYTHONPATH's checkout

    import motornet

    torch.set_num_threads(threads)
    config_name, batch_size, n = WORKLOADS[workload]
    step, _, _ = training_step(Path(motornet.__file__).parent / "configs" / config_name, batch_size, n)
    for _ in range(warmup):
        step()
    print(json.dumps({"ready": str(Path(motornet.__file__).parent)}), flush=True)
    for _ in sys.stdin:
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}), flush=True)


def compare(other, workload, threads, batches, warmup):
    procs = {}
    for name, root in (("this", HERE), ("other", Path(other).resolve())):
        env = {**os.environ, "PYTHONPATH": str(root)}
        procs[name] = subprocess.Popen(
            [sys.executable, __file__, "--worker", workload, "--threads", str(threads), "--warmup", str(warmup)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
    for name, proc in procs.items():  # one after the other: the compilations do not share the machine
        print(f"{name}: motornet from {json.loads(proc.stdout.readline())['ready']}", flush=True)
    times = {name: {"wall": [], "cpu": []} for name in procs}
    for i in range(batches):
        for name in ("this", "other") if i % 2 == 0 else ("other", "this"):
            procs[name].stdin.write("step\n")
            procs[name].stdin.flush()
            for clock, seconds in json.loads(procs[name].stdout.readline()).items():
                times[name][clock].append(seconds)
    for proc in procs.values():
        proc.stdin.close()
        proc.wait()
    for clock in ("wall", "cpu"):
        this, other = times["this"][clock], times["other"][clock]
        ratios = sorted(o / t for o, t in zip(other, this))
        print(
            f"AB {workload} {threads} thr {clock}: this {statistics.median(this):.4f} s ({min(this):.3f}-{max(this):.3f}), "
            f"other {statistics.median(other):.4f} s ({min(other):.3f}-{max(other):.3f}), other/this "
            f"{statistics.median(ratios):.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f}), {batches} pairs",
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("other", nargs="?", help="the other checkout (its root, holding motornet/)")
    parser.add_argument("workload", choices=list(WORKLOADS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batches", type=int, default=14, help="timed batches per checkout")
    parser.add_argument("--warmup", type=int, default=3, help="batches before timing (the first compiles)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.workload, args.threads, args.warmup)
    else:
        compare(args.other, args.workload, args.threads, args.batches, args.warmup)
