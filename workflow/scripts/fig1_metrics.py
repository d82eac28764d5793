"""Figure 1 metrics per reach: endpoint error, path straightness and signed max lateral deviation."""
import numpy as np
import pandas as pd

from _common import log_to
from analysis import trajectory

log = log_to(snakemake.log[0])
rows = []
for stage in ("naive", "adapted"):
    for field in snakemake.params.fields:
        d = np.load(snakemake.input[f"{stage}_{field}_npz"])
        start, target, xy = d["trial_start"], d["trial_target"], d["fingertip"]
        go = int(d["trial_go_step"].min())          # the same fixed go-cue in every test reach
        moving = xy[:, go:]
        error = trajectory.endpoint_error(xy, target, snakemake.params.endpoint_error_steps)
        straight = trajectory.path_straightness(moving, start, target)
        lateral = trajectory.max_lateral_deviation(moving, start, target)
        for k in range(len(xy)):
            rows.append({"stage": stage, "field": field, "condition": f"{stage} / {field} field",
                         "target": int(d["trial_condition"][k]),
                         "angle_deg": round(float(np.degrees(d["trial_angle"][k])) % 360, 6),
                         "endpoint_error_m": error[k], "straightness": straight[k],
                         "max_lateral_deviation_m": lateral[k]})
table = pd.DataFrame(rows)
table.to_csv(snakemake.output.table, index=False, float_format="%.6g")
summary = table.groupby("condition", sort=False)[["endpoint_error_m", "straightness", "max_lateral_deviation_m"]]
log.info("mean per condition:\n%s", summary.mean().to_string())
