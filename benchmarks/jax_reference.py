"""A JAX yardstick: arm26 + GRU training step written from docs/model.md, to see what XLA makes of this model.

Standalone (no motornet, no torch): run it in a venv of its own (benchmarks/README.md).

    python benchmarks/jax_reference.py --workloads train64 fwd64 --batches 10 --warmup 2 --threads 1
    python benchmarks/jax_reference.py --dump-trajectory traj.npz    # for benchmarks/jax_reference_check.py

The model (docs/model.md section numbers): the arm26 skeleton (1.2) with Euler steps and joint clipping
(1.4), six rigid-tendon Hill muscles, Thelen's (2.2, the paper's; `--muscle kistemaker` for 2.3, which is
what `RigidTendonArm26()` and so benchmarks/bench.py use), activation dynamics (2.1), table 3's muscle
parameters (2.7), the moment-arm polynomial (3), the effector's update order (5.3): the muscle state is
recomputed from the new activation and the *old* geometry, then the joint is stepped, then the geometry
recomputed. Observation (6.3, no noise): goal, fingertip 5 steps ago (vision FIFO of 5), normalised fibre
length and velocity 2 steps ago (proprioception FIFO of 2). Policy: GRU + sigmoid read-out (7). Loss (as
benchmarks/bench.py): sum over steps of the batch mean of the L1 fingertip-goal error, + 1e-4 mean u^2.
Goals and start postures uniform in joint space (RandomTargetReach).

Workloads (names and sizes as benchmarks/bench.py's WORKLOADS): train64 (B=64, T=100, GRU 50, forward +
backward + Adam under one jit), fwd64 (same, the loss only), train1024 (B=1024, T=80, GRU 110), physics
(1,000 arms x 100 Euler steps under constant random excitations, no network). Each is timed as: the first
call (compile + one run), --warmup more calls, then --batches timed calls (median and range).
"""

import argparse
import json
import math
import os
import statistics
import sys
import time


def _configure_threads(threads):
    """XLA's CPU thread count must be set before jax is imported."""
    flags = os.environ.get("XLA_FLAGS", "")
    # XLA_FLAGS must start with a flag ("--..."): a first word without dashes is read as a file of flags.
    if threads == 1:
        flags += " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    else:  # Eigen's pool spans the machine's cores (2 here, so --threads 2 is all of them)
        flags += f" --xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={threads}"
    os.environ["XLA_FLAGS"] = flags.strip()
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))


def _threads_from_argv(argv):
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return 1


if __name__ == "__main__":
    _configure_threads(_threads_from_argv(sys.argv))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

# ---- parameters (docs/model.md) --------------------------------------------------------------------

DT = 0.01
# Skeleton, arm26 column of §1.2's table.
M1, M2, L1, L2, L1G, L2G, I1, I2 = 1.82, 1.43, 0.309, 0.333, 0.135, 0.165, 0.051, 0.057
Q_LO = np.array([0.0, 0.0])
Q_HI = np.array([math.radians(135.0), math.radians(155.0)])
QD_LO, QD_HI = -1000.0, 1000.0
C11 = M1 * L1G**2 + I1 + M2 * (L2G**2 + L1**2) + I2
C22 = M2 * L2G**2 + I2  # = C12
CORIOLIS = M2 * L1 * L2G  # c
# Muscles, table 3 (§2.7): pectoralis, deltoid, brachioradialis, tricepslat, biceps, tricepslong.
F_MAX = np.array([838.0, 1207.0, 1422.0, 1549.0, 414.0, 603.0])
L_SE = np.array([0.039, 0.066, 0.172, 0.187, 0.204, 0.217])
L_CE = np.array([0.134, 0.140, 0.092, 0.093, 0.137, 0.127])
V_MAX = 10.0 * L_CE
N_MUSCLES = 6
TAU_ACT, TAU_DEACT = 0.015, 0.05
MIN_ACTIVATION = 0.001  # both rigid-tendon Hill models (§2.1)
# Thelen (§2.2), slack s = 1.0.
THELEN = dict(slack=1.0, k_pe=5.0, e0=0.6, gamma=0.45, af=0.25, f_len=1.4, min_fibre=0.001)
# Kistemaker (§2.3), slack s = 1.4.
KIST = dict(slack=1.4, width_sq=0.66**2, a_rel=0.41, b_rel=5.2, q_crit=0.3, a_ref=0.005, s_as=0.001, f_l_min=0.01)
# Moment-arm polynomial (§3.2): rows shoulder, elbow.
A0 = np.array([0.151, 0.2322, 0.2859, 0.2355, 0.3329, 0.2989])
A1 = np.array([[-0.03, 0.03, 0.0, 0.0, -0.03, 0.03], [0.0, 0.0, -0.014, 0.025, -0.016, 0.03]])
A2 = np.array([[0.0] * 6, [0.0, 0.0, -4e-3, -2.2e-3, -5.7e-3, -3.2e-3]])
PHI = np.array([math.pi / 2, 0.0])
VISION_DELAY, PROPRIO_DELAY = 5, 2  # FIFO entries (§6.4): 50 ms and 20 ms at 10 ms

WORKLOADS = {
    "train64": dict(batch_size=64, steps=100, hidden=50, grad=True),
    "fwd64": dict(batch_size=64, steps=100, hidden=50, grad=False),
    "train1024": dict(batch_size=1024, steps=80, hidden=110, grad=True),
    "physics": dict(batch_size=1000, steps=100, hidden=None, grad=False),
}

f32 = jnp.float32


def _c(x):
    return jnp.asarray(x, dtype=f32)


# ---- arm26 ----------------------------------------------------------------------------------------


def geometry(q, qd):
    """Musculotendon length L (B, M; m), its velocity (B, M; m/s) and moment arms r (B, 2, M; m/rad), §3.1."""
    theta = q - _c(PHI)  # (B, 2)
    length = _c(A0) + theta @ _c(A1) + (theta**2) @ _c(A2)
    r = _c(A1)[None] + 2.0 * _c(A2)[None] * theta[:, :, None]  # (B, 2, M)
    velocity = jnp.einsum("bjm,bj->bm", r, qd)
    return length, velocity, r


def thelen_muscle(a, length, velocity):
    """(fibre length, fibre velocity, force (N)) of the Thelen rigid-tendon muscle, §2.2."""
    p = THELEN
    l_ce, v_max = _c(L_CE), _c(V_MAX)
    fibre = jnp.maximum(length - _c(L_SE), p["min_fibre"])
    v = velocity
    strain = (fibre - p["slack"] * l_ce) / l_ce
    f_pe = jnp.expm1(p["k_pe"] * jnp.maximum(strain, 0.0) / p["e0"]) / math.expm1(p["k_pe"])
    f_l = jnp.exp(-((fibre / l_ce - 1.0) ** 2) / p["gamma"])
    vbar = v / ((0.25 + 0.75 * a) * v_max)
    k = (2.0 + 2.0 / p["af"]) / (p["f_len"] - 1.0)
    v_con = jnp.clip(vbar, -1.0, 0.0)  # each branch on its own half-line: no inf/NaN gradients
    v_ecc = jnp.maximum(vbar, 0.0)
    f_con = (1.0 + v_con) / (1.0 - v_con / p["af"])
    f_ecc = (1.0 + k * p["f_len"] * v_ecc) / (1.0 + k * v_ecc)
    f_v = jnp.where(vbar < 0.0, f_con, f_ecc)
    return fibre, v, (a * f_l * f_v + f_pe) * _c(F_MAX)


def kistemaker_muscle(a, length, velocity):
    """(fibre length, fibre velocity, force (N)) of the Kistemaker rigid-tendon muscle, §2.3."""
    p = KIST
    l_ce, v_max = _c(L_CE), _c(V_MAX)
    k_pe = 1.0 / (1.66 - p["slack"]) ** 2
    fibre = jnp.maximum(length - _c(L_SE), 0.0)
    v = velocity
    l_n, v_n = fibre / l_ce, v / v_max
    f_pe = k_pe * jnp.maximum((fibre - p["slack"] * l_ce) / l_ce, 0.0) ** 2
    f_l = jnp.maximum(1.0 - (l_n - 1.0) ** 2 / p["width_sq"], p["f_l_min"])
    a_rel = jnp.where(l_n > 1.0, p["a_rel"] * f_l, p["a_rel"])
    b_low = p["b_rel"] * (1.0 - 0.9 * (a - p["q_crit"]) / (p["a_ref"] - p["q_crit"])) ** 2
    b_rel = jnp.where(a < p["q_crit"], b_low, p["b_rel"])
    fa = f_l * a
    d0 = a * (f_l + a_rel) / b_rel
    p1 = -(fa / 2.0) / (p["s_as"] - 2.0 * d0)
    p2 = (fa / 2.0) ** 2 / (p["s_as"] - 2.0 * d0)
    p3 = -1.5 * fa
    v_con, v_ecc = jnp.minimum(v_n, 0.0), jnp.maximum(v_n, 0.0)
    f_con = (v_con * a * a_rel + fa * b_rel) / (b_rel - v_con)
    f_ecc = (-p1 * p3 + p1 * p["s_as"] * v_ecc + p2 - p3 * v_ecc + p["s_as"] * v_ecc**2) / (p1 + v_ecc)
    f_act = jnp.maximum(jnp.where(v_n < 0.0, f_con, f_ecc), 0.0)
    return fibre, v, (f_act + f_pe) * _c(F_MAX)


MUSCLES = {"thelen": thelen_muscle, "kistemaker": kistemaker_muscle}


def acceleration(q, qd, torque):
    """Joint acceleration (B, 2) of the two-joint arm (§1.2), no endpoint load, no viscosity."""
    s2, c2 = jnp.sin(q[:, 1]), jnp.cos(q[:, 1])
    g1 = torque[:, 0] + CORIOLIS * s2 * (2.0 * qd[:, 0] + qd[:, 1]) * qd[:, 1]
    g2 = torque[:, 1] - CORIOLIS * s2 * qd[:, 0] ** 2
    m11 = C11 + 2.0 * CORIOLIS * c2
    m12 = C22 + CORIOLIS * c2
    m22 = C22
    det = m11 * m22 - m12 * m12
    return jnp.stack([(m22 * g1 - m12 * g2) / det, (m11 * g2 - m12 * g1) / det], axis=1)


def fingertip(q):
    q1, q12 = q[:, 0], q[:, 0] + q[:, 1]
    return jnp.stack([L1 * jnp.cos(q1) + L2 * jnp.cos(q12), L1 * jnp.sin(q1) + L2 * jnp.sin(q12)], axis=1)


def clip_activation(x):
    return jnp.clip(x, MIN_ACTIVATION, 1.0)


def initial_state(q, muscle):
    """Arm state at rest activation in posture q (B, 2): (q, qd, activation, force) and the rest
    proprioception (B, 2M)."""
    qd = jnp.zeros_like(q)
    a = jnp.full((q.shape[0], N_MUSCLES), MIN_ACTIVATION, f32)
    length, velocity, _ = geometry(q, qd)
    fibre, v, force = muscle(a, length, velocity)
    return (q, qd, a, force), jnp.concatenate([fibre / _c(L_CE), v / _c(V_MAX)], axis=1)


def arm_step(state, u, muscle):
    """One Euler step of dt (§5.3, §5.4): returns the new state and the new muscle state's proprioception.
    The stored force is one geometry update behind the joint state, as in the effector."""
    q, qd, a, force = state
    length, velocity, r = geometry(q, qd)  # the geometry of the current joint state
    # Rates at the current state (§5.2, §2.1).
    u, a_c = clip_activation(u), clip_activation(a)
    scale = 0.5 + 1.5 * a_c
    tau = jnp.where(u > a_c, TAU_ACT * scale, TAU_DEACT / scale)
    a_dot = (u - a_c) / tau
    torque = -jnp.einsum("bm,bjm->bj", force, r)
    qdd = acceleration(q, qd, torque)
    # 1. muscle: new activation, other rows from the old geometry.
    a_new = clip_activation(a + DT * a_dot)
    fibre, v, force_new = muscle(a_new, length, velocity)
    # 2. joint (§1.4): old velocity moves the position; clip velocity, stop at the bounds, clip position.
    qd_new = jnp.clip(qd + DT * qdd, QD_LO, QD_HI)
    q_new = q + DT * qd
    lo, hi = _c(Q_LO), _c(Q_HI)
    stop = ((qd_new < 0) & (q_new <= lo)) | ((qd_new > 0) & (q_new >= hi))
    qd_new = jnp.where(stop, 0.0, qd_new)
    q_new = jnp.clip(q_new, lo, hi)
    proprio = jnp.concatenate([fibre / _c(L_CE), v / _c(V_MAX)], axis=1)
    return (q_new, qd_new, a_new, force_new), proprio


# ---- policy ---------------------------------------------------------------------------------------


def init_policy(key, n_in, hidden, n_out):
    """GRU weights as torch.nn.GRU (gates r, z, n stacked), §7.2's initialisation."""
    k1, k2, k3 = jax.random.split(key, 3)
    bound = math.sqrt(6.0 / (n_in + 3 * hidden))
    w_ih = jax.random.uniform(k1, (3 * hidden, n_in), f32, -bound, bound)
    w_hh = jax.nn.initializers.orthogonal()(k2, (3 * hidden, hidden), f32)
    return dict(
        w_ih=w_ih,
        w_hh=w_hh,
        b_ih=jnp.zeros(3 * hidden, f32),
        b_hh=jnp.zeros(3 * hidden, f32),
        w_out=0.003 * jax.random.normal(k3, (n_out, hidden), f32),
        b_out=jnp.full(n_out, -5.0, f32),
    )


def gru_step(p, x, h):
    n = h.shape[-1]
    gi = x @ p["w_ih"].T + p["b_ih"]
    gh = h @ p["w_hh"].T + p["b_hh"]
    r = jax.nn.sigmoid(gi[:, :n] + gh[:, :n])
    z = jax.nn.sigmoid(gi[:, n : 2 * n] + gh[:, n : 2 * n])
    cand = jnp.tanh(gi[:, 2 * n :] + r * gh[:, 2 * n :])
    h = (1.0 - z) * cand + z * h
    return jax.nn.sigmoid(h @ p["w_out"].T + p["b_out"]), h


# ---- episode, loss, training step -----------------------------------------------------------------


def draw_episode(key, batch_size):
    """Start postures and goals (the fingertip of a second random posture), uniform in joint space."""
    k1, k2 = jax.random.split(key)
    lo, hi = _c(Q_LO), _c(Q_HI)
    q0 = lo + (hi - lo) * jax.random.uniform(k1, (batch_size, 2), f32)
    goal = fingertip(lo + (hi - lo) * jax.random.uniform(k2, (batch_size, 2), f32))
    return q0, goal


def episode_loss(params, q0, goal, steps, muscle):
    """bench.py's loss: sum over steps of mean_B |fingertip - goal|_1 + 1e-4 mean u^2."""
    batch_size = q0.shape[0]
    arm, proprio0 = initial_state(q0, muscle)
    vision = jnp.broadcast_to(fingertip(q0), (VISION_DELAY, batch_size, 2))
    proprio = jnp.broadcast_to(proprio0, (PROPRIO_DELAY, batch_size, 2 * N_MUSCLES))
    h = jnp.zeros((batch_size, params["w_hh"].shape[1]), f32)

    def body(carry, _):
        arm, vision, proprio, h = carry
        obs = jnp.concatenate([goal, vision[0], proprio[0]], axis=1)
        u, h = gru_step(params, obs, h)
        arm, p_new = arm_step(arm, u, muscle)
        tip = fingertip(arm[0])
        vision = jnp.concatenate([vision[1:], tip[None]])
        proprio = jnp.concatenate([proprio[1:], p_new[None]])
        cost = jnp.abs(tip - goal).sum(-1).mean() + 1e-4 * jnp.mean(u**2)
        return (arm, vision, proprio, h), cost

    _, costs = jax.lax.scan(body, (arm, vision, proprio, h), None, length=steps)
    return costs.sum()


def make_workload(name, muscle, seed=0):
    """(function, its arguments) of one workload; the function is jitted, its arguments are updated with its
    outputs between calls where it trains."""
    w = WORKLOADS[name]
    key = jax.random.PRNGKey(seed)
    muscle_fn = MUSCLES[muscle]
    batch_size, steps = w["batch_size"], w["steps"]
    if name == "physics":
        lo, hi = _c(Q_LO), _c(Q_HI)
        q0 = lo + (hi - lo) * jax.random.uniform(key, (batch_size, 2), f32)
        u = jax.random.uniform(jax.random.fold_in(key, 1), (batch_size, N_MUSCLES), f32)

        @jax.jit
        def physics(q0, u):
            arm, _ = initial_state(q0, muscle_fn)
            arm, _ = jax.lax.scan(lambda s, _: (arm_step(s, u, muscle_fn)[0], None), arm, None, length=steps)
            return arm

        return physics, (q0, u), None

    params = init_policy(key, 2 + 2 + 2 * N_MUSCLES, w["hidden"], N_MUSCLES)
    optimizer = optax.adam(1e-3)

    if not w["grad"]:

        @jax.jit
        def forward(params, key):
            key, sub = jax.random.split(key)
            return episode_loss(params, *draw_episode(sub, batch_size), steps, muscle_fn), key

        return forward, (params, key), lambda out, args: (args[0], out[1])

    @jax.jit
    def train_step(params, opt_state, key):
        key, sub = jax.random.split(key)
        q0, goal = draw_episode(sub, batch_size)
        loss, grads = jax.value_and_grad(episode_loss)(params, q0, goal, steps, muscle_fn)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, key, loss

    return train_step, (params, optimizer.init(params), key), lambda out, args: out[:3]


def time_workload(name, batches, warmup, muscle):
    fn, args, advance = make_workload(name, muscle)

    def call(args):
        out = fn(*args)
        jax.block_until_ready(out)
        return out, (advance(out, args) if advance else args)

    t0 = time.perf_counter()
    _, args = call(args)
    cold = time.perf_counter() - t0
    for _ in range(warmup):
        _, args = call(args)
    times = []
    for _ in range(batches):
        t0 = time.perf_counter()
        _, args = call(args)
        times.append(time.perf_counter() - t0)
    return dict(cold_s=cold, median_s=statistics.median(times), min_s=min(times), max_s=max(times), batches=batches)


def dump_trajectory(path, muscle, batch_size=4, steps=50, seed=0):
    """A fixed excitation sequence from fixed postures: joint states, forces, activations, proprioception
    and fingertips after each step (index 0: the reset state), for jax_reference_check.py."""
    rng = np.random.default_rng(seed)
    q0 = np.array([[0.5, 1.0], [1.2, 0.3], [0.7, 2.2], [2.0, 1.5]], np.float32)[:batch_size]
    # Excitations held for 5 steps each, in [0, 0.4] so that the arms move a fair way but reach the joint
    # bounds rarely (where a rounding difference can decide whether a velocity is zeroed).
    u = np.repeat(rng.uniform(0.0, 0.4, (steps // 5 + 1, batch_size, N_MUSCLES)), 5, axis=0)[:steps]
    u = u.astype(np.float32)
    muscle_fn = MUSCLES[muscle]

    @jax.jit
    def run(q0, u):
        arm, proprio0 = initial_state(q0, muscle_fn)

        def body(s, u_t):
            s, proprio = arm_step(s, u_t, muscle_fn)
            return s, (s, proprio, fingertip(s[0]))

        _, (states, proprio, tip) = jax.lax.scan(body, arm, u)
        return arm, proprio0, states, proprio, tip

    arm0, proprio0, states, proprio, tip = run(jnp.asarray(q0), jnp.asarray(u))

    def with_reset(first, rest):
        return np.concatenate([np.asarray(first)[None], np.asarray(rest)])

    # Closed loop: a small GRU (H = 16) from fixed postures to fixed goals; observations, excitations, the
    # loss and its gradients with respect to every weight.
    params = init_policy(jax.random.PRNGKey(seed), 2 + 2 + 2 * N_MUSCLES, 16, N_MUSCLES)
    goal = np.array([[0.3, 0.4], [-0.2, 0.5], [0.1, 0.2], [-0.4, 0.1]], np.float32)[:batch_size]

    @jax.jit
    def closed_loop(params, q0, goal):
        arm, proprio0 = initial_state(q0, muscle_fn)
        vision = jnp.broadcast_to(fingertip(q0), (VISION_DELAY, batch_size, 2))
        proprio = jnp.broadcast_to(proprio0, (PROPRIO_DELAY, batch_size, 2 * N_MUSCLES))
        h = jnp.zeros((batch_size, params["w_hh"].shape[1]), f32)

        def body(carry, _):
            arm, vision, proprio, h = carry
            obs = jnp.concatenate([goal, vision[0], proprio[0]], axis=1)
            u, h = gru_step(params, obs, h)
            arm, p_new = arm_step(arm, u, muscle_fn)
            vision = jnp.concatenate([vision[1:], fingertip(arm[0])[None]])
            proprio = jnp.concatenate([proprio[1:], p_new[None]])
            return (arm, vision, proprio, h), (obs, u)

        _, (obs, u) = jax.lax.scan(body, (arm, vision, proprio, h), None, length=steps)
        return obs, u

    obs, u_closed = closed_loop(params, jnp.asarray(q0), jnp.asarray(goal))
    loss, grads = jax.value_and_grad(episode_loss)(params, jnp.asarray(q0), jnp.asarray(goal), steps, muscle_fn)
    np.savez(
        path,
        muscle=muscle,
        goal=goal,
        obs=np.asarray(obs),
        u_closed=np.asarray(u_closed),
        loss=np.asarray(loss),
        **{f"param_{k}": np.asarray(v) for k, v in params.items()},
        **{f"grad_{k}": np.asarray(v) for k, v in grads.items()},
        q0=q0,
        excitation=u,
        joint=with_reset(jnp.concatenate(arm0[:2], 1), jnp.concatenate(states[:2], 2)),
        activation=with_reset(arm0[2], states[2]),
        force=with_reset(arm0[3], states[3]),
        proprioception=with_reset(proprio0, proprio),
        fingertip=with_reset(fingertip(arm0[0]), tip),
    )
    print(f"wrote {path}: {batch_size} arms x {steps} steps ({muscle} muscle)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", nargs="*", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="XLA CPU threads (set before jax is imported)")
    parser.add_argument("--muscle", default="thelen", choices=list(MUSCLES))
    parser.add_argument("--dump-trajectory", metavar="FILE", help="write the check trajectory (.npz) and exit")
    args = parser.parse_args()
    if args.dump_trajectory:
        dump_trajectory(args.dump_trajectory, args.muscle)
        return
    results = {}
    for name in args.workloads:
        r = time_workload(name, args.batches, args.warmup, args.muscle)
        results[name] = r
        print(
            f"{name:10s} cold (compile + 1st call) {r['cold_s']:7.2f} s   warm {r['median_s']:.4f} s/batch "
            f"(range {r['min_s']:.4f}-{r['max_s']:.4f}, {r['batches']} batches after {args.warmup} warm-up)",
            flush=True,
        )
    meta = dict(jax=jax.__version__, threads=args.threads, muscle=args.muscle, xla_flags=os.environ.get("XLA_FLAGS"))
    print("JSON " + json.dumps(dict(meta=meta, results=results)))


if __name__ == "__main__":
    sys.exit(main())
