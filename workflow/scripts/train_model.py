"""Train one run: the config merged by workflow/rules/training.smk (params.config), in a staging
directory that survives failed jobs, then copied up.

The staging run is resumed when its checkpoint is unfinished and motornet.train accepts it: written with
the same settings (n_batches may grow) and from the same bytes of the init_from checkpoint. Otherwise
(settings or parent changed, an unreadable checkpoint, or a finished run whose outputs Snakemake wants
again) it starts afresh, which deletes the old checkpoint before anything else is written.
"""
import os
import shutil
import time
from pathlib import Path

from _common import log_to
from motornet.train import CheckpointError, RunMismatchError, load_checkpoint, load_config, train

log = log_to(snakemake.log[0])
config = dict(snakemake.params.config)
config["training"] = {**config["training"], "threads": snakemake.threads}
staging = Path(snakemake.params.staging)
log.info("training %s into %s: %s", snakemake.wildcards.model, staging, config)
config = load_config(config)


def finished():
    try:
        return int(load_checkpoint(staging)["batch"]) >= config.training.n_batches
    except CheckpointError:  # none yet, or unreadable: train() says which
        return False


t0 = time.perf_counter()
resume = not finished()
if not resume:
    log.info("the staging run is finished: Snakemake asks for it again, so it starts afresh")
try:
    summary = train(config, staging, resume=resume)
except (RunMismatchError, CheckpointError) as error:   # another run's checkpoint, or a damaged one
    log.info("not resuming: %s", error)
    summary = train(config, staging, resume=False)
log.info("finished at batch %s in %.1f s (this job): %s", summary["batch"], time.perf_counter() - t0, summary)
for name in ("config", "log", "checkpoint"):   # the checkpoint last: it marks the run as complete
    target = Path(getattr(snakemake.output, name))
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copy2(staging / target.name, tmp)
    tmp.replace(target)
log.info("copied %s", ", ".join(snakemake.output))
