"""Figures 2, 3: the model's structure and settings, read from instantiated objects (JSON)."""

import json

from _common import log_to  # first: it puts this checkout's motornet on the path

import motornet as mn
from motornet.train import EffectorConfig, make_effector

log = log_to(snakemake.log[0])
p = snakemake.params
# the arm26 of every trained network (config `arm26`: RigidTendonArm26 with Thelen's muscle, paper 4.1.1)
effector = make_effector(EffectorConfig(**p.effector))
env = mn.environment.RandomTargetReach(
    effector=effector, proprioception_delay=p.proprioception_delay, vision_delay=p.vision_delay
)
policy = mn.policy.PolicyGRU(env.observation_space.shape[0], p.n_hidden, env.n_muscles)
description = {
    "environment": type(env).__name__,
    "environment_bases": [c.__name__ for c in type(env).__mro__[1:3]],
    "effector": type(effector).__name__,
    "skeleton": type(effector.skeleton).__name__,
    "muscle": type(effector.muscle).__name__,
    "geometry": type(effector.geometry).__name__,
    "policy": type(policy).__name__,
    "n_hidden": p.n_hidden,
    "n_muscles": env.n_muscles,
    "observation_dim": int(env.observation_space.shape[0]),
    "dt_ms": 1000 * env.dt,
    "proprioception_delay_ms": 1000 * env.proprioception_delay * env.dt,
    "vision_delay_ms": 1000 * env.vision_delay * env.dt,
    "proprioception_steps": env.proprioception_delay,
    "vision_steps": env.vision_delay,
    "noise": ["action_noise", "proprioception_noise", "vision_noise", "obs_noise", "hidden_noise"],
    "muscle_state": list(effector.muscle.state_name),
}
with open(snakemake.output.json, "w") as f:
    json.dump(description, f, indent=2)
log.info("%s", description)
