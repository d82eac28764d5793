"""Figure 6: effector geometry shapes the distribution of preferred movement directions (paper 2.5, 4.5).

inputs: <effector>_npz and <effector>_json (motornet.evaluate's test_fig6 results of the sample network)
and <effector>_pmd (NPZ of workflow/scripts/fig6_pmd.py, every network) for effector arm26 and
point_mass; metrics (fig6_metrics.csv); skeleton and paths (Figure 8's arm at 45/90 deg); point_mass
(Figure 4's point-mass sweep, for its muscle anchors).
(a) schematics; (b) trajectories to the 24 targets; (c) PMD histograms, mean over networks;
(d) normalised arm26 muscle activations over reach angle after the go-cue; (e) normalised |beta|
sorted by PMD; (f) hidden activity of a random sample of arm26 units over time and reach angle.
"""

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import colors, patches, ticker

from analysis import style
from analysis.plotting import fig8
from analysis.pmd import pmd_counts, sort_by_pmd

EFFECTORS = ("arm26", "point_mass")
TITLES = {"arm26": "arm26", "point_mass": "point mass"}


def _label(subfigure, letter):
    """Panel letter at the top left of a subfigure."""
    subfigure.text(
        0.0,
        1.0,
        letter,
        transform=subfigure.transSubfigure,
        fontsize=style.FONT_SIZE + 3,
        fontweight="bold",
        va="top",
        ha="left",
    )


def _load(inputs, effector):
    with open(inputs[f"{effector}_json"]) as f:
        meta = json.load(f)
    return dict(np.load(inputs[f"{effector}_npz"])), meta, dict(np.load(inputs[f"{effector}_pmd"]))


def _role(muscle):
    """The arm26 muscle's abbreviation (SF, SE, EF, EE, BF, BE)."""
    return style.MUSCLE_ROLES.get(muscle, "").split("(")[-1].rstrip(")")


def _panel_a_arm(ax, skeleton, paths):
    fig8.draw_arm(ax, skeleton, paths, label=_role, size=0.8)
    ax.plot(*skeleton[["x_m", "y_m"]].to_numpy()[-1], "o", color="k", ms=3)
    ax.legend(loc="center left", bbox_to_anchor=(0.95, 0.5), fontsize=style.FONT_SIZE - 2, handlelength=1.0)
    ax.set_title(f"{TITLES['arm26']}: 2 joints, {paths.muscle.nunique()} muscles")
    ax.set_aspect("equal")
    ax.axis("off")


def _panel_a_point_mass(ax, anchors):
    for k, ((x, y), name) in enumerate(zip(anchors, style.POINT_MASS_MUSCLES)):
        ax.plot([0, x], [0, y], "-", color=style.MUSCLE_COLOURS[f"muscle_{k + 1}"], lw=1.4)
        ax.plot(x, y, "s", color=style.WORLD, ms=4)
        ax.annotate(
            name,
            (x, y),
            xytext=(0, 5 if y > 0 else -11),
            textcoords="offset points",
            ha="left" if x < 0 else "right",
            fontsize=style.FONT_SIZE - 2,
        )
    ax.add_patch(patches.Circle((0, 0), 0.18, fc="0.3", ec="k", zorder=3))
    ax.set_title(f"{TITLES['point_mass']}: {len(anchors)} muscles")
    ax.set_xlim(-2.3, 2.3)
    ax.set_ylim(-2.3, 2.3)
    ax.set_aspect("equal")
    ax.axis("off")


def _panel_b(ax, d, effector):
    xy, targets = style.reaches_cm(d)
    style.draw_reaches(ax, xy, targets, radius=0.8, lw=0.8, circle_lw=0.6)
    style.square_axes(ax, style.reach_limit(xy, 13.0))
    ax.set_xlabel("x (cm)")
    ax.set_ylabel("y (cm)")
    ax.set_title(TITLES[effector])


def pmd_histogram(ax, pmd, stats, effector):
    """Polar histogram of the PMD counts averaged over networks (panel c).

    ax: a polar axes; pmd: the PMD NPZ's arrays (angles, rad; pmd, (networks, units) rad); stats: the
    fig6_metrics row whose axial p and modes are quoted (the pooled row, or one network's).
    """
    angles = pmd["angles"]
    counts = np.mean([pmd_counts(p, angles) for p in pmd["pmd"]], axis=0)
    ax.bar(angles, counts, width=np.deg2rad(15) * 0.9, color="0.35", edgecolor="none")
    ax.set_xticks(np.deg2rad([0, 90, 180, 270]))
    ax.set_xticklabels(["0°", "90°", "180°", "270°"])
    ax.yaxis.set_major_locator(ticker.MaxNLocator(3))
    ax.tick_params(axis="y", labelsize=style.FONT_SIZE - 2)
    for label in ax.get_yticklabels():
        label.set_bbox(dict(fc="white", ec="none", alpha=0.8, pad=0.3))
    ax.set_rlabel_position(112.5)
    modes = ", ".join(f"{m:.0f}°" for m in stats[["mode_1_deg", "mode_2_deg"]] if np.isfinite(m))
    ax.set_title(
        f"{TITLES[effector]}\naxial p = {stats.axial_p:.2g}\nmodes {modes}", fontsize=style.FONT_SIZE - 1, pad=12
    )


def _panel_d(axes, d, meta, window_s):
    go = int(d["trial_go_step"][0])
    steps = int(round(window_s / meta["dt"]))
    activation = d["muscle"][:, go : go + steps + 1, meta["muscle_state_names"].index("activation")]
    activation = activation / activation.max(axis=(0, 1), keepdims=True)  # per muscle, over angles and time
    t = 1000 * (d["time"][go : go + steps + 1] - d["time"][go])
    angle = np.rad2deg(d["trial_angle"]) % 360
    for k, (ax, name) in enumerate(zip(axes, meta["muscle_names"])):
        mesh = ax.pcolormesh(
            t, angle, activation[:, :, k], vmin=0, vmax=1, cmap=style.SEQUENTIAL, shading="nearest", rasterized=True
        )
        ax.set_title(f"{name} ({_role(name)})", fontsize=style.FONT_SIZE - 1, color=style.MUSCLE_COLOURS.get(name, "k"))
    axes[0].set_ylabel("reach angle (deg)")
    axes[0].set_yticks([0, 90, 180, 270])
    return mesh


def beta_ridge(ax, pmd, stats, seed_index, effector):
    """Normalised |beta| of network `seed_index` (index into pmd["seeds"]), units sorted by PMD (panel e)."""
    beta, order_pmd = pmd["beta"][seed_index], pmd["pmd"][seed_index]
    order = sort_by_pmd(beta, order_pmd)
    angles = np.rad2deg(pmd["angles"])
    mesh = ax.pcolormesh(
        angles,
        np.arange(len(order)) + 1,
        beta[order],
        vmin=0,
        vmax=1,
        cmap=style.SEQUENTIAL,
        shading="nearest",
        rasterized=True,
    )
    ax.set_xticks([0, 90, 180, 270])
    ax.set_xlabel("reach angle (deg)")
    ax.set_ylabel("unit (sorted by PMD)")
    ax.set_title(f"{TITLES[effector]}\nridge deviation {stats.ridge_deviation_deg:.0f}°", fontsize=style.FONT_SIZE - 1)
    return mesh


def _panel_f(axes, d, n_units, seed):
    hidden = d["hidden"]  # (trials, steps, units)
    units = np.sort(np.random.default_rng(seed).choice(hidden.shape[2], min(n_units, hidden.shape[2]), replace=False))
    t = 1000 * d["time"][1:]  # hidden[:, n] is the state after step n
    go = 1000 * d["time"][int(d["trial_go_step"][0])]
    angle = np.rad2deg(d["trial_angle"]) % 360
    norm = colors.Normalize(-1, 1)
    for ax, unit in zip(axes.flat, units):
        h = hidden[:, :, unit]
        scale = np.abs(h).max() or 1.0
        mesh = ax.pcolormesh(t, angle, h / scale, norm=norm, cmap=style.DIVERGING, shading="nearest", rasterized=True)
        ax.axvline(go, color="k", lw=0.6, ls="--")
        ax.set_title(f"unit {unit} (max |h| {scale:.2f})", fontsize=style.FONT_SIZE - 1)
        ax.set_yticks([0, 90, 180, 270])
    for ax in axes.flat[len(units) :]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("time (ms)")
    for ax in axes[:, 0]:
        ax.set_ylabel("reach angle (deg)")
    return mesh


def plot(inputs, sample_seed=0, activation_window_s=0.3, n_units=8):
    runs = {e: _load(inputs, e) for e in EFFECTORS}
    metrics = pd.read_csv(inputs["metrics"], dtype={"network": str})
    pooled = {e: metrics[(metrics.effector == e) & (metrics.network == "pooled")].iloc[0] for e in EFFECTORS}
    sample = {e: metrics[(metrics.effector == e) & (metrics.network == str(sample_seed))].iloc[0] for e in EFFECTORS}
    seed_index = {e: list(runs[e][2]["seeds"]).index(sample_seed) for e in EFFECTORS}

    # Panels in reading order, lettered as the paper's: (a, b), (c, d), (e), (f).
    fig = plt.figure(figsize=(style.FULL_WIDTH, 10.6), layout="constrained")
    row1, row2, row3, row4 = fig.subfigures(4, 1, height_ratios=[1.0, 1.25, 0.95, 1.25])
    sub_a, sub_b = row1.subfigures(1, 2, width_ratios=[1, 1])
    a = sub_a.subplots(1, 2)
    _panel_a_arm(a[0], pd.read_csv(inputs["skeleton"]), pd.read_csv(inputs["paths"]))
    _panel_a_point_mass(a[1], np.load(inputs["point_mass"])["anchor"])
    sub_a.suptitle("the two effectors, GRU policies identical", fontsize=style.FONT_SIZE)
    _label(sub_a, "a")
    b = sub_b.subplots(1, 2)
    for ax, e in zip(b, EFFECTORS):
        _panel_b(ax, runs[e][0], e)
    sub_b.suptitle(
        f"trajectories to {len(runs['arm26'][0]['trial_angle'])} targets, network {sample_seed}",
        fontsize=style.FONT_SIZE,
    )
    _label(sub_b, "b")

    sub_c, sub_d = row2.subfigures(1, 2, width_ratios=[1, 1.3])
    c = sub_c.subplots(1, 2, subplot_kw={"projection": "polar"})
    for ax, e in zip(c, EFFECTORS):
        pmd_histogram(ax, runs[e][2], pooled[e], e)
    sub_c.suptitle(
        f"PMDs: units per direction, mean of {len(runs['arm26'][2]['pmd'])} networks", fontsize=style.FONT_SIZE
    )
    _label(sub_c, "c")

    n_muscles = len(runs["arm26"][1]["muscle_names"])
    d_axes = sub_d.subplots(2, int(np.ceil(n_muscles / 2)), sharex=True, sharey=True, squeeze=False)
    mesh = _panel_d(d_axes.ravel(), runs["arm26"][0], runs["arm26"][1], activation_window_s)
    d_axes[1, 0].set_ylabel("reach angle (deg)")
    sub_d.colorbar(mesh, ax=d_axes, shrink=0.9, label="normalised\nactivation")
    sub_d.supxlabel("time after the go-cue (ms)", fontsize=style.FONT_SIZE)
    sub_d.suptitle(
        f"arm26 muscle activations, first {1000 * activation_window_s:g} ms after the go-cue", fontsize=style.FONT_SIZE
    )
    _label(sub_d, "d")

    e_axes = row3.subplots(1, 2, sharey=False)
    for ax, e in zip(e_axes, EFFECTORS):
        mesh = beta_ridge(ax, runs[e][2], sample[e], seed_index[e], e)
    e_axes[1].set_ylabel("")
    row3.colorbar(mesh, ax=e_axes, shrink=0.8, label="normalised |β|")
    row3.suptitle(f"normalised |β| sorted by PMD, network {sample_seed}", fontsize=style.FONT_SIZE)
    _label(row3, "e")

    f_axes = row4.subplots(2, int(np.ceil(n_units / 2)), sharex=True, sharey=True, squeeze=False)
    mesh = _panel_f(f_axes, runs["arm26"][0], n_units, sample_seed)
    row4.colorbar(mesh, ax=f_axes, shrink=0.8, label="hidden activity / max |h|")
    row4.suptitle(f"arm26 hidden units, network {sample_seed} (dashed: go-cue)", fontsize=style.FONT_SIZE)
    _label(row4, "f")
    return fig
