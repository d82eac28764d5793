# The PMD study (not in the paper; Figure 9): Figure 6's arm26 network retrained in every cell of
# config["pmd_study"] (models pmd_<cell>, see common.smk), with snapshots along training; each snapshot's
# PMD axis from several start postures against the arm's mass and joint-excursion ellipses.


rule pmd_study_runs:
    """Train every run of the PMD study, with its snapshots (`snakemake --cores 2 pmd_study_runs`)."""
    input:
        [f"{run_dir(m, s)}/checkpoint.pt" for m in PMD_MODELS for s in PMD_STUDY["seeds"]],
        [path for m in PMD_MODELS for s in PMD_STUDY["seeds"] for path in snapshot_files(m, s)],


rule pmd_study_cell:
    """One cell of the PMD study: PMD axis per network and pooled, per snapshot and posture (CSV)."""
    input:
        snapshots=lambda w: [path for s in PMD_STUDY["seeds"] for path in snapshot_files(f"pmd_{w.cell}", s)],
        configs=lambda w: [f"{run_dir(f'pmd_{w.cell}', s)}/config.yaml" for s in PMD_STUDY["seeds"]],
        logs=lambda w: [f"{run_dir(f'pmd_{w.cell}', s)}/log.csv" for s in PMD_STUDY["seeds"]],
        test=os.path.join(workflow.basedir, "motornet", "configs", f"{PMD_STUDY['test']}.yaml"),
    output:
        table=f"{RESULTS}/pmd_study/pmd_{{cell}}.csv",
    params:
        runs=lambda w: f"{RESULTS}/runs/pmd_{w.cell}",
        seeds=PMD_STUDY["seeds"],
        snapshots=PMD_STUDY["snapshots"],
        postures_deg=PMD_STUDY["postures_deg"],
        window=FIG6["window"],
        endpoint_error_steps=PMD_STUDY["endpoint_error_steps"],
    log:
        f"{LOGS}/pmd_study/{{cell}}.log",
    benchmark:
        f"{BENCHMARKS}/pmd_study/{{cell}}.tsv"
    wildcard_constraints:
        cell="|".join(PMD_STUDY["cells"]),
    threads: threads_for("test")
    resources:
        **resources_for("test"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/pmd_study_cell.py"


rule pmd_study_summary:
    """The PMD study's tables: every row, per cell/batch/posture summaries, and binned loss curves."""
    input:
        tables=[f"{RESULTS}/pmd_study/pmd_{cell}.csv" for cell in PMD_STUDY["cells"]],
        logs=[f"{run_dir(m, s)}/log.csv" for m in PMD_MODELS for s in PMD_STUDY["seeds"]],
    output:
        table=f"{RESULTS}/pmd_study/pmd_study.csv",
        summary=f"{RESULTS}/pmd_study/summary.csv",
        loss=f"{RESULTS}/pmd_study/loss_curves.csv",
    params:
        cells=list(PMD_STUDY["cells"]),
        seeds=PMD_STUDY["seeds"],
        loss_bin=PMD_STUDY["loss_bin"],
        alpha=FIG6["claims"]["alpha"],
    log:
        f"{LOGS}/pmd_study/summary.log",
    benchmark:
        f"{BENCHMARKS}/pmd_study/summary.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/pmd_study_summary.py"


rule figure9:
    """Figure 9 (beyond the paper): the PMD axis along training, across postures, and the loss terms."""
    input:
        table=rules.pmd_study_summary.output.table,
        summary=rules.pmd_study_summary.output.summary,
        loss=rules.pmd_study_summary.output.loss,
    output:
        pdf=figure(9, "pdf"),
        png=report(figure(9, "png"), caption="../report/fig9.rst", category="Figure 9 (beyond the paper)"),
    params:
        figure="fig9",
        options={
            "baseline": next(iter(PMD_STUDY["cells"])),
            "posture_deg": PMD_STUDY["postures_deg"][0],
            "early_batch": PMD_STUDY["early_batch"],
            "late_batch": PMD_STUDY["snapshots"][-1],
        },
    log:
        f"{LOGS}/figure9.log",
    benchmark:
        f"{BENCHMARKS}/figure9.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/plot_figure.py"


rule pmd_study:
    """Train and analyse the PMD study: its tables and Figure 9 (`snakemake --cores 2 pmd_study`)."""
    input:
        rules.pmd_study_summary.output,
        rules.figure9.output,
