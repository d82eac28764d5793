# Figure 5: out-of-distribution perturbations, perturbation-trained vs perturbation-free networks.
# Reads only the test results (NPZ + JSON metadata) and training logs of the runs named in config["fig5"].


rule fig5_metrics:
    """Final error and max perturbation-induced deviation of every Figure 5 test reach and hold; the claims."""
    input:
        **fig5_tests(),
    output:
        table=f"{RESULTS}/fig5_metrics.csv",
        claims=f"{RESULTS}/claims/fig5.json",
    params:
        models={network: FIG5[network] for network in FIG5_NETWORKS},
        tests=list(FIG5["tests"]),
        endpoint_error_steps=FIG5["endpoint_error_steps"],
        claims=FIG5["claims"],
    log:
        f"{LOGS}/fig5_metrics.log",
    benchmark:
        f"{BENCHMARKS}/fig5_metrics.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/fig5_metrics.py"


rule figure5:
    """Figure 5: training set (a), loss (b), centre-out (c, f) and posture (d, g) tests, muscle activations (e)."""
    input:
        **fig5_tests(),
        training_set=f"{RESULTS}/tests/{FIG5['trained']}/seed{FIG5['seed']}/{FIG5['training_set']}.npz",
        trained_log=f"{RESULTS}/runs/{FIG5['trained']}/seed{FIG5['seed']}/log.csv",
        free_log=f"{RESULTS}/runs/{FIG5['free']}/seed{FIG5['seed']}/log.csv",
        metrics=rules.fig5_metrics.output.table,
    output:
        pdf=figure(5, "pdf"),
        png=report(figure(5, "png"), caption="../report/fig5.rst", category="Figures"),
    params:
        figure="fig5",
        options={
            "highlight_above": FIG5["highlight_above"],
            "angle_deg": FIG5["muscle_reach_angle_deg"],
            "perturbation": FIG5["muscle_perturbation"],
        },
    log:
        f"{LOGS}/figure5.log",
    benchmark:
        f"{BENCHMARKS}/figure5.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/plot_figure.py"
