"""Reach metrics on endpoint trajectories.

Shapes: xy (n_trials, T, 2) endpoint positions, m; start and target
(n_trials, 2), m. Every function returns one value per trial, (n_trials,).
"""

import numpy as np


def endpoint_error(xy, target, last_steps=1):
    """Distance to the target (m), averaged over the last `last_steps` steps."""
    xy = np.asarray(xy, dtype=float)
    distance = np.linalg.norm(xy[:, -last_steps:] - np.asarray(target)[:, None], axis=-1)
    return distance.mean(axis=1)


def return_error(xy, start, last_steps=1):
    """Postural trials: distance from the start (m) over the last `last_steps` steps."""
    return endpoint_error(xy, start, last_steps)


def path_straightness(xy, start, target, radius=None):
    """Path length of xy until it first comes within `radius` (m) of the target, divided by the
    straight distance from the start to that circle, |target - start| - radius.

    1 for a straight reach; > 1 for a curved one. With radius None (or for a reach that never comes
    within it) the whole path counts, so what the hand does once on the target adds to the length.
    """
    xy = np.asarray(xy, dtype=float)
    target = np.asarray(target, dtype=float)
    step = np.linalg.norm(np.diff(xy, axis=1), axis=-1)
    radius = radius or 0.0
    inside = (np.linalg.norm(xy - target[:, None], axis=-1) <= radius) & (radius > 0)
    arrival = np.where(inside.any(axis=1), inside.argmax(axis=1), xy.shape[1] - 1)
    path = np.where(np.arange(step.shape[1]) < arrival[:, None], step, 0.0).sum(axis=1)
    return path / (np.linalg.norm(target - np.asarray(start), axis=-1) - radius)


def max_lateral_deviation(xy, start, target):
    """Signed largest perpendicular distance (m) from the start->target line.

    Positive to the left of the reach direction (the reach direction rotated
    90 deg counter-clockwise), negative to the right. The sign is that of the
    sample with the largest absolute deviation.
    """
    start = np.asarray(start, dtype=float)
    direction = np.asarray(target, dtype=float) - start
    direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
    left = np.stack([-direction[:, 1], direction[:, 0]], axis=-1)
    lateral = np.einsum("ntk,nk->nt", np.asarray(xy, dtype=float) - start[:, None], left)
    return np.take_along_axis(lateral, np.abs(lateral).argmax(axis=1)[:, None], axis=1)[:, 0]


def time_to_target(xy, target, radius, dt):
    """Time (s) of the first step within `radius` (m) of the target; NaN if never.

    Time 0 is xy[:, 0]: slice xy from the go-cue to time the reach from it.
    """
    inside = np.linalg.norm(np.asarray(xy) - np.asarray(target)[:, None], axis=-1) <= radius
    return np.where(inside.any(axis=1), inside.argmax(axis=1) * dt, np.nan)


def max_distance(xy, reference):
    """Largest distance (m) of xy from a reference point (n_trials, 2) or trajectory (n_trials, T, 2).

    With the unperturbed reach as reference: the perturbation-induced deviation; with the start: the
    largest excursion of a postural trial.
    """
    reference = np.asarray(reference, dtype=float)
    if reference.ndim == 2:
        reference = reference[:, None]
    return np.linalg.norm(np.asarray(xy, dtype=float) - reference, axis=-1).max(axis=1)
