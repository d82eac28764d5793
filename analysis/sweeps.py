"""Sweeps of an effector's biomechanics over its state space (paper 2.3, Figure 4). No training.

Pure functions of an effector: each builds one batch of states, runs the effector once and
returns numpy arrays in a dict (ready for `np.savez`). Grids are `indexing="ij"`: axis 0 runs
along the first degree of freedom (x, or the shoulder angle), axis 1 along the second.

| function | returns |
|---|---|
| `state_grid` | an n x n grid spanning the effector's position bounds |
| `moment_arm_map` | musculotendon length (m) and moment arms dL/dq over that grid |
| `moment_arms_at` | the same at a few given positions |
| `drift_from` | fingertip before and after `duration` s of zero excitation from given postures |
| `passive_drift` | endpoint displacement (m) after `duration` s of zero excitation from each grid start |
| `muscle_paths`, `arm_segments` | world coordinates of fixation points and bones at one posture |

Moment arms follow the simulator's convention, `moment_arm = +dL/dq` (docs/model.md §3.3):
negative where shortening the muscle increases q (a flexor, or a point-mass muscle pulling
towards +q). Units: m/rad for a joint, m/m (dimensionless) for the point mass's x and y.
"""

import numpy as np
import torch


def _batch(effector, values):
    return torch.as_tensor(np.asarray(values), dtype=effector.dtype, device=effector.device)


def state_grid(effector, n, margin=0.0):
    """Two (n, n) arrays of positions spanning [lower + margin, upper - margin] of each dof
    (rad for an arm, m for a point mass), meshgrid with indexing='ij'."""
    if effector.dof != 2:
        raise ValueError(f"state_grid covers 2 degrees of freedom, {effector.name} has {effector.dof}")
    lower = effector.pos_lower_bound.detach().cpu().double().numpy() + margin
    upper = effector.pos_upper_bound.detach().cpu().double().numpy() - margin
    axes = [np.linspace(lo, hi, n) for lo, hi in zip(lower, upper)]
    return np.meshgrid(*axes, indexing="ij")


@torch.no_grad()
def moment_arms_at(effector, positions):
    """Musculotendon length and moment arms at positions (P, dof), zero velocity.

    Returns {'position': (P, dof), 'length': (P, M) m, 'moment_arm': (P, dof, M)}.
    """
    positions = np.atleast_2d(np.asarray(positions, dtype=float))
    joint = _batch(effector, np.concatenate([positions, np.zeros_like(positions)], axis=1))
    geometry = effector.get_geometry(joint).double().cpu().numpy()
    return {"position": positions, "length": geometry[:, 0], "moment_arm": geometry[:, 2:]}


def moment_arm_map(effector, n):
    """Moment arms over an n x n grid of the effector's position bounds (the workspace square
    of a point mass, the joint range of an arm), evaluated as one batch.

    Returns {'q0': (n,), 'q1': (n,) grid axes; 'length': (n, n, M) m; 'moment_arm': (n, n, dof, M);
    'muscle_name': (M,)}; grid arrays are indexed [i along q0, j along q1].
    """
    g0, g1 = state_grid(effector, n)
    sweep = moment_arms_at(effector, np.stack([g0.ravel(), g1.ravel()], axis=1))
    n_muscles = effector.n_muscles
    return {
        "q0": g0[:, 0],
        "q1": g1[0, :],
        "length": sweep["length"].reshape(n, n, n_muscles),
        "moment_arm": sweep["moment_arm"].reshape(n, n, effector.dof, n_muscles),
        "muscle_name": np.array(effector.muscle_name),
    }


@torch.no_grad()
def drift_from(effector, positions, duration=0.2):
    """Start at rest at each of `positions` (P, dof) as one batch, step round(duration / dt) times
    with zero excitation; returns the fingertip at start and end (P, space_dim; m) and the final
    joint state (P, 2 * dof)."""
    positions = np.atleast_2d(np.asarray(positions, dtype=float))
    joint = _batch(effector, np.concatenate([positions, np.zeros_like(positions)], axis=1))
    effector.reset(options={"batch_size": joint.shape[0], "joint_state": joint})
    start = effector.states["fingertip"].clone()
    n_steps = int(round(duration / effector.dt))
    action = torch.zeros(joint.shape[0], effector.n_muscles, dtype=effector.dtype, device=effector.device)
    for _ in range(n_steps):
        effector.step(action)
    as_np = lambda t: t.double().cpu().numpy()
    return as_np(start), as_np(effector.states["fingertip"]), as_np(effector.states["joint"]), n_steps


def passive_drift(effector, n=21, duration=0.2):
    """Endpoint drift under zero excitation (paper 2.3.3, Figure 4f).

    Starts at rest on an n x n grid over the joint range (one batch of n^2 trials), steps the
    effector for round(duration / dt) steps with a zero action (activation stays at its
    minimum, so the forces are the muscles' passive ones plus the residual of that minimum)
    and records the fingertip. Returns {'q0', 'q1': (n,) rad; 'start', 'end': (n, n, 2) m;
    'displacement': (n, n, 2) m; 'distance': (n, n) m; 'joint_end': (n, n, 2 * dof);
    'duration': s, 'n_steps'}.
    """
    g0, g1 = state_grid(effector, n)
    start, end, joint_end, n_steps = drift_from(effector, np.stack([g0.ravel(), g1.ravel()], axis=1), duration)
    as_grid = lambda a: a.reshape(n, n, -1)
    displacement = as_grid(end - start)
    return {
        "q0": g0[:, 0],
        "q1": g1[0, :],
        "start": as_grid(start),
        "end": as_grid(end),
        "displacement": displacement,
        "distance": np.linalg.norm(displacement, axis=-1),
        "joint_end": as_grid(joint_end),
        "duration": n_steps * effector.dt,
        "n_steps": n_steps,
    }


@torch.no_grad()
def muscle_paths(effector, joint_position):
    """World coordinates of every muscle's fixation points at one joint position (dof,).

    Returns {'muscle_name': (M,), 'paths': list of (P_m, 2) arrays (m), 'bodies': list of (P_m,)
    body indices (0 world, 1 upper arm, 2 forearm)}.
    """
    joint = _batch(effector, np.concatenate([np.asarray(joint_position, float), np.zeros(effector.dof)]))[None]
    cfg = effector.get_muscle_cfg()
    paths, bodies = [], []
    for name in effector.muscle_name:
        coords = np.asarray(cfg[name]["coordinates"], dtype=float).T
        body = np.asarray(cfg[name]["fixation body"])
        xy, _, _ = effector.skeleton.path2cartesian(_batch(effector, coords), torch.as_tensor(body), joint)
        paths.append(xy[0].double().cpu().numpy().T)
        bodies.append(body)
    return {"muscle_name": np.array(effector.muscle_name), "paths": paths, "bodies": bodies}


def arm_segments(effector, joint_position):
    """Shoulder, elbow and fingertip positions (3, 2) in m for an arm at `joint_position` (rad)."""
    q1, q2 = (float(v) for v in joint_position)
    sk = effector.skeleton
    elbow = np.array([sk.l1 * np.cos(q1), sk.l1 * np.sin(q1)])
    hand = elbow + sk.l2 * np.array([np.cos(q1 + q2), np.sin(q1 + q2)])
    return np.stack([np.zeros(2), elbow, hand])


def centre_and_edge(grid):
    """Mean of an (n, n) grid over its central third (both indices), max over its border, and the
    number of central points: e.g. passive drift is negligible in the middle of the joint range and
    grows toward its edges."""
    grid = np.asarray(grid, dtype=float)
    n0, n1 = grid.shape
    centre = grid[n0 // 3 : n0 - n0 // 3, n1 // 3 : n1 - n1 // 3]
    border = np.concatenate([grid[0], grid[-1], grid[:, 0], grid[:, -1]])
    return float(centre.mean()), float(border.max()), centre.size


def compare_moment_arms(reference, other, dof_names=("shoulder", "elbow")):
    """Per muscle and dof, two moment-arm maps of one grid (`moment_arm_map` outputs, e.g. the polynomial
    arm26 and the geometric one): each one's min, max and mean (m/rad), the fraction of grid points where
    their signs agree (|r| < 1e-6 m counts as zero, which agrees with zero only) and the ratio of mean |r|
    (other / reference; NaN where the reference is zero everywhere)."""
    import pandas as pd

    names = list(reference["muscle_name"])
    if list(other["muscle_name"]) != names or reference["moment_arm"].shape != other["moment_arm"].shape:
        raise ValueError("the two moment-arm maps must have the same grid and muscles")
    sign = lambda r: np.where(np.abs(r) < 1e-6, 0.0, np.sign(r))
    rows = []
    for m, name in enumerate(names):
        for d, dof in enumerate(dof_names):
            a, b = reference["moment_arm"][:, :, d, m], other["moment_arm"][:, :, d, m]
            scale = np.abs(a).mean()
            rows.append(
                {
                    "muscle": name,
                    "dof": dof,
                    "reference_min": a.min(),
                    "reference_max": a.max(),
                    "reference_mean": a.mean(),
                    "other_min": b.min(),
                    "other_max": b.max(),
                    "other_mean": b.mean(),
                    "sign_agreement": float((sign(a) == sign(b)).mean()),
                    "mean_abs_ratio": np.abs(b).mean() / scale if scale > 1e-6 else np.nan,
                }
            )
    return pd.DataFrame(rows)
