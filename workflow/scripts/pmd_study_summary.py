"""The PMD study's tables (analysis.pmd_study): the cells' rows in one CSV, their summary per cell, batch and
posture, and each run's loss terms binned over training."""

import pandas as pd
from _common import log_to

from analysis import pmd_study

log = log_to(snakemake.log[0])
p = snakemake.params
table = pd.concat([pd.read_csv(path) for path in snakemake.input.tables], ignore_index=True)
table.to_csv(snakemake.output.table, index=False, float_format="%.6g")
summary = pmd_study.summarise(table, p.alpha)
summary.to_csv(snakemake.output.summary, index=False, float_format="%.6g")
curves = []
logs = iter(snakemake.input.logs)  # pmd_study.smk's order: every seed of each cell in turn
for cell in p.cells:
    for seed in p.seeds:
        curve = pmd_study.loss_curve(pd.read_csv(next(logs)), p.loss_bin)
        curve.insert(0, "seed", seed)
        curve.insert(0, "cell", cell)
        curves.append(curve)
pd.concat(curves, ignore_index=True).to_csv(snakemake.output.loss, index=False, float_format="%.6g")
log.info("summary:\n%s", summary.to_string())
