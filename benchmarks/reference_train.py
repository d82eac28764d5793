"""bench.py's workloads on the public MotorNet 0.3.0 toolbox, for the side-by-side speed figures.

Run it with the python of the venv that benchmarks/reference_venv.sh builds (that venv's `motornet` is
the public toolbox, not ours). The episode and the loss are those of bench.py's `plain` path: arm26 with
the rigid-tendon Hill muscle, GRU policy, L1 fingertip-goal distance + 1e-4 mean squared action summed
over the steps, then Adam (unless --forward-only). Prints one line, `REF sec_per_batch=<s> ...`: the
median over the batches after the first three, which absorb one-off start-up costs.
"""

import argparse
import statistics
import time

import torch

import motornet as mn

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--batches", type=int, default=13)
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--hidden", type=int, default=50)
parser.add_argument("--steps", type=int, default=100)
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--forward-only", action="store_true")
args = parser.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(0)
effector = mn.effector.RigidTendonArm26(muscle=mn.muscle.RigidTendonHillMuscle())
env = mn.environment.RandomTargetReach(
    effector=effector, max_ep_duration=args.steps * effector.dt, proprioception_delay=0.02, vision_delay=0.05
)
policy = mn.policy.PolicyGRU(env.observation_space.shape[0], args.hidden, env.n_muscles, device="cpu")
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-3)

seconds = []
for _ in range(args.batches):
    start = time.perf_counter()
    with torch.set_grad_enabled(not args.forward_only):
        h = policy.init_hidden(args.batch_size)
        obs, info = env.reset(options={"batch_size": args.batch_size})
        loss = 0.0
        for _ in range(args.steps):
            action, h = policy(obs, h)
            obs, _, _, _, info = env.step(action=action)
            distance = (info["states"]["fingertip"] - info["goal"]).abs().sum(-1).mean()
            loss = loss + distance + 1e-4 * (action**2).mean()
        if not args.forward_only:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    seconds.append(time.perf_counter() - start)
timed = seconds[3:] if len(seconds) > 3 else seconds
print(
    f"REF sec_per_batch={statistics.median(timed):.4f} batches={args.batches} B={args.batch_size} "
    f"T={args.steps} hidden={args.hidden} threads={args.threads} forward_only={args.forward_only}"
)
