"""The ablation of modelling choices (not in the paper): per network, Figure 6's PMD statistics and the
reach endpoint error; per cell, their mean and spread over networks.

A PMD axis is an axial angle (deg, in [0, 180)): its mean over networks is the axial mean (half the angle
of the mean of the doubled angles) and its spread the axial circular standard deviation (deg).
"""

import numpy as np
import pandas as pd

from analysis.pmd_claims import nearest_mode_distance_deg


def axial_mean_and_spread(axes_deg):
    """Axial mean (deg, in [0, 180)) and circular standard deviation (deg) of axes given in deg."""
    doubled = np.exp(2j * np.deg2rad(np.asarray(axes_deg, dtype=float)))
    resultant = doubled.mean()
    mean = np.rad2deg(np.angle(resultant)) / 2 % 180
    spread = np.rad2deg(np.sqrt(-2 * np.log(min(abs(resultant), 1.0)))) / 2
    return float(mean), float(spread)


def network_row(statistics, modes_deg):
    """Per network: PMD axis, axial Rayleigh p and each expected mode's distance (deg) to the nearest of
    the network's two modes, from an `analysis.pmd_claims.pmd_statistics` row."""
    modes = np.array([statistics["mode_1_deg"], statistics["mode_2_deg"]], dtype=float)
    row = {"pmd_axis_deg": statistics["axial_axis_deg"], "axial_p": statistics["axial_p"]}
    for expected in modes_deg:
        row[f"mode_{expected:g}_distance_deg"] = nearest_mode_distance_deg(modes, expected)
    return row


def summarise(table, factors):
    """Mean and spread over the networks of each cell of `table` (one row per network, with the factor
    columns): the PMD axis as an axial mean and circular sd, every other statistic as mean and sd."""
    rows = []
    for keys, cell in table.groupby(list(factors), sort=False):
        row = dict(zip(factors, keys if isinstance(keys, tuple) else (keys,)))
        row["n_networks"] = len(cell)
        row["pmd_axis_deg_mean"], row["pmd_axis_deg_spread"] = axial_mean_and_spread(cell.pmd_axis_deg)
        for column in cell.columns.difference([*factors, "cell", "seed", "pmd_axis_deg"]):
            row[f"{column}_mean"] = cell[column].mean()
            row[f"{column}_spread"] = cell[column].std(ddof=1) if len(cell) > 1 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)
