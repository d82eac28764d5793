# Figure 4 (moment arms, passive drift) and Figure 8 (muscle paths): simulator sweeps, no training.


# The effectors config["fig4"] sweeps (point_mass has its own rule).
wildcard_constraints:
    effector="|".join(sorted({config["fig4"]["arm_effector"], *config["fig4"]["drift"]["effectors"]})),


rule point_mass_moment_arms:
    """Fig. 4a-c: ReluPointMass24 moment arms at two positions and over the workspace square."""
    output:
        positions=f"{RESULTS}/fig4/point_mass_moment_arms_at_positions.csv",
        grid=f"{RESULTS}/fig4/point_mass_moment_arms.npz",
    params:
        positions=config["fig4"]["point_mass_positions"],
        grid=config["fig4"]["workspace_grid"],
    log:
        f"{LOGS}/point_mass_moment_arms.log",
    benchmark:
        f"{BENCHMARKS}/point_mass_moment_arms.tsv"
    threads: threads_for("sweep")
    resources:
        **resources_for("sweep"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/sweep_point_mass.py"


rule arm_moment_arms:
    """Fig. 4d-e: moment arms of an arm26 (the geometric GeometricArm26 for the figure) over its joint range."""
    output:
        grid=f"{RESULTS}/fig4/{{effector}}_moment_arms.npz",
    params:
        effector=lambda wildcards: wildcards.effector,
        muscle=config["fig4"]["muscle"],
        grid=config["fig4"]["joint_grid"],
    log:
        f"{LOGS}/{{effector}}_moment_arms.log",
    benchmark:
        f"{BENCHMARKS}/{{effector}}_moment_arms.tsv"
    threads: threads_for("sweep")
    resources:
        **resources_for("sweep"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/sweep_arm26.py"


rule moment_arm_comparison:
    """The geometric arm26's moment arms against the polynomial's (sign and size) over the joint range."""
    input:
        polynomial=f"{RESULTS}/fig4/arm26_moment_arms.npz",
        geometric=f"{RESULTS}/fig4/arm26_geometric_moment_arms.npz",
    output:
        table=f"{RESULTS}/fig4/moment_arm_comparison.csv",
    log:
        f"{LOGS}/moment_arm_comparison.log",
    benchmark:
        f"{BENCHMARKS}/moment_arm_comparison.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/moment_arm_comparison.py"


rule passive_drift:
    """Fig. 4f: endpoint drift under zero excitation from a grid of starting postures."""
    output:
        grid=f"{RESULTS}/fig4/passive_drift_{{effector}}.npz",
        table=f"{RESULTS}/fig4/passive_drift_{{effector}}.csv",
    params:
        muscle=config["fig4"]["muscle"],
        grid=config["fig4"]["drift"]["grid"],
        duration=config["fig4"]["drift"]["duration"],
    log:
        f"{LOGS}/passive_drift_{{effector}}.log",
    benchmark:
        f"{BENCHMARKS}/passive_drift_{{effector}}.tsv"
    threads: threads_for("sweep")
    resources:
        **resources_for("sweep"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/passive_drift.py"


rule figure4:
    """Figure 4: biomechanical properties of the point mass and the arm26."""
    input:
        **{f"drift_{name}": f"{RESULTS}/fig4/passive_drift_{name}.npz" for name in config["fig4"]["drift"]["effectors"]},
        point_mass_positions=rules.point_mass_moment_arms.output.positions,
        point_mass_grid=rules.point_mass_moment_arms.output.grid,
        arm_grid=f"{RESULTS}/fig4/{config['fig4']['arm_effector']}_moment_arms.npz",
        skeleton=f"{RESULTS}/fig8/skeleton.csv",  # the arm drawn for reference in panel f
    output:
        pdf=figure(4, "pdf"),
        png=report(figure(4, "png"), caption="../report/fig4.rst", category="Figures"),
    params:
        figure="fig4",
        options={
            "drift_effectors": config["fig4"]["drift"]["effectors"],
            "mono_articular": config["fig4"]["mono_articular"],
            "bi_articular": config["fig4"]["bi_articular"],
            "duration_ms": 1000 * config["fig4"]["drift"]["duration"],
            "drift_arrow_scale": config["fig4"]["drift"]["arrow_scale"],
            "outline_deg": config["fig8"]["joint_deg"],
        },
    log:
        f"{LOGS}/figure4.log",
    benchmark:
        f"{BENCHMARKS}/figure4.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/plot_figure.py"


rule fig4_claims:
    """Figure 4's claims (moment-arm signs and symmetries, passive drift centre vs edges) as JSON."""
    input:
        point_mass_positions=rules.point_mass_moment_arms.output.positions,
        arm_grid=f"{RESULTS}/fig4/{config['fig4']['arm_effector']}_moment_arms.npz",
        drift=[f"{RESULTS}/fig4/passive_drift_{name}.npz" for name in config["fig4"]["drift"]["claim_effectors"]],
    output:
        claims=f"{RESULTS}/claims/fig4.json",
    params:
        **config["fig4"]["claims"],
        drift_effectors=config["fig4"]["drift"]["claim_effectors"],
        mono_articular=config["fig4"]["mono_articular"],
        bi_articular=config["fig4"]["bi_articular"],
    log:
        f"{LOGS}/fig4_claims.log",
    benchmark:
        f"{BENCHMARKS}/fig4_claims.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/fig4_claims.py"


rule muscle_paths:
    """Fig. 8: fixation points of the geometric arm26's muscles at one posture, in world coordinates."""
    output:
        paths=f"{RESULTS}/fig8/muscle_paths.csv",
        skeleton=f"{RESULTS}/fig8/skeleton.csv",
    params:
        muscle=config["fig4"]["muscle"],
        joint_deg=config["fig8"]["joint_deg"],
    log:
        f"{LOGS}/muscle_paths.log",
    benchmark:
        f"{BENCHMARKS}/muscle_paths.tsv"
    threads: threads_for("sweep")
    resources:
        **resources_for("sweep"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/muscle_paths.py"


rule figure8:
    """Figure 8: bone-relative coordinate frames and the arm26 muscle paths."""
    input:
        paths=rules.muscle_paths.output.paths,
        skeleton=rules.muscle_paths.output.skeleton,
    output:
        pdf=figure(8, "pdf"),
        png=report(figure(8, "png"), caption="../report/fig8.rst", category="Figures"),
    params:
        figure="fig8",
        options={},
    log:
        f"{LOGS}/figure8.log",
    benchmark:
        f"{BENCHMARKS}/figure8.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/plot_figure.py"
