"""motornet: a differentiable musculoskeletal simulator for training neural-network policies.

Five concepts, one module each: skeleton, muscle, effector (with geometry), environment, policy;
`compiled` runs their per-step functions through torch.compile when it pays. Around them, imported on
first use (`mn.train`, ...): tasks (the paper's tasks), loss (eq. 1), rollout (a whole episode through one
pure step), ensemble (several networks as one batched model), config (the training config and its checker),
runs (checkpoints, run identity and status), train (the training loop) and evaluate (test protocols).
"""

import importlib

from . import compiled, effector, environment, geometry, muscle, plotor, policy, skeleton

__version__ = "0.2.0"
_ON_FIRST_USE = ("tasks", "loss", "rollout", "ensemble", "config", "runs", "train", "evaluate")
__all__ = ["skeleton", "muscle", "geometry", "effector", "environment", "policy", "plotor", "compiled", *_ON_FIRST_USE]


def __getattr__(name):
    # on first use, not at import: `python -m motornet.train` must not find the module already imported
    if name in _ON_FIRST_USE:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
