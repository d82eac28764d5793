"""The ablation's figure (not in the paper): (a) the arm26 PMD axis of every network per cell, with the
cell's axial mean and circular sd and the paper's modes; (b) the centre-out reach endpoint error.
Inputs: table and summary (results/<preset>/ablation.csv, ablation_summary.csv)."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis import style


def _label(row, factors):
    return "\n".join(str(row[f]) for f in factors)


def plot(inputs, factors=("muscle", "hidden_derivative"), modes_deg=(135, 320)):
    table, summary = pd.read_csv(inputs["table"]), pd.read_csv(inputs["summary"])
    factors = list(factors)
    fig, (a, b) = plt.subplots(1, 2, figsize=(style.FULL_WIDTH, 2.8), layout="constrained")
    x = np.arange(len(summary))
    labels = [_label(row, factors) for _, row in summary.iterrows()]
    rng = np.random.default_rng(0)  # fixed horizontal jitter of the points
    for i, (_, row) in enumerate(summary.iterrows()):
        cell = table[np.logical_and.reduce([table[f] == row[f] for f in factors])]
        jitter = rng.uniform(-0.12, 0.12, len(cell))
        a.plot(i + jitter, cell.pmd_axis_deg, "o", color="0.45", ms=3.5)
        a.errorbar(i + 0.25, row.pmd_axis_deg_mean, yerr=row.pmd_axis_deg_spread, fmt="s", color="k", ms=4, capsize=2)
        b.plot(i + jitter, 100 * cell.endpoint_error_m, "o", color="0.45", ms=3.5)
        b.errorbar(
            i + 0.25,
            100 * row.endpoint_error_m_mean,
            yerr=100 * np.nan_to_num(row.endpoint_error_m_spread),
            fmt="s",
            color="k",
            ms=4,
            capsize=2,
        )
    axes = sorted(m % 180 for m in modes_deg)  # the paper's two modes as axes (deg in [0, 180))
    a.axhspan(axes[0] - 0.5, axes[-1] + 0.5, color="tab:red", alpha=0.25, lw=0)
    a.text(
        len(summary) - 0.5,
        axes[-1] + 2,
        "paper's modes (" + ", ".join(f"{m:g}" for m in modes_deg) + " deg) as an axis",
        color="tab:red",
        ha="right",
        va="bottom",
        fontsize=style.FONT_SIZE - 2,
    )
    a.set_ylim(0, 180)
    a.set_ylabel("PMD axis (deg, axial)")
    b.set_ylabel("reach endpoint error (cm)")
    b.set_ylim(bottom=0)
    for ax in (a, b):
        ax.set_xticks(x, labels)
        ax.set_xlim(-0.5, len(summary) - 0.5)
        ax.set_xlabel(" / ".join(f.replace("_", " ") for f in factors))
    style.panel_label(a, "a")
    style.panel_label(b, "b")
    return fig
