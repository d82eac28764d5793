"""The ablation's table: per network of each cell, Figure 6's PMD statistics (analysis.pmd_claims) and the
centre-out reach endpoint error; per cell, mean and spread over its networks (analysis.ablation)."""

import numpy as np
import pandas as pd
from _common import log_to

from analysis import ablation, pmd_claims, trajectory

log = log_to(snakemake.log[0])
p = snakemake.params
rows = []
for cell, levels in p.cells.items():
    d = np.load(snakemake.input[f"{cell}_pmd"])
    stats = pmd_claims.pmd_statistics(d["pmd"], d["beta"], d["angles"], d["seeds"]).set_index("network")
    for seed in p.seeds:
        test = np.load(snakemake.input[f"{cell}_seed{seed}"])
        error = trajectory.endpoint_error(test["fingertip"], test["trial_target"], p.endpoint_error_steps).mean()
        rows.append(
            {
                "cell": cell,
                **levels,
                "seed": seed,
                **ablation.network_row(stats.loc[str(seed)], p.modes_deg),
                "endpoint_error_m": error,
            }
        )
table = pd.DataFrame(rows)
table.to_csv(snakemake.output.table, index=False, float_format="%.6g")
summary = ablation.summarise(table.drop(columns="cell"), list(next(iter(p.cells.values()))))
summary.to_csv(snakemake.output.summary, index=False, float_format="%.6g")
log.info("per network:\n%s\nper cell:\n%s", table.to_string(), summary.to_string())
