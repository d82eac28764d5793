"""Figure 4f: endpoint drift of an arm under zero excitation from a grid of starting postures."""

import numpy as np
import pandas as pd
from _common import log_to, make_effector

from analysis import sweeps

log = log_to(snakemake.log[0])
effector = make_effector(snakemake.wildcards.effector, snakemake.params.muscle)
drift = sweeps.passive_drift(effector, n=snakemake.params.grid, duration=snakemake.params.duration)
np.savez(snakemake.output.grid, **drift)
g0, g1 = np.meshgrid(drift["q0"], drift["q1"], indexing="ij")
pd.DataFrame(
    {
        "shoulder_rad": g0.ravel(),
        "elbow_rad": g1.ravel(),
        "start_x_m": drift["start"][..., 0].ravel(),
        "start_y_m": drift["start"][..., 1].ravel(),
        "end_x_m": drift["end"][..., 0].ravel(),
        "end_y_m": drift["end"][..., 1].ravel(),
        "drift_m": drift["distance"].ravel(),
    }
).to_csv(snakemake.output.table, index=False)
log.info(
    "%s: drift over %.3f s, median %.2e m, max %.2e m",
    snakemake.wildcards.effector,
    drift["duration"],
    np.median(drift["distance"]),
    drift["distance"].max(),
)
