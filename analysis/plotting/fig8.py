"""Figure 8: bone-relative coordinate frames (a) and the arm26 muscle paths (b) at one posture.

inputs: paths (CSV: muscle, point, body, local_1_m, local_2_m, x_m, y_m), skeleton (CSV: joint, x_m, y_m).
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis import style


def _frame(ax, origin, angle, length, colour, labels):
    direction = np.array([np.cos(angle), np.sin(angle)])
    normal = np.array([-direction[1], direction[0]])
    for axis, label in zip((direction, normal), labels):
        ax.annotate("", origin + length * axis, origin, arrowprops=dict(arrowstyle="-|>", color=colour, lw=1.0))
        ax.text(
            *(origin + 1.15 * length * axis),
            label,
            color=colour,
            ha="center",
            va="center",
            fontsize=style.FONT_SIZE - 1,
        )


def _panel_a(ax, skeleton, paths):
    joints = skeleton[["x_m", "y_m"]].to_numpy()
    ax.plot(joints[:, 0], joints[:, 1], "-", color=style.BONE, lw=4, solid_capstyle="round", alpha=0.35)
    ax.plot(joints[:2, 0], joints[:2, 1], "o", color=style.BONE, ms=5)
    q1 = np.arctan2(*(joints[1] - joints[0])[::-1])
    q12 = np.arctan2(*(joints[2] - joints[1])[::-1])
    _frame(ax, np.zeros(2), 0.0, 0.12, style.WORLD, ("x", "y"))
    _frame(ax, joints[0], q1, 0.1, "C0", ("1", "2"))
    _frame(ax, joints[1], q12, 0.1, "C1", ("1", "2"))
    ax.text(
        *(joints[0] + [0.02, -0.025]),
        "world frame, upper-arm\norigin (shoulder)",
        fontsize=style.FONT_SIZE - 1,
        va="top",
    )
    ax.text(*(joints[1] + [0.02, -0.02]), "forearm origin\n(elbow)", fontsize=style.FONT_SIZE - 1, va="top")
    # One worked example: a forearm point, its two bone-frame coordinates drawn as projections.
    example = paths[(paths.body == 2)].iloc[0]
    origin, direction = joints[1], np.array([np.cos(q12), np.sin(q12)])
    foot = origin + example.local_1_m * direction
    point = np.array([example.x_m, example.y_m])
    ax.plot(*np.stack([origin, foot]).T, ":", color="C1", lw=1)
    ax.plot(*np.stack([foot, point]).T, ":", color="C1", lw=1)
    ax.plot(*point, "o", color="C1", ms=4)
    ax.annotate(
        f"{example.muscle} point\n({example.local_1_m:g}, {example.local_2_m:g}) m\nin the forearm frame",
        point,
        xytext=(0.12, 0.40),
        fontsize=style.FONT_SIZE - 1,
        arrowprops=dict(arrowstyle="-", color="0.5", lw=0.5),
    )
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")


def draw_arm(ax, skeleton, paths, label=lambda name: f"{name}: {style.MUSCLE_ROLES.get(name, '')}", size=1.0):
    """Bones, and each muscle's path ending on its anchors in the world (squares) and its fixation
    points on a bone (circles), so that every line visibly starts and ends where it is attached."""
    joints = skeleton[["x_m", "y_m"]].to_numpy()
    ax.plot(joints[:, 0], joints[:, 1], "-", color=style.BONE, lw=5 * size, solid_capstyle="round", alpha=0.3, zorder=1)
    ax.plot(joints[:2, 0], joints[:2, 1], "o", color=style.BONE, ms=5 * size, zorder=1)
    for name, path in paths.groupby("muscle", sort=False):
        xy = path[["x_m", "y_m"]].to_numpy()
        colour = style.MUSCLE_COLOURS.get(name, "k")
        ax.plot(xy[:, 0], xy[:, 1], "-", color=colour, lw=1.6 * size, zorder=2, label=label(name))
        world = path.body.to_numpy() == 0
        ax.plot(xy[world, 0], xy[world, 1], "s", color=style.WORLD, ms=4 * size, zorder=3)
        ax.plot(xy[~world, 0], xy[~world, 1], "o", mfc="white", mec=colour, ms=4 * size, zorder=3)


def _panel_b(ax, skeleton, paths):
    draw_arm(ax, skeleton, paths)
    ax.plot([], [], "s", color=style.WORLD, ms=4, label="anchor in world (x, y)")
    ax.plot([], [], "o", mfc="white", mec="k", ms=4, label="fixation point on a bone")
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    deg = skeleton.iloc[0]
    ax.set_title(f"shoulder {deg.shoulder_deg:g} deg, elbow {deg.elbow_deg:g} deg")


def plot(inputs):
    paths = pd.read_csv(inputs["paths"])
    skeleton = pd.read_csv(inputs["skeleton"])
    fig, (a, b) = plt.subplots(
        1, 2, figsize=(style.FULL_WIDTH, 3.4), layout="constrained", gridspec_kw={"width_ratios": [1, 1]}
    )
    _panel_a(a, skeleton, paths)
    _panel_b(b, skeleton, paths)
    lim = (-0.2, 0.35), (-0.1, 0.5)
    for ax in (a, b):
        ax.set_xlim(*lim[0])
        ax.set_ylim(*lim[1])
    style.panel_label(a, "a", x=-0.25, y=1.0)
    style.panel_label(b, "b", x=-0.25, y=1.0)
    return fig
