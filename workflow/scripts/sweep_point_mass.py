"""Figure 4a-c: point-mass (ReluPointMass24) moment arms at two positions and over the workspace."""

import numpy as np
import pandas as pd
from _common import log_to, make_effector

from analysis import sweeps

log = log_to(snakemake.log[0])
effector = make_effector("point_mass")
params = snakemake.params

at = sweeps.moment_arms_at(effector, params.positions)
rows = []
for p, position in enumerate(at["position"]):
    for m, name in enumerate(effector.muscle_name):
        for d, dof in enumerate(("x", "y")):
            rows.append(
                {
                    "position_x": position[0],
                    "position_y": position[1],
                    "muscle": name,
                    "anchor_x": effector.get_muscle_cfg()[name]["coordinates"][0][0],
                    "anchor_y": effector.get_muscle_cfg()[name]["coordinates"][0][1],
                    "dof": dof,
                    "moment_arm": at["moment_arm"][p, d, m],
                    "length_m": at["length"][p, m],
                }
            )
pd.DataFrame(rows).to_csv(snakemake.output.positions, index=False)

sweep = sweeps.moment_arm_map(effector, params.grid)
anchors = np.array([effector.get_muscle_cfg()[n]["coordinates"][0] for n in effector.muscle_name])
np.savez(
    snakemake.output.grid,
    x=sweep["q0"],
    y=sweep["q1"],
    length=sweep["length"],
    moment_arm=sweep["moment_arm"],
    muscle_name=sweep["muscle_name"],
    anchor=anchors,
    dof_name=np.array(["x", "y"]),
)
log.info(
    "point-mass moment arms on a %d x %d grid; range %.3f..%.3f",
    params.grid,
    params.grid,
    sweep["moment_arm"].min(),
    sweep["moment_arm"].max(),
)
