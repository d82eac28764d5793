"""Figure 5 metrics per test trial: final error, max perturbation-induced deviation; the claims (paper 2.4)."""

import json

import numpy as np
import pandas as pd
from _common import log_to, write_claims

from analysis import claims, trajectory
from analysis.plotting.fig5 import NETWORKS  # the labels the figure selects the metrics' rows by

log = log_to(snakemake.log[0])
p = snakemake.params
# In distribution: up to the training maximum, U(0, 4) N in reaches and U(0, 8) N in catch (postural) trials.
with open(snakemake.input["trained_centre_out_json"]) as f:
    training = json.load(f)["run_config"]["task"]["options"]
in_distribution = {
    "centre_out": training.get("perturbation_magnitude", 0.0),
    "posture": training.get("catch_perturbation_magnitude", 0.0),
}

rows = []
for network, label in NETWORKS.items():
    for test in p.tests:
        d = np.load(snakemake.input[f"{network}_{test}_npz"])
        xy, start, magnitude, force = d["fingertip"], d["trial_start"], d["trial_magnitude"], d["trial_pulse_force"]
        error = trajectory.endpoint_error(xy, d["desired"][:, -1], p.endpoint_error_steps)
        if test == "posture":  # the largest excursion from the start once the pulse is on
            deviation = trajectory.max_distance(xy[:, int(d["trial_pulse_onset"].min()) :], start)
        else:  # the largest gap to the unperturbed reach to the same target
            unperturbed = {round(float(a), 6): k for k, a in enumerate(d["trial_angle"]) if magnitude[k] == 0}
            reference = [unperturbed.get(round(float(a), 6), -1) for a in d["trial_angle"]]
            deviation = np.where(np.array(reference) >= 0, trajectory.max_distance(xy, xy[reference]), np.nan)
        direction = np.degrees(np.arctan2(force[:, 1], force[:, 0])) % 360
        for k in range(len(xy)):
            rows.append(
                {
                    "model": p.models[network],
                    "network": label,
                    "test": test,
                    "condition": int(d["trial_condition"][k]),
                    "angle_deg": round(float(np.degrees(d["trial_angle"][k])) % 360, 6),
                    "perturbation_N": float(magnitude[k]),
                    "perturbation_direction_deg": direction[k] if magnitude[k] != 0 else np.nan,
                    "in_distribution": bool(abs(magnitude[k]) <= in_distribution.get(test, 0.0)),
                    "final_error_m": error[k],
                    "max_deviation_m": deviation[k],
                }
            )
table = pd.DataFrame(rows)
table.to_csv(snakemake.output.table, index=False, float_format="%.6g")
summary = table.groupby(["network", "test", "perturbation_N"], sort=False)[["final_error_m", "max_deviation_m"]]
log.info("mean per network, test and perturbation (N):\n%s", summary.mean().to_string())

# Claims: both networks correct perturbed reaches (up to ±6 N) and end on the target; in the postural
# task the perturbation-trained network returns to the start, the perturbation-free one much less so.
c = p.claims
reaches = table[(table.test == "centre_out") & (table.perturbation_N != 0)]
posture = table[table.test == "posture"]
held = {label: posture[posture.network == label].final_error_m for label in NETWORKS.values()}
max_n = reaches.perturbation_N.abs().max()
records = [
    claims.claim(
        f"fig5_centre_out_final_error_{label.replace('-', '_')}",
        5,
        f"the {label} network corrects reaching perturbations up to ±{max_n:g} N and reaches the target",
        f"mean final error of the perturbed centre-out reaches, {label} (m)",
        reaches[reaches.network == label].final_error_m.mean(),
        "<",
        c["final_error"],
        (reaches.network == label).sum(),
    )
    for label in NETWORKS.values()
]
records += [
    claims.claim(
        "fig5_posture_return_error",
        5,
        "after a postural perturbation the perturbation-trained network returns to the start",
        "mean final distance to the start, posture task, perturbation-trained (m)",
        held["perturbation-trained"].mean(),
        "<",
        c["return_error"],
        len(held["perturbation-trained"]),
    ),
    claims.claim(
        "fig5_posture_ratio",
        5,
        "the perturbation-free network is much worse than the perturbation-trained one at posture",
        "mean final distance to the start, posture task, perturbation-free / perturbation-trained",
        held["perturbation-free"].mean() / held["perturbation-trained"].mean(),
        ">",
        c["posture_ratio"],
        len(posture),
    ),
]
write_claims(records, snakemake.output.claims, log)
