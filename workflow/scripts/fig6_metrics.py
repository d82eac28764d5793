"""Figure 6 statistics per network and pooled (axial Rayleigh test on doubled PMDs, modes, ridge deviation)
for the arm26 and point-mass models, and the figure's claims (analysis.pmd_claims)."""

import numpy as np
import pandas as pd
from _common import log_to, write_claims

from analysis import pmd_claims

log = log_to(snakemake.log[0])
tables = {}
for effector in ("arm26", "point_mass"):
    d = np.load(snakemake.input[effector])
    tables[effector] = pmd_claims.pmd_statistics(d["pmd"], d["beta"], d["angles"], d["seeds"])
table = pd.concat([t.assign(effector=e) for e, t in tables.items()], ignore_index=True)
table = table[["effector", "network", *[c for c in table.columns if c not in ("effector", "network")]]]
table.to_csv(snakemake.output.table, index=False, float_format="%.6g")
log.info("statistics:\n%s", table.to_string())
records = pmd_claims.fig6_claims(tables["arm26"], tables["point_mass"], **snakemake.params.claims)
write_claims(records, snakemake.output.claims, log)
