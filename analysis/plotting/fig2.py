"""Figure 2: conceptual organisation of a model: policy and environment in a closed loop, with
feedback delays (Δp, Δv) and additive noise (σh, σu, σp, σv).

inputs: description (JSON written by workflow/scripts/describe_model.py).
"""

import json

import matplotlib.pyplot as plt

from analysis import style
from analysis.plotting.schematic import arrow, blank, box, delay, noise


def plot(inputs):
    d = json.load(open(inputs["description"]))
    fig, ax = plt.subplots(figsize=(style.FULL_WIDTH * 0.75, 3.0), layout="constrained")
    blank(ax, (0, 8), (0, 3.6))
    box(ax, 0.3, 1.1, 2.2, 1.4, f"Policy\n{d['policy']}\n({d['n_hidden']} GRU units)", fill="policy", weight="bold")
    box(ax, 5.2, 1.1, 2.5, 1.4, f"Environment\n{d['environment']}", fill="environment", weight="bold", va="top")
    box(ax, 5.55, 1.2, 1.8, 0.7, f"Effector\n{d['effector']}", fill="effector", fontsize=style.FONT_SIZE - 1)
    # Recurrent connection with hidden noise.
    arrow(ax, (0.8, 2.5), (2.0, 2.5), rad=-1.2)
    noise(ax, 1.4, 3.05, "σh")
    # Action path.
    arrow(ax, (2.5, 1.8), (5.2, 1.8), text=f"action ({d['n_muscles']} muscles)", text_offset=(-0.45, 0.18))
    noise(ax, 4.55, 1.8, "σu")
    # Feedback paths.
    arrow(ax, (5.2, 1.35), (2.5, 1.35), text=None)
    noise(ax, 4.55, 1.35, "")
    ax.text(4.55, 1.12, "σp", ha="center", va="top", fontsize=style.FONT_SIZE - 1, color="#6a51a3")
    delay(ax, 3.55, 1.35, "Δp")
    ax.text(
        3.55,
        1.0,
        f"proprioception\n(muscle length, velocity)\nΔp = {d['proprioception_delay_ms']:g} ms",
        ha="center",
        va="top",
        fontsize=style.FONT_SIZE - 1,
    )
    arrow(ax, (6.45, 1.1), (6.45, 0.45), style_="-")
    arrow(ax, (6.45, 0.45), (1.4, 0.45), style_="-")
    arrow(ax, (1.4, 0.45), (1.4, 1.1))
    noise(ax, 5.3, 0.45, "")
    ax.text(5.3, 0.3, "σv", ha="center", va="top", fontsize=style.FONT_SIZE - 1, color="#6a51a3")
    delay(ax, 4.3, 0.45, "Δv")
    ax.text(
        3.1,
        0.3,
        f"vision (fingertip x, y), Δv = {d['vision_delay_ms']:g} ms",
        ha="center",
        va="top",
        fontsize=style.FONT_SIZE - 1,
    )
    arrow(ax, (0.0, 1.8), (0.3, 1.8))
    ax.text(0.05, 2.0, "task\ninputs", ha="left", va="bottom", fontsize=style.FONT_SIZE - 1)
    ax.text(
        4.0,
        3.5,
        f"one loop per time step, dt = {d['dt_ms']:g} ms",
        ha="center",
        va="top",
        fontsize=style.FONT_SIZE - 1,
        style="italic",
    )
    return fig
