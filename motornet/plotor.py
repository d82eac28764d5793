"""Plotting helpers with MotorNet 0.3's names: trajectories in the plane and arm postures."""

import numpy as np


def _numpy(x):
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


def compute_limits(data, margin=0.1):
    """(low, high) of `data` widened by `margin` times its range on each side."""
    data = _numpy(data)
    low, high = np.nanmin(data), np.nanmax(data)
    pad = margin * (high - low)
    return low - pad, high + pad


def plot_pos_over_time(cart_results, axis, cmap="viridis"):
    """Endpoint trajectories (B, T, >=2; m) as lines coloured by time."""
    import matplotlib as mpl
    from matplotlib.collections import LineCollection

    xy = _numpy(cart_results)[..., :2]
    colours = mpl.colormaps[cmap](np.linspace(0, 1, xy.shape[1] - 1))
    for trial in xy:
        segments = np.stack([trial[:-1], trial[1:]], axis=1)
        axis.add_collection(LineCollection(segments, colors=colours, linewidths=1))
    axis.set_xlim(*compute_limits(xy[..., 0]))
    axis.set_ylim(*compute_limits(xy[..., 1]))
    axis.set_aspect("equal")
    axis.set_xlabel("x (m)")
    axis.set_ylabel("y (m)")


def plot_2dof_arm_over_time(axis, arm, joint_state, cmap="viridis", linewidth=1):
    """Stick figures of a two-joint arm at every time step of one trial, joint_state (T, >=2; rad)."""
    import matplotlib as mpl

    q = _numpy(joint_state).reshape(-1, _numpy(joint_state).shape[-1])
    l1, l2 = arm.l1, arm.l2
    elbow = np.stack([l1 * np.cos(q[:, 0]), l1 * np.sin(q[:, 0])], axis=-1)
    hand = elbow + np.stack([l2 * np.cos(q[:, 0] + q[:, 1]), l2 * np.sin(q[:, 0] + q[:, 1])], axis=-1)
    colours = mpl.colormaps[cmap](np.linspace(0, 1, len(q)))
    for e, h, c in zip(elbow, hand, colours):
        axis.plot([0, e[0], h[0]], [0, e[1], h[1]], color=c, linewidth=linewidth)
    axis.set_aspect("equal")
    axis.set_xlabel("x (m)")
    axis.set_ylabel("y (m)")
