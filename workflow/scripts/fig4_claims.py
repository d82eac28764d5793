"""Figure 4's claims (paper 2.3) from the sweeps: point-mass moment arms equal in x and y at the centre,
unequal at (0, -0.9); the mono-articular elbow extensor has no shoulder moment arm and a positive elbow
one; the bi-articular flexor's are negative at both joints; passive drift small at the centre of the joint
range and larger at its edges."""

import numpy as np
import pandas as pd
from _common import log_to, write_claims

from analysis import claims, sweeps

log = log_to(snakemake.log[0])
p = snakemake.params
records = []

at = pd.read_csv(snakemake.input.point_mass_positions)
for (px, py), rows in at.groupby(["position_x", "position_y"], sort=False):
    ma = rows.pivot(index="muscle", columns="dof", values="moment_arm")
    asymmetry = float((ma["x"].abs() - ma["y"].abs()).abs().max())
    centre = np.hypot(px, py) < 1e-9
    records.append(
        claims.claim(
            f"fig4_point_mass_xy_asymmetry_at_{px:g}_{py:g}",
            4,
            f"point-mass moment arms are {'equal' if centre else 'unequal'} in x and y at ({px:g}, {py:g}) m",
            "max over muscles of ||r_x| - |r_y|| (m)",
            asymmetry,
            "<" if centre else ">",
            p.equal_tolerance if centre else p.unequal_margin,
            len(ma),
        )
    )

arm = np.load(snakemake.input.arm_grid)
names, ma = list(arm["muscle_name"]), arm["moment_arm"]  # (n, n, dof, muscles), m
mono, bi = names.index(p.mono_articular), names.index(p.bi_articular)
n_grid = ma.shape[0] * ma.shape[1]
records += [
    claims.claim(
        "fig4_mono_articular_shoulder_moment_arm",
        4,
        f"the mono-articular elbow extensor ({p.mono_articular}) has zero shoulder moment arm everywhere",
        "max |shoulder moment arm| over the joint grid (m)",
        np.abs(ma[:, :, 0, mono]).max(),
        "<",
        p.equal_tolerance,
        n_grid,
    ),
    claims.claim(
        "fig4_mono_articular_elbow_moment_arm",
        4,
        f"the mono-articular elbow extensor ({p.mono_articular}) has a positive elbow moment arm",
        "min elbow moment arm over the joint grid (m)",
        ma[:, :, 1, mono].min(),
        ">",
        0.0,
        n_grid,
    ),
    claims.claim(
        "fig4_bi_articular_moment_arms",
        4,
        f"the bi-articular flexor's ({p.bi_articular}) moment arms are negative at both joints",
        "max moment arm over joints and the joint grid (m)",
        ma[:, :, :, bi].max(),
        "<",
        0.0,
        2 * n_grid,
    ),
]

for name, path in zip(p.drift_effectors, snakemake.input.drift):
    distance = np.load(path)["distance"]
    centre, edge, n_centre = sweeps.centre_and_edge(distance)
    records += [
        claims.claim(
            f"fig4_drift_centre_{name}",
            4,
            f"passive drift ({name}) is negligible at the centre of the joint range",
            "mean drift over the central third of the grid in 200 ms (m)",
            centre,
            "<",
            p.negligible_drift,
            n_centre,
        ),
        claims.claim(
            f"fig4_drift_edge_ratio_{name}",
            4,
            f"passive drift ({name}) grows toward the edges",
            "max drift on the grid's border / mean central drift",
            edge / centre,
            ">",
            p.edge_ratio,
            distance.size,
        ),
    ]
write_claims(records, snakemake.output.claims, log)
