"""Configuration: the schema of a training config, its YAML reader and checker, and building what it describes.

A config has six sections (see motornet/configs/*.yaml): `seed`, `effector`, `task`, `policy`, `loss`,
`training`, each a dataclass here (`Config` holds them). `load_config` reads one from a dict or a YAML file,
with 'section.key=value' overrides, and checks every value (type and range) before any work starts: an
unknown key is an error naming the closest valid key (ConfigError). `check_config` also builds the
effector, task and policy (`build`), so that a value only they can judge fails early too.
motornet.train and motornet.evaluate read their configs here.
"""

import dataclasses
import difflib
import math
import types
import typing
from collections.abc import Sequence
from pathlib import Path

import torch
import yaml

from .effector import Effector, GeometricArm26, ReluPointMass24, RigidTendonArm26
from .loss import LossConfig
from .muscle import MUSCLES
from .policy import PolicyGRU
from .tasks import TASKS, make_task, task_parameters

EFFECTORS = {"arm26": RigidTendonArm26, "arm26_geometric": GeometricArm26, "point_mass": ReluPointMass24}


class ConfigError(ValueError):
    """A configuration with an unknown key, a value of the wrong type or out of range, or a missing or
    unreadable config file."""


# ---- the schema -----------------------------------------------------------------------------------


@dataclasses.dataclass
class EffectorConfig:
    """`name`: arm26 (RigidTendonArm26), arm26_geometric (GeometricArm26) or point_mass (ReluPointMass24);
    `muscle`: a key of motornet.muscle.MUSCLES (arm26 only; None: the effector's default muscle);
    `muscle_kwargs`: extra muscle build parameters, each a scalar or one value per muscle."""

    name: str = "arm26"
    muscle: str | None = None
    muscle_kwargs: dict = dataclasses.field(default_factory=dict)
    timestep: float = 0.01
    integration_method: str = "euler"
    n_ministeps: int = 1


@dataclasses.dataclass
class TaskConfig:
    """`name`: a key of motornet.tasks.TASKS, or "module:Class" for your own task (motornet.tasks.task_class);
    `options`: that task's keyword arguments (written flat in YAML, next to `name`)."""

    name: str = "random_reach"
    options: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class PolicyConfig:
    """GRU size; sigma_u (`action_noise`, on the excitation) and sigma_h (`hidden_noise`, on the hidden
    state while training) are standard deviations."""

    hidden_size: int = 50
    action_noise: float = 0.0
    hidden_noise: float = 0.0


@dataclasses.dataclass
class TrainingConfig:
    """Adam with gradient-norm clipping (`grad_clip_norm`, None: no clipping). `device`: auto (CUDA when
    present), cpu, cuda, cuda:1...; `threads`: torch CPU threads (None: torch's default);
    `init_from`: a checkpoint (or run directory) whose policy weights start a fresh run, with its Adam state
    (moments, step count) when `init_optimizer` (the paper's "resumed" adaptation, 4.2; the learning rate is
    this config's); `compile` (motornet.rollout.Rollout): false, eager; true, `chunk` unrolled steps per
    torch.compile'd call (the fastest batches; compiling takes minutes per model, ~13 min for arm26 on 2 cores
    with empty caches); "step", one step per compiled call (~1 min to compile, 1.1-1.7x the time per batch);
    each is a distinct identity, as their results differ in float32 rounding;
    `snapshots`: batches at which the policy's weights are kept in run_dir/snapshots/ (save_snapshot), to
    analyse a run along its training; they do not change its result, so they are not part of its identity."""

    n_batches: int = 7680
    batch_size: int = 64
    learning_rate: float = 1e-3
    grad_clip_norm: float | None = 1.0
    log_every: int = 10
    checkpoint_every: int = 100
    device: str = "auto"
    threads: int | None = None
    compile: bool | str = False
    chunk: int = 10
    init_from: str | None = None
    init_optimizer: bool = True
    progress: bool = True
    snapshots: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Config:
    seed: int = 0
    effector: EffectorConfig = dataclasses.field(default_factory=EffectorConfig)
    task: TaskConfig = dataclasses.field(default_factory=TaskConfig)
    policy: PolicyConfig = dataclasses.field(default_factory=PolicyConfig)
    loss: LossConfig = dataclasses.field(default_factory=LossConfig)
    training: TrainingConfig = dataclasses.field(default_factory=TrainingConfig)


# ---- reading and checking -------------------------------------------------------------------------


def check_keys(where: str, given: dict, valid: Sequence[str]) -> None:
    """ConfigError naming the first key of `given` not in `valid`, its closest match and the valid keys."""
    for key in given:
        if key not in valid:
            close = difflib.get_close_matches(str(key), [str(v) for v in valid], n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"unknown key {key!r} in {where}.{hint} Valid keys: {', '.join(sorted(valid))}")


def coerce(where: str, value, kind):
    """`value` as a field of type `kind` (float, int, bool, str, dict, list, or one of them or None), else
    ConfigError naming `where`: YAML reads 1e-3 as a string and 100 as an int where a float is meant."""
    union = typing.get_origin(kind) in (typing.Union, types.UnionType)
    optional = union and type(None) in typing.get_args(kind)
    if value is None and optional:
        return None
    kinds = [a for a in typing.get_args(kind) if a is not type(None)] if union else [kind]
    if len(kinds) > 1:  # a union of types: the first that takes the value
        for one in kinds:
            try:
                return coerce(where, value, one)
            except ConfigError:
                pass
        names = " or ".join(k.__name__ for k in kinds)
        raise ConfigError(f"{where} must be {'None or ' if optional else ''}{names}, got {value!r}")
    kind = kinds[0]
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
        if kind is list and isinstance(value, (list, tuple)):
            return list(value)
    except (TypeError, ValueError, OverflowError):
        pass
    raise ConfigError(
        f"{where} must be {'None or ' if optional else ''}{getattr(kind, '__name__', kind)}, got {value!r}"
    )


def _section(cls, where, values):
    values = dict(values or {})
    fields = {f.name: f for f in dataclasses.fields(cls)}
    check_keys(where, values, fields)
    try:
        return cls(**{k: coerce(f"{where}.{k}", v, fields[k].type) for k, v in values.items()})
    except ConfigError:
        raise
    except ValueError as error:  # the section's own checks (__post_init__)
        raise ConfigError(str(error)) from None


def parse_task(where: str, values: dict | None) -> TaskConfig:
    """The TaskConfig of a task section: `name` and the task's options written flat next to it (or under
    `options`, as config_to_dict writes it); ConfigError naming `where` for an unknown task or option."""
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
            value = coerce(f"{where}.{key}", value, float)
        options[key] = list(value) if isinstance(value, tuple) else value
    return TaskConfig(name=name, options=options)


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml's safe loader, refusing a mapping that holds a key twice (plain YAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor`: keys written next to it override it
                continue
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise ConfigError(
                    f"key {key!r} is given twice, at lines {seen[key] + 1} and {key_node.start_mark.line + 1}; keep one"
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


def read_yaml(path: str | Path, what: str = "config") -> dict:
    """The mapping in a YAML file; ConfigError naming the file for a missing file, bad YAML, a key given
    twice, bytes that are not UTF-8 or a non-mapping."""
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.load(f, Loader=_UniqueKeyLoader)
    except FileNotFoundError:
        raise ConfigError(f"{what} file {path} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"{what} file {path} is a directory; give the YAML file") from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{what} file {path} is not UTF-8 text (byte {error.object[error.start]:#04x} at offset "
            f"{error.start}); save it as UTF-8"
        ) from None
    except ConfigError as error:
        raise ConfigError(f"{what} file {path}: {error}") from None
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" at line {where.line + 1}" if where else ""
        raise ConfigError(f"{what} file {path} is not valid YAML{line}: {getattr(error, 'problem', error)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{what} file {path} must hold a mapping of sections, got a {type(data).__name__}")
    return data


def load_config(source: Config | dict | str | Path, overrides: Sequence[str] = ()) -> Config:
    """A Config from a Config, a dict or a YAML path; `overrides` are 'section.key=value' strings.
    Every value is checked (type and range) here, before any work starts."""
    if isinstance(source, Config):
        source = config_to_dict(source)
    elif not isinstance(source, dict):
        try:
            return load_config(read_yaml(source), overrides)
        except ConfigError as error:
            message = str(error)
            raise ConfigError(message if str(source) in message else f"{source}: {message}") from None
    source = {k: dict(v) if isinstance(v, dict) else v for k, v in source.items()}
    for item in overrides:
        key, sep, value = item.partition("=")
        section, _, name = key.partition(".")
        if not sep or not section:
            raise ConfigError(f"override {item!r} must read SECTION.KEY=VALUE, e.g. training.n_batches=10")
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError:
            raise ConfigError(f"override {item!r}: the value is not valid YAML; quote it") from None
        if not name:
            source[section] = value
        else:
            if not isinstance(source.get(section) or {}, dict):
                raise ConfigError(f"override {item!r}: {section!r} is not a section")
            source[section] = {**(source.get(section) or {}), name: value}
    check_keys("the config", source, [f.name for f in dataclasses.fields(Config)])
    for key, value in source.items():
        if key != "seed" and value is not None and not isinstance(value, dict):
            raise ConfigError(f"config section {key!r} must be a mapping of keys, got {value!r}")
    config = Config(
        seed=coerce("seed", source.get("seed", 0), int),
        effector=_section(EffectorConfig, "effector", source.get("effector")),
        task=parse_task("task", source.get("task")),
        policy=_section(PolicyConfig, "policy", source.get("policy")),
        loss=_section(LossConfig, "loss", source.get("loss")),
        training=_section(TrainingConfig, "training", source.get("training")),
    )
    if not 0 <= config.seed < 2**63:
        raise ConfigError(f"seed must be an integer from 0 to 2**63 - 1, got {source.get('seed')!r}")
    _check_values(config)
    return config


# Settings that must be >= 1 (counts) or > 0 (sizes); every other number must be finite and >= 0.
_AT_LEAST_ONE = (
    "effector.n_ministeps",
    "policy.hidden_size",
    "training.n_batches",
    "training.batch_size",
    "training.log_every",
    "training.checkpoint_every",
    "training.threads",
    "training.chunk",
)
_POSITIVE = ("effector.timestep", "training.learning_rate", "training.grad_clip_norm")


def _check_values(config):
    """ConfigError for a number no run can use, naming the key, the value and the allowed range."""
    for section in ("effector", "policy", "loss", "training"):
        for key, value in dataclasses.asdict(getattr(config, section)).items():
            name = f"{section}.{key}"
            if value is None or isinstance(value, (bool, str)) or not isinstance(value, (int, float)):
                continue
            if name in _AT_LEAST_ONE and value < 1:
                raise ConfigError(f"{name} must be at least 1, got {value!r}")
            if not math.isfinite(value):
                raise ConfigError(f"{name} must be a finite number, got {value!r}")
            if name in _POSITIVE and value <= 0:
                raise ConfigError(f"{name} must be greater than 0, got {value!r}")
            if value < 0:
                raise ConfigError(f"{name} must be 0 or more, got {value!r}")
    snapshots = config.training.snapshots = [
        int(b) if isinstance(b, float) and b.is_integer() else b for b in config.training.snapshots
    ]
    if (
        not all(
            isinstance(b, int) and not isinstance(b, bool) and 1 <= b <= config.training.n_batches for b in snapshots
        )
        or sorted(set(snapshots)) != snapshots
    ):
        raise ConfigError(
            f"training.snapshots must list increasing batch numbers from 1 to training.n_batches "
            f"({config.training.n_batches}), got {snapshots!r}"
        )
    if config.training.compile not in (False, True, "step"):
        raise ConfigError(f"training.compile must be false, true or step, got {config.training.compile!r}")
    if config.effector.name not in EFFECTORS:
        close = difflib.get_close_matches(config.effector.name, list(EFFECTORS), n=1)
        raise ConfigError(
            f"effector.name {config.effector.name!r} is not an effector; valid: {', '.join(EFFECTORS)}."
            + (f" Did you mean {close[0]!r}?" if close else "")
        )
    if config.training.device != "auto":
        try:
            torch.device(config.training.device)
        except RuntimeError:
            raise ConfigError(
                f"training.device must be auto, cpu, cuda or cuda:N, got {config.training.device!r}"
            ) from None
    check_task(config.task)


def check_task(task_config: TaskConfig) -> None:
    """ConfigError for task options no episode can use (training and test configs alike): numbers that are not
    finite, target or direction counts below 1, a go-cue at or after the episode's end."""
    for key, value in task_config.options.items():
        if not all(math.isfinite(v) for v in _numbers(value)):
            raise ConfigError(f"task.{key} must hold finite numbers, got {value!r}")
    task = {**task_parameters(task_config.name), **task_config.options}
    for key in ("n_targets", "n_directions"):
        if key in task and not (isinstance(task[key], int) and task[key] >= 1):
            raise ConfigError(f"task.{key} must be an integer of at least 1, got {task[key]!r}")
    if task.get("go_cue_time") is not None and task["go_cue_time"] >= task["max_ep_duration"]:
        raise ConfigError(
            f"task.go_cue_time must be shorter than task.max_ep_duration ({task['max_ep_duration']} s), "
            f"got {task['go_cue_time']}: the go-cue would never come"
        )


def _numbers(value):
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in _numbers(v)]
    return [value] if isinstance(value, (int, float)) and not isinstance(value, bool) else []


def check_config(source: Config | dict | str | Path) -> Config:
    """load_config, then build the effector, task and policy on the CPU, so that a value only they can
    judge (e.g. a delay that is not a multiple of the timestep) fails before any work. Returns the Config."""
    config = load_config(source)
    build(config)
    return config


def config_to_dict(config: Config) -> dict:
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


def resolve_device(name: str = "auto") -> str:
    """torch.device for a config's device name (auto: CUDA when present); ConfigError for CUDA without one."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"device must be auto, cpu, cuda or cuda:N, got {name!r}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {name!r} asked for, but torch sees no CUDA device; use auto or cpu")
    return device


def make_effector(config: Config) -> Effector:
    """The effector an EffectorConfig describes."""
    if config.name not in EFFECTORS:
        raise ConfigError(f"unknown effector {config.name!r}; valid: {sorted(EFFECTORS)}")
    kwargs = dict(
        timestep=config.timestep, integration_method=config.integration_method, n_ministeps=config.n_ministeps
    )
    if config.muscle is not None:
        if config.name == "point_mass":
            raise ConfigError(
                f"effector.muscle: point_mass has ReLU muscles only; remove "
                f"muscle: {config.muscle!r} or use an arm26 effector"
            )
        if config.muscle not in MUSCLES:
            close = difflib.get_close_matches(config.muscle, list(MUSCLES), n=1)
            raise ConfigError(
                f"unknown effector.muscle {config.muscle!r}."
                + (f" Did you mean {close[0]!r}?" if close else "")
                + f" Valid: {', '.join(MUSCLES)}"
            )
        kwargs["muscle"] = MUSCLES[config.muscle]()
    try:
        return EFFECTORS[config.name](muscle_kwargs=config.muscle_kwargs, **kwargs)
    except (TypeError, ValueError, KeyError) as error:  # the effector's and muscles' own checks
        raise ConfigError(f"effector: {error}") from None


def build(config: Config, device: str = "cpu", task: TaskConfig | None = None) -> tuple:
    """(task, policy) from a Config: the effector seeded with config.seed, the policy initialised after
    torch.manual_seed(config.seed). `task` overrides config.task (e.g. a test protocol)."""
    task_config = config.task if task is None else task
    effector = make_effector(config.effector).to(device)
    effector._set_generator(config.seed)
    try:
        env = make_task(task_config.name, effector, action_noise=config.policy.action_noise, **task_config.options)
    except ValueError as error:  # the task's own range checks
        raise ConfigError(f"task {task_config.name}: {error}") from None
    torch.manual_seed(config.seed)
    policy = PolicyGRU(
        env.observation_space.shape[0],
        config.policy.hidden_size,
        effector.n_muscles,
        device=device,
        hidden_noise=config.policy.hidden_noise,
    )
    return env, policy
