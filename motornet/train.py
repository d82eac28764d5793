"""Training: the loop and its command line.

    python -m motornet.train CONFIG.yaml RUN_DIR [--fresh] [--quiet] [--set training.n_batches=10 ...]
    python -m motornet.train CONFIG.yaml RUN_ROOT --seeds 0 1 2 ...     # an ensemble: RUN_ROOT/seed<k>/

`train(config, run_dir)` trains a policy as a config (motornet.config) says, writing run_dir/config.yaml,
checkpoint.pt, log.csv (every `log_every` batches: batch, loss, each unweighted loss term, gradient norm,
wall time (s)) and the `training.snapshots` (the run directory's files: motornet.runs), and resumes from the
checkpoint when one exists: the random streams are restored too, so on the same device and thread count a
run killed and resumed ends with the same parameters as an uninterrupted one. A run directory holds one run:
resuming refuses a checkpoint written with other settings or from another parent checkpoint
(RunMismatchError), a fresh start (`--fresh`) deletes the old checkpoint before it writes anything, and a
second process training into the same directory gets RunLockedError.
"""

import argparse
import contextlib
import csv
import os
import signal
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import torch

# motornet.train held these before config.py and runs.py split off (#31): those not used here are re-exported
from .config import (  # noqa: F401
    EFFECTORS,
    Config,
    ConfigError,
    EffectorConfig,
    PolicyConfig,
    TaskConfig,
    TrainingConfig,
    build,
    check_config,
    check_keys,
    check_task,
    config_to_dict,
    load_config,
    make_effector,
    read_yaml,
    resolve_device,
)
from .ensemble import PolicyEnsemble, TaskEnsemble, stack_adam, unstack
from .loss import TERMS, eq1_from_costs, eq1_step_costs
from .rollout import Rollout
from .runs import (  # noqa: F401
    CheckpointError,
    RunError,
    RunLockedError,
    RunMismatchError,
    atomic_write,
    check_identity,
    config_differences,
    config_file_problem,
    config_hash,
    init_from_checkpoint,
    load_checkpoint,
    restore_config,
    resume_status,
    rng_state,
    run_lock,
    run_status,
    save_checkpoint,
    save_snapshot,
    set_rng_state,
    snapshot_path,
    write_config,
)

LOG_COLUMNS = ("batch", "loss") + TERMS + ("grad_norm", "wall_time")


class NonFiniteLossError(FloatingPointError):
    """The loss or the gradient became NaN or infinite; the last good checkpoint is kept."""


# ---- one batch ------------------------------------------------------------------------------------


def clip_grad_norms(parameters: Sequence[torch.Tensor], max_norm: float | None) -> torch.Tensor:
    """Per-network gradient-norm clipping of stacked (N, ...) parameters, as torch.nn.utils.clip_grad_norm_
    does for each network alone (coefficient max_norm / (norm + 1e-6), at most 1; None: no clipping).
    Returns the N norms before clipping."""
    grads = [p.grad for p in parameters if p.grad is not None]
    norms = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g.flatten(1), dim=1) for g in grads]), dim=0)
    if max_norm:
        coefficient = (max_norm / (norms + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coefficient.view(-1, *([1] * (g.dim() - 1))))
    return norms


def train_step(runner, optimizer, config):
    """One batch of each network of `runner.policy` (a PolicyEnsemble): fused rollout with eq. 1's costs
    (`motornet.rollout.Rollout`), backward, per-network clipping, Adam. Returns detached (N,) tensors
    (no host sync)."""
    policy = runner.policy
    episode = runner(config.training.batch_size)
    n_steps = runner.env.n_steps
    terms = eq1_from_costs(config.loss, episode["costs"], n_steps, policy.input_kernels(), policy.n_networks)
    optimizer.zero_grad(set_to_none=True)
    terms["loss"].sum().backward()  # the networks share no parameter: each gets its own loss's gradient
    terms["grad_norm"] = clip_grad_norms(policy.parameters(), config.training.grad_clip_norm)
    optimizer.step()
    return {k: v.detach() for k, v in terms.items()}


# ---- the log --------------------------------------------------------------------------------------


def _log_row_ok(row):
    """Whether a log.csv row (csv.DictReader's) holds a number in every column (NaN included: a failing
    batch is logged) and a whole batch number."""
    try:
        [float(row[c]) for c in LOG_COLUMNS]
    except (KeyError, TypeError, ValueError):
        return False
    return row["batch"].isdigit()


def _start_log(path, keep_until=None):
    """A fresh log with its header, or the existing one cut after batch `keep_until` (for a resume). Rows a
    resume cannot keep (damaged: not UTF-8, incomplete, not numbers) are dropped with a message on stderr."""
    rows = []
    if keep_until is not None and path.exists():
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            read = list(csv.DictReader(f))
        # a run killed while writing may leave a partial last row: keep complete rows only
        damaged = [k + 2 for k, r in enumerate(read) if "\ufffd" in "".join(map(str, r.values())) or not _log_row_ok(r)]
        rows = [r for k, r in enumerate(read) if k + 2 not in damaged and int(r["batch"]) <= keep_until]
        if damaged:
            print(
                f"{path}: {len(damaged)} damaged row{'s' * (len(damaged) > 1)} dropped (line"
                f"{'s' * (len(damaged) > 1)} {', '.join(map(str, damaged[:5]))}{' ...' if len(damaged) > 5 else ''});"
                f" the run resumes from its checkpoint at batch {keep_until}",
                file=sys.stderr,
            )

    def write(f):
        text = f"{','.join(LOG_COLUMNS)}\n" + "".join(",".join(r.get(c, "") for c in LOG_COLUMNS) + "\n" for r in rows)
        f.write(text.encode())

    atomic_write(path, write)


# ---- the loop -------------------------------------------------------------------------------------


def train(
    config: Config | dict | str | Path, run_dir: str | Path, resume: bool = True, progress: bool | None = None
) -> dict:
    """Train a policy as `config` says (a Config, dict or YAML path), writing run_dir/{config.yaml,
    checkpoint.pt, log.csv} while holding run_dir/train.lock (RunLockedError if another process does).
    `resume`: continue from run_dir/checkpoint.pt when it exists, raising RunMismatchError if it was
    written with other settings or from another init_from checkpoint; False: delete it and start again.
    Raises NonFiniteLossError (keeping the last good checkpoint) if the loss or gradient stops being finite.
    Returns a summary dict: batch, checkpoint, log, and the last logged values."""
    return train_ensemble([config], [run_dir], resume, progress)[0]


def train_ensemble(
    configs: Sequence[Config | dict | str | Path],
    run_dirs: Sequence[str | Path],
    resume: bool = True,
    progress: bool | None = None,
) -> list[dict]:
    """Train N networks whose configs differ only in `seed` (and `training.init_from`) side by side, as one
    PolicyEnsemble in one process; network k works in run_dirs[k] exactly as `train(configs[k], run_dirs[k])`
    would (its own episodes, hidden noise, Adam state, gradient clipping, log and checkpoint), with the same
    results up to float rounding. Networks resumed at different batches train in groups until they meet.
    A network whose loss stops being finite leaves the ensemble (its last good checkpoint kept) and the
    others go on; NonFiniteLossError names every such network at the end. `resume`: as train's, for all
    networks or one value per network. Returns the N summaries."""
    configs = [load_config(c) for c in configs]
    run_dirs = [Path(d) for d in run_dirs]
    if len(configs) != len(run_dirs) or not configs:
        raise ConfigError(f"give one run directory per config: {len(configs)} configs, {len(run_dirs)} directories")
    if len({d.resolve() for d in run_dirs}) != len(run_dirs):
        raise ConfigError(f"an ensemble's run directories must differ: {[str(d) for d in run_dirs]}")
    shared = [_ensemble_identity(c) for c in configs]
    for config, identity in zip(configs[1:], shared[1:]):
        if identity != shared[0]:
            diffs = config_differences(config_to_dict(configs[0]), config_to_dict(config))
            raise ConfigError(
                f"an ensemble's configs may differ only in seed and training.init_from; seed "
                f"{config.seed} differs from seed {configs[0].seed} in {'; '.join(diffs)}"
            )
    tc = configs[0].training
    device = resolve_device(tc.device)
    if tc.threads:
        torch.set_num_threads(tc.threads)
    members = [_Member(config, run_dir, device) for config, run_dir in zip(configs, run_dirs)]  # checks first
    for run_dir in run_dirs:
        if run_dir.is_symlink() and not run_dir.exists():
            raise ConfigError(
                f"run directory {run_dir} is a symbolic link to {os.readlink(run_dir)}, which does not "
                f"exist; create that directory, or give another run directory"
            )
        if run_dir.exists() and not run_dir.is_dir():
            raise ConfigError(f"run directory {run_dir} is a file; give a directory (it is created if missing)")
    with contextlib.ExitStack() as stack:
        for run_dir in run_dirs:
            run_dir.mkdir(parents=True, exist_ok=True)
            stack.enter_context(run_lock(run_dir))
        return _train_locked(members, resume, progress)


def _ensemble_identity(config):
    out = config_to_dict(config)
    out.pop("seed")
    out["training"] = {k: v for k, v in out["training"].items() if k != "init_from"}
    return out


class _Member:
    """One network of an ensemble: its config, run directory, task and policy (holding its weights between
    groups), an Adam holding its optimiser state, and its progress."""

    def __init__(self, config, run_dir, device):
        self.config, self.run_dir = config, run_dir
        self.task, self.policy = build(config, device)  # the last config check: nothing is written before it
        # The hidden noise's stream: on the CPU, the one torch's global generator continues after the
        # policy's initialisation (as a run trained alone draws it); on a GPU, seeded with the run's seed.
        self.policy.generator = torch.Generator(device=device)
        if device.type == "cpu":
            self.policy.generator.set_state(torch.get_rng_state())
        else:
            self.policy.generator.manual_seed(config.seed)
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=config.training.learning_rate)
        self.checkpoint, self.log = run_dir / "checkpoint.pt", run_dir / "log.csv"
        self.start, self.wall_offset, self.parent_sha256, self.last_good = 0, 0.0, None, None
        self.failure, self.summary = None, None

    def prepare(self, resume, device):
        """init_from, the fresh start's deletions, or the resume (weights, Adam, random streams)."""
        tc = self.config.training
        if tc.init_from:  # a resume overwrites these weights; loading them first checks the parent before any deletion
            self.parent_sha256 = init_from_checkpoint(
                tc.init_from, self.policy, self.optimizer, tc.init_optimizer, device
            )
        if not resume:  # before anything new is written: the old run's weights must not outlive its config
            self.checkpoint.unlink(missing_ok=True)
            self.log.unlink(missing_ok=True)
            for snapshot in (self.run_dir / "snapshots").glob("batch*.pt"):
                snapshot.unlink()
        state = load_checkpoint(self.checkpoint, device) if self.checkpoint.exists() else None
        self.summary = {"batch": 0, "checkpoint": str(self.checkpoint), "log": str(self.log)}
        if state is None:
            write_config(self.run_dir / "config.yaml", self.config)
            _start_log(self.log)
            return
        check_identity(state, self.config, self.checkpoint)
        if tc.init_from and state.get("parent_sha256") != self.parent_sha256:
            raise RunMismatchError(
                f"{self.checkpoint} started from another version of training.init_from "
                f"{tc.init_from} (its contents changed since); train into another run "
                f"directory"
            )
        self.start = self.last_good = int(state["batch"])
        self.wall_offset = float(state["wall_time"])
        missing = [b for b in tc.snapshots if b <= self.start and not snapshot_path(self.run_dir, b).is_file()]
        if missing:
            raise ConfigError(
                f"training.snapshots asks for batch {missing[0]}, but {self.checkpoint} is at batch "
                f"{self.start} and kept no snapshot there; remove it from training.snapshots, or "
                f"train into another run directory"
            )
        self.summary["batch"] = self.start
        if self.start >= tc.n_batches:
            return
        self.policy.load_state_dict(state["policy"])
        self.optimizer.load_state_dict(state["optimizer"])
        set_rng_state(self.task, self.policy, state["rng"])
        write_config(self.run_dir / "config.yaml", self.config)  # the same identity; n_batches etc. may have changed
        _start_log(self.log, keep_until=self.start)

    def adam_step(self):
        steps = {float(s["step"]) for s in self.optimizer.state.values()}
        return steps.pop() if len(steps) == 1 else 0.0

    def snapshot(self, batch, wall):
        save_snapshot(self.run_dir, batch, self.policy, self.config, wall, self.parent_sha256)

    def save(self, batch, wall):
        save_checkpoint(
            self.checkpoint, batch, self.policy, self.optimizer, self.task, self.config, wall, self.parent_sha256
        )
        self.last_good = batch


def _train_locked(members, resume, progress):
    from tqdm import tqdm

    device = members[0].policy.device
    resume = [resume] * len(members) if isinstance(resume, bool) else list(resume)
    if len(resume) != len(members):
        raise ValueError(f"resume: give one value, or one per network ({len(members)}), got {len(resume)}")
    for member, go_on in zip(members, resume):
        member.prepare(go_on, device)
    tc = members[0].config.training
    show = tc.progress if progress is None else progress
    todo = [m for m in members if m.start < tc.n_batches]
    bar = tqdm(
        total=tc.n_batches * len(todo),
        initial=sum(m.start for m in todo),
        disable=not show or not todo,
        desc=members[0].run_dir.name if len(members) == 1 else f"{len(members)} networks",
        file=sys.stderr,
        dynamic_ncols=True,
    )
    while todo:
        # Networks at the same batch (and Adam step) train together, up to the batch the next group is at.
        start = min(m.start for m in todo)
        step = next(m for m in todo if m.start == start).adam_step()
        group = [m for m in todo if m.start == start and m.adam_step() == step]
        _train_group(group, min((m.start for m in todo if m.start > start), default=tc.n_batches), bar)
        todo = [m for m in todo if m.start < tc.n_batches and m.failure is None]
    bar.close()
    failed = [m for m in members if m.failure is not None]
    if failed:
        raise NonFiniteLossError("; ".join(m.failure for m in failed))
    return [m.summary for m in members]


def _train_group(members, stop, bar):
    """Train `members` (all at one batch) together up to batch `stop`, or until one stops being finite."""
    config = members[0].config
    tc, n = config.training, len(members)
    policy = PolicyEnsemble([m.policy for m in members])
    for p in (policy, *policy.policies):
        p.train()
    optimizer = torch.optim.Adam(policy.parameters(), lr=tc.learning_rate)
    stack_adam(optimizer, [m.optimizer for m in members])
    task = TaskEnsemble([m.task for m in members])
    runner = Rollout(
        task,
        policy,
        chunk=1 if tc.compile == "step" else tc.chunk,
        compile=tc.compile,
        record=(),
        costs=eq1_step_costs(config.loss, task.muscle.max_iso_force, task.dt),
    )
    device = policy.device
    start = members[0].start
    t0 = time.perf_counter()
    bad = torch.zeros(n, dtype=torch.bool, device=device)
    first_bad = torch.zeros(n, dtype=torch.long, device=device)
    for batch in range(start + 1, stop + 1):
        terms = train_step(runner, optimizer, config)
        bar.update(n)
        finite = torch.isfinite(terms["loss"]) & torch.isfinite(terms["grad_norm"])
        first_bad = torch.where(finite | bad, first_bad, torch.full_like(first_bad, batch))
        bad = bad | ~finite
        log_now = batch % tc.log_every == 0 or batch == tc.n_batches
        checkpoint_now = batch % tc.checkpoint_every == 0 or batch == tc.n_batches
        snapshot_now = batch in tc.snapshots
        if not (log_now or checkpoint_now or snapshot_now or batch == stop):
            continue
        elapsed = time.perf_counter() - t0
        values = {k: terms[k].tolist() for k in ("loss",) + TERMS + ("grad_norm",)}
        failed = bad.tolist()
        for k, member in enumerate(members):
            wall = member.wall_offset + elapsed
            row = {key: values[key][k] for key in values}
            if log_now or failed[k]:
                # opened for each row: a log.csv replaced meanwhile (e.g. by a git checkout) still gets the rows
                with open(member.log, "a", newline="") as log:
                    log.write(
                        ",".join([str(batch)] + [f"{row[c]:.9g}" for c in LOG_COLUMNS[1:-1]] + [f"{wall:.3f}"]) + "\n"
                    )
            if failed[k]:
                kept = (
                    f"the last good checkpoint (batch {member.last_good}) is kept in {member.checkpoint}"
                    if member.last_good is not None
                    else "no checkpoint had been written yet"
                )
                member.failure = (
                    f"the loss or its gradient became NaN/inf at batch {int(first_bad[k])} of "
                    f"{member.run_dir}; {kept}. Lower training.learning_rate or "
                    f"training.grad_clip_norm, or check the task"
                )
            else:
                member.summary = {
                    "batch": batch,
                    "checkpoint": str(member.checkpoint),
                    "log": str(member.log),
                    **row,
                    "wall_time": wall,
                }
        bar.set_postfix(loss=f"{statistics.fmean(values['loss']):.4g}")
        if checkpoint_now or snapshot_now or any(failed) or batch == stop:
            unstack(policy, optimizer, [m.optimizer for m in members])
            for k, member in enumerate(members):
                if not failed[k]:
                    member.start, member.wall_offset = batch, member.wall_offset + elapsed
                    if snapshot_now:
                        member.snapshot(batch, member.wall_offset)
                    if checkpoint_now:
                        member.save(batch, member.wall_offset)
            t0 = time.perf_counter()
            if any(failed):
                return  # the others go on without the failed networks (a new group)


def exit_on_sigterm():
    """Turn SIGTERM (a scheduler's kill, a job's timeout) into SystemExit in the main thread, so that a
    checkpoint being written is cleaned up (atomic_write) instead of leaving its temporary file."""

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m motornet.train", description="Train a policy from a YAML config.")
    parser.add_argument("config", help="YAML config (see motornet/configs/); with --restore-config, the run directory")
    parser.add_argument(
        "run_dir",
        nargs="?",
        help="directory for config.yaml, checkpoint.pt and log.csv (with "
        "--seeds: the directory of their seed<k>/ run directories)",
    )
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        metavar="K",
        help="train these seeds (the config's seed replaced) together as one ensemble",
    )
    parser.add_argument("--fresh", action="store_true", help="delete RUN_DIR's checkpoint and log and start again")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override a config value (repeatable), e.g. --set training.n_batches=10",
    )
    parser.add_argument(
        "--restore-config",
        action="store_true",
        help="rewrite RUN_DIR/config.yaml (given as the first argument) from its checkpoint",
    )
    args = parser.parse_args(argv)
    exit_on_sigterm()
    try:
        if args.restore_config:
            print(f"wrote {restore_config(args.config)}")
            return
        if args.run_dir is None:
            parser.error("give the run directory after the config")
        config = load_config(args.config, args.set)
        seeds = [config.seed] if args.seeds is None else args.seeds
        configs = [load_config(config, [f"seed={k}"]) for k in seeds]
        run_dirs = [args.run_dir] if args.seeds is None else [Path(args.run_dir) / f"seed{k}" for k in seeds]
        summaries = train_ensemble(configs, run_dirs, resume=not args.fresh, progress=False if args.quiet else None)
    except (ConfigError, RunError, NonFiniteLossError) as error:
        parser.exit(2, f"error: {error}\n")
    except OSError as error:  # a read-only or full disk, a file where a directory should be...
        parser.exit(
            2,
            f"error: {error.filename or args.run_dir}: {error.strerror or error}; nothing already "
            f"written was lost: each run keeps its last checkpoint\n",
        )
    except KeyboardInterrupt:
        parser.exit(
            130,
            "interrupted: each run keeps its last checkpoint (every training.checkpoint_every "
            "batches); run the same command again to resume\n",
        )
    for summary in summaries:
        print(f"trained to batch {summary['batch']}: {summary['checkpoint']}")


if __name__ == "__main__":
    main()
