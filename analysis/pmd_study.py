"""The PMD study (Figure 9; not in the paper): where Figure 6's arm26 PMD axis lies along training, at
several start postures, against the arm's mass and joint-excursion ellipses (analysis.ellipse).

One row per network (and a `pooled` row: the histogram of counts averaged over the networks, as Figure 6c)
per cell, snapshot batch and posture; `summarise` gives per cell, batch and posture the pooled axis, the
networks' axial mean and spread, and the mean and spread of every other statistic.
"""

import numpy as np
import pandas as pd

from analysis.ablation import axial_mean_and_spread
from analysis.pmd_claims import POOLED, pmd_statistics
from motornet.loss import TERMS


def axial_distance_deg(a, b):
    """Distance (deg, in [0, 90]) between axes a and b given in deg (an axis equals its opposite)."""
    return np.abs((np.asarray(a, dtype=float) - np.asarray(b, dtype=float) + 90) % 180 - 90)


def axis_rows(pmd, beta, angles, networks, ellipse_axes):
    """Rows of one cell, batch and posture: network (seed or `pooled`), pmd_axis_deg, axial_R, axial_p and
    the axis's distance (deg) to each ellipse's long axis (`ellipse_axes`: {'mass': deg, 'joint': deg}).
    pmd: (n_networks, n_units) rad; beta: (n_networks, n_units, n_directions); angles: (n_directions,) rad."""
    stats = pmd_statistics(pmd, beta, angles, networks)
    table = pd.DataFrame(
        {
            "network": stats["network"],
            "pmd_axis_deg": stats["axial_axis_deg"],
            "axial_R": stats["axial_R"],
            "axial_p": stats["axial_p"],
        }
    )
    for name, axis in ellipse_axes.items():
        table[f"{name}_axis_deg"] = axis
        table[f"{name}_distance_deg"] = axial_distance_deg(table["pmd_axis_deg"], axis)
    return table


def loss_at(log, batch, rows=10):
    """Mean of each unweighted loss term over the last `rows` log rows up to `batch` (a log.csv frame)."""
    before = log[log["batch"] <= batch].tail(rows)
    return {term: float(before[term].mean()) for term in TERMS}


def summarise(table, alpha=0.05):
    """Per cell, batch and posture: the pooled row's axis and axial p, the networks' axial mean and spread
    of their axes, the fraction of networks whose axial test has p < alpha, and mean and sd over networks
    of the ellipse distances, endpoint error and loss terms."""
    keys = ["cell", "batch", "shoulder_deg", "elbow_deg"]
    rows = []
    for values, group in table.groupby(keys, sort=False):
        pooled = group[group["network"] == POOLED].iloc[0]
        networks = group[group["network"] != POOLED]
        row = dict(
            zip(keys, values),
            n_networks=len(networks),
            pooled_axis_deg=pooled["pmd_axis_deg"],
            pooled_axial_p=pooled["axial_p"],
            mass_axis_deg=pooled["mass_axis_deg"],
            joint_axis_deg=pooled["joint_axis_deg"],
        )
        row["axis_deg_mean"], row["axis_deg_spread"] = axial_mean_and_spread(networks["pmd_axis_deg"])
        for column in ("mass_distance_deg", "joint_distance_deg", "axial_p", "endpoint_error_m", *TERMS):
            row[f"{column}_mean"] = networks[column].mean()
            row[f"{column}_spread"] = networks[column].std(ddof=1) if len(networks) > 1 else np.nan
        row["significant_fraction"] = float((networks["axial_p"] < alpha).mean())
        rows.append(row)
    return pd.DataFrame(rows)


def loss_curve(log, batches_per_bin):
    """Each unweighted loss term of a log.csv frame averaged over bins of `batches_per_bin` batches; `batch`
    is each bin's last batch."""
    bins = (log["batch"] - 1) // batches_per_bin
    curve = log.groupby(bins)[list(TERMS)].mean()
    curve.insert(0, "batch", (curve.index + 1) * batches_per_bin)
    return curve.reset_index(drop=True)
