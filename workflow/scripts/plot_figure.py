"""Draw one figure from files under results/: analysis.plotting.<figure>.plot(inputs, **params)."""

import importlib

from _common import log_to

from analysis import style

log = log_to(snakemake.log[0])
style.use()
module = importlib.import_module(f"analysis.plotting.{snakemake.params.figure}")
fig = module.plot(dict(snakemake.input.items()), **snakemake.params.options)
style.save(fig, snakemake.output.pdf, snakemake.output.png)
log.info("wrote %s and %s", snakemake.output.pdf, snakemake.output.png)
