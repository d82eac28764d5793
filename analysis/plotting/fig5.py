"""Figure 5: a policy trained with perturbations generalises to out-of-distribution ones (paper 2.4).

inputs: <network>_<test>_npz and <network>_<test>_json for network trained/free and test centre_out/posture
(motornet.evaluate's results of the Figure 5 test protocols); training_set (the perturbation-trained network
on its training task, NPZ); trained_log and free_log (motornet.train's log.csv); metrics (CSV,
workflow/scripts/fig5_metrics.py).
(a) training-set trajectories, pulses above `highlight_above` (N) highlighted; (b) loss over training;
(c, f) centre-out reaches and (d, g) posture of the perturbation-trained and -free networks;
(e) muscle activations of the reach at `angle_deg`: unperturbed and with `perturbation` (N).
"""

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patches, ticker

from analysis import style

NETWORKS = {"trained": "perturbation-trained", "free": "perturbation-free"}
COLOURS = {"trained": "#1f77b4", "free": "#2ca02c", "unperturbed": "k", "highlight": "#1f77b4", "other": "0.7"}
POSTURE_AXES = {"vertical": (90.0, 270.0), "horizontal": (0.0, 180.0)}  # pulse directions (deg) per panel


def _load(inputs, network, test):
    data = dict(np.load(inputs[f"{network}_{test}_npz"]))
    with open(inputs[f"{network}_{test}_json"]) as f:
        meta = json.load(f)
    return data, meta


def reach_colour(magnitude, largest):
    """Black without a pulse, blue shades clockwise (m < 0) and red shades counter-clockwise (m > 0)."""
    if magnitude == 0:
        return COLOURS["unperturbed"]
    shade = 0.45 + 0.5 * abs(magnitude) / largest
    return plt.get_cmap("Reds" if magnitude > 0 else "Blues")(shade)


def _magnitude_label(magnitude, in_distribution):
    return "0 N" if magnitude == 0 else f"{magnitude:+g} N" + ("" if in_distribution else " (o.o.d.)")


def _panel_a(ax, d, highlight_above):
    xy, target = 100 * d["fingertip"], 100 * d["trial_target"]
    big = d["trial_magnitude"] > highlight_above
    for k in np.argsort(big, kind="stable"):  # highlighted trials on top
        colour = COLOURS["highlight" if big[k] else "other"]
        ax.plot(xy[k, :, 0], xy[k, :, 1], color=colour, lw=0.8 if big[k] else 0.6)
        ax.plot(*target[k], "o", ms=2.5, mfc="none", mec=colour, mew=0.6)
    ax.plot([], [], color=COLOURS["other"], label=f"pulse ≤ {highlight_above:g} N")
    ax.plot([], [], color=COLOURS["highlight"], label=f"pulse > {highlight_above:g} N ({big.sum()} trials)")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), handlelength=1.2, borderaxespad=0.2)
    ax.set_aspect("equal")
    ax.set_xlabel("x (cm)")
    ax.set_ylabel("y (cm)")


def _panel_b(ax, logs):
    for network, log in logs.items():
        ax.plot(
            log["batch"],
            log["loss"],
            color=COLOURS[network],
            label=NETWORKS[network],
            marker="o" if len(log) < 5 else None,
            ms=3,
        )
    losses = pd.concat([log["loss"] for log in logs.values()])
    ax.set_yscale("log" if losses.max() > 10 * losses.min() else "linear")
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.set_xlabel("training batch")
    ax.set_ylabel("loss (eq. 1)")
    ax.legend(loc="upper right")


def panel_centre_out(ax, d, metrics, radius):
    """Centre-out reaches of one network (test NPZ `d`, its rows of the metrics CSV) in cm from the start,
    targets of `radius` (m); returns the title text (mean error, deviation) and the legend (handles, labels)."""
    xy, targets = style.reaches_cm(d)
    magnitude = d["trial_magnitude"]
    largest = max(np.abs(magnitude).max(), 1e-9)
    for target in np.unique(np.round(targets, 9), axis=0):
        ax.add_patch(patches.Circle(target, 100 * radius, fc="none", ec="0.5", lw=0.6))
    for k in np.argsort(np.abs(magnitude), kind="stable")[::-1]:  # the unperturbed reaches on top
        ax.plot(xy[k, :, 0], xy[k, :, 1], color=reach_colour(magnitude[k], largest), lw=0.8)
    ax.plot(0, 0, "k+", ms=5)
    style.square_axes(ax, style.reach_limit(xy, 14.0))
    perturbed = metrics[metrics.perturbation_N != 0]
    ood = metrics.groupby("perturbation_N")["in_distribution"].all()
    handles = [plt.Line2D([], [], color=reach_colour(m, largest)) for m in sorted(np.unique(magnitude))]
    labels = [_magnitude_label(m, ood.get(m, True)) for m in sorted(np.unique(magnitude))]
    return (
        f"final error {100 * perturbed.final_error_m.mean():.1f} cm\n"
        f"max deviation {100 * perturbed.max_deviation_m.mean():.1f} cm"
    ), (handles, labels)


def panel_posture(ax, d, metrics, radius, lim, directions):
    """Postural trials of one network whose pulse points along `directions` (deg), in cm from the start
    within +-`lim` (cm); returns the title text (mean return error) and the legend (handles, labels)."""
    xy = 100 * (d["fingertip"] - d["trial_start"][:, None])  # cm from the start
    magnitude, angle = np.abs(d["trial_magnitude"]), np.degrees(d["trial_angle"]) % 360
    sizes = sorted(np.unique(magnitude))
    colours = {m: plt.get_cmap("Oranges" if i else "Purples")(0.8) for i, m in enumerate(sizes)}
    ax.add_patch(patches.Circle((0, 0), 100 * radius, fc="none", ec="0.5", lw=0.6))
    for k in np.flatnonzero(np.isin(np.round(angle), directions)):
        ax.plot(xy[k, :, 0], xy[k, :, 1], color=colours[magnitude[k]], lw=0.8)
    ax.plot(0, 0, "k+", ms=5)
    style.square_axes(ax, lim)
    ood = metrics.groupby(metrics.perturbation_N.abs())["in_distribution"].all()
    handles = [plt.Line2D([], [], color=colours[m]) for m in sizes]
    labels = [f"±{m:g} N" + ("" if ood.get(m, True) else " (o.o.d.)") for m in sizes]
    held = metrics[np.isin(metrics.perturbation_direction_deg.round(), directions)]
    return f"return error {100 * held.final_error_m.mean():.1f} cm", (handles, labels)


def _trial(d, angle_deg, magnitude):
    """Index of the trial reaching closest to `angle_deg` with pulse `magnitude` (N)."""
    gap = np.abs((np.degrees(d["trial_angle"]) - angle_deg + 180) % 360 - 180)
    gap = np.where(np.isclose(d["trial_magnitude"], magnitude), gap, np.inf)
    return int(np.argmin(gap))


def _panel_e(axes, runs, angle_deg, perturbation):
    (trained, meta), (free, _) = runs["trained", "centre_out"], runs["free", "centre_out"]
    row = meta["muscle_state_names"].index("activation")
    t = 1000 * trained["time"]
    curves = [
        (trained, 0.0, f"no pulse, reach at {angle_deg:g} deg", COLOURS["unperturbed"]),
        (trained, perturbation, f"{perturbation:+g} N, {NETWORKS['trained']}", COLOURS["trained"]),
        (free, perturbation, f"{perturbation:+g} N, {NETWORKS['free']}", COLOURS["free"]),
    ]
    k = _trial(trained, angle_deg, perturbation)
    onset, steps = int(trained["trial_pulse_onset"][k]), int(trained["trial_pulse_steps"][k])
    go = int(trained["trial_go_step"][k])
    for m, (ax, name) in enumerate(zip(axes, meta["muscle_names"])):
        ax.axvspan(t[onset], t[min(onset + steps, len(t) - 1)], color="0.9", lw=0)
        ax.axvline(t[go], color="0.6", lw=0.6, ls="--")
        for d, magnitude, label, colour in curves:
            ax.plot(t, d["muscle"][_trial(d, angle_deg, magnitude), :, row, m], color=colour, label=label)
        role = style.MUSCLE_ROLES.get(name, name)
        ax.set_title(role[role.find("(") + 1 : -1] if "(" in role else name, pad=2)
        ax.set_xlabel("time (ms)")
    axes[0].set_ylabel("activation")
    return axes[0].get_legend_handles_labels()


def plot(inputs, highlight_above=3.0, angle_deg=90.0, perturbation=-6.0):
    runs = {(n, t): _load(inputs, n, t) for n in NETWORKS for t in ("centre_out", "posture")}
    metrics = pd.read_csv(inputs["metrics"])
    logs = {n: pd.read_csv(inputs[f"{n}_log"]) for n in NETWORKS}
    radius = float(runs["trained", "centre_out"][1]["run_config"]["loss"]["target_radius"])
    posture_lim = style.reach_limit(
        np.concatenate(
            [
                100 * (runs[n, "posture"][0]["fingertip"] - runs[n, "posture"][0]["trial_start"][:, None]).ravel()
                for n in NETWORKS
            ]
        ),
        3.0,
    )

    # Rows in reading order, as the paper letters them: (a, b); the perturbation-trained network (c, d) and
    # the muscle activations (e); the perturbation-free network (f, g).
    fig = plt.figure(figsize=(style.FULL_WIDTH, 8.8), layout="constrained")
    top, trained, activations, free = fig.subfigures(4, 1, height_ratios=[2.3, 2.35, 1.8, 2.55])
    a, b = top.subplots(1, 2, width_ratios=[1, 1.5])
    _panel_a(a, dict(np.load(inputs["training_set"])), highlight_above)
    style.panel_label(a, "a", x=-0.3, y=1.1)
    _panel_b(b, logs)
    style.panel_label(b, "b", x=-0.15, y=1.1)

    rows = {"trained": (trained.subplots(1, 3), "cd"), "free": (free.subplots(1, 3), "fg")}
    for i, (network, (axes, letters)) in enumerate(rows.items()):
        chosen = metrics[metrics.network == NETWORKS[network]]
        text, reach_legend = panel_centre_out(
            axes[0], runs[network, "centre_out"][0], chosen[chosen.test == "centre_out"], radius
        )
        axes[0].set_title(("centre-out reaching\n" if i == 0 else "") + text, fontsize=style.FONT_SIZE - 1)
        for j, (name, directions) in enumerate(POSTURE_AXES.items()):
            text, posture_legend = panel_posture(
                axes[1 + j],
                runs[network, "posture"][0],
                chosen[chosen.test == "posture"],
                radius,
                posture_lim,
                directions,
            )
            axes[1 + j].set_title((f"posture, {name} pulses\n" if i == 0 else "") + text, fontsize=style.FONT_SIZE - 1)
        axes[0].set_ylabel(f"{NETWORKS[network]}\ny (cm)")
        for ax in axes:
            ax.set_xlabel("x (cm)")
        style.panel_label(axes[0], letters[0], x=-0.45, y=1.02)
        style.panel_label(axes[1], letters[1], x=-0.25, y=1.02)
    for trained_ax, free_ax in zip(rows["trained"][0], rows["free"][0]):
        free_ax.sharex(trained_ax)
        free_ax.sharey(trained_ax)
    trained.legend(*reach_legend, loc="outside right upper", title="centre-out pulse")
    free.legend(*posture_legend, loc="outside right upper", title="postural pulse")

    e = activations.subplots(1, 6, sharex=True, sharey=True)
    handles, labels = _panel_e(e, runs, angle_deg, perturbation)
    activations.legend(handles, labels, loc="outside upper center", ncol=3)
    style.panel_label(e[0], "e", x=-0.55, y=1.1)
    return fig
