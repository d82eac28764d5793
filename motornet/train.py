"""Training: configuration, the loop, checkpoints and logs.

    python -m motornet.train CONFIG.yaml RUN_DIR [--fresh] [--quiet] [--set training.n_batches=10 ...]

A config has six sections (see motornet/configs/*.yaml): `seed`, `effector`, `task`, `policy`, `loss`,
`training`. Unknown keys are errors naming the closest valid key. `train(config, run_dir)` writes

| file | content |
|---|---|
| run_dir/config.yaml | the full configuration, defaults filled in |
| run_dir/checkpoint.pt | policy, optimiser, RNG states, batch index; replaced atomically every `checkpoint_every` batches |
| run_dir/log.csv | every `log_every` batches: batch, loss, each unweighted loss term, gradient norm, wall time (s) |

and resumes from the checkpoint when one exists: the random streams are restored too, so on the same
device and thread count a run killed and resumed ends with the same parameters as an uninterrupted one.
"""
import argparse
import csv
import dataclasses
import difflib
import math
import os
import sys
import time
import typing
from pathlib import Path

import torch
import yaml

from .effector import GeometricArm26, ReluPointMass24, RigidTendonArm26
from .loss import TERMS, LossConfig, eq1_loss
from .muscle import MUSCLES
from .policy import PolicyGRU
from .rollout import Rollout
from .tasks import TASKS, make_task, task_parameters

EFFECTORS = {"arm26": RigidTendonArm26, "arm26_geometric": GeometricArm26, "point_mass": ReluPointMass24}
LOG_COLUMNS = ("batch", "loss") + TERMS + ("grad_norm", "wall_time")


class ConfigError(ValueError):
    """A configuration with an unknown key or a value of the wrong type."""


class NonFiniteLossError(FloatingPointError):
    """The loss or the gradient became NaN or infinite; the last good checkpoint is kept."""


# ---- configuration --------------------------------------------------------------------------------

@dataclasses.dataclass
class EffectorConfig:
    """`name`: arm26 (RigidTendonArm26), arm26_geometric (GeometricArm26) or point_mass (ReluPointMass24);
    `muscle`: a key of motornet.muscle.MUSCLES (arm26 only; None: the effector's default muscle);
    `muscle_kwargs`: extra muscle build parameters, each a scalar or one value per muscle."""
    name: str = "arm26"
    muscle: typing.Optional[str] = None
    muscle_kwargs: dict = dataclasses.field(default_factory=dict)
    timestep: float = 0.01
    integration_method: str = "euler"
    n_ministeps: int = 1


@dataclasses.dataclass
class TaskConfig:
    """`name`: a key of motornet.tasks.TASKS; `options`: that task's keyword arguments (written flat in
    YAML, next to `name`)."""
    name: str = "random_reach"
    options: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class PolicyConfig:
    """GRU size; sigma_u (`action_noise`, on the excitation) and sigma_h (`hidden_noise`, on the hidden
    state while training) are standard deviations."""
    hidden_size: int = 50
    action_noise: float = 0.
    hidden_noise: float = 0.


@dataclasses.dataclass
class TrainingConfig:
    """Adam with gradient-norm clipping (`grad_clip_norm`, None: no clipping). `device`: auto (CUDA when
    present), cpu, cuda, cuda:1...; `threads`: torch CPU threads (None: torch's default);
    `init_from`: a checkpoint (or run directory) whose policy weights start a fresh run, with its Adam state
    (moments, step count) when `init_optimizer` (the paper's "resumed" adaptation, 4.2; the learning rate is
    this config's); `compile`: run
    `chunk` steps per torch.compile'd call (motornet.rollout; pays off over thousands of batches)."""
    n_batches: int = 7680
    batch_size: int = 64
    learning_rate: float = 1e-3
    grad_clip_norm: typing.Optional[float] = 1.
    log_every: int = 10
    checkpoint_every: int = 100
    device: str = "auto"
    threads: typing.Optional[int] = None
    compile: bool = False
    chunk: int = 10
    init_from: typing.Optional[str] = None
    init_optimizer: bool = True
    progress: bool = True


@dataclasses.dataclass
class Config:
    seed: int = 0
    effector: EffectorConfig = dataclasses.field(default_factory=EffectorConfig)
    task: TaskConfig = dataclasses.field(default_factory=TaskConfig)
    policy: PolicyConfig = dataclasses.field(default_factory=PolicyConfig)
    loss: LossConfig = dataclasses.field(default_factory=LossConfig)
    training: TrainingConfig = dataclasses.field(default_factory=TrainingConfig)


# Training settings a resumed run may change without changing its result.
_RESUMABLE_CHANGES = ("n_batches", "log_every", "checkpoint_every", "device", "threads", "progress", "chunk")


def check_keys(where, given, valid):
    """ConfigError naming the first key of `given` not in `valid`, its closest match and the valid keys."""
    for key in given:
        if key not in valid:
            close = difflib.get_close_matches(str(key), [str(v) for v in valid], n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"unknown key {key!r} in {where}.{hint} Valid keys: {', '.join(sorted(valid))}")


def _coerce(where, value, kind):
    """Values as the field's type: YAML reads 1e-3 as a string and 100 as an int where a float is meant."""
    optional = typing.get_origin(kind) is typing.Union and type(None) in typing.get_args(kind)
    if optional:
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    if value is None and optional:
        return None
    try:
        if kind is float and not isinstance(value, bool):
            return float(value)
        if kind is int and not isinstance(value, bool) and float(value) == int(float(value)):
            return int(float(value))
        if kind is bool and isinstance(value, bool):
            return value
        if kind is str and isinstance(value, str):
            return value
        if kind is dict and isinstance(value, dict):
            return value
    except (TypeError, ValueError):
        pass
    raise ConfigError(f"{where} must be {'None or ' if optional else ''}{getattr(kind, '__name__', kind)}, "
                      f"got {value!r}")


def _section(cls, where, values):
    values = dict(values or {})
    fields = {f.name: f for f in dataclasses.fields(cls)}
    check_keys(where, values, fields)
    return cls(**{k: _coerce(f"{where}.{k}", v, fields[k].type) for k, v in values.items()})


def _task_section(where, values):
    values = dict(values or {})
    name = values.pop("name", TaskConfig.name)
    if "options" in values:  # the dataclass layout, as written by config_to_dict
        check_keys(where, values, ("options",))
        values = dict(values["options"] or {})
    try:
        valid = task_parameters(name)
    except ValueError as error:
        close = difflib.get_close_matches(str(name), list(TASKS), n=1)
        raise ConfigError(f"{where}.name: {error}." + (f" Did you mean {close[0]!r}?" if close else "")) from None
    check_keys(where, values, list(valid) + ["name"])
    options = {}
    for key, value in values.items():
        default = valid[key]
        if isinstance(default, float) and isinstance(value, (int, str)) and not isinstance(value, bool):
            value = _coerce(f"{where}.{key}", value, float)
        options[key] = list(value) if isinstance(value, tuple) else value
    return TaskConfig(name=name, options=options)


def load_config(source, overrides=()):
    """A Config from a Config, a dict or a YAML path; `overrides` are 'section.key=value' strings."""
    if isinstance(source, Config):
        source = config_to_dict(source)
    elif not isinstance(source, dict):
        with open(source) as f:
            source = yaml.safe_load(f) or {}
    source = {k: dict(v) if isinstance(v, dict) else v for k, v in source.items()}
    for item in overrides:
        key, _, value = item.partition("=")
        section, _, name = key.partition(".")
        if not name:
            source[section] = yaml.safe_load(value)
        else:
            source.setdefault(section, {})[name] = yaml.safe_load(value)
    check_keys("the config", source, [f.name for f in dataclasses.fields(Config)])
    return Config(seed=_coerce("seed", source.get("seed", 0), int),
                  effector=_section(EffectorConfig, "effector", source.get("effector")),
                  task=_task_section("task", source.get("task")),
                  policy=_section(PolicyConfig, "policy", source.get("policy")),
                  loss=_section(LossConfig, "loss", source.get("loss")),
                  training=_section(TrainingConfig, "training", source.get("training")))


def config_to_dict(config):
    """Plain YAML-able dict; the task's options are written flat next to its name."""
    out = dataclasses.asdict(config)
    out["task"] = {"name": config.task.name, **_plain(config.task.options)}
    return out


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# ---- building -------------------------------------------------------------------------------------

def resolve_device(name="auto"):
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def make_effector(config):
    """The effector an EffectorConfig describes."""
    if config.name not in EFFECTORS:
        raise ConfigError(f"unknown effector {config.name!r}; valid: {sorted(EFFECTORS)}")
    kwargs = dict(timestep=config.timestep, integration_method=config.integration_method,
                  n_ministeps=config.n_ministeps)
    if config.muscle is not None:
        if config.name == "point_mass":
            raise ConfigError(f"effector.muscle: point_mass has ReLU muscles only; remove "
                              f"muscle: {config.muscle!r} or use an arm26 effector")
        if config.muscle not in MUSCLES:
            close = difflib.get_close_matches(config.muscle, list(MUSCLES), n=1)
            raise ConfigError(f"unknown effector.muscle {config.muscle!r}." + (f" Did you mean {close[0]!r}?"
                              if close else "") + f" Valid: {', '.join(MUSCLES)}")
        kwargs["muscle"] = MUSCLES[config.muscle]()
    try:
        return EFFECTORS[config.name](muscle_kwargs=config.muscle_kwargs, **kwargs)
    except (TypeError, ValueError, KeyError) as error:
        raise ConfigError(f"effector.muscle_kwargs: {error}") from None


def build(config, device="cpu", task=None):
    """(task, policy) from a Config: the effector seeded with config.seed, the policy initialised after
    torch.manual_seed(config.seed). `task` overrides config.task (e.g. a test protocol)."""
    task_config = config.task if task is None else task
    effector = make_effector(config.effector).to(device)
    effector._set_generator(config.seed)
    env = make_task(task_config.name, effector, action_noise=config.policy.action_noise, **task_config.options)
    torch.manual_seed(config.seed)
    policy = PolicyGRU(env.observation_space.shape[0], config.policy.hidden_size, effector.n_muscles,
                       device=device, hidden_noise=config.policy.hidden_noise)
    return env, policy


def train_step(runner, optimizer, config):
    """One batch: fused rollout (`motornet.rollout.Rollout`), eq. 1, backward, clip, Adam.
    Returns detached scalar tensors (no host sync)."""
    policy, task = runner.policy, runner.env
    episode = runner(config.training.batch_size)
    terms = eq1_loss(config.loss, episode["fingertip"], task.desired_trajectory[:, 1:], episode["activation"],
                     task.muscle.max_iso_force, episode["hidden"], policy.gru.weight_ih_l0, task.dt)
    optimizer.zero_grad(set_to_none=True)
    terms["loss"].backward()
    clip = config.training.grad_clip_norm
    terms["grad_norm"] = torch.nn.utils.clip_grad_norm_(policy.parameters(), math.inf if not clip else clip)
    optimizer.step()
    return {k: v.detach() for k, v in terms.items()}


# ---- checkpoints and logs -------------------------------------------------------------------------

def _atomic_write(path, write):
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    try:
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def rng_state(task):
    state = {"torch": torch.get_rng_state(), "effector": task.effector.generator.get_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(task, state):
    torch.set_rng_state(state["torch"])
    task.effector.generator.set_state(state["effector"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(path, batch, policy, optimizer, task, config, wall_time):
    state = {"format": 1, "batch": batch, "policy": policy.state_dict(), "optimizer": optimizer.state_dict(),
             "rng": rng_state(task), "config": config_to_dict(config), "wall_time": wall_time}
    _atomic_write(path, lambda f: torch.save(state, f))


def load_checkpoint(path, device="cpu"):
    path = Path(path)
    if path.is_dir():
        path = path / "checkpoint.pt"
    return torch.load(path, map_location=device, weights_only=False)


def _start_log(path, keep_until=None):
    """A fresh log with its header, or the existing one cut after batch `keep_until` (for a resume)."""
    rows = []
    if keep_until is not None and path.exists():
        with open(path, newline="") as f:
            # a run killed while writing may leave a partial last row: keep complete rows only
            rows = [r for r in csv.DictReader(f) if all(r.get(c) for c in LOG_COLUMNS) and r["batch"].isdigit()
                    and int(r["batch"]) <= keep_until]

    def write(f):
        text = f"{','.join(LOG_COLUMNS)}\n" + "".join(
            ",".join(r.get(c, "") for c in LOG_COLUMNS) + "\n" for r in rows)
        f.write(text.encode())
    _atomic_write(path, write)


def _config_differences(old, new):
    old, new = dict(old), dict(new)
    old["training"] = {k: v for k, v in old["training"].items() if k not in _RESUMABLE_CHANGES}
    new["training"] = {k: v for k, v in new["training"].items() if k not in _RESUMABLE_CHANGES}
    diffs = []
    for section in sorted(set(old) | set(new)):
        a, b = old.get(section), new.get(section)
        if isinstance(a, dict) and isinstance(b, dict):
            diffs += [f"{section}.{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        elif a != b:
            diffs.append(f"{section}: {a!r} -> {b!r}")
    return diffs


# ---- the loop -------------------------------------------------------------------------------------

def train(config, run_dir, resume=True, progress=None):
    """Train a policy as `config` says (a Config, dict or YAML path), writing run_dir/{config.yaml,
    checkpoint.pt, log.csv}. Resumes from run_dir/checkpoint.pt when it exists and `resume` is True.
    Raises NonFiniteLossError (keeping the last good checkpoint) if the loss or gradient stops being finite.
    Returns a summary dict: batch, checkpoint, log, and the last logged values."""
    from tqdm import tqdm

    config = load_config(config)
    tc = config.training
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if tc.threads:
        torch.set_num_threads(tc.threads)
    device = resolve_device(tc.device)
    task, policy = build(config, device)
    optimizer = torch.optim.Adam(policy.parameters(), lr=tc.learning_rate)
    checkpoint_path, log_path = run_dir / "checkpoint.pt", run_dir / "log.csv"

    start, wall_offset = 0, 0.
    if resume and checkpoint_path.exists():
        state = load_checkpoint(checkpoint_path, device)
        diffs = _config_differences(state["config"], config_to_dict(config))
        if diffs:
            raise ConfigError(f"{checkpoint_path} was written with another configuration ({'; '.join(diffs)}); "
                              f"use another run directory, or resume=False to start again")
        policy.load_state_dict(state["policy"])
        optimizer.load_state_dict(state["optimizer"])
        set_rng_state(task, state["rng"])
        start, wall_offset = int(state["batch"]), float(state["wall_time"])
        _start_log(log_path, keep_until=start)
    else:
        if tc.init_from:
            parent = load_checkpoint(tc.init_from, device)
            policy.load_state_dict(parent["policy"])
            if tc.init_optimizer:
                optimizer.load_state_dict(parent["optimizer"])
                for group in optimizer.param_groups:
                    group["lr"] = tc.learning_rate
        _write_config(run_dir / "config.yaml", config)
        _start_log(log_path)
    last = {"batch": start, "checkpoint": str(checkpoint_path), "log": str(log_path)}
    if start >= tc.n_batches:
        return last

    policy.train()
    runner = Rollout(task, policy, chunk=tc.chunk, compile=tc.compile,
                     record=("fingertip", "activation", "hidden"))  # what eq1_loss uses
    t0 = time.perf_counter()
    bad = torch.zeros((), dtype=torch.bool, device=device)
    first_bad = torch.zeros((), dtype=torch.long, device=device)
    last_good = start if checkpoint_path.exists() else None
    show = tc.progress if progress is None else progress
    bar = tqdm(range(start + 1, tc.n_batches + 1), initial=start, total=tc.n_batches, disable=not show,
               desc=run_dir.name, file=sys.stderr, dynamic_ncols=True)
    with open(log_path, "a", newline="") as log_file:
        log = csv.writer(log_file)
        for batch in bar:
            terms = train_step(runner, optimizer, config)
            finite = torch.isfinite(terms["loss"]) & torch.isfinite(terms["grad_norm"])
            first_bad = torch.where(finite | bad, first_bad, torch.full_like(first_bad, batch))
            bad = bad | ~finite
            log_now = batch % tc.log_every == 0 or batch == tc.n_batches
            checkpoint_now = batch % tc.checkpoint_every == 0 or batch == tc.n_batches
            if not (log_now or checkpoint_now):
                continue
            wall = wall_offset + time.perf_counter() - t0
            values = {k: float(terms[k]) for k in ("loss",) + TERMS + ("grad_norm",)}
            if log_now or bad.item():
                log.writerow([batch] + [f"{values[k]:.9g}" for k in LOG_COLUMNS[1:-1]] + [f"{wall:.3f}"])
                log_file.flush()
                bar.set_postfix(loss=f"{values['loss']:.4g}", position=f"{values['position']:.4g}")
            if bad.item():
                kept = (f"the last good checkpoint (batch {last_good}) is kept in {checkpoint_path}"
                        if last_good is not None else "no checkpoint had been written yet")
                raise NonFiniteLossError(f"the loss or its gradient became NaN/inf at batch {int(first_bad)} "
                                         f"of {run_dir}; {kept}. Lower training.learning_rate or "
                                         f"training.grad_clip_norm, or check the task")
            if checkpoint_now:
                save_checkpoint(checkpoint_path, batch, policy, optimizer, task, config, wall)
                last_good = batch
            last = {"batch": batch, "checkpoint": str(checkpoint_path), "log": str(log_path), **values,
                    "wall_time": wall}
    bar.close()
    return last


def _write_config(path, config):
    text = yaml.safe_dump(config_to_dict(config), sort_keys=False)
    _atomic_write(path, lambda f: f.write(text.encode()))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m motornet.train", description="Train a policy from a YAML config.")
    parser.add_argument("config", help="YAML config (see motornet/configs/)")
    parser.add_argument("run_dir", help="directory for config.yaml, checkpoint.pt and log.csv")
    parser.add_argument("--fresh", action="store_true", help="start again even if a checkpoint exists")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override a config value (repeatable), e.g. --set training.n_batches=10")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config, args.set)
        summary = train(config, args.run_dir, resume=not args.fresh, progress=False if args.quiet else None)
    except (ConfigError, NonFiniteLossError) as error:
        parser.exit(2, f"error: {error}\n")
    print(f"trained to batch {summary['batch']}: {summary['checkpoint']}")


if __name__ == "__main__":
    main()
