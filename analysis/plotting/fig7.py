"""Figure 7: expandability. Extensions ordered by effort, each placed on the class it builds on;
the classes that ship with the simulator are read from table 1.

inputs: classes (CSV, table 1: base class, class, pre-built, ...).
"""

import matplotlib.pyplot as plt
import pandas as pd

from analysis import style
from analysis.plotting.schematic import arrow, blank, box

EXTENSIONS = [
    (
        "easy",
        "change parameters",
        "a non-human primate arm:\nnew masses, lengths and muscles\nof TwoDofArm / RigidTendonArm26",
    ),
    ("medium", "subclass", "an eyeball: a new Effector\nwith its own geometry on the\nPointMass skeleton"),
    ("hard", "new formalism", "an octopus arm: no bones,\na new Skeleton and muscle\ngeometry altogether"),
]


def plot(inputs):
    classes = pd.read_csv(inputs["classes"])
    fig, ax = plt.subplots(figsize=(style.FULL_WIDTH, 2.9), layout="constrained")
    blank(ax, (0, 12), (0, 4.7))
    bases = ["Skeleton", "Muscle", "Effector", "Environment", "Policy"]
    fills = ["skeleton", "muscle", "effector", "environment", "policy"]
    width = 2.25
    for k, (base, fill) in enumerate(zip(bases, fills)):
        subs = classes[(classes["base class"] == base) & classes["pre-built"]]["class"].tolist()
        x = 0.1 + k * (width + 0.15)
        box(ax, x, 2.55, width, 2.0, base, fill=fill, weight="bold", va="top")
        ax.text(x + width / 2, 4.15, "\n".join(subs), ha="center", va="top", fontsize=style.FONT_SIZE - 2)
    ax.text(
        6.0,
        2.35,
        "base classes and the pre-built subclasses that ship with the simulator (table 1)",
        ha="center",
        va="top",
        fontsize=style.FONT_SIZE - 1,
        style="italic",
    )
    for k, (level, how, what) in enumerate(EXTENSIONS):
        x = 0.4 + k * 3.9
        box(ax, x, 0.1, 3.3, 1.55, f"{how}\n{what}", fill=level, fontsize=style.FONT_SIZE - 1.5, dashed=True)
    arrow(ax, (0.4, 1.8), (11.6, 1.8), text="implementation effort", text_offset=(0, 0.13), lw=1.2)
    return fig
