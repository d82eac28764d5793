"""Demo: train a GRU to reach with the point mass (four ReLU muscles) for a few batches, by backpropagation
through the physics; plot its loss and its reaches before and after.

python examples/train_demo.py --out results/demo [--batches 50]
Writes log.csv (batch, loss, seconds) and trajectories.png/.pdf to --out.
"""

import argparse
import csv
import os
import pathlib
import time

import matplotlib
import torch
from tqdm import trange

# 50 batches of 80 steps are too few for compiling to pay: `auto` would compile at batch 38 (3000 calls),
# ~50 s with empty caches, to save ~5 s. Eager throughout, unless MOTORNET_COMPILE says otherwise.
os.environ.setdefault("MOTORNET_COMPILE", "never")
import motornet as mn  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def rollout(env, policy, batch_size, seed=None):
    obs, info = env.reset(seed=seed, options={"batch_size": batch_size})
    h = policy.init_hidden(batch_size)
    fingertip, terminated = [], False
    while not terminated:
        u, h = policy(obs, h)
        obs, _, terminated, _, info = env.step(u)
        fingertip.append(info["states"]["fingertip"])
    return torch.stack(fingertip, dim=1), info["goal"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="results/demo")
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)

    env = mn.environment.RandomTargetReach(
        effector=mn.effector.ReluPointMass24(), max_ep_duration=0.8, proprioception_delay=0.02, vision_delay=0.05
    )
    policy = mn.policy.PolicyGRU(env.observation_space.shape[0], 50, env.n_muscles)
    optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)
    with torch.no_grad():
        before, goal = rollout(env, policy, 8, seed=10_000)
    start, losses = time.perf_counter(), []
    with open(out / "log.csv", "w", newline="") as f:
        log = csv.writer(f)
        log.writerow(["batch", "loss", "seconds"])
        for batch in (bar := trange(args.batches, desc="training")):
            xy, target = rollout(env, policy, args.batch_size, seed=args.seed + batch)
            loss = (xy - target[:, None]).abs().sum(-1).mean()
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
            optimizer.step()
            losses.append(loss.item())
            log.writerow([batch, f"{loss.item():.6f}", f"{time.perf_counter() - start:.3f}"])
            bar.set_postfix(loss=f"{loss.item():.4f}")

    with torch.no_grad():
        after, _ = rollout(env, policy, 8, seed=10_000)
    fig, (ax_loss, ax_xy) = plt.subplots(1, 2, figsize=(8, 3.8))
    ax_loss.plot(range(1, len(losses) + 1), losses, color="k")
    ax_loss.set(xlabel="batch", ylabel="mean |x - x*| + |y - y*| (m)", title="a  training loss")
    for k in range(len(goal)):
        (line,) = ax_xy.plot(*after[k].T, lw=1.2)
        ax_xy.plot(*before[k].T, lw=0.8, ls="--", color=line.get_color(), alpha=0.6)
        ax_xy.plot(*goal[k], "x", color=line.get_color())
    ax_xy.plot([], [], "k--", lw=0.8, label="before training")
    ax_xy.plot([], [], "k-", lw=1.2, label=f"after {args.batches} batches")
    ax_xy.plot([], [], "kx", label="target")
    ax_xy.set(xlabel="x (m)", ylabel="y (m)", aspect="equal", title="b  fingertip paths, 8 test reaches")
    ax_xy.legend(frameon=False, fontsize=7, loc="best")
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(out / f"trajectories.{ext}", dpi=200)
    print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f} m; wrote {out / 'log.csv'} and {out / 'trajectories.png'}")


if __name__ == "__main__":
    main()
