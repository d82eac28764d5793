# Reproduces the figures and tables of Codol et al. (eLife 2024), MotorNet.
#
#   snakemake --cores 2 figures/fig4.pdf                                 # one figure, paper preset
#   snakemake --cores 2 --config preset=quick                            # everything, quick preset
#   snakemake --cores 2 figures/smoke/fig4.pdf --config preset=smoke     # targets before --config
#   snakemake --profile workflow/profiles/slurm                          # on a SLURM cluster
#   snakemake --report report.html                                       # figures with captions
#
# Presets live in workflow/config/: paper.yaml holds every setting, quick.yaml and smoke.yaml
# override some; nested overrides go in a file given with --configfile. The config is checked against
# workflow/schemas/config.schema.yaml (workflow/rules/common.smk) before any job runs.
# Data go to results/<preset>/, figures to figures/ (paper) or figures/<preset>/.
# Data flow one way: rule -> workflow/scripts/*.py -> motornet + analysis -> results/ -> figures/.
import os
import sys

from snakemake.utils import min_version

min_version("8.0")

PRESETS = ("paper", "quick", "smoke")
PRESET = str(config.get("preset", "paper"))
if PRESET not in PRESETS:
    sys.exit(f"error: unknown preset {PRESET!r}: use --config preset=" + "|".join(PRESETS))


# paper.yaml, then the preset's own file over it (for the paper preset, paper.yaml again: a no-op).
configfile: os.path.join(workflow.basedir, "workflow", "config", "paper.yaml")
configfile: os.path.join(workflow.basedir, "workflow", "config", f"{PRESET}.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/biomechanics.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/schematics.smk"
include: "workflow/rules/training.smk"
include: "workflow/rules/fig1.smk"
include: "workflow/rules/fig5.smk"
include: "workflow/rules/fig6.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/ablation.smk"
include: "workflow/rules/pmd_study.smk"


# Every figure and table (default target; the paper preset trains for days: see workflow/config/paper.yaml).
rule all:
    input:
        [figure(n, ext) for n in (1, 2, 3, 4, 7, 8) for ext in ("pdf", "png")],
        f"{RESULTS}/fig1_metrics.csv",
        [figure(5, ext) for ext in ("pdf", "png")],
        f"{RESULTS}/fig5_metrics.csv",
        f"{RESULTS}/claims/fig5.json",
        [figure(6, ext) for ext in ("pdf", "png")],
        f"{RESULTS}/fig6_metrics.csv",
        f"{RESULTS}/claims/fig6.json",
        f"{RESULTS}/claims.json",
        f"{RESULTS}/summary.md",
        test_outputs(),
        f"{RESULTS}/tables/tables.md",
        f"{RESULTS}/fig4/moment_arm_comparison.csv",
    default_target: True


# Everything that needs no training (seconds; `make run` builds this).
rule untrained:
    input:
        [figure(n, ext) for n in (2, 3, 4, 7, 8) for ext in ("pdf", "png")],
        f"{RESULTS}/tables/tables.md",
        f"{RESULTS}/fig4/moment_arm_comparison.csv",


# Every figure and table that the finished training runs allow, without training any (`make run`: the paper
# from the shipped networks); the figures whose networks are not trained are left out, and a message says so.
rule without_training:
    input:
        rules.untrained.input,
        without_training,
