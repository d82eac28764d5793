# The ablation (not in the paper): Figure 6's arm26 network trained in every cell of config["ablation"]'s
# factors (models ablation_<level>_..., see common.smk), its PMD analysis (rule pmd) and reach errors.


rule ablation_metrics:
    """Per network of every cell: PMD axis, axial Rayleigh p, mode distances, reach endpoint error; per cell
    their mean and spread over seeds."""
    input:
        **{f"{cell}_pmd": f"{RESULTS}/fig6/pmd_{cell}.npz" for cell in CELLS},
        **{
            f"{cell}_seed{s}": f"{RESULTS}/tests/{cell}/seed{s}/test_fig6.npz"
            for cell in CELLS
            for s in ABLATION["seeds"]
        },
    output:
        table=f"{RESULTS}/ablation.csv",
        summary=f"{RESULTS}/ablation_summary.csv",
    params:
        cells=CELLS,
        seeds=ABLATION["seeds"],
        modes_deg=config["fig6"]["claims"]["modes_deg"],
        endpoint_error_steps=ABLATION["endpoint_error_steps"],
    log:
        f"{LOGS}/ablation_metrics.log",
    benchmark:
        f"{BENCHMARKS}/ablation_metrics.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/ablation_metrics.py"


rule ablation_figure:
    """The ablation's figure: PMD axis and reach error per cell, one point per network."""
    input:
        table=rules.ablation_metrics.output.table,
        summary=rules.ablation_metrics.output.summary,
    output:
        pdf=f"{FIGURES}/ablation.pdf",
        png=report(f"{FIGURES}/ablation.png", caption="../report/ablation.rst", category="Ablation"),
    params:
        figure="ablation",
        options={"factors": list(ABLATION["factors"]), "modes_deg": config["fig6"]["claims"]["modes_deg"]},
    log:
        f"{LOGS}/ablation_figure.log",
    benchmark:
        f"{BENCHMARKS}/ablation_figure.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/plot_figure.py"


rule ablation:
    """Train and analyse every cell of the ablation (`snakemake --cores 2 ablation --config preset=quick`)."""
    input:
        rules.ablation_metrics.output,
        rules.ablation_figure.output,
