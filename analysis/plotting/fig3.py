"""Figure 3: (a) information flow at run time; (b) how the objects nest in memory.

inputs: description (JSON written by workflow/scripts/describe_model.py).
"""

import json
import re

import matplotlib.pyplot as plt

from analysis import style
from analysis.plotting.schematic import arrow, blank, box


def _wrapped(name, width=20):
    """A class name longer than `width` characters split in two lines at the capital nearest its middle."""
    if len(name) <= width:
        return name
    cut = min((m.start() for m in re.finditer("[A-Z]", name) if m.start()), key=lambda i: abs(i - len(name) / 2))
    return f"{name[:cut]}\n{name[cut:]}"


def _flow(ax, d):
    small = style.FONT_SIZE - 1
    blank(ax, (-0.2, 7.2), (0, 7.6))
    box(ax, 0.2, 5.6, 4.4, 1.2, f"Environment\n{d['environment']}", fill="environment", weight="bold", va="top")
    box(ax, 0.2, 3.2, 4.4, 1.2, f"Effector\n{d['effector']}", fill="effector", weight="bold", va="top")
    ax.text(
        2.4,
        3.35,
        f"{d['geometry']}: moment arms; integration",
        ha="center",
        va="bottom",
        fontsize=style.FONT_SIZE - 2,
        style="italic",
    )
    box(ax, -0.1, 0.6, 2.4, 1.0, f"Muscle\n{_wrapped(d['muscle'])}", fill="muscle", fontsize=style.FONT_SIZE - 2)
    box(ax, 2.7, 0.6, 2.1, 1.0, f"Skeleton\n{d['skeleton']}", fill="skeleton", fontsize=style.FONT_SIZE - 2)
    box(ax, 5.4, 5.6, 1.7, 1.0, f"Policy\n{d['policy']}", fill="policy", weight="bold", fontsize=small)
    arrow(ax, (5.4, 6.35), (4.6, 6.35))
    ax.text(5.0, 6.5, "action", ha="center", va="bottom", fontsize=small)
    arrow(ax, (4.6, 5.85), (5.4, 5.85))
    ax.text(5.0, 5.55, "observation", ha="center", va="top", fontsize=small)
    arrow(ax, (2.4, 6.8), (2.4, 7.3), style_="-")
    ax.text(2.5, 7.25, "info: true (non-delayed) states", fontsize=small, va="center")
    ax.text(2.4, 5.68, "delay buffers, noise", ha="center", va="bottom", fontsize=style.FONT_SIZE - 2, style="italic")
    arrow(ax, (1.2, 5.6), (1.2, 4.4))
    ax.text(1.1, 5.0, "action", ha="right", va="center", fontsize=small)
    arrow(ax, (3.6, 4.4), (3.6, 5.6))
    ax.text(3.7, 5.0, "states", ha="left", va="center", fontsize=small)
    arrow(ax, (0.6, 3.2), (0.6, 1.6))
    ax.text(0.5, 2.4, "action", ha="right", va="center", fontsize=small)
    arrow(ax, (1.5, 1.6), (1.5, 3.2))
    ax.text(1.6, 2.1, "forces", ha="left", va="center", fontsize=small)
    arrow(ax, (3.3, 3.2), (3.3, 1.6))
    ax.text(3.2, 2.7, "generalised\nforces", ha="right", va="center", fontsize=small)
    arrow(ax, (4.2, 1.6), (4.2, 3.2))
    ax.text(4.3, 2.4, "joint and\ncartesian\nstates", ha="left", va="center", fontsize=small)


def _nesting(ax, d):
    blank(ax, (0, 6), (0, 7.6))
    box(
        ax,
        0.1,
        0.4,
        3.9,
        6.4,
        f"Environment ({d['environment']})\ngymnasium.Env, torch.nn.Module",
        fill="environment",
        va="top",
        fontsize=style.FONT_SIZE - 1,
    )
    box(ax, 0.35, 0.7, 3.4, 4.7, f"Effector ({d['effector']})", fill="effector", va="top", fontsize=style.FONT_SIZE - 1)
    box(ax, 0.6, 3.0, 2.9, 1.2, f"Skeleton\n{d['skeleton']}", fill="skeleton", fontsize=style.FONT_SIZE - 1)
    box(ax, 0.6, 1.0, 2.9, 1.6, f"Muscle\n{_wrapped(d['muscle'])}", fill="muscle", fontsize=style.FONT_SIZE - 1)
    box(
        ax,
        4.35,
        4.4,
        1.55,
        2.4,
        f"Policy\n{d['policy']}\n\nany PyTorch\nnetwork",
        fill="policy",
        fontsize=style.FONT_SIZE - 1,
    )
    ax.text(
        2.05,
        5.75,
        "attributes: effector,\ndelay buffers, noise levels",
        ha="center",
        va="center",
        fontsize=style.FONT_SIZE - 2,
        style="italic",
    )


def plot(inputs):
    d = json.load(open(inputs["description"]))
    fig, (a, b) = plt.subplots(1, 2, figsize=(style.FULL_WIDTH, 3.6), layout="constrained")
    _flow(a, d)
    _nesting(b, d)
    style.panel_label(a, "a", x=-0.02, y=0.98)
    style.panel_label(b, "b", x=-0.02, y=0.98)
    return fig
