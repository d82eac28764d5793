# The paper's claims, one statistic each: every figure's metrics rule writes claims/fig<N>.json;
# this merges them into results/<preset>/claims.json and the README's table (claims.md).
# The summary rule puts them beside the figures and the training times (results/<preset>/summary.md).

CLAIM_FIGURES = [1, 4, 5, 6]


rule claims:
    """Merge the per-figure claim records (analysis.claims) into claims.json and a markdown table."""
    input:
        [f"{RESULTS}/claims/fig{n}.json" for n in CLAIM_FIGURES],
    output:
        json=f"{RESULTS}/claims.json",
        table=f"{RESULTS}/claims.md",
    log:
        f"{LOGS}/claims.log",
    benchmark:
        f"{BENCHMARKS}/claims.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/merge_claims.py"


SUMMARY_FIGURES = range(1, 9)


rule summary:
    """The preset's results page (analysis.summary): each figure with its claims, the claims table, the
    training jobs' wall times from the runs' logs; `make readme` puts the paper preset's into the README."""
    input:
        claims=f"{RESULTS}/claims.json",
        logs=[f"{d}/log.csv" for _, _, dirs in summary_jobs() for d in dirs],
    output:
        f"{RESULTS}/summary.md",
    params:
        preset=PRESET,
        # links only: a figure redrawn leaves the page as it is (the targets that ask for the page build them)
        figures={n: figure(n, "png") for n in SUMMARY_FIGURES},
        jobs=summary_jobs(),
    log:
        f"{LOGS}/summary.log",
    benchmark:
        f"{BENCHMARKS}/summary.tsv"
    threads: threads_for("plot")
    resources:
        **resources_for("plot"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/summary.py"
