"""results/<preset>/summary.md: the figures with their claims, the claims table and the training times
(analysis.summary)."""

from pathlib import Path

from _common import log_to

from analysis import summary

log = log_to(snakemake.log[0])
jobs = [(model, seeds, [summary.run_training(d) for d in run_dirs]) for model, seeds, run_dirs in snakemake.params.jobs]
page = summary.page(
    snakemake.params.preset,
    snakemake.input.claims,
    snakemake.params.figures,
    jobs,
    relative_to=Path(snakemake.output[0]).parent,
)
Path(snakemake.output[0]).write_text(page)
log.info("summary of %d training jobs and %d figures written", len(jobs), len(snakemake.params.figures))
