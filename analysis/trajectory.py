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


def path_straightness(xy, start, target):
    """Path length of xy divided by the straight start->target distance.

    1 for a straight reach that ends on the target; > 1 for curved paths (it can
    fall below 1 only if the reach stops short of the target).
    """
    path = np.linalg.norm(np.diff(np.asarray(xy, dtype=float), axis=1), axis=-1).sum(axis=1)
    return path / np.linalg.norm(np.asarray(target) - np.asarray(start), axis=-1)


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
