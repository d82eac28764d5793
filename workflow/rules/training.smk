# Training (figures 1, 5, 6) and the test protocols the trained policies are run through.
#
# One `train` job per model and seed of config["models"] (see the schema in workflow/config/paper.yaml).
# motornet.train works in a staging directory, runs/<model>/seed<k>/training/, which Snakemake never
# deletes: a job killed or timed out (SLURM runtime) resumes from its last checkpoint when rerun, and a
# raised n_batches continues an existing run. Only a finished run is copied up to runs/<model>/seed<k>/.
# run_config, train_resources and the other helpers are in common.smk.


wildcard_constraints:
    model="|".join(MODELS),
    seed=r"\d+",
    test=r"test_\w+",


# The message reads the budget from params.config rather than from a param of its own: params are
# provenance, and rewording such a text would retrain every model.
rule train:
    """Train one model and seed with motornet.train (budgets in params.config.training)."""
    message:
        "train {wildcards.model} seed {wildcards.seed}: {params.config[training][n_batches]} batches x "
        "{params.config[training][batch_size]} episodes, {params.config[effector][name]}, "
        "GRU {params.config[policy][hidden_size]}; {threads} threads, {resources.runtime} min, {resources.mem_mb} MB"
    input:
        base=lambda w: os.path.join(workflow.basedir, MODELS[w.model]["base"]),
        init=lambda w: [init_checkpoint(w.model, w.seed)] if MODELS[w.model].get("init_from") else [],
    output:
        checkpoint=f"{RESULTS}/runs/{{model}}/seed{{seed}}/checkpoint.pt",
        config=f"{RESULTS}/runs/{{model}}/seed{{seed}}/config.yaml",
        log=f"{RESULTS}/runs/{{model}}/seed{{seed}}/log.csv",
    params:
        config=lambda w: run_config(w.model, w.seed),
        staging=lambda w: f"{run_dir(w.model, w.seed)}/training",
    log:
        f"{LOGS}/train/{{model}}_seed{{seed}}.log",
    benchmark:
        f"{BENCHMARKS}/train/{{model}}_seed{{seed}}.tsv"
    threads: threads_for("train")
    resources:
        mem_mb=lambda w: train_resources(w.model)["mem_mb"],
        runtime=lambda w: train_resources(w.model)["runtime"],
        gpu=config["resources"]["train"]["gpu"],
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/train_model.py"


rule test_model:
    """Run a trained policy through a test protocol (motornet/configs/<test>.yaml): NPZ + JSON."""
    input:
        checkpoint=f"{RESULTS}/runs/{{model}}/seed{{seed}}/checkpoint.pt",
        config=f"{RESULTS}/runs/{{model}}/seed{{seed}}/config.yaml",
        test=os.path.join(workflow.basedir, "motornet", "configs", "{test}.yaml"),
    output:
        npz=f"{RESULTS}/tests/{{model}}/seed{{seed}}/{{test}}.npz",
        json=f"{RESULTS}/tests/{{model}}/seed{{seed}}/{{test}}.json",
    log:
        f"{LOGS}/test/{{model}}_seed{{seed}}_{{test}}.log",
    benchmark:
        f"{BENCHMARKS}/test/{{model}}_seed{{seed}}_{{test}}.tsv"
    threads: threads_for("test")
    resources:
        **resources_for("test"),
    conda:
        "../envs/motornet.yaml"
    script:
        "../scripts/test_model.py"


rule trained_models:
    """Every training run of the preset, tested on its protocols."""
    input:
        test_outputs(),
