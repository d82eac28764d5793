"""Circular and axial statistics for PMD distributions (bimodality, fig 6c).

Every function takes either individual angles (weights=None) or histogram bins
with `weights` = counts per bin, which may be non-integer (counts averaged over
networks); n is then the sum of the weights.
"""

from typing import NamedTuple

import numpy as np

TWO_PI = 2 * np.pi


class Rayleigh(NamedTuple):
    R: float  # mean resultant length in [0, 1]
    z: float  # Rayleigh's z = n R^2
    p: float  # P(z >= observed) under the uniform null


class Axial(NamedTuple):
    R: float  # mean resultant length of the doubled angles, in [0, 1]
    axis: float  # mean axis, rad in [0, pi)
    opposite: float  # axis + pi, rad
    z: float  # Rayleigh's z of the doubled angles
    p: float  # Rayleigh p of the doubled angles


def _resultant(theta, weights):
    theta = np.asarray(theta, dtype=float)
    weights = np.ones_like(theta) if weights is None else np.asarray(weights, dtype=float)
    n = weights.sum()
    return n, np.sum(weights * np.exp(1j * theta)) / n


def rayleigh_test(theta, weights=None):
    """Rayleigh test of uniformity against a unimodal alternative.

    theta: (n,) rad; weights: optional (n,) counts. p from Zar (Biostatistical
    Analysis, eq. 27.4): p = exp(sqrt(1 + 4n + 4(n^2 - (nR)^2)) - (1 + 2n)),
    accurate to about 3 decimals for n >= 10; clipped to [0, 1].
    """
    n, mean = _resultant(theta, weights)
    R = np.abs(mean)
    p = np.exp(np.sqrt(1 + 4 * n + 4 * (n**2 - (n * R) ** 2)) - (1 + 2 * n))
    return Rayleigh(R=float(R), z=float(n * R**2), p=float(np.clip(p, 0.0, 1.0)))


def axial_statistics(theta, weights=None):
    """Axial (bimodal, opposite-modes) statistics from the doubled angles.

    theta: (n,) rad; weights: optional (n,) counts. A distribution with two
    opposite modes (e.g. 135 and 315 deg) has a long resultant once angles are
    doubled; its mean axis is half the doubled mean angle.
    """
    doubled = 2 * np.asarray(theta, dtype=float)
    test = rayleigh_test(doubled, weights)
    axis = np.mod(np.angle(_resultant(doubled, weights)[1]) / 2, np.pi)
    return Axial(R=test.R, axis=float(axis), opposite=float(axis + np.pi), z=test.z, p=test.p)


def mode_locations(counts, angles, n_modes=2, smoothing=np.pi / 12, min_separation=np.pi / 2):
    """Peaks of a circular histogram, highest first.

    counts: (n_bins,) counts (or mean counts) per bin; angles: (n_bins,) bin
    centres, rad. The histogram is smoothed on the circle with a Gaussian kernel
    of s.d. `smoothing` (rad) on the wrapped angular distance; peaks are bins at
    least as high as both circular neighbours, kept greedily from the highest so
    that any two are at least `min_separation` (rad) apart. Returns up to
    `n_modes` angles, rad in [0, 2 pi); fewer if fewer peaks qualify. Peaks
    of a near-flat histogram are arbitrary: check `axial_statistics` first.
    """
    order = np.argsort(np.mod(angles, TWO_PI))
    angles = np.mod(np.asarray(angles, dtype=float)[order], TWO_PI)
    counts = np.asarray(counts, dtype=float)[order]
    distance = np.abs(np.angle(np.exp(1j * (angles[:, None] - angles[None, :]))))
    kernel = np.exp(-0.5 * (distance / smoothing) ** 2)
    smooth = kernel @ counts / kernel.sum(axis=1)
    is_peak = (smooth >= np.roll(smooth, 1)) & (smooth >= np.roll(smooth, -1))
    modes = []
    for i in np.flatnonzero(is_peak)[np.argsort(-smooth[is_peak], kind="stable")]:
        if all(distance[i, j] >= min_separation for j in modes):
            modes.append(i)
        if len(modes) == n_modes:
            break
    return angles[modes]
