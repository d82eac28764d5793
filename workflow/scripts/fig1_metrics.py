"""Figure 1 metrics per reach: endpoint error, path straightness (to the target circle, and over the
whole trial) and signed max lateral deviation."""
import numpy as np
import pandas as pd

from _common import log_to, write_claims
from analysis import claims, trajectory

log = log_to(snakemake.log[0])
rows = []
for stage in ("naive", "adapted"):
    for field in snakemake.params.fields:
        d = np.load(snakemake.input[f"{stage}_{field}_npz"])
        start, target, xy = d["trial_start"], d["trial_target"], d["fingertip"]
        go = int(d["trial_go_step"].min())          # the same fixed go-cue in every test reach
        moving = xy[:, go:]
        error = trajectory.endpoint_error(xy, target, snakemake.params.endpoint_error_steps)
        straight = trajectory.path_straightness(moving, start, target, snakemake.params.target_radius)
        whole = trajectory.path_straightness(moving, start, target)
        lateral = trajectory.max_lateral_deviation(moving, start, target)
        for k in range(len(xy)):
            rows.append({"stage": stage, "field": field, "condition": f"{stage} / {field} field",
                         "target": int(d["trial_condition"][k]),
                         "angle_deg": round(float(np.degrees(d["trial_angle"][k])) % 360, 6),
                         "endpoint_error_m": error[k], "straightness": straight[k],
                         "trial_path_ratio": whole[k],
                         "max_lateral_deviation_m": lateral[k]})
table = pd.DataFrame(rows)
table.to_csv(snakemake.output.table, index=False, float_format="%.6g")
summary = table.groupby("condition", sort=False)[["endpoint_error_m", "straightness", "trial_path_ratio",
                                                  "max_lateral_deviation_m"]]
log.info("mean per condition:\n%s", summary.mean().to_string())

# Claims (paper 2.1): straight, accurate null-field reaches after training; deviation in the curl field;
# smaller after adaptation; a mirror-image after-effect in the null field.
c, mean = snakemake.params.claims, summary.mean()
lateral = {key: g.set_index("target")["max_lateral_deviation_m"] for key, g in table.groupby(["stage", "field"])}
n = len(lateral["naive", "null"])
mirror = np.mean(np.sign(lateral["adapted", "null"]) == -np.sign(lateral["naive", "curl"]))
abs_dev = lambda stage, field: float(np.abs(lateral[stage, field]).mean())
write_claims([
    claims.claim("fig1_null_endpoint_error", 1, "after training, null-field reaches end on the target",
                 "mean endpoint error, naive / null field (m)", mean.loc["naive / null field", "endpoint_error_m"],
                 "<", c["endpoint_error"], n),
    claims.claim("fig1_null_straightness", 1, "after training, null-field reaches are straight",
                 "mean |path length to the target circle (radius r) / its straight distance - 1|, naive / null field",
                 np.abs(table.query("condition == 'naive / null field'").straightness - 1).mean(), "<",
                 c["straightness"], n),
    claims.claim("fig1_curl_deviation", 1, "in the curl field the naive network's reaches deviate",
                 "mean |max lateral deviation|, naive: curl / null field",
                 abs_dev("naive", "curl") / abs_dev("naive", "null"), ">", c["curl_deviation_ratio"], n),
    claims.claim("fig1_adaptation", 1, "after curl-field training the deviation in the curl field shrinks",
                 "mean |max lateral deviation| in the curl field, adapted / naive",
                 abs_dev("adapted", "curl") / abs_dev("naive", "curl"), "<", c["adaptation_ratio"], n),
    claims.claim("fig1_after_effect", 1, "after adaptation the null field shows a mirror-image after-effect",
                 "fraction of targets whose null-field deviation (adapted) opposes the naive curl-field one",
                 mirror, ">=", c["mirror_fraction"], n),
], snakemake.output.claims, log)
