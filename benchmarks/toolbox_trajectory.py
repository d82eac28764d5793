"""Our RigidTendonArm26 against the public MotorNet 0.3.0 toolbox: the same excitations, the same trajectory.

    python benchmarks/toolbox_trajectory.py --reference .refvenv   # venv from benchmarks/reference_venv.sh

The same script runs in both venvs (`import motornet` is the toolbox in the reference venv, ours here):
RigidTendonArm26 with the rigid-tendon Hill muscle and Euler integration (both defaults), B = 8 arms reset to
fixed joint states, T = 200 steps (2 s) of fixed excitations (sinusoids of different phases per muscle and
arm). Ours runs eagerly and with the compiled steps (motornet.compiled's `always`). Prints, per state, the
largest difference over the trajectory and the largest share of the tolerance (atol + rtol |toolbox|) a
difference uses, and fails if one exceeds it.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

STATES = ("joint", "cartesian", "muscle", "geometry")
BATCH, STEPS = 8, 200


def excitations():
    """(T, B, 6) excitations in (0, 1)."""
    t = np.arange(STEPS)[:, None, None] * 0.01
    phase = np.arange(BATCH)[None, :, None] * 0.7 + np.arange(6)[None, None, :] * 1.3
    return (0.5 + 0.45 * np.sin(2 * np.pi * 1.5 * t + phase)).astype(np.float32)


def trajectory(out):
    """Run the arm under this venv's motornet; save every state at every step to `out` (npz)."""
    import motornet as mn

    effector = mn.effector.RigidTendonArm26(muscle=mn.muscle.RigidTendonHillMuscle())
    q = np.stack([np.linspace(0.3, 1.2, BATCH), np.linspace(1.6, 0.5, BATCH), np.zeros(BATCH), np.zeros(BATCH)], 1)
    effector.reset(options={"batch_size": BATCH, "joint_state": torch.tensor(q, dtype=torch.float32)})
    record = {name: [] for name in STATES}
    with torch.no_grad():
        for u in excitations():
            effector.step(torch.tensor(u))
            for name in STATES:
                record[name].append(effector.states[name].detach().cpu().numpy().copy())
    np.savez(out, **{name: np.stack(values) for name, values in record.items()})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", metavar="VENV", help="venv with motornet==0.3.0")
    parser.add_argument("--rtol", type=float, default=1e-4, help="largest relative difference allowed")
    parser.add_argument("--atol", type=float, default=1e-5, help="absolute floor of the tolerance")
    parser.add_argument("--save", metavar="NPZ", help=argparse.SUPPRESS)  # one run, in this venv
    args = parser.parse_args()
    if args.save:
        trajectory(args.save)
        return 0
    if not args.reference:
        parser.error("--reference VENV is required (build it with benchmarks/reference_venv.sh)")
    from motornet import compiled

    with tempfile.TemporaryDirectory() as tmp:
        files = {
            "toolbox": Path(tmp) / "toolbox.npz",
            "ours, eager": Path(tmp) / "eager.npz",
            "ours, compiled": Path(tmp) / "compiled.npz",
        }
        subprocess.run(
            [str(Path(args.reference) / "bin" / "python"), __file__, "--save", str(files["toolbox"])], check=True
        )
        for label, mode in (("ours, eager", "never"), ("ours, compiled", "always")):
            compiled.MODE = mode
            trajectory(files[label])
        runs = {label: dict(np.load(path)) for label, path in files.items()}
    failed = False
    for label in ("ours, eager", "ours, compiled"):
        for name in STATES:
            ref, ours = runs["toolbox"][name], runs[label][name]
            if ref.shape != ours.shape:
                print(f"{label:15s} {name:10s} shape {ours.shape} != toolbox {ref.shape}")
                failed = True
                continue
            diff = np.abs(ours - ref)
            used = float((diff / (args.atol + args.rtol * np.abs(ref))).max())  # <= 1: within the tolerance
            failed |= used > 1
            print(
                f"{label:15s} {name:10s} max |diff| {diff.max():.2e}  (range of the toolbox's "
                f"{np.abs(ref).max():.2e}), {used:.2f} of the tolerance  {'ok' if used <= 1 else 'DIFFERENT'}"
            )
    print(f"TRAJECTORY {'different' if failed else 'equal'} (B={BATCH}, T={STEPS}, rtol={args.rtol}, atol={args.atol})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
