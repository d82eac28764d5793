# Figure 6: effector geometry shapes the distribution of preferred movement directions (PMDs).
# Reads the test results of every seed of config["fig6"]["models"] (arm26 and point mass, test_fig6),
# the arm drawn for Figure 8 and the point-mass anchors of Figure 4 (panel a's schematics).


rule pmd:
    """PMD regression (paper 4.5.4) of every network of one Figure 6 model: CSV per unit, betas as NPZ."""
    input:
        npz=lambda w: fig6_test(w.model),
    output:
        table=f"{RESULTS}/fig6/pmd_{{model}}.csv",
        beta=f"{RESULTS}/fig6/pmd_{{model}}.npz",
    params:
        seeds=lambda w: MODELS[w.model]["seeds"],
        window=FIG6["window"],
    log:
        f"{LOGS}/pmd_{{model}}.log",
    benchmark:
        f"{BENCHMARKS}/pmd_{{model}}.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/fig6_pmd.py"


rule fig6_metrics:
    """Per-network and pooled PMD statistics (axial Rayleigh, modes, ridge deviation) and Figure 6's claims."""
    input:
        **{effector: f"{RESULTS}/fig6/pmd_{model}.npz" for effector, model in FIG6["models"].items()},
    output:
        table=f"{RESULTS}/fig6_metrics.csv",
        claims=f"{RESULTS}/claims/fig6.json",
    params:
        claims=FIG6["claims"],
    log:
        f"{LOGS}/fig6_metrics.log",
    benchmark:
        f"{BENCHMARKS}/fig6_metrics.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/fig6_metrics.py"


rule figure6:
    """Figure 6: schematics, trajectories, PMD histograms, muscle activations, sorted betas, hidden activity."""
    input:
        **{
            f"{effector}_{ext}": fig6_test(model, ext, FIG6["sample_seed"])
            for effector, model in FIG6["models"].items()
            for ext in ("npz", "json")
        },
        **{f"{effector}_pmd": f"{RESULTS}/fig6/pmd_{model}.npz" for effector, model in FIG6["models"].items()},
        metrics=rules.fig6_metrics.output.table,
        skeleton=f"{RESULTS}/fig8/skeleton.csv",
        paths=f"{RESULTS}/fig8/muscle_paths.csv",
        point_mass=f"{RESULTS}/fig4/point_mass_moment_arms.npz",
    output:
        pdf=figure(6, "pdf"),
        png=report(figure(6, "png"), caption="../report/fig6.rst", category="Figures"),
    params:
        figure="fig6",
        options={
            "sample_seed": FIG6["sample_seed"],
            "activation_window_s": FIG6["activation_window"],
            "n_units": FIG6["sample_units"],
        },
    log:
        f"{LOGS}/figure6.log",
    benchmark:
        f"{BENCHMARKS}/figure6.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/plot_figure.py"
