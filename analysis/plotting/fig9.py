"""Figure 9 (beyond the paper): the arm26 PMD axis moves during training (analysis.pmd_study).

inputs: table, summary, loss (results/<preset>/pmd_study/pmd_study.csv, summary.csv, loss_curves.csv).
(a) the baseline cell's PMD axis per network and pooled against training batch at the start posture of
Figure 6, with the long axes of the mass ellipse (J^-T M J^-1) and the joint-excursion ellipse (J^-T J^-1)
there; (b) the pooled axis at every start posture, early and late, against both ellipse axes; (c) the
baseline's unweighted loss terms along training, mean over networks; (d) the pooled axis of every cell of
the study against training batch.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import ticker

from analysis import style
from analysis.pmd_claims import POOLED

ELLIPSES = {"mass": ("mass ellipse", "--", "tab:red"), "joint": ("joint-excursion ellipse", ":", "tab:blue")}
TERMS = {
    "position": "position",
    "activation": "activation",
    "hidden": "hidden $h^2$",
    "hidden_derivative": "hidden derivative $(dh/dt)^2$",
}


def _shown(axis_deg):
    """Axes (deg, in [0, 180)) drawn in [30, 210), so that the axes of this arm (~90-165 deg) do not wrap."""
    return (np.asarray(axis_deg, dtype=float) - 30) % 180 + 30


def _at(frame, posture):
    return frame[(frame.shoulder_deg == posture[0]) & (frame.elbow_deg == posture[1])]


def _ellipse_lines(ax, row):
    for name, (label, line, colour) in ELLIPSES.items():
        ax.axhline(
            _shown(row[f"{name}_axis_deg"]),
            ls=line,
            color=colour,
            lw=1,
            label=f"{label} ({row[f'{name}_axis_deg']:.0f} deg)",
        )


def _batch_axis(ax, batches):
    ax.set_xscale("log")
    ax.set_xticks(sorted(set(batches)), [f"{b / 1000:g}k" if b >= 1000 else f"{b:g}" for b in sorted(set(batches))])
    ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_xlabel("training batch")
    ax.set_ylabel("PMD axis (deg)")


def _panel_a(ax, table, cell, posture):
    rows = _at(table[table.cell == cell], posture)
    for network, run in rows[rows.network != POOLED].groupby("network"):
        ax.plot(
            run.batch,
            _shown(run.pmd_axis_deg),
            "o-",
            color="0.6",
            lw=0.6,
            ms=2.5,
            label="per network" if network == rows.network.iloc[0] else None,
        )
    pooled = rows[rows.network == POOLED]
    ax.plot(pooled.batch, _shown(pooled.pmd_axis_deg), "s-", color="k", lw=1.4, ms=4, label="pooled")
    _ellipse_lines(ax, pooled.iloc[0])
    _batch_axis(ax, pooled.batch)
    ax.set_title(f"{cell}: start {posture[0]:g}/{posture[1]:g} deg")
    ax.legend(fontsize=style.FONT_SIZE - 2, loc="best")


def _panel_b(ax, summary, cell, early, late):
    rows = summary[summary.cell == cell]
    postures = rows[["shoulder_deg", "elbow_deg"]].drop_duplicates().to_numpy()
    x = np.arange(len(postures))
    first = rows[rows.batch == early].set_index(["shoulder_deg", "elbow_deg"]).loc[list(map(tuple, postures))]
    for name, (label, _, colour) in ELLIPSES.items():
        ax.plot(x, _shown(first[f"{name}_axis_deg"]), "_", color=colour, ms=14, mew=2, label=label)
    for batch, marker, colour in ((early, "o", "tab:orange"), (late, "s", "k")):
        at = rows[rows.batch == batch].set_index(["shoulder_deg", "elbow_deg"]).loc[list(map(tuple, postures))]
        ax.errorbar(
            x + (-0.12 if batch == early else 0.12),
            _shown(at.pooled_axis_deg),
            yerr=at.axis_deg_spread,
            fmt=marker,
            color=colour,
            ms=3.5,
            capsize=2,
            label=f"batch {batch:,} (pooled, sd)",
        )
    ax.set_xticks(x, [f"{s:g}/{e:g}" for s, e in postures], rotation=45)
    ax.set_xlabel("start posture, shoulder/elbow (deg)")
    ax.set_ylabel("PMD axis (deg)")
    ax.set_title(f"{cell}: every start posture")
    ax.legend(fontsize=style.FONT_SIZE - 2, loc="best")


def _panel_c(ax, loss, cell):
    mean = loss[loss.cell == cell].groupby("batch")[list(TERMS)].mean()
    for k, (term, label) in enumerate(TERMS.items()):
        ax.plot(mean.index, mean[term] / mean[term].iloc[0], ".-", color=f"C{k}", lw=1, ms=2, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training batch")
    ax.set_ylabel("loss term / its first value")
    ax.set_title(f"{cell}: loss terms, mean over networks")
    ax.legend(fontsize=style.FONT_SIZE - 2, loc="best")


def _panel_d(ax, summary, posture):
    rows = _at(summary, posture)
    for k, (cell, run) in enumerate(rows.groupby("cell", sort=False)):
        ax.errorbar(
            run.batch * (1 + 0.03 * (k - 2)),
            _shown(run.pooled_axis_deg),
            yerr=run.axis_deg_spread,
            fmt="o-",
            color=f"C{k}",
            lw=1,
            ms=3,
            capsize=1.5,
            label=cell,
        )
    _ellipse_lines(ax, rows.iloc[0])
    _batch_axis(ax, rows.batch)
    ax.set_title(f"every cell: start {posture[0]:g}/{posture[1]:g} deg (pooled, sd over networks)")
    ax.legend(fontsize=style.FONT_SIZE - 2, loc="best", ncol=2)


def plot(inputs, baseline="baseline", posture_deg=(45, 90), early_batch=3000, late_batch=38400):
    table, summary, loss = pd.read_csv(inputs["table"]), pd.read_csv(inputs["summary"]), pd.read_csv(inputs["loss"])
    fig, axes = plt.subplots(2, 2, figsize=(style.FULL_WIDTH, 5.6), layout="constrained")
    (a, b), (c, d) = axes
    _panel_a(a, table, baseline, posture_deg)
    _panel_b(b, summary, baseline, early_batch, late_batch)
    _panel_c(c, loss, baseline)
    _panel_d(d, summary, posture_deg)
    for ax, letter in zip(axes.flat, "abcd"):
        style.panel_label(ax, letter)
    return fig
