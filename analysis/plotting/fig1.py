"""Figure 1: centre-out reaching with an arm26 and a GRU policy, naive and curl-field adapted (paper 2.1).

inputs: <stage>_<field>_npz and <stage>_<field>_json for stage naive/adapted and each field (null, curl):
motornet.evaluate's results of the Figure 1 test protocols; metrics (CSV, workflow/scripts/fig1_metrics.py).
(a) the closed loop, drawn from the test metadata; (b) endpoint trajectories with the targets;
(c) time courses of one reach (default the rightward one of the naive model in the null field).
"""

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patches

from analysis import style

STAGES = ("naive", "adapted")
FIELD_TITLES = {"null": "null field", "curl": "curl field (b = 8 N s/m)"}
DOF_COLOURS = ["#1f77b4", "#ff7f0e"]  # panel c: shoulder (or x), elbow (or y)


def _load(inputs, stage, field):
    data = dict(np.load(inputs[f"{stage}_{field}_npz"]))
    with open(inputs[f"{stage}_{field}_json"]) as f:
        meta = json.load(f)
    return data, meta


def _box(ax, xy, text, colour="0.9"):
    ax.add_patch(
        patches.FancyBboxPatch(
            (xy[0] - 0.16, xy[1] - 0.09), 0.32, 0.18, boxstyle="round,pad=0.02", fc=colour, ec="k", lw=0.8
        )
    )
    ax.text(*xy, text, ha="center", va="center", fontsize=style.FONT_SIZE - 1)


def _arrow(ax, a, b, text=None, offset=(0, 0.05), rad=0.0):
    ax.annotate("", b, a, arrowprops=dict(arrowstyle="-|>", lw=0.8, color="k", connectionstyle=f"arc3,rad={rad}"))
    if text:
        ax.text(
            (a[0] + b[0]) / 2 + offset[0],
            (a[1] + b[1]) / 2 + offset[1],
            text,
            ha="center",
            va="center",
            fontsize=style.FONT_SIZE - 2,
        )


def _panel_a(ax, meta):
    """The closed loop, labelled from the test metadata (sizes, muscles, delays)."""
    step_ms = 1000 * float(meta["dt"])  # the environment's delays are in timesteps, as the toolbox's attributes
    proprio = meta["task"]["proprioception_delay"] * step_ms
    vision = meta["task"]["vision_delay"] * step_ms
    _box(ax, (0.2, 0.78), f"policy\nGRU, {meta['hidden_size']} units")
    _box(ax, (0.8, 0.78), f"effector\narm26, {len(meta['muscle_names'])} muscles", "#e8f0fa")
    _box(ax, (0.5, 0.25), "task\ntarget, go-cue,\ncurl field")
    _arrow(ax, (0.37, 0.82), (0.63, 0.82), "excitation", (0, 0.05))
    _arrow(ax, (0.63, 0.74), (0.37, 0.74), f"proprioception ({proprio:g} ms)\nvision ({vision:g} ms)", (0, -0.1))
    _arrow(ax, (0.4, 0.35), (0.22, 0.68), "target,\ngo-cue", (-0.12, 0))
    _arrow(ax, (0.78, 0.68), (0.6, 0.35), "endpoint\nforce", (0.12, 0))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")


def _panel_b(axes, runs, metrics, fields):
    for i, stage in enumerate(STAGES):
        for j, field in enumerate(fields):
            ax = axes[i, j]
            d, _ = runs[stage, field]
            xy, targets = style.reaches_cm(d)
            style.draw_reaches(ax, xy, targets, radius=1.0, lw=1.0, circle_lw=0.8)
            sel = metrics[(metrics.stage == stage) & (metrics.field == field)]
            ax.text(
                0.02,
                0.02,
                f"|lateral| {100 * sel.max_lateral_deviation_m.abs().mean():.1f} cm\n"
                f"error {100 * sel.endpoint_error_m.mean():.1f} cm",
                transform=ax.transAxes,
                fontsize=style.FONT_SIZE - 2,
                va="bottom",
            )
            style.square_axes(ax, style.reach_limit(xy, 14.0))
            if i == 0:
                ax.set_title(FIELD_TITLES.get(field, field))
            else:
                ax.set_xlabel("x (cm)")
            if j == 0:
                ax.set_ylabel(f"{stage}\ny (cm)")


def _lines(ax, t, values, labels, colours, ylabel, go):
    for k in range(values.shape[-1]):
        ax.plot(t[: len(values)], values[:, k], color=colours[k], label=labels[k])
    ax.axvline(go, color="0.6", lw=0.6, ls="--")
    ax.set_ylabel(ylabel)


def _panel_c(axes, d, meta, k):
    t = 1000 * d["time"]
    go = t[int(d["trial_go_step"][k])] if int(d["trial_go_step"][k]) < len(t) else np.nan
    names = meta["muscle_names"]
    colours = [style.MUSCLE_COLOURS.get(n, "k") for n in names]
    rows = meta["muscle_state_names"]
    n_dof = d["joint"].shape[-1] // 2
    joint = d["joint"][k]
    _lines(axes[0, 0], t, np.degrees(joint[:, :n_dof]), ["shoulder", "elbow"], DOF_COLOURS, "joint angle (deg)", go)
    _lines(
        axes[0, 1], t, np.degrees(joint[:, n_dof:]), ["shoulder", "elbow"], DOF_COLOURS, "joint velocity (deg/s)", go
    )
    xy = 100 * (d["fingertip"][k] - d["trial_start"][k])
    _lines(axes[0, 2], t, xy, ["x", "y"], DOF_COLOURS, "endpoint (cm from start)", go)
    axes[0, 2].plot(t, 100 * (d["desired"][k] - d["trial_start"][k]), color="0.6", lw=0.6, ls=":")
    _lines(axes[0, 3], t, 100 * d["cartesian"][k, :, 2:], ["x", "y"], DOF_COLOURS, "endpoint velocity (cm/s)", go)
    _lines(axes[0, 4], t, d["action"][k], names, colours, "action (excitation)", go)
    muscle = d["muscle"][k]
    _lines(axes[1, 0], t, muscle[:, rows.index("activation")], names, colours, "activation", go)
    _lines(axes[1, 1], t, muscle[:, rows.index("force")], names, colours, "muscle force (N)", go)
    _lines(axes[1, 2], t, 100 * muscle[:, rows.index("muscle length")], names, colours, "muscle length (cm)", go)
    _lines(axes[1, 3], t, 100 * muscle[:, rows.index("muscle velocity")], names, colours, "muscle velocity (cm/s)", go)
    hidden = d["hidden"][k]
    order = np.argsort(hidden.argmax(axis=0))
    mesh = axes[1, 4].pcolormesh(
        t[1:],
        np.arange(hidden.shape[1]) + 0.5,
        hidden[:, order].T,
        cmap=style.DIVERGING,
        vmin=-1,
        vmax=1,
        shading="auto",
        rasterized=True,
    )
    axes[1, 4].axvline(go, color="0.3", lw=0.6, ls="--")
    axes[1, 4].set_ylabel("hidden unit (by peak time)")
    for ax in axes[1]:
        ax.set_xlabel("time (ms)")
    return mesh


def plot(inputs, fields=("null", "curl"), angle_deg=0.0, time_course=("naive", "null"), seed=0):
    """Figure 1 of the network trained with `seed` (its test results are `inputs`)."""
    runs = {(stage, field): _load(inputs, stage, field) for stage in STAGES for field in fields}
    metrics = pd.read_csv(inputs["metrics"], keep_default_na=False)  # the field "null" is not NaN
    metrics = metrics[metrics.seed == seed]

    fig = plt.figure(figsize=(style.FULL_WIDTH, 8.4), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.25, 1.0])
    sub_a, sub_b = top.subfigures(1, 2, width_ratios=[1, 1.35])
    a = sub_a.subplots()
    _panel_a(a, runs[STAGES[0], fields[0]][1])
    style.panel_label(a, "a", x=-0.05, y=1.0)
    b = sub_b.subplots(len(STAGES), len(fields), sharex=True, sharey=True, squeeze=False)
    _panel_b(b, runs, metrics, fields)
    style.panel_label(b[0, 0], "b", x=-0.55, y=1.05)

    d, meta = runs[tuple(time_course)]
    angles = np.degrees(d["trial_angle"]) % 360
    k = int(np.argmin(np.abs((angles - angle_deg + 180) % 360 - 180)))
    c = bottom.subplots(2, 5, sharex=True)
    mesh = _panel_c(c, d, meta, k)
    bottom.colorbar(mesh, ax=c[1, 4], shrink=0.9, label="activity")
    # One legend for panel c, outside the panels and laid out by the figure: legends inside these
    # narrow axes covered tick labels, and one hung from an axes covered the colour bar's label.
    names = meta["muscle_names"]
    lines = [plt.Line2D([], [], color=c) for c in DOF_COLOURS] + [
        plt.Line2D([], [], color=style.MUSCLE_COLOURS.get(n, "k")) for n in names
    ]
    bottom.legend(
        lines, ["shoulder; x", "elbow; y"] + list(names), loc="outside right upper", fontsize=style.FONT_SIZE - 2
    )
    bottom.suptitle(
        f"{time_course[0]} model, {FIELD_TITLES.get(time_course[1], time_course[1])}, "
        f"reach at {angles[k]:.0f} deg (dashed: go-cue)",
        fontsize=style.FONT_SIZE,
    )
    style.panel_label(c[0, 0], "c", x=-0.6, y=1.05)
    return fig
