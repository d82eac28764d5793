"""How straight the PMD-sorted beta "ridge" (fig 6e) is.

Uniform PMDs (point-mass) put the units' peaks on a straight diagonal of the
ridge plot; PMDs bunched at two opposite directions (arm26) give a staircase.
"""

import numpy as np

TWO_PI = 2 * np.pi


def ridge_deviation(beta, angles):
    """RMS deviation (deg) of the ridge's peaks from their least-squares line.

    beta: (n_units, n_directions) normalised beta, e.g. sorted by PMD (the row
    order does not matter: peaks are sorted here); angles: (n_directions,) rad,
    the columns. Each unit's peak is the angle of its maximal beta. The peaks are
    sorted on the circle and the circle is cut at the widest gap between
    consecutive peaks, so the result does not depend on where 0 deg lies (a mode
    straddling 0 deg is not split). A line peak = a + b * rank is fitted by
    least squares and the RMS of its residuals returned, in degrees. Rows with
    constant beta (no peak, e.g. silent units) are skipped.
    Reference values (24 directions, 90 cosine-tuned units): 0 for evenly
    spaced peaks, ~9 deg for random uniform PMDs; 45 deg for two equal point
    modes 180 deg apart (a 180 deg step at the middle rank), ~25-30 deg for
    von Mises modes of kappa 16 (s.d. ~14 deg), ~16 deg for kappa 4.
    """
    beta = np.asarray(beta, dtype=float)
    rows = np.ptp(beta, axis=1) > 0
    peaks = np.sort(np.mod(np.asarray(angles, dtype=float)[beta[rows].argmax(axis=1)], TWO_PI))
    gaps = np.diff(np.append(peaks, peaks[0] + TWO_PI))
    cut = (np.argmax(gaps) + 1) % len(peaks)
    peaks = np.concatenate([peaks[cut:], peaks[:cut] + TWO_PI])
    rank = np.arange(len(peaks))
    residual = peaks - np.polyval(np.polyfit(rank, peaks, 1), rank)
    return float(np.rad2deg(np.sqrt(np.mean(residual**2))))
