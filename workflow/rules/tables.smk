# Tables 1-5: parameters read from the simulator's objects, so they cannot drift from the model.


rule parameter_tables:
    """Tables 1-5 as CSV, and all of them as one markdown file."""
    output:
        **{f"table{k}": f"{RESULTS}/tables/table{k}.csv" for k in range(1, 6)},
        markdown=report(f"{RESULTS}/tables/tables.md", caption="../report/tables.rst", category="Tables"),
    log:
        f"{LOGS}/parameter_tables.log",
    benchmark:
        f"{BENCHMARKS}/parameter_tables.tsv"
    threads: threads_for("sweep")
    resources:
        **resources_for("sweep"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/parameter_tables.py"
