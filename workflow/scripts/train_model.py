"""Train one job's runs, seeds of one model, as one ensemble (motornet.train.train_ensemble): the configs
merged by workflow/rules/training.smk (params.configs), each in a staging directory that survives failed
jobs, then copied up.

A staging run is resumed when its checkpoint is unfinished and motornet.train accepts it: written with the
same settings (n_batches may grow) and from the same bytes of the init_from checkpoint. Otherwise (settings
or parent changed, an unreadable checkpoint, or a finished run whose outputs Snakemake wants again) it
starts afresh, which deletes the old checkpoint before anything else is written.
"""

import os
import shutil
import time
from pathlib import Path

from _common import log_to

from motornet.train import exit_on_sigterm, load_config, resume_status, train_ensemble

log = log_to(snakemake.log[0])
exit_on_sigterm()  # a killed job (SLURM timeout, Ctrl-C of snakemake) leaves no temporary checkpoint
configs = [
    load_config({**c, "training": {**c["training"], "threads": snakemake.threads}}) for c in snakemake.params.configs
]
stagings = [Path(p) for p in snakemake.params.stagings]


def resumable(config, staging):
    """Whether the staging run can go on (motornet.train.resume_status); logs why not."""
    reason = resume_status(staging, config)
    if reason is not None and (staging / "checkpoint.pt").exists():
        log.info("not resuming %s: %s", staging, reason)
    return reason is None


t0 = time.perf_counter()
resume = [resumable(c, s) for c, s in zip(configs, stagings)]
log.info(
    "training seeds %s into %s (resuming: %s): %s",
    [c.seed for c in configs],
    [str(s) for s in stagings],
    resume,
    snakemake.params.configs,
)
summaries = train_ensemble(configs, stagings, resume=resume)
log.info("finished in %.1f s (this job): %s", time.perf_counter() - t0, summaries)
# The outputs: checkpoint.pt, config.yaml, log.csv of each seed in turn (training.smk), then the snapshots
# (runs/<model>/seed<k>/snapshots/, from the staging's); checkpoints are copied last: they mark the runs as
# complete.
outputs = [
    dict(zip(("checkpoint.pt", "config.yaml", "log.csv"), snakemake.output[3 * k : 3 * k + 3]))
    for k in range(len(stagings))
]


def copy_up(source, target):
    target = Path(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copy2(source, tmp)
    tmp.replace(target)


for target in snakemake.output.snapshots:
    run = Path(target).parent.parent
    copy_up(run / "training" / "snapshots" / Path(target).name, target)
for name in ("config.yaml", "log.csv", "checkpoint.pt"):
    for staging, files in zip(stagings, outputs):
        copy_up(staging / name, files[name])
log.info("copied %s", ", ".join(snakemake.output))
