"""motornet: a differentiable musculoskeletal simulator for training neural-network policies.

Five concepts, one module each: skeleton, muscle, effector (with geometry), environment, policy;
`compiled` runs their per-step functions through torch.compile when it pays.
"""
from . import skeleton, muscle, geometry, effector, environment, policy, plotor, compiled

__version__ = "0.1.0"
__all__ = ["skeleton", "muscle", "geometry", "effector", "environment", "policy", "plotor", "compiled"]
