"""motornet: a differentiable musculoskeletal simulator for training neural-network policies.

Five concepts, one module each: skeleton, muscle, effector (with geometry), environment, policy.
"""
from . import skeleton, muscle, geometry, effector, environment, policy, plotor

__version__ = "0.1.0"
__all__ = ["skeleton", "muscle", "geometry", "effector", "environment", "policy", "plotor"]
