"""Figure 1 metrics per reach and network: endpoint error, path straightness (to the target circle, and
over the whole trial) and signed max lateral deviation; the claims as means over the networks (seeds)."""

import numpy as np
import pandas as pd
from _common import log_to, write_claims

from analysis import claims, trajectory

log = log_to(snakemake.log[0])
p = snakemake.params
rows = []
for seed in p.seeds:
    for stage in ("naive", "adapted"):
        for field in p.fields:
            d = np.load(snakemake.input[f"{stage}_{field}_npz_seed{seed}"])
            start, target, xy = d["trial_start"], d["trial_target"], d["fingertip"]
            go = int(d["trial_go_step"].min())  # the same fixed go-cue in every test reach
            moving = xy[:, go:]
            error = trajectory.endpoint_error(xy, target, p.endpoint_error_steps)
            straight = trajectory.path_straightness(moving, start, target, p.target_radius)
            whole = trajectory.path_straightness(moving, start, target)
            lateral = trajectory.max_lateral_deviation(moving, start, target)
            for k in range(len(xy)):
                rows.append(
                    {
                        "seed": seed,
                        "stage": stage,
                        "field": field,
                        "condition": f"{stage} / {field} field",
                        "target": int(d["trial_condition"][k]),
                        "angle_deg": round(float(np.degrees(d["trial_angle"][k])) % 360, 6),
                        "endpoint_error_m": error[k],
                        "straightness": straight[k],
                        "trial_path_ratio": whole[k],
                        "max_lateral_deviation_m": lateral[k],
                    }
                )
table = pd.DataFrame(rows)
table.to_csv(snakemake.output.table, index=False, float_format="%.6g")
columns = ["endpoint_error_m", "straightness", "trial_path_ratio", "max_lateral_deviation_m"]
log.info(
    "mean per seed and condition:\n%s", table.groupby(["seed", "condition"], sort=False)[columns].mean().to_string()
)


def statistics(t):
    """Figure 1's claim statistics (paper 2.1) for one network's reaches."""
    lateral = {key: g.set_index("target")["max_lateral_deviation_m"] for key, g in t.groupby(["stage", "field"])}
    abs_dev = lambda stage, field: float(np.abs(lateral[stage, field]).mean())
    null = t.query("condition == 'naive / null field'")
    return {
        "fig1_null_endpoint_error": null.endpoint_error_m.mean(),
        "fig1_null_straightness": np.abs(null.straightness - 1).mean(),
        "fig1_curl_deviation": abs_dev("naive", "curl") / abs_dev("naive", "null"),
        "fig1_adaptation": abs_dev("adapted", "curl") / abs_dev("naive", "curl"),
        "fig1_after_effect": np.mean(np.sign(lateral["adapted", "null"]) == -np.sign(lateral["naive", "curl"])),
    }


per_seed = {seed: statistics(table[table.seed == seed]) for seed in p.seeds}
n = int(((table.seed == p.seeds[0]) & (table.condition == "naive / null field")).sum())  # reaches per network
c = p.claims


def claim(id, text, statistic, comparison, threshold):
    return claims.across_seeds(
        id, 1, text, statistic, {s: v[id] for s, v in per_seed.items()}, comparison, threshold, n
    )


# Claims (paper 2.1): straight, accurate null-field reaches after training; deviation in the curl field;
# smaller after adaptation; a mirror-image after-effect in the null field.
write_claims(
    [
        claim(
            "fig1_null_endpoint_error",
            "after training, null-field reaches end on the target",
            "mean endpoint error, naive / null field (m)",
            "<",
            c["endpoint_error"],
        ),
        claim(
            "fig1_null_straightness",
            "after training, null-field reaches are straight",
            "mean |path length to the target circle (radius r) / its straight distance - 1|, naive / null field",
            "<",
            c["straightness"],
        ),
        claim(
            "fig1_curl_deviation",
            "in the curl field the naive network's reaches deviate",
            "mean |max lateral deviation|, naive: curl / null field",
            ">",
            c["curl_deviation_ratio"],
        ),
        claim(
            "fig1_adaptation",
            "after curl-field training the deviation in the curl field shrinks",
            "mean |max lateral deviation| in the curl field, adapted / naive",
            "<",
            c["adaptation_ratio"],
        ),
        claim(
            "fig1_after_effect",
            "after adaptation the null field shows a mirror-image after-effect",
            "fraction of targets whose null-field deviation (adapted) opposes the naive curl-field one",
            ">=",
            c["mirror_fraction"],
        ),
    ],
    snakemake.output.claims,
    log,
)
