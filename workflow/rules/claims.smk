# The paper's claims, one statistic each: every figure's metrics rule writes claims/fig<N>.json;
# this merges them into results/<preset>/claims.json and the README's table (claims.md).

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
