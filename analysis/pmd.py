"""Preferred-movement-direction (PMD) analysis of the GRU's hidden units (paper 4.5.4).

Pipeline: `window_mean_activity` -> `pmd_regression` -> `pmd_counts` (polar
histogram, fig 6c) and `sort_by_pmd` (ridge plot of the normalised betas, fig 6e).
"""

from typing import NamedTuple

import numpy as np

TWO_PI = 2 * np.pi


class PMDResult(NamedTuple):
    beta: np.ndarray  # (n_units, n_directions) |beta| min-max normalised to [0, 1] per unit
    pmd: np.ndarray  # (n_units,) rad in [0, 2 pi); NaN for units with flat |beta|
    angles: np.ndarray  # (n_directions,) rad in [0, 2 pi), sorted; columns of `beta`


def window_mean_activity(hidden, go_step, delay_steps, window_steps):
    """Mean hidden activity in a window opening when the go-cue reaches the network.

    hidden: (n_trials, T, n_units). go_step: int or (n_trials,) ints, step of the
    go-cue. The window covers steps [go_step + delay_steps, go_step + delay_steps
    + window_steps), e.g. delay_steps = 5 (50 ms visual delay) and window_steps = 15
    (150 ms) at dt = 0.01 s. Returns (n_trials, n_units).
    """
    hidden = np.asarray(hidden)
    n_trials, n_steps, _ = hidden.shape
    first = np.broadcast_to(np.asarray(go_step) + delay_steps, (n_trials,))
    steps = first[:, None] + np.arange(window_steps)
    if steps.min() < 0 or steps.max() >= n_steps:
        raise ValueError(f"window steps {steps.min()}..{steps.max()} outside [0, {n_steps})")
    return np.take_along_axis(hidden, steps[:, :, None], axis=1).mean(axis=1)


def go_window_activity(results, window):
    """Window-mean hidden activity (n_trials, n_units) of a test's results (motornet.evaluate's arrays), over
    `window` s from when the go-cue reaches the network (paper 4.5.4), and that step per trial.

    The go-cue reaches the network at the first observation whose go-cue input is 0 (go step + visual
    delay); hidden[:, t] is computed from observation t, so the window opens there."""
    seen = (results["go_cue"][:, :-1] == 0).argmax(axis=1)
    steps = int(round(window / float(results["time"][1] - results["time"][0])))
    return window_mean_activity(results["hidden"], seen, 0, steps), seen


def pmd_regression(activity, angles):
    """Regress each unit's activity on a one-hot design of the reach directions.

    activity: (n_trials, n_units), e.g. from `window_mean_activity`. angles:
    (n_trials,) reach direction of each trial, rad; trials with the same angle
    (mod 2 pi, to 1e-9 rad) share a column of the design matrix, which is the
    diagonal identity when each direction is reached once, in sorted order.

    No intercept column: the one-hot columns already sum to the constant
    regressor, so an intercept would make the design rank-deficient. Each beta
    is thus the unit's mean activity in that direction, baseline included, and
    |beta| ranks directions by the magnitude of activity; a tanh unit strongly
    negative in some direction scores high there too. This is the paper's
    choice (4.5.4: a diagonal design matrix, "the absolute value of the
    resulting regression coefficients"), kept as is.

    Normalisation per unit: (|beta| - min) / (max - min) over directions, so the
    weakest direction is 0 and the PMD (the argmax) is 1. A unit whose |beta| is
    identical in every direction (e.g. silent) gets all zeros and PMD NaN.
    """
    activity = np.asarray(activity, dtype=float)
    wrapped = np.round(np.mod(angles, TWO_PI), 9) % TWO_PI
    directions, column = np.unique(wrapped, return_inverse=True)
    design = np.eye(len(directions))[column]
    beta = np.abs(np.linalg.lstsq(design, activity, rcond=None)[0].T)
    low = beta.min(axis=1, keepdims=True)
    span = beta.max(axis=1, keepdims=True) - low
    flat = span[:, 0] == 0
    normalised = np.divide(beta - low, span, out=np.zeros_like(beta), where=span > 0)
    pmd = np.where(flat, np.nan, directions[normalised.argmax(axis=1)])
    return PMDResult(beta=normalised, pmd=pmd, angles=directions)


def pmd_counts(pmd, angles):
    """Number of units whose PMD is each direction (nearest angle on the circle).

    pmd: (n_units,) rad, NaNs ignored. angles: (n_directions,) rad.
    Returns (n_directions,) int counts.
    """
    pmd = np.asarray(pmd, dtype=float)
    pmd = pmd[np.isfinite(pmd)]
    distance = np.abs(np.angle(np.exp(1j * (pmd[:, None] - np.asarray(angles)[None, :]))))
    return np.bincount(distance.argmin(axis=1), minlength=len(angles))


def sort_by_pmd(beta, pmd):
    """Unit order for the ridge plot of `beta` (fig 6e): by PMD, ties in unit order.

    beta: (n_units, n_directions); pmd: (n_units,) rad, NaNs last.
    Returns (n_units,) indices; `beta[order]` is the ridge.
    """
    pmd = np.asarray(pmd, dtype=float)
    if len(pmd) != np.shape(beta)[0]:
        raise ValueError(f"{len(pmd)} PMDs for {np.shape(beta)[0]} units")
    return np.argsort(pmd, kind="stable")
