"""Figure 6's statistics and claims from the PMDs of several networks per effector (paper 2.5).

`pmd_statistics` summarises each network's PMD histogram and the mean histogram over networks (axial
Rayleigh test on doubled angles, mode locations, ridge deviation); `fig6_claims` turns the arm26 and
point-mass summaries into claim records (analysis.claims).
"""

import numpy as np
import pandas as pd

from analysis import circular, claims
from analysis.pmd import pmd_counts
from analysis.ridge import ridge_deviation

POOLED = "pooled"  # the `network` of the row summarising the mean histogram over networks


def _circular_distance_deg(a, b):
    return np.abs((np.asarray(a, dtype=float) - b + 180) % 360 - 180)


def nearest_mode_distance_deg(modes, expected):
    """Circular distance (deg) from `expected` to the nearest of `modes` (deg, NaN: no mode); 180 if none."""
    modes = np.asarray(modes, dtype=float)
    return float(np.nanmin(_circular_distance_deg(modes, expected))) if np.isfinite(modes).any() else 180.0


def distribution_statistics(counts, angles):
    """Axial and unimodal Rayleigh statistics and the two highest modes of one PMD histogram.

    counts: (n_directions,) units per direction (may be a mean over networks); angles: (n_directions,)
    rad. Returns a dict: n (sum of counts), axial_R, axial_axis_deg in [0, 180), axial_p, rayleigh_R,
    rayleigh_p, mode_1_deg and mode_2_deg (highest first; NaN where fewer peaks qualify).
    """
    axial = circular.axial_statistics(angles, counts)
    unimodal = circular.rayleigh_test(angles, counts)
    modes = np.rad2deg(circular.mode_locations(counts, angles, n_modes=2))
    modes = np.concatenate([modes, np.full(2 - len(modes), np.nan)])
    return {
        "n": float(np.sum(counts)),
        "axial_R": axial.R,
        "axial_axis_deg": float(np.rad2deg(axial.axis)),
        "axial_p": axial.p,
        "rayleigh_R": unimodal.R,
        "rayleigh_p": unimodal.p,
        "mode_1_deg": float(modes[0]),
        "mode_2_deg": float(modes[1]),
    }


def pmd_statistics(pmd, beta, angles, networks):
    """One row per network and a `pooled` row, for one effector.

    pmd: (n_networks, n_units) rad (NaN: untuned); beta: (n_networks, n_units, n_directions) normalised
    |beta|; angles: (n_directions,) rad; networks: (n_networks,) labels (seeds). The pooled row tests the
    histogram of counts averaged over networks (the paper's Fig. 6c; n = mean units per network) and
    averages the networks' ridge deviations (deg).
    """
    counts = np.array([pmd_counts(p, angles) for p in pmd])
    ridge = np.array([ridge_deviation(b, angles) for b in beta])
    rows = [
        {"network": str(k), **distribution_statistics(c, angles), "ridge_deviation_deg": r}
        for k, c, r in zip(networks, counts, ridge)
    ]
    rows.append(
        {
            "network": POOLED,
            **distribution_statistics(counts.mean(axis=0), angles),
            "ridge_deviation_deg": float(ridge.mean()),
        }
    )
    return pd.DataFrame(rows)


def fig6_claims(
    arm26,
    point_mass,
    alpha=0.05,
    network_fraction=0.75,
    modes_deg=(135, 320),
    mode_tolerance_deg=30,
    resultant_ratio=0.5,
    ridge_ratio=1.0,
):
    """Claim records for Figure 6 from two `pmd_statistics` tables.

    alpha: level of the axial Rayleigh test; network_fraction: least fraction of arm26 networks whose
    axial test is significant; modes_deg: the expected arm26 modes (deg), each within mode_tolerance_deg
    of one of the two detected modes of the mean histogram; resultant_ratio: greatest point-mass / arm26
    axial resultant length; ridge_ratio: greatest point-mass / arm26 mean ridge deviation.
    """
    arm_pooled = arm26.set_index("network").loc[POOLED]
    pm_pooled = point_mass.set_index("network").loc[POOLED]
    arm_networks = arm26[arm26.network != POOLED]
    n_arm, n_pm = len(arm_networks), len(point_mass) - 1
    records = [
        claims.claim(
            "fig6_arm26_pmd_axial_pooled",
            6,
            "arm26 PMDs are bimodal with opposite modes (mean histogram over networks)",
            "axial Rayleigh p (doubled angles) of the mean PMD histogram",
            arm_pooled.axial_p,
            "<",
            alpha,
            round(arm_pooled.n),
        ),
        claims.claim(
            "fig6_arm26_pmd_axial_networks",
            6,
            "the arm26 PMD bias arises in every network",
            f"fraction of networks with axial Rayleigh p < {alpha:g}",
            np.mean(arm_networks.axial_p < alpha),
            ">=",
            network_fraction,
            n_arm,
        ),
    ]
    modes = arm_pooled[["mode_1_deg", "mode_2_deg"]].to_numpy(dtype=float)
    for expected in modes_deg:
        distance = nearest_mode_distance_deg(modes, expected)
        records.append(
            claims.claim(
                f"fig6_arm26_pmd_mode_{expected:g}",
                6,
                f"arm26 PMDs have a mode near {expected:g} deg",
                f"distance of the nearest of the two modes of the mean histogram to {expected:g} deg (deg)",
                distance,
                "<=",
                mode_tolerance_deg,
                round(arm_pooled.n),
            )
        )
    records += [
        claims.claim(
            "fig6_point_mass_pmd_axial_pooled",
            6,
            "point-mass PMDs are close to uniform",
            "axial Rayleigh p (doubled angles) of the mean PMD histogram",
            pm_pooled.axial_p,
            ">",
            alpha,
            round(pm_pooled.n),
        ),
        claims.claim(
            "fig6_pmd_axial_resultant_ratio",
            6,
            "point-mass PMDs are far less bimodal than arm26 PMDs",
            "axial resultant length of the mean histogram, point mass / arm26",
            pm_pooled.axial_R / arm_pooled.axial_R,
            "<",
            resultant_ratio,
            n_arm + n_pm,
        ),
        claims.claim(
            "fig6_ridge_deviation_ratio",
            6,
            "the sorted-beta ridge is straighter for the point mass",
            "mean ridge deviation (RMS from a line, deg), point mass / arm26",
            pm_pooled.ridge_deviation_deg / arm_pooled.ridge_deviation_deg,
            "<",
            ridge_ratio,
            n_arm + n_pm,
        ),
    ]
    return records
