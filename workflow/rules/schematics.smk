# Figures 2, 3 and 7: the paper's conceptual diagrams, labelled from the code's own classes and settings.


rule model_description:
    """Class names, delays, sizes and noise sources of an instantiated model (for figures 2 and 3)."""
    output:
        json=f"{RESULTS}/schematics/model_description.json",
    params:
        proprioception_delay=config["model"]["proprioception_delay"],
        vision_delay=config["model"]["vision_delay"],
        n_hidden=config["model"]["n_hidden"],
        effector=config["arm26"],
    log:
        f"{LOGS}/model_description.log",
    benchmark:
        f"{BENCHMARKS}/model_description.tsv"
    threads: threads_for("sweep")
    resources:
        **resources_for("sweep"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/describe_model.py"


rule figure2:
    """Figure 2: the closed loop of policy and environment, with delays and noise."""
    input:
        description=rules.model_description.output.json,
    output:
        pdf=figure(2, "pdf"),
        png=report(figure(2, "png"), caption="../report/fig2.rst", category="Figures"),
    params:
        figure="fig2",
        options={},
    log:
        f"{LOGS}/figure2.log",
    benchmark:
        f"{BENCHMARKS}/figure2.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/plot_figure.py"


rule figure3:
    """Figure 3: runtime information flow and object nesting."""
    input:
        description=rules.model_description.output.json,
    output:
        pdf=figure(3, "pdf"),
        png=report(figure(3, "png"), caption="../report/fig3.rst", category="Figures"),
    params:
        figure="fig3",
        options={},
    log:
        f"{LOGS}/figure3.log",
    benchmark:
        f"{BENCHMARKS}/figure3.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/plot_figure.py"


rule figure7:
    """Figure 7: expandability, from parameter changes to new subclasses (classes from table 1)."""
    input:
        classes=rules.parameter_tables.output.table1,
    output:
        pdf=figure(7, "pdf"),
        png=report(figure(7, "png"), caption="../report/fig7.rst", category="Figures"),
    params:
        figure="fig7",
        options={},
    log:
        f"{LOGS}/figure7.log",
    benchmark:
        f"{BENCHMARKS}/figure7.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/plot_figure.py"
