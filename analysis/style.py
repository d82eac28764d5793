"""Shared matplotlib style for every figure of the pipeline.

`use()` sets the theme (seaborn's, with the sizes below) once; `panel_label(ax, "a")` writes a bold panel letter; `save(fig, path)`
writes the vector PDF and a 300 dpi PNG next to it. Sizes are in inches for a two-column page. `reaches_cm`,
`draw_reaches`, `reach_limit` and `square_axes` draw a test's reaches the same way in every figure.
"""

from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import patches

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn  # noqa: E402

FULL_WIDTH = 7.2  # in, a two-column page width
HALF_WIDTH = 3.5  # in
FONT_SIZE = 8  # pt
DPI = 300

# One colour per muscle, reused in every figure (arm26 order, then point-mass muscles).
MUSCLE_COLOURS = {
    "pectoralis": "#1b9e77",
    "deltoid": "#d95f02",
    "brachioradialis": "#7570b3",
    "tricepslat": "#e7298a",
    "biceps": "#66a61e",
    "tricepslong": "#e6ab02",
    "muscle_1": "#1b9e77",
    "muscle_2": "#d95f02",
    "muscle_3": "#7570b3",
    "muscle_4": "#e7298a",
    "UpperRight": "#1b9e77",
    "UpperLeft": "#d95f02",
    "LowerRight": "#7570b3",
    "LowerLeft": "#e7298a",
}
# Functional names of the arm26 muscles (paper table 3, Fig. 5e abbreviations).
MUSCLE_ROLES = {
    "pectoralis": "shoulder flexor (SF)",
    "deltoid": "shoulder extensor (SE)",
    "brachioradialis": "elbow flexor (EF)",
    "tricepslat": "elbow extensor (EE)",
    "biceps": "bi-articular flexor (BF)",
    "tricepslong": "bi-articular extensor (BE)",
}
# The point-mass muscles by the corner they pull towards (anchors of ReluPointMass24).
POINT_MASS_MUSCLES = ["upper right", "upper left", "lower right", "lower left"]

DIVERGING = "RdBu_r"
SEQUENTIAL = "viridis"
BONE = "0.25"
MAX_REACH_LIMIT = 30.0  # cm: reach axes stop here whatever an untrained network does
WORLD = "#2ca02c"  # world-anchored fixation points (green, as in paper Fig. 8)


def use():
    """Apply the shared theme (call before creating figures): seaborn's `ticks` style in its `paper`
    context, matplotlib's tab10 colour cycle (figures name colours C0, C1, ...), and the sizes below."""
    seaborn.set_theme(
        context="paper",
        style="ticks",
        palette="tab10",
        rc={
            "font.family": "sans-serif",
            "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
            "font.size": FONT_SIZE,
            "axes.titlesize": FONT_SIZE,
            "axes.labelsize": FONT_SIZE,
            "xtick.labelsize": FONT_SIZE - 1,
            "ytick.labelsize": FONT_SIZE - 1,
            "legend.fontsize": FONT_SIZE - 1,
            "legend.frameon": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.linewidth": 0.6,
            "xtick.major.width": 0.6,
            "ytick.major.width": 0.6,
            "lines.linewidth": 1.0,
            "savefig.dpi": DPI,
            "figure.dpi": 100,
            "pdf.fonttype": 42,  # embed TrueType: text stays editable in the PDF
            "ps.fonttype": 42,
            "svg.fonttype": "none",
            "image.cmap": SEQUENTIAL,
        },
    )


def panel_label(ax, letter, x=-0.18, y=1.06):
    """Bold lower-case panel letter at the top left of `ax` (axes coordinates)."""
    ax.text(x, y, letter, transform=ax.transAxes, fontsize=FONT_SIZE + 3, fontweight="bold", va="bottom", ha="left")


def fig_label(fig, letter, x, y):
    """Panel letter at figure coordinates, for panels made of several axes."""
    fig.text(x, y, letter, fontsize=FONT_SIZE + 3, fontweight="bold", va="top", ha="left")


def save(fig, pdf_path, png_path=None):
    """Write `fig` as a vector PDF and a PNG (same stem unless `png_path` is given). The PDF carries no
    creation date, so that the same data give the same bytes."""
    pdf_path = Path(pdf_path)
    png_path = Path(png_path) if png_path is not None else pdf_path.with_suffix(".png")
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(pdf_path, bbox_inches="tight", metadata={"CreationDate": None})
    fig.savefig(png_path, bbox_inches="tight", dpi=DPI)
    plt.close(fig)


def reaches_cm(d):
    """(paths (trials, T, 2), targets (trials, 2)) of a test NPZ's arrays `d`, in cm from the first trial's
    start."""
    start = d["trial_start"][:1]
    return 100 * (d["fingertip"] - start[:, None]), 100 * (d["trial_target"] - start)


def draw_reaches(ax, paths, targets, radius, lw, circle_lw):
    """Each reach (cm) in its direction's colour (hsv, in trial order) with its target circle of `radius`
    (cm), and a cross at the start."""
    for k, colour in enumerate(plt.get_cmap("hsv")(np.arange(len(paths)) / len(paths))):
        ax.add_patch(patches.Circle(targets[k], radius, fc="none", ec=colour, lw=circle_lw))
        ax.plot(paths[k, :, 0], paths[k, :, 1], color=colour, lw=lw)
    ax.plot(0, 0, "k+", ms=5)


def reach_limit(paths, least):
    """Symmetric axis limit (cm) covering the finite points of `paths` with a 5 % margin, at least `least`,
    at most MAX_REACH_LIMIT."""
    finite = np.abs(paths[np.isfinite(paths)])
    return float(np.clip(1.05 * finite.max(initial=0.0), least, MAX_REACH_LIMIT))


def square_axes(ax, lim):
    """Equal aspect, x and y within +-`lim`."""
    ax.set_aspect("equal")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
