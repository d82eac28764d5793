"""Check benchmarks/jax_reference.py's model against motornet's, from the trajectory it dumped.

    .jaxvenv/bin/python benchmarks/jax_reference.py --dump-trajectory /tmp/traj.npz [--muscle kistemaker]
    python benchmarks/jax_reference_check.py /tmp/traj.npz        # in motornet's venv

Open loop: the dumped excitations drive `RigidTendonArm26` (with the dumped muscle model) from the dumped
postures, step by step; the joint states, muscle forces, activations, proprioception (normalised fibre
length and velocity) and fingertips are compared. Closed loop: the dumped GRU weights in a `PolicyGRU`, an
`Environment` with the paper's delays (20 ms, 50 ms) and the dumped goals, the loss of benchmarks/bench.py;
the observations, excitations, the loss and its gradients are compared. Prints the max abs (and max
relative) differences; exits 1 if one exceeds its float32 tolerance.
"""

import sys

import numpy as np
import torch

import motornet as mn

MUSCLES = {"thelen": mn.muscle.RigidTendonHillMuscleThelen, "kistemaker": mn.muscle.RigidTendonHillMuscle}
# float32 over 50 steps: absolute tolerances per quantity, generous multiples of the rounding differences.
TOLERANCE = dict(
    joint_position=1e-4,
    joint_velocity=1e-3,
    force=1e-2,
    activation=1e-5,
    proprioception=1e-3,
    fingertip=1e-4,
    obs=1e-3,
    u_closed=1e-5,
    loss=1e-4,
)


def report(name, ours, theirs, tol, failures):
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    diff = np.abs(ours - theirs)
    rel = diff.max() / max(np.abs(theirs).max(), 1e-30)
    ok = diff.max() <= tol
    if not ok:
        failures.append(name)
        where = np.unravel_index(diff.argmax(), diff.shape)
        extra = f"  at {where}: jax {theirs[where]:.6g} vs motornet {ours[where]:.6g}"
    else:
        extra = ""
    print(f"{name:22s} max abs {diff.max():.3e}  max rel (to max |x|) {rel:.2e}  {'ok' if ok else 'FAIL'}{extra}")


class FixedGoalReach(mn.environment.Environment):
    """Goals given at construction (the dumped ones)."""

    def __init__(self, *args, goals, **kwargs):
        super().__init__(*args, **kwargs)
        self._goals = torch.as_tensor(goals)

    def _initial_goal(self, batch_size):
        return self._goals.clone()


def main(path):
    d = np.load(path)
    muscle = str(d["muscle"])
    q0, u = torch.as_tensor(d["q0"]), torch.as_tensor(d["excitation"])
    steps, batch_size = u.shape[:2]
    failures = []
    print(f"{path}: {batch_size} arms x {steps} steps, {muscle} muscle")

    # Open loop.
    effector = mn.effector.RigidTendonArm26(muscle=MUSCLES[muscle]())
    effector.reset(options={"batch_size": batch_size, "joint_state": q0})
    rows = {k: [] for k in ("joint", "force", "activation", "proprioception", "fingertip")}

    def record():
        s = effector.states
        rows["joint"].append(s["joint"].clone())
        rows["force"].append(s["muscle"][:, -1].clone())
        rows["activation"].append(s["muscle"][:, 0].clone())
        m = effector.muscle
        rows["proprioception"].append(torch.cat([s["muscle"][:, 1] / m.l0_ce[0], s["muscle"][:, 2] / m.vmax[0]], -1))
        rows["fingertip"].append(s["fingertip"].clone())

    with torch.no_grad():
        record()
        for t in range(steps):
            effector.step(u[t])
            record()
    ours = {k: torch.stack(v).numpy() for k, v in rows.items()}
    report("joint_position (rad)", ours["joint"][..., :2], d["joint"][..., :2], TOLERANCE["joint_position"], failures)
    report("joint_velocity (rad/s)", ours["joint"][..., 2:], d["joint"][..., 2:], TOLERANCE["joint_velocity"], failures)
    report("force (N)", ours["force"], d["force"], TOLERANCE["force"], failures)
    for name in ("activation", "proprioception", "fingertip"):
        report(name, ours[name], d[name], TOLERANCE[name], failures)
    at_bound = (np.isclose(d["joint"][..., :2], 0.0) | np.isclose(d["joint"][..., :2], [2.356194, 2.705260])).mean()
    print(f"  (share of open-loop joint positions on a bound: {at_bound:.2f})")

    # Closed loop: environment with the paper's delays, the dumped GRU, bench.py's loss.
    effector = mn.effector.RigidTendonArm26(muscle=MUSCLES[muscle]())
    env = FixedGoalReach(
        effector,
        goals=d["goal"],
        max_ep_duration=steps * effector.dt,
        proprioception_delay=0.02,
        vision_delay=0.05,
    )
    hidden = d["param_w_hh"].shape[1]
    policy = mn.policy.PolicyGRU(env.observation_space.shape[0], hidden, env.n_muscles)
    with torch.no_grad():
        for ours_p, name in (
            (policy.gru.weight_ih_l0, "w_ih"),
            (policy.gru.weight_hh_l0, "w_hh"),
            (policy.gru.bias_ih_l0, "b_ih"),
            (policy.gru.bias_hh_l0, "b_hh"),
            (policy.fc.weight, "w_out"),
            (policy.fc.bias, "b_out"),
        ):
            ours_p.copy_(torch.as_tensor(d[f"param_{name}"]))
    obs, _ = env.reset(options={"batch_size": batch_size, "joint_state": q0})
    h = policy.init_hidden(batch_size)
    loss, observations, actions = 0.0, [], []
    for _ in range(steps):
        observations.append(obs.detach())
        action, h = policy(obs, h)
        actions.append(action.detach())
        obs, _, _, _, info = env.step(action)
        loss = loss + (info["states"]["fingertip"] - info["goal"]).abs().sum(-1).mean() + 1e-4 * (action**2).mean()
    loss.backward()
    report("obs", torch.stack(observations).numpy(), d["obs"], TOLERANCE["obs"], failures)
    report("u_closed", torch.stack(actions).numpy(), d["u_closed"], TOLERANCE["u_closed"], failures)
    report("loss", loss.detach().numpy(), d["loss"], TOLERANCE["loss"], failures)
    for param, name in (
        (policy.gru.weight_ih_l0, "w_ih"),
        (policy.gru.weight_hh_l0, "w_hh"),
        (policy.gru.bias_ih_l0, "b_ih"),
        (policy.gru.bias_hh_l0, "b_hh"),
        (policy.fc.weight, "w_out"),
        (policy.fc.bias, "b_out"),
    ):
        # Gradients: relative to the largest entry (their scales differ by orders of magnitude).
        theirs = d[f"grad_{name}"]
        report(f"grad {name}", param.grad.numpy(), theirs, 1e-3 * np.abs(theirs).max(), failures)
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    print("all within tolerance")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
