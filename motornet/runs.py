"""Runs: a run directory's files, the run's identity, and whether it is finished or can go on.

A run directory holds one run, written by motornet.train:

| file | content |
|---|---|
| run_dir/config.yaml | the full configuration, defaults filled in |
| run_dir/checkpoint.pt | policy, optimiser, RNG states, batch index, the sha256 of the settings that shape the result and of the `init_from` checkpoint's bytes; replaced atomically every `checkpoint_every` batches |
| run_dir/log.csv | every `log_every` batches: batch, loss, each unweighted loss term, gradient norm, wall time (s) |
| run_dir/snapshots/batch<N>.pt | at each batch N of `training.snapshots`: the policy's weights with the run's identity (~100 kB) |
| run_dir/train.lock (+ .holder) | held while a process trains here (filelock; the OS frees it if the process dies) |

A run's identity is the sha256 of the settings that shape its result (`config_hash`: the config less the
training keys a resume may change) and of its `init_from` checkpoint's bytes. `check_identity` refuses a
checkpoint written with other settings (RunMismatchError), `run_status` and `resume_status` say whether a
directory holds the finished result of a config or a run that training can go on with. Files are replaced
atomically (`atomic_write`), checkpoints are read with torch's weights-only loader (CheckpointError for a
missing or damaged one), and `run_lock` keeps a second process out (RunLockedError).
"""

import contextlib
import hashlib
import io
import json
import os
import pickle
import re
import secrets
import socket
import time
from pathlib import Path

import filelock
import torch
import yaml

from .config import Config, ConfigError, config_to_dict, load_config


class RunError(RuntimeError):
    """A run directory's files forbid what was asked (subclasses say why)."""


class RunLockedError(RunError):
    """Another process is training into the run directory."""


class CheckpointError(RunError):
    """A checkpoint is missing or cannot be read (e.g. truncated)."""


class RunMismatchError(RunError):
    """A checkpoint was written with other settings, or started from another parent checkpoint."""


# ---- identity -------------------------------------------------------------------------------------


# Training settings a resumed run may change without changing its result.
_RESUMABLE_CHANGES = (
    "n_batches",
    "log_every",
    "checkpoint_every",
    "device",
    "threads",
    "progress",
    "chunk",
    "snapshots",
)


def _identity(config_dict):
    """The settings that shape a run's result: the config less the training keys a resume may change."""
    return {
        **config_dict,
        "training": {k: v for k, v in config_dict["training"].items() if k not in _RESUMABLE_CHANGES},
    }


def config_hash(config: Config) -> str:
    """sha256 (hex) of a Config's or config dict's identity (`_identity`)."""
    config = config_to_dict(config) if isinstance(config, Config) else config
    return hashlib.sha256(json.dumps(_identity(config), sort_keys=True).encode()).hexdigest()


def config_differences(old, new, ignore_added_defaults=False):
    """'section.key: old -> new' for every identity setting that differs; with `ignore_added_defaults`,
    less the keys `old` lacks and `new` holds at their default (a setting added to motornet after `old`
    was written, whose default keeps the behaviour `old` was trained with)."""
    old, new = _identity(old), _identity(new)
    defaults = config_to_dict(Config()) if ignore_added_defaults else {}
    diffs = []
    for section in sorted(set(old) | set(new)):
        a, b = old.get(section), new.get(section)
        if isinstance(a, dict) and isinstance(b, dict):
            default = defaults.get(section) or {}
            diffs += [
                f"{section}.{k}: {a.get(k)!r} -> {b.get(k)!r}"
                for k in sorted(set(a) | set(b))
                if a.get(k) != b.get(k) and not (k not in a and k in default and b.get(k) == default[k])
            ]
        elif a != b:
            diffs.append(f"{section}: {a!r} -> {b!r}")
    return diffs


def _identity_differences(state, config, ignore_added_defaults=False):
    """None when the checkpoint `state` was written with `config`'s identity (config_hash), else the
    settings that differ (config_differences; it may name none)."""
    recorded = state.get("config_sha256") or config_hash(state["config"])  # format 1 recorded no hash
    if recorded == config_hash(config):
        return None
    return config_differences(state["config"], config_to_dict(config), ignore_added_defaults)


def check_identity(state, config, path):
    """RunMismatchError unless the checkpoint `state` (read from `path`) was written with `config`'s
    identity (config_hash), naming the settings that differ; a setting added to motornet since, at its
    default, is no difference (its default keeps the behaviour the run was trained with)."""
    diffs = _identity_differences(state, config, ignore_added_defaults=True)
    if diffs:
        restore = (
            f"; if {Path(path).parent / 'config.yaml'} was edited or emptied, `python -m motornet.train "
            f"--restore-config {Path(path).parent}` rewrites it from the checkpoint"
            if Path(path).name == "checkpoint.pt"
            else ""
        )
        raise RunMismatchError(
            f"{path} was written with another configuration ({'; '.join(diffs) or 'settings differ'})"
            f"; train this configuration into another run directory{restore}"
        )


# ---- files and the lock ---------------------------------------------------------------------------


def atomic_write(path, write):
    """Write `path` through a uniquely named temporary file (no two writers share one: O_EXCL, 64 random bits)
    and a rename; the file gets the permissions the umask gives. The name is chosen before the file is
    created, so a stop at any point (motornet.train turns SIGTERM into SystemExit) removes what it made."""
    path = Path(path)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as error:
        if not (isinstance(error, FileExistsError) and error.filename == str(tmp)):  # another writer's: keep it
            tmp.unlink(missing_ok=True)
        raise
    try:
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def write_config(path, config):
    """`config` (defaults filled in) as YAML at `path`, written atomically: a run's config.yaml."""
    text = yaml.safe_dump(config_to_dict(config), sort_keys=False)
    atomic_write(path, lambda f: f.write(text.encode()))


@contextlib.contextmanager
def run_lock(run_dir):
    """Hold run_dir/train.lock while training: a second writer gets RunLockedError naming the holder
    (recorded in train.lock.holder). The OS releases the lock if the holder dies, even by kill -9."""
    run_dir = Path(run_dir)
    lock, holder = filelock.FileLock(run_dir / "train.lock"), run_dir / "train.lock.holder"
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        try:
            who = holder.read_text().strip()
        except OSError:
            who = "another process"
        raise RunLockedError(
            f"{run_dir} is being trained by {who or 'another process'}; wait for it to end, "
            f"or train into another run directory"
        ) from None
    try:
        holder.write_text(f"pid {os.getpid()} on {socket.gethostname()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        yield
    finally:
        holder.unlink(missing_ok=True)
        lock.release()


# ---- checkpoints and snapshots --------------------------------------------------------------------


def rng_state(task, policy):
    """The run's random streams: the policy's hidden noise ('torch') and the effector's trials and noise."""
    return {"torch": policy.generator.get_state(), "effector": task.effector.generator.get_state()}


def set_rng_state(task, policy, state):
    policy.generator.set_state(state["torch"])
    task.effector.generator.set_state(state["effector"])


def save_checkpoint(path, batch, policy, optimizer, task, config, wall_time, parent_sha256=None):
    """Checkpoint `path` with its identity: `config_sha256` (config_hash) and `parent_sha256`, the sha256
    of the init_from checkpoint's bytes (None without one)."""
    state = {
        "format": 2,
        "batch": batch,
        "policy": policy.state_dict(),
        "optimizer": optimizer.state_dict(),
        "rng": rng_state(task, policy),
        "config": config_to_dict(config),
        "config_sha256": config_hash(config),
        "parent_sha256": parent_sha256,
        "wall_time": wall_time,
    }
    atomic_write(path, lambda f: torch.save(state, f))


def snapshot_path(run_dir: str | Path, batch: int) -> Path:
    """run_dir/snapshots/batch<N>.pt, the snapshot `training.snapshots` keeps at batch N."""
    return Path(run_dir) / "snapshots" / f"batch{int(batch):06d}.pt"


def save_snapshot(run_dir, batch, policy, config, wall_time, parent_sha256=None):
    """The policy's weights at `batch` with the run's identity (as save_checkpoint's, less the optimiser and
    random streams: a snapshot is analysed, not resumed), at snapshot_path(run_dir, batch)."""
    path = snapshot_path(run_dir, batch)
    path.parent.mkdir(exist_ok=True)
    state = {
        "format": 2,
        "kind": "snapshot",
        "batch": batch,
        "policy": policy.state_dict(),
        "config": config_to_dict(config),
        "config_sha256": config_hash(config),
        "parent_sha256": parent_sha256,
        "wall_time": wall_time,
    }
    atomic_write(path, lambda f: torch.save(state, f))
    return path


def _checkpoint_path(path):
    path = Path(path)
    return path / "checkpoint.pt" if path.is_dir() else path


def _read_checkpoint(path):
    """(bytes, path) of a checkpoint file or run directory; CheckpointError when there is none."""
    path = _checkpoint_path(path)
    try:
        return path.read_bytes(), path
    except FileNotFoundError:
        hint = (
            "the run has not written its first checkpoint yet (or was started afresh and stopped before it)"
            if (path.parent / "config.yaml").exists()
            else "train a run there first"
        )
        raise CheckpointError(f"no checkpoint at {path}: {hint}") from None


def _parse_checkpoint(data, path, device):
    """The state dict in a checkpoint's bytes, unpickled with torch's weights-only loader: tensors and plain
    containers only, so that no code a downloaded file carries runs (CheckpointError for anything else)."""
    try:
        state = torch.load(io.BytesIO(data), map_location=device, weights_only=True)
    except pickle.UnpicklingError as error:  # the weights-only loader met an object it will not build
        found = re.search(r"GLOBAL (\S+)", str(error))
        raise CheckpointError(
            f"{path} holds {found.group(1) if found else 'objects'} besides tensors and plain "
            f"containers, which motornet does not load (it would run the file's code); "
            f"use a checkpoint written by motornet.train"
        ) from None
    except Exception as error:  # torch raises several types for a damaged file
        raise CheckpointError(
            f"{path} cannot be read ({type(error).__name__}: {str(error).splitlines()[0][:120]}); "
            f"it is truncated or damaged: restore it from its source, or train into another "
            f"run directory"
        ) from None
    needed = (
        {"batch", "policy", "config"} | ({"optimizer"} if state.get("kind") != "snapshot" else set())
        if isinstance(state, dict)
        else None
    )
    if needed is None or not needed <= set(state):
        raise CheckpointError(
            f"{path} is not a motornet.train checkpoint (it lacks "
            f"{', '.join(sorted(needed - set(state))) if needed else 'a mapping of states'})"
        )
    return state


def load_checkpoint(path: str | Path, device: str = "cpu") -> dict:
    """The state dict of a checkpoint file or run directory (run_dir/checkpoint.pt); CheckpointError for a
    missing or unreadable one."""
    data, path = _read_checkpoint(path)
    return _parse_checkpoint(data, path, device)


def init_from_checkpoint(path, policy, optimizer, with_optimizer=True, device="cpu"):
    """Start a run from another run's checkpoint (file or run directory): its policy weights and, with
    `with_optimizer`, Adam's moments and step count (paper 4.2: the optimiser's state carries over); the
    param-group settings (learning rate, betas...) stay `optimizer`'s. Returns the sha256 of its bytes."""
    try:
        data, path = _read_checkpoint(path)
        state = _parse_checkpoint(data, path, device)
    except CheckpointError as error:
        raise CheckpointError(f"training.init_from: {error}") from None
    try:
        policy.load_state_dict(state["policy"])
    except RuntimeError as error:
        raise ConfigError(
            f"training.init_from {path} holds a policy of another shape ({str(error).splitlines()[-1].strip()}); "
            f"the effector and policy.hidden_size must match its run"
        ) from None
    if with_optimizer:
        optimizer.load_state_dict(
            {"state": state["optimizer"]["state"], "param_groups": optimizer.state_dict()["param_groups"]}
        )
    return hashlib.sha256(data).hexdigest()


# ---- status ---------------------------------------------------------------------------------------


def run_status(run_dir: str | Path, config: Config | dict | str | Path) -> str | None:
    """None when `run_dir` holds the finished result of `config` (a Config, dict or YAML path), else why not,
    in one line: files missing, another configuration (its identity, config_hash, less settings added
    since at their default), fewer or more batches than `training.n_batches`, or an `init_from` checkpoint
    whose bytes are not those the run started from. Reads the checkpoint; trains nothing."""
    config, run_dir = load_config(config), Path(run_dir)
    missing = [name for name in ("checkpoint.pt", "config.yaml", "log.csv") if not (run_dir / name).is_file()]
    if missing:
        return f"{', '.join(missing)} missing"
    try:
        state = load_checkpoint(run_dir)
    except CheckpointError as error:
        return str(error)
    diffs = _identity_differences(state, config, ignore_added_defaults=True)
    if diffs:
        return f"trained with other settings ({'; '.join(diffs)})"
    if int(state["batch"]) != config.training.n_batches:
        return f"trained for {state['batch']} batches, not training.n_batches = {config.training.n_batches}"
    missing = [b for b in config.training.snapshots if not snapshot_path(run_dir, b).is_file()]
    if missing:
        return f"its snapshots at batch{'es' * (len(missing) > 1)} {', '.join(map(str, missing))} are missing"
    return _parent_problem(state, config)


def config_file_problem(run_dir):
    """None when run_dir/config.yaml holds the settings its checkpoint records (a hand-edited or emptied file
    does not), else why not, in one line with the command that restores it."""
    run_dir = Path(run_dir)
    try:
        state = load_checkpoint(run_dir)
        diffs = _identity_differences(state, load_config(run_dir / "config.yaml"), ignore_added_defaults=True)
    except (ConfigError, CheckpointError) as error:
        diffs = [str(error)]
    if not diffs:
        return None
    return (
        f"{run_dir / 'config.yaml'} does not hold the settings its checkpoint was trained with "
        f"({'; '.join(diffs)}); `python -m motornet.train --restore-config {run_dir}` rewrites it from the checkpoint"
    )


def restore_config(run_dir: str | Path) -> Path:
    """Rewrite run_dir/config.yaml from the settings its checkpoint records; returns its path."""
    run_dir = Path(run_dir)
    config = load_config(load_checkpoint(run_dir)["config"])
    write_config(run_dir / "config.yaml", config)
    return run_dir / "config.yaml"


def resume_status(run_dir: str | Path, config: Config | dict | str | Path) -> str | None:
    """None when `run_dir` holds an unfinished run of `config` that training can go on with (resume=True):
    written with the same settings (n_batches may grow) from the present bytes of its init_from checkpoint;
    else why not, in one line."""
    config, run_dir = load_config(config), Path(run_dir)
    try:
        state = load_checkpoint(run_dir)
        check_identity(state, config, run_dir)
    except (CheckpointError, RunMismatchError) as error:
        return str(error)
    if int(state["batch"]) >= config.training.n_batches:
        return f"finished ({state['batch']} of training.n_batches = {config.training.n_batches} batches)"
    return _parent_problem(state, config)


def _parent_problem(state, config):
    """Why the run saved in checkpoint `state` does not follow from the present bytes of
    config.training.init_from, or None (also when it has none)."""
    if not config.training.init_from:
        return None
    try:
        parent = _read_checkpoint(config.training.init_from)[0]
    except CheckpointError:
        return f"its init_from checkpoint {config.training.init_from} is missing"
    if hashlib.sha256(parent).hexdigest() != state.get("parent_sha256"):
        return f"its init_from checkpoint {config.training.init_from} has changed since it was trained"
    return None
