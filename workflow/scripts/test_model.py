"""Evaluate one trained run on one test protocol (motornet.evaluate.run_test): NPZ + JSON."""
from pathlib import Path

import torch

from _common import log_to
from motornet.evaluate import run_test

log = log_to(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
out = Path(snakemake.output.npz)
paths = run_test(Path(snakemake.input.checkpoint).parent, snakemake.input.test, out.with_suffix(""),
                 device="cpu")   # a few trials per protocol: the CPU is fast enough and deterministic
log.info("wrote %s and %s", *paths)
