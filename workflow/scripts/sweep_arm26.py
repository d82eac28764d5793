"""Figure 4d-e: moment arms of the geometric arm26 (GeometricArm26) over its joint range."""

import numpy as np
from _common import log_to, make_effector

from analysis import sweeps

log = log_to(snakemake.log[0])
effector = make_effector(snakemake.params.effector, snakemake.params.muscle)
sweep = sweeps.moment_arm_map(effector, snakemake.params.grid)
np.savez(
    snakemake.output.grid,
    shoulder=sweep["q0"],
    elbow=sweep["q1"],
    length=sweep["length"],
    moment_arm=sweep["moment_arm"],
    muscle_name=sweep["muscle_name"],
    dof_name=np.array(["shoulder", "elbow"]),
)
for m, name in enumerate(sweep["muscle_name"]):
    arm = sweep["moment_arm"][..., m]
    log.info(
        "%s: shoulder %.4f..%.4f m/rad, elbow %.4f..%.4f m/rad",
        name,
        arm[..., 0].min(),
        arm[..., 0].max(),
        arm[..., 1].min(),
        arm[..., 1].max(),
    )
