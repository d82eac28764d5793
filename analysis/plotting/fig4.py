"""Figure 4: biomechanical properties of effectors (paper 2.3). Needs no training.

inputs: point_mass_positions (CSV), point_mass_grid (NPZ), arm_grid (NPZ, geometric arm26),
drift_<effector> (NPZ, one per effector drawn in panel f).
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import colors, patches

from analysis import style

POSITION_COLOURS = ["#d62728", "0.1"]  # centre red, lower black (as in the paper)
DRIFT_TITLES = {
    "arm26": "supplement: arm26, moment-arm polynomial",
    "arm26_geometric": "arm26, geometric paths (paper, 4.3)",
}


def _panel_a(ax, positions, anchors):
    ax.add_patch(patches.Rectangle((-1, -1), 2, 2, fill=False, lw=1.2, ec="k"))
    for (px, py), colour in zip(positions, POSITION_COLOURS):
        for ax_, ay_ in anchors:
            ax.plot([ax_, px], [ay_, py], color=colour, lw=0.8, alpha=0.8)
        ax.plot(px, py, "o", ms=6, color=colour, zorder=3)
        ax.annotate(
            f"({px:g}, {py:g})",
            (px, py),
            xytext=(0.35, py + (0.25 if py == 0 else -0.05)),
            color=colour,
            fontsize=style.FONT_SIZE - 1,
            va="center",
            bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none"),
        )
    for (ax_, ay_), name in zip(anchors, style.POINT_MASS_MUSCLES):
        ax.plot(ax_, ay_, "s", ms=4, color=style.WORLD)
        ax.annotate(
            name,
            (ax_, ay_),
            xytext=(0, 5 if ay_ > 0 else -11),
            textcoords="offset points",
            ha="left" if ax_ < 0 else "right",
            fontsize=style.FONT_SIZE - 1,
        )
    ax.set_aspect("equal")
    ax.set_xlim(-2.3, 2.3)
    ax.set_ylim(-2.5, 2.5)
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.set_xticks([-2, -1, 0, 1, 2])
    ax.set_yticks([-2, -1, 0, 1, 2])


def _panel_b(axes, table, positions):
    names = list(dict.fromkeys(table["muscle"]))
    width = 0.38
    for ax, dof in zip(axes, ("x", "y")):
        for k, ((px, py), colour) in enumerate(zip(positions, POSITION_COLOURS)):
            sel = table[(table.dof == dof) & np.isclose(table.position_x, px) & np.isclose(table.position_y, py)]
            values = sel.set_index("muscle").loc[names, "moment_arm"].to_numpy()
            ax.bar(np.arange(len(names)) + (k - 0.5) * width, values, width, color=colour, label=f"({px:g}, {py:g})")
        ax.axhline(0, color="k", lw=0.6)
        ax.set_ylim(-1, 1)
        ax.set_ylabel(f"w.r.t. {dof}")
        ax.set_xticks(np.arange(len(names)))
        ax.set_xticklabels([n.replace(" ", "\n") for n in style.POINT_MASS_MUSCLES])
    axes[0].legend(
        title="point-mass position (m)",
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=2,
        columnspacing=0.8,
        handlelength=1.0,
        title_fontsize=style.FONT_SIZE - 1,
    )
    axes[0].tick_params(labelbottom=False)


def _heatmap(ax, q0, q1, values, norm, cmap=style.DIVERGING, contours=True):
    """values indexed [i along q0 (x axis), j along q1 (y axis)]."""
    mesh = ax.pcolormesh(q0, q1, values.T, norm=norm, cmap=cmap, shading="auto", rasterized=True)
    if contours and np.ptp(values) > 1e-9:
        ax.contour(q0, q1, values.T, levels=7, colors="k", linewidths=0.4, alpha=0.6)
    return mesh


def _panel_c(axes, grid):
    norm = colors.Normalize(-1, 1)
    x, y, arm = grid["x"], grid["y"], grid["moment_arm"]
    for m in range(arm.shape[-1]):
        for d, dof in enumerate(("x", "y")):
            ax = axes[d, m]
            mesh = _heatmap(ax, x, y, arm[:, :, d, m], norm)
            ax.set_aspect("equal")
            ax.set_xticks([-1, 0, 1])
            ax.set_yticks([-1, 0, 1])
            if d == 0:
                ax.set_title(style.POINT_MASS_MUSCLES[m])
                ax.tick_params(labelbottom=False)
            else:
                ax.set_xlabel("x (m)")
            if m == 0:
                ax.set_ylabel(f"w.r.t. {dof}\ny (m)")
            else:
                ax.tick_params(labelleft=False)
    return mesh


def _panel_arm(axes, grid, muscle, norm):
    shoulder, elbow = np.degrees(grid["shoulder"]), np.degrees(grid["elbow"])
    m = list(grid["muscle_name"]).index(muscle)
    for d, (ax, joint) in enumerate(zip(axes, ("shoulder", "elbow"))):
        mesh = _heatmap(ax, shoulder, elbow, 100 * grid["moment_arm"][:, :, d, m], norm)
        ax.set_title(f"w.r.t. {joint}")
        ax.set_xlabel("shoulder angle (deg)")
        ax.set_xticks([0, 45, 90, 135])
        ax.set_yticks([0, 50, 100, 150])
        ax.set_aspect("equal")
        if np.abs(grid["moment_arm"][:, :, d, m]).max() < 1e-9:
            ax.text(
                0.5,
                0.5,
                "0 everywhere\n(does not span\nthis joint)",
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=style.FONT_SIZE - 1,
            )
    axes[0].set_ylabel("elbow angle (deg)")
    axes[1].tick_params(labelleft=False)
    return mesh


def _panel_f(axes, drifts, arm_outline, magnify):
    norm = colors.LogNorm(1e-1, 1e2)
    for ax, (name, d) in zip(axes, drifts.items()):
        start, disp = 100 * d["start"].reshape(-1, 2), 100 * d["displacement"].reshape(-1, 2)
        dist_mm = 1000 * d["distance"].ravel()
        if arm_outline is not None:
            ax.plot(
                100 * arm_outline[:, 0],
                100 * arm_outline[:, 1],
                "-o",
                color="0.75",
                lw=2.5,
                ms=3,
                zorder=1,
                solid_capstyle="round",
            )
        mesh = ax.scatter(
            start[:, 0],
            start[:, 1],
            c=np.clip(dist_mm, norm.vmin, None),
            norm=norm,
            cmap="magma_r",
            s=9,
            lw=0,
            zorder=2,
        )
        ax.quiver(
            start[:, 0],
            start[:, 1],
            magnify * disp[:, 0],
            magnify * disp[:, 1],
            angles="xy",
            scale_units="xy",
            scale=1,
            width=0.0035,
            headwidth=3.5,
            headlength=3.5,
            headaxislength=3,
            color="k",
            zorder=3,
            minlength=0,
        )
        ax.set_title(
            f"{DRIFT_TITLES.get(name, name)}\nmax {dist_mm.max():.1f} mm, median {np.median(dist_mm):.1f} mm",
            fontsize=style.FONT_SIZE - 1,
        )
        ax.set_aspect("equal")
        ax.set_xlabel("x (cm)")
    axes[0].set_ylabel("y (cm)")
    lims = np.array([ax.get_xlim() + ax.get_ylim() for ax in axes])
    for ax in axes:
        ax.set_xlim(lims[:, 0].min(), lims[:, 1].max())
        ax.set_ylim(lims[:, 2].min(), lims[:, 3].max())
    axes[1].tick_params(labelleft=False)
    return mesh


def _arm_outline(path):
    """Shoulder, elbow and fingertip (3, 2) in m from the Fig. 8 skeleton table."""
    return pd.read_csv(path)[["x_m", "y_m"]].to_numpy()


def plot(
    inputs,
    drift_effectors=("arm26_geometric", "arm26"),
    mono_articular="tricepslat",
    bi_articular="biceps",
    duration_ms=200,
    drift_arrow_scale=2.0,
    outline_deg=(45, 90),
):
    table = pd.read_csv(inputs["point_mass_positions"])
    pm = dict(np.load(inputs["point_mass_grid"]))
    arm = dict(np.load(inputs["arm_grid"]))
    drifts = {name: dict(np.load(inputs[f"drift_{name}"])) for name in drift_effectors}
    positions = list(dict.fromkeys(zip(table.position_x, table.position_y)))
    outline = _arm_outline(inputs["skeleton"]) if "skeleton" in inputs else None

    fig = plt.figure(figsize=(style.FULL_WIDTH, 9.6), layout="constrained")
    top, mid, low, bottom = fig.subfigures(4, 1, height_ratios=[1.05, 1.25, 1.0, 1.25])

    ax_a, sub_b = top.subfigures(1, 2, width_ratios=[1, 1.5])
    a = ax_a.subplots()
    _panel_a(a, positions, pm["anchor"])
    style.panel_label(a, "a", x=-0.25)
    b = sub_b.subplots(2, 1, sharex=True)
    _panel_b(b, table, positions)
    sub_b.supylabel("moment arm (m/m)", fontsize=style.FONT_SIZE)
    style.panel_label(b[0], "b", x=-0.2, y=1.0)

    c = mid.subplots(2, 4, sharex=True, sharey=True)
    mesh = _panel_c(c, pm)
    mid.colorbar(mesh, ax=c, shrink=0.8, label="moment arm (m/m)")
    style.panel_label(c[0, 0], "c", x=-0.5, y=1.1)

    sub_d, sub_e = low.subfigures(1, 2)
    values = 100 * arm["moment_arm"][..., [list(arm["muscle_name"]).index(n) for n in (mono_articular, bi_articular)]]
    limit = np.abs(values).max()
    norm = colors.Normalize(-limit, limit)
    d = sub_d.subplots(1, 2, sharey=True)
    mesh = _panel_arm(d, arm, mono_articular, norm)
    sub_d.suptitle(f"{mono_articular}: mono-articular elbow extensor", fontsize=style.FONT_SIZE)
    style.panel_label(d[0], "d", x=-0.45, y=1.15)
    e = sub_e.subplots(1, 2, sharey=True)
    mesh = _panel_arm(e, arm, bi_articular, norm)
    sub_e.suptitle(f"{bi_articular}: bi-articular flexor", fontsize=style.FONT_SIZE)
    sub_e.colorbar(mesh, ax=e, shrink=0.8, label="moment arm (cm/rad)")
    style.panel_label(e[0], "e", x=-0.45, y=1.15)

    sub_f = bottom.subfigures(1, 1)
    f = sub_f.subplots(1, len(drifts), sharey=True)
    f = np.atleast_1d(f)
    mesh = _panel_f(f, drifts, outline, drift_arrow_scale)
    sub_f.colorbar(mesh, ax=f, shrink=0.8, label=f"endpoint drift in {duration_ms:g} ms (mm)")
    sub_f.suptitle(
        f"passive drift from rest, zero excitation (arrows: displacement x {drift_arrow_scale:g}; "
        f"grey: arm at {outline_deg[0]:g}/{outline_deg[1]:g} deg)",
        fontsize=style.FONT_SIZE,
    )
    style.panel_label(f[0], "f", x=-0.3, y=1.1)
    return fig
