"""Train one run: the config merged by workflow/rules/training.smk (params.config), in a staging
directory that survives failed jobs, then copied up.

The staging run is resumed when it is unfinished, was trained with the same settings (n_batches may grow)
and started from the current init_from checkpoint; otherwise (settings or parent changed, or a finished
run whose outputs Snakemake wants again) it starts afresh.
"""
import shutil
import time
from pathlib import Path

from _common import log_to
from motornet.train import ConfigError, load_checkpoint, load_config, train

log = log_to(snakemake.log[0])
config = dict(snakemake.params.config)
config["training"] = {**config["training"], "threads": snakemake.threads}
staging = Path(snakemake.params.staging)
log.info("training %s into %s: %s", snakemake.wildcards.model, staging, config)
config = load_config(config)


def resumable():
    checkpoint = staging / "checkpoint.pt"
    if not checkpoint.exists():
        return False
    if int(load_checkpoint(checkpoint)["batch"]) >= config.training.n_batches:
        log.info("the staging run is finished: Snakemake asks for it again, so it starts afresh")
        return False
    parent = config.training.init_from
    if parent and Path(parent).stat().st_mtime > (staging / "config.yaml").stat().st_mtime:
        log.info("%s is newer than the staging run: starting afresh", parent)
        return False
    return True


t0 = time.perf_counter()
resume = resumable()
try:
    summary = train(config, staging, resume=resume)
except ConfigError as error:   # the staging run has other settings: they changed, so start again
    if not resume:
        raise
    log.info("not resuming: %s", error)
    summary = train(config, staging, resume=False)
log.info("finished at batch %s in %.1f s (this job): %s", summary["batch"], time.perf_counter() - t0, summary)
for name in ("config", "log", "checkpoint"):   # the checkpoint last: it marks the run as complete
    target = Path(getattr(snakemake.output, name))
    tmp = target.with_name(target.name + ".tmp")
    shutil.copy2(staging / target.name, tmp)
    tmp.replace(target)
log.info("copied %s", ", ".join(snakemake.output))
