"""Test runner: roll a trained policy through a test protocol, without gradients, and save every state.

    python -m motornet.evaluate RUN_DIR TEST_CONFIG.yaml OUT   ->  OUT.npz + OUT.json

A test config names a task as the training config does, and how to run it:

    task: {name: centre_out, n_targets: 8, radius: 0.1, go_cue_time: 0.1, curl_gain: 8.}
    seed: 0             # the effector's generator (random trials and noise)
    batch_size: null    # default: one trial per condition of the task
    deterministic: true # no sensory, action or hidden noise

The effector and policy are rebuilt from RUN_DIR/config.yaml and RUN_DIR/checkpoint.pt, which must
come from the same run (the checkpoint records its settings' hash; RunMismatchError otherwise). The arrays
(`evaluate`) are batch first; "time" axes have T + 1 entries (the state at reset, then after each step),
"step" axes T entries (what is computed from observation t and applied during step t -> t + 1).
"""

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np
import torch

from .config import (
    Config,
    ConfigError,
    TaskConfig,
    build,
    check_keys,
    check_task,
    coerce,
    load_config,
    parse_task,
    read_yaml,
    resolve_device,
)
from .policy import PolicyGRU
from .runs import (
    CheckpointError,
    RunError,
    RunMismatchError,
    atomic_write,
    check_identity,
    config_hash,
    load_checkpoint,
)
from .tasks import ReachTask

# name: (axes, units); muscle/geometry rows are named in the metadata.
ARRAYS = {
    "time": ("time", "s"),
    "joint": ("trial, time, [positions, velocities]", "rad, rad/s (arm) or m, m/s (point mass)"),
    "cartesian": ("trial, time, [x, y, vx, vy]", "m, m/s"),
    "fingertip": ("trial, time, [x, y]", "m"),
    "muscle": ("trial, time, muscle state row, muscle", "see muscle_state_names"),
    "geometry": ("trial, time, geometry row, muscle", "see geometry_names"),
    "desired": ("trial, time, [x, y]", "m"),
    "go_cue": ("trial, time", "1 before the network sees the go-cue, 0 after"),
    "observation": ("trial, time, input", "see observation_layout"),
    "action": ("trial, step, muscle", "excitation in [0, 1]"),
    "noisy_action": ("trial, step, muscle", "excitation reaching the muscles"),
    "hidden": ("trial, step, unit", "GRU hidden state after observation t"),
    "endpoint_load": ("trial, step, [x, y]", "N (pulse + curl field)"),
}


class RunUnfinishedError(RunMismatchError):
    """The checkpoint asked for belongs to a run that has not reached its training.n_batches."""


@dataclasses.dataclass
class TestConfig:
    task: TaskConfig
    seed: int = 0
    batch_size: int | None = None
    deterministic: bool = True


def load_test_config(source: dict | str | Path) -> TestConfig:
    """A TestConfig from a dict or a YAML path; unknown keys are errors."""
    if not isinstance(source, dict):
        try:
            return load_test_config(read_yaml(source, "test config"))
        except ConfigError as error:
            message = str(error)
            raise ConfigError(message if str(source) in message else f"{source}: {message}") from None
    fields = {f.name: f for f in dataclasses.fields(TestConfig)}
    check_keys("the test config", source, fields)
    if "task" not in source:
        raise ConfigError("a test config needs a 'task' section")
    test = TestConfig(
        task=parse_task("task", source["task"]),
        **{k: coerce(k, v, fields[k].type) for k, v in source.items() if k != "task"},
    )
    if test.batch_size is not None and test.batch_size < 1:
        raise ConfigError(f"batch_size must be at least 1 (or null: one trial per condition), got {test.batch_size}")
    check_task(test.task)  # the training configs' checker
    return test


@torch.no_grad()
def evaluate(
    policy: PolicyGRU, task: ReachTask, batch_size: int | None = None, seed: int = 0, deterministic: bool = True
) -> dict[str, np.ndarray]:
    """Roll `policy` through `task` once (reset with `seed`); returns a dict of numpy arrays (ARRAYS, plus
    the trial schedule as trial_*). The policy's train/eval mode and the effector's generator are
    restored afterwards."""
    was_training = policy.training
    generator_state = task.effector.generator.get_state()
    policy.train(not deterministic)  # hidden noise only while training
    try:
        obs, info = task.reset(seed=seed, options={"batch_size": batch_size, "deterministic": deterministic})
        h = policy.init_hidden(obs.shape[0])
        time_series = {
            k: [] for k in ("joint", "cartesian", "fingertip", "muscle", "geometry", "desired", "go_cue", "observation")
        }
        step_series = {k: [] for k in ("action", "noisy_action", "hidden", "endpoint_load")}

        def record(obs, info):
            for key in ("joint", "cartesian", "fingertip", "muscle", "geometry"):
                time_series[key].append(info["states"][key])
            time_series["desired"].append(info["desired"])
            time_series["go_cue"].append(info["go_cue"][:, 0])
            time_series["observation"].append(obs)

        record(obs, info)
        for _ in range(task.n_steps):
            action, h = policy(obs, h)
            obs, _, _, _, info = task.step(action, deterministic=deterministic)
            step_series["action"].append(action)
            step_series["noisy_action"].append(info["noisy action"])
            step_series["hidden"].append(h[0])
            step_series["endpoint_load"].append(info["endpoint_load"])
            record(obs, info)
        out = {k: torch.stack(v, dim=1).cpu().numpy() for k, v in {**time_series, **step_series}.items()}
        out["time"] = np.arange(task.n_steps + 1) * task.dt
        out.update(task.trials.numpy())
        return out
    finally:
        policy.train(was_training)
        task.effector.generator.set_state(generator_state)


def metadata(task: ReachTask, policy: PolicyGRU, results: dict[str, np.ndarray], **extra) -> dict:
    """JSON-able description of `evaluate`'s results: axes, units, names, the task's configuration."""
    dof = task.effector.dof
    n_in = task.observation_space.shape[0]
    m = task.n_muscles
    layout = {
        "target": [0, 2],
        "vision": [2, 4],
        "proprioception_length": [4, 4 + m],
        "proprioception_velocity": [4 + m, 4 + 2 * m],
        "start": [n_in - 3, n_in - 1],
        "go_cue": [n_in - 1, n_in],
    }
    arrays = {
        k: {"shape": list(v.shape), "axes": ARRAYS.get(k, ("trial", ""))[0], "units": ARRAYS.get(k, ("", ""))[1]}
        for k, v in results.items()
    }
    return {
        "dt": task.dt,
        "n_steps": task.n_steps,
        "batch_size": int(results["joint"].shape[0]),
        "muscle_names": list(task.effector.muscle_name),
        "muscle_state_names": list(task.muscle.state_name),
        "geometry_names": ["musculotendon length", "musculotendon velocity"]
        + [f"moment arm dof {i + 1}" for i in range(dof)],
        "observation_layout": layout,
        "hidden_size": policy.hidden_dim,
        "arrays": arrays,
        "task": task.get_save_config(),
        **extra,
    }


def save_results(out: str | Path, results: dict[str, np.ndarray], meta: dict) -> tuple[Path, Path]:
    """Write OUT.npz (the arrays) and OUT.json (the metadata), each through a temporary file and a rename
    (a full disk or a kill leaves the previous files whole); returns the two paths."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    npz, js = out.with_name(out.name + ".npz"), out.with_name(out.name + ".json")
    atomic_write(npz, lambda f: np.savez_compressed(f, **results))
    atomic_write(js, lambda f: f.write(json.dumps(meta, indent=1, default=str).encode()))
    return npz, js


def load_policy(
    run_dir: str | Path,
    task_config: TaskConfig | None = None,
    device: str = "cpu",
    checkpoint: str | Path | None = None,
    allow_unfinished: bool = False,
) -> tuple[ReachTask, PolicyGRU, Config]:
    """(task, policy, config) from a run directory: its config.yaml, its checkpoint's weights (or those of
    `checkpoint`, e.g. one of its snapshots), and the run's task or `task_config` (a TaskConfig) on the
    run's effector. RunMismatchError if the checkpoint was written with other settings than config.yaml's,
    or is the checkpoint of an unfinished run (batch < training.n_batches) and not `allow_unfinished`;
    CheckpointError if there is none. The checkpoint's state is `policy.checkpoint`: its batch, kind and
    config hash."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ConfigError(f"run directory {run_dir} does not exist")
    config = load_config(run_dir / "config.yaml")
    path = checkpoint or run_dir / "checkpoint.pt"
    state = load_checkpoint(path, device)
    check_identity(state, config, path)
    kind = state.get("kind", "checkpoint")
    if kind == "checkpoint" and int(state["batch"]) < config.training.n_batches and not allow_unfinished:
        raise RunUnfinishedError(
            f"{path} is at batch {state['batch']} of training.n_batches = "
            f"{config.training.n_batches}: the run is unfinished; let it finish, or evaluate it "
            f"as it is with --allow-unfinished (allow_unfinished=True: the results are marked)"
        )
    task, policy = build(config, device, task=task_config)
    try:
        policy.load_state_dict(state["policy"])
    except RuntimeError as error:
        raise CheckpointError(
            f"{path} holds a policy of another shape than {run_dir / 'config.yaml'} builds "
            f"({str(error).splitlines()[-1].strip()})"
        ) from None
    policy.checkpoint = {
        "path": str(path),
        "kind": kind,
        "batch": int(state["batch"]),
        "unfinished": int(state["batch"]) < config.training.n_batches,
        "config_sha256": state.get("config_sha256") or config_hash(state["config"]),
    }
    return task, policy, config


def run_test(
    run_dir: str | Path,
    test_config: TestConfig | dict | str | Path,
    out: str | Path,
    device: str = "auto",
    checkpoint: str | Path | None = None,
    allow_unfinished: bool = False,
) -> tuple[Path, Path]:
    """Evaluate a run (or, with `checkpoint`, one of its snapshots) on a test protocol (TestConfig, dict or
    YAML path) and save OUT.npz / OUT.json; the metadata say which checkpoint, at which batch, was run."""
    test = test_config if isinstance(test_config, TestConfig) else load_test_config(test_config)
    task, policy, config = load_policy(run_dir, test.task, resolve_device(device), checkpoint, allow_unfinished)
    results = evaluate(policy, task, test.batch_size, test.seed, test.deterministic)
    meta = metadata(
        task,
        policy,
        results,
        run_dir=str(run_dir),
        seed=test.seed,
        deterministic=test.deterministic,
        checkpoint=policy.checkpoint,
        test_task={"name": test.task.name, **test.task.options},
        run_config=json.loads(json.dumps(dataclasses.asdict(config), default=str)),
    )
    return save_results(out, results, meta)


def main(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(
        prog="python -m motornet.evaluate", description="Run a trained policy through a test protocol."
    )
    parser.add_argument("run_dir")
    parser.add_argument("test_config", help="YAML test protocol (see motornet/configs/test_*.yaml)")
    parser.add_argument("out", help="output prefix: writes OUT.npz and OUT.json")
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--checkpoint",
        default=None,
        help="another checkpoint than RUN_DIR/checkpoint.pt, e.g. RUN_DIR/snapshots/batch001500.pt",
    )
    parser.add_argument(
        "--allow-unfinished", action="store_true", help="evaluate an unfinished run's checkpoint (the metadata mark it)"
    )
    args = parser.parse_args(argv)
    try:
        paths = run_test(args.run_dir, args.test_config, args.out, args.device, args.checkpoint, args.allow_unfinished)
    except (ConfigError, RunError) as error:
        parser.exit(2, f"error: {error}\n")
    except OSError as error:
        parser.exit(2, f"error: {error.filename or args.out}: {error.strerror}\n")
    except KeyboardInterrupt:
        parser.exit(130, "interrupted: nothing was written\n")
    print(f"wrote {paths[0]} and {paths[1]}")


if __name__ == "__main__":
    main()
