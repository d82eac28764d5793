"""PMD regression (paper 4.5.4) of every network of one Figure 6 model: window-mean hidden activity per
reach direction, regressed on a one-hot design of the 24 directions; |beta| normalised per unit; PMD =
direction of the maximal normalised beta. Writes one CSV row per unit per network and the betas as NPZ."""

import numpy as np
import pandas as pd
from _common import log_to

from analysis import pmd

log = log_to(snakemake.log[0])
p = snakemake.params
rows, betas, pmds, activities = [], [], [], []
for seed, path in zip(p.seeds, snakemake.input.npz):
    d = np.load(path)
    activity, seen = pmd.go_window_activity(d, p.window)  # (trials, units)
    result = pmd.pmd_regression(activity, d["trial_angle"])
    if len(result.angles) != len(activity):
        raise ValueError(f"{path}: expected one trial per reach direction")
    order = np.argsort(np.mod(d["trial_angle"], 2 * np.pi))  # rows in result.angles' order
    signed = activity[order][np.searchsorted(result.angles, np.nan_to_num(result.pmd)), np.arange(activity.shape[1])]
    log.info(
        "seed %s: go-cue seen at step %s, window %g s, %d of %d units tuned",
        seed,
        sorted(set(seen.tolist())),
        p.window,
        np.isfinite(result.pmd).sum(),
        len(result.pmd),
    )
    for unit, (angle, value) in enumerate(zip(result.pmd, signed)):
        rows.append(
            {
                "model": snakemake.wildcards.model,
                "seed": seed,
                "unit": unit,
                "pmd_deg": np.rad2deg(angle),
                "activity_at_pmd": value if np.isfinite(angle) else np.nan,
            }
        )
    betas.append(result.beta)
    pmds.append(result.pmd)
    activities.append(activity[order])
pd.DataFrame(rows).to_csv(snakemake.output.table, index=False, float_format="%.6g")
np.savez_compressed(
    snakemake.output.beta,
    seeds=np.asarray(p.seeds),
    angles=result.angles,
    beta=np.stack(betas),
    pmd=np.stack(pmds),
    activity=np.stack(activities),
    window_s=p.window,
)
