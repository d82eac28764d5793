"""Evaluate one trained run, or one of its snapshots, on one test protocol (motornet.evaluate.run_test): NPZ +
JSON."""

from pathlib import Path

import torch
from _common import log_to

from motornet.evaluate import run_test

log = log_to(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
out = Path(snakemake.output.npz)
checkpoint = Path(snakemake.input.checkpoint)
run = Path(snakemake.input.config).parent  # the run directory (its checkpoint, or one of its snapshots)
paths = run_test(
    run,
    snakemake.input.test,
    out.with_suffix(""),
    device="cpu",  # a few trials: the CPU is
    checkpoint=None if checkpoint == run / "checkpoint.pt" else checkpoint,
)  # fast and deterministic
log.info("wrote %s and %s", *paths)
