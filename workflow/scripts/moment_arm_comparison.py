"""Geometric-path arm26 moment arms (the paper's table 5, our source: docs/model.md §4.4) checked against the
moment-arm polynomial (table 4): per muscle and joint, ranges, sign agreement and size ratio."""

import numpy as np
from _common import log_to

from analysis import sweeps

log = log_to(snakemake.log[0])
table = sweeps.compare_moment_arms(dict(np.load(snakemake.input.polynomial)), dict(np.load(snakemake.input.geometric)))
table = table.rename(columns=lambda c: c.replace("reference", "polynomial").replace("other", "geometric"))
table.to_csv(snakemake.output.table, index=False, float_format="%.6g")
log.info("geometric vs polynomial moment arms (m/rad):\n%s", table.to_string())
