# The PMD study (not in the paper; Figure 9): Figure 6's arm26 network retrained in every cell of
# config["pmd_study"] (models pmd_<cell>, see common.smk), with snapshots along training.

PMD_STUDY = config["pmd_study"]
PMD_MODELS = [f"pmd_{cell}" for cell in PMD_STUDY["cells"]]


rule pmd_study_runs:
    """Train every run of the PMD study, with its snapshots (`snakemake --cores 2 pmd_study_runs`)."""
    input:
        [f"{run_dir(m, s)}/checkpoint.pt" for m in PMD_MODELS for s in PMD_STUDY["seeds"]],
        [path for m in PMD_MODELS for s in PMD_STUDY["seeds"] for path in snapshot_files(m, s)],
