# Figure 1: centre-out reaching, naive and curl-field adapted, in a null and a curl field.
# Reads only the test results (NPZ + JSON metadata) of the runs named in config["fig1"].


rule fig1_metrics:
    """Endpoint error, path straightness and max lateral deviation of every Figure 1 test reach of every
    seed; the claims as means over the seeds."""
    input:
        **fig1_tests(FIG1["seeds"], ext=("npz",)),
    output:
        table=f"{RESULTS}/fig1_metrics.csv",
        claims=f"{RESULTS}/claims/fig1.json",
    params:
        seeds=FIG1["seeds"],
        fields=list(FIG1["tests"]),
        endpoint_error_steps=FIG1["endpoint_error_steps"],
        target_radius=config["models"][FIG1["naive"]]["loss"]["target_radius"],  # r of eq. 1 (m)
        claims=FIG1["claims"],
    log:
        f"{LOGS}/fig1_metrics.log",
    benchmark:
        f"{BENCHMARKS}/fig1_metrics.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/fig1_metrics.py"


rule figure1:
    """Figure 1: endpoint trajectories (b) and the rightward reach's time courses (c)."""
    input:
        **fig1_tests(),
        metrics=rules.fig1_metrics.output.table,
    output:
        pdf=figure(1, "pdf"),
        png=report(figure(1, "png"), caption="../report/fig1.rst", category="Figures"),
    params:
        figure="fig1",
        options={
            "fields": list(FIG1["tests"]),
            "angle_deg": FIG1["time_course_angle_deg"],
            "seed": FIG1["seeds"][0],
            "time_course": list(FIG1["time_course"]),
        },
    log:
        f"{LOGS}/figure1.log",
    benchmark:
        f"{BENCHMARKS}/figure1.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/plot_figure.py"
