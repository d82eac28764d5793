"""Figure 8: the geometric arm26's muscle paths and bones at one posture."""

import numpy as np
import pandas as pd
from _common import log_to, make_effector

from analysis import sweeps
from analysis.tables import BODY_NAMES

log = log_to(snakemake.log[0])
effector = make_effector("arm26_geometric", snakemake.params.muscle)
posture = np.radians(snakemake.params.joint_deg)
paths = sweeps.muscle_paths(effector, posture)
cfg = effector.get_muscle_cfg()
rows = []
for name, xy, body in zip(paths["muscle_name"], paths["paths"], paths["bodies"]):
    for k, (point, b, local) in enumerate(zip(xy, body, cfg[name]["coordinates"])):
        rows.append(
            {
                "muscle": name,
                "point": k + 1,
                "body": int(b),
                "body_name": BODY_NAMES[int(b)],
                "local_1_m": local[0],
                "local_2_m": local[1],
                "x_m": point[0],
                "y_m": point[1],
            }
        )
pd.DataFrame(rows).to_csv(snakemake.output.paths, index=False)
joints = sweeps.arm_segments(effector, posture)
pd.DataFrame(
    {
        "joint": ["shoulder", "elbow", "fingertip"],
        "x_m": joints[:, 0],
        "y_m": joints[:, 1],
        "shoulder_deg": snakemake.params.joint_deg[0],
        "elbow_deg": snakemake.params.joint_deg[1],
    }
).to_csv(snakemake.output.skeleton, index=False)
log.info("muscle paths at shoulder %s deg, elbow %s deg", *snakemake.params.joint_deg)
