# Training (figures 1, 5, 6) and the test protocols the trained policies are run through.
#
# One `train` job per model and seed of config["models"] (see the schema in workflow/config/paper.yaml).
# motornet.train works in a staging directory, runs/<model>/seed<k>/training/, which Snakemake never
# deletes: a job killed or timed out (SLURM runtime) resumes from its last checkpoint when rerun, and a
# raised n_batches continues an existing run. Only a finished run is copied up to runs/<model>/seed<k>/.
# run_config, train_resources and the other helpers are in common.smk.
#
# When a run is trained again is decided from its files' contents, not from mtimes or Snakemake's metadata:
# a fresh clone has no .snakemake/ and checks files out with arbitrary mtimes, and the shipped networks
# (results/paper/runs/, committed) must not be retrained for that. A finished run is *current* when its
# checkpoint records the sha256 of its settings (motornet.train.config_hash) equal to run_config's, the
# batch count asked for, and the sha256 of its parent checkpoint's bytes (init_from), and its parent run is
# current (common.smk's run_status, evaluated before any job, in a dry run too). Then:
# - a current run is no rule's output (train's `model` constraint excludes '<model>/seed<k>/'), so its
#   files are source files: no input's mtime, no change of this script, its params or Snakemake's
#   metadata makes Snakemake train it again (`--forcerun train` neither: delete the run to retrain it);
# - a missing run is trained (missing output);
# - a run whose files exist but are not current (settings, budget or parent changed) gets one more input,
#   runs/<model>/seed<k>/stale_<sha>.txt, written by the stale_run rule (the reason, from run_status) and
#   deleted after training: Snakemake trains it again, fresh or resumed as train_model.py decides.
# A change of motornet's code is not seen by any of this: delete the runs it invalidates.


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
    wildcard_constraints:
        model=train_model_constraint(),
    input:
        base=lambda w: os.path.join(workflow.basedir, MODELS[w.model]["base"]),
        init=lambda w: [init_checkpoint(w.model, w.seed)] if MODELS[w.model].get("init_from") else [],
        stale=lambda w: stale_marker(w.model, w.seed),
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


rule stale_run:
    """Mark a finished run that is no longer current for training again (why, from run_status)."""
    message:
        "{wildcards.model} seed {wildcards.seed} is to be trained again: {params.reason}"
    output:
        temp(f"{RESULTS}/runs/{{model}}/seed{{seed}}/stale_{{sha}}.txt"),
    params:
        reason=lambda w: run_status(w.model, w.seed),
    log:
        f"{LOGS}/stale/{{model}}_seed{{seed}}_{{sha}}.log",
    wildcard_constraints:
        sha="[0-9a-f]{12}",
    localrule: True
    conda:
        "../envs/motornet.yaml"
    shell:
        "echo {params.reason:q} | tee {output} > {log}"


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
