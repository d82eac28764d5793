"""Trial-last layout of the effector's physics.

The public API is batch first: a joint state is (B, 2 dof), a muscle state (B, n_states, M). The
physics computes with the trials as the last, contiguous dimension instead (joint (2 dof, B), muscle
state (n_states, M, B), geometry (2 + dof, M, B), excitation (M, B), cartesian (4, B)): compiled, a
fused loop then runs its vector lanes along the trials rather than along 2 coordinates or 6 muscles.
Batch-first methods move the first dimension last on the way in and back on the way out.
"""


def trials_last(x):
    """(B, ...) -> (..., B); None and 0-d tensors (scalars broadcast) pass through."""
    return x if x is None or x.ndim == 0 else x.movedim(0, -1)


def trials_first(x):
    """(..., B) -> (B, ...); None and 0-d tensors pass through."""
    return x if x is None or x.ndim == 0 else x.movedim(-1, 0)
