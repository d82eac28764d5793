# Training (figures 1, 5, 6) and the test protocols the trained policies are run through.
#
# One training job per group of seeds of a model of config["models"] (at most resources.train.seeds_per_job
# seeds: common.smk's train_jobs), a rule of its own named train_<model>_seed<k> or
# train_<model>_seeds<first>_<last>: the seeds train as one ensemble (motornet.train.train_ensemble), each in
# its own staging directory, runs/<model>/seed<k>/training/, which Snakemake never deletes: a job killed or
# timed out (SLURM runtime) resumes from its last checkpoints when rerun, and a raised n_batches continues
# existing runs. Only finished runs are copied up to runs/<model>/seed<k>/.
# run_config, train_resources and the other helpers are in common.smk.
#
# When a run is trained again is decided from its files' contents, not from mtimes or Snakemake's metadata:
# a fresh clone has no .snakemake/ and checks files out with arbitrary mtimes, and the shipped networks
# (results/paper/runs/, committed) must not be retrained for that. A finished run is *current* when its
# checkpoint records the sha256 of its settings (motornet.train.config_hash) equal to run_config's, the
# batch count asked for, and the sha256 of its parent checkpoint's bytes (init_from), and its parent run is
# current (common.smk's run_status, evaluated before any job, in a dry run too). Then:
# - a current run is in no training job (train_jobs), so its files are no rule's output but source files:
#   no input's mtime, no change of this script, its params or Snakemake's metadata makes Snakemake train
#   it again (`--forcerun` neither: delete the run to retrain it);
# - a missing run is trained (missing output);
# - a run whose files exist but are not current (settings, budget or parent changed) gets one more input,
#   runs/<model>/seed<k>/stale_<sha>.txt, written by the stale_run rule (the reason, from run_status) and
#   deleted after training: Snakemake trains it again, fresh or resumed as train_model.py decides.
# A change of motornet's code is not seen by any of this: delete the runs it invalidates.


wildcard_constraints:
    model="|".join(MODELS),
    seed=r"\d+",
    test=r"test_\w+",


# The message reads the budget from params.configs rather than from a param of its own: params are
# provenance, and rewording such a text would retrain every model.
for model, seeds, job in train_jobs():

    rule:
        """Train runs of one model (seeds trained together) with motornet.train (budgets in params.configs)."""
        name:
            job
        message:
            f"train {model} seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}: "
            "{params.configs[0][training][n_batches]} batches x {params.configs[0][training][batch_size]} "
            "episodes, {params.configs[0][effector][name]}, GRU {params.configs[0][policy][hidden_size]}; "
            "{threads} threads, {resources.runtime} min, {resources.mem_mb} MB"
        input:
            base=os.path.join(workflow.basedir, MODELS[model]["base"]),
            init=[init_checkpoint(model, s) for s in seeds] if MODELS[model].get("init_from") else [],
            stale=[marker for s in seeds for marker in stale_marker(model, s)],
        output:
            [f"{run_dir(model, s)}/{name}" for s in seeds for name in ("checkpoint.pt", "config.yaml", "log.csv")],
            snapshots=[path for s in seeds for path in snapshot_files(model, s)],
        params:
            configs=[run_config(model, s) for s in seeds],
            stagings=[f"{run_dir(model, s)}/training" for s in seeds],
        log:
            f"{LOGS}/train/{job[len('train_'):]}.log",
        benchmark:
            f"{BENCHMARKS}/train/{job[len('train_'):]}.tsv"
        threads: threads_for("train")
        resources:
            mem_mb=train_resources(model, len(seeds))["mem_mb"],
            runtime=train_resources(model, len(seeds))["runtime"],
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


rule test_snapshot:
    """Run a training run's snapshot (training.snapshots) through a test protocol: NPZ + JSON, as test_model."""
    input:
        checkpoint=f"{RESULTS}/runs/{{model}}/seed{{seed}}/snapshots/batch{{batch}}.pt",
        config=f"{RESULTS}/runs/{{model}}/seed{{seed}}/config.yaml",
        test=os.path.join(workflow.basedir, "motornet", "configs", "{test}.yaml"),
    output:
        npz=f"{RESULTS}/tests/{{model}}/seed{{seed}}/batch{{batch}}/{{test}}.npz",
        json=f"{RESULTS}/tests/{{model}}/seed{{seed}}/batch{{batch}}/{{test}}.json",
    log:
        f"{LOGS}/test/{{model}}_seed{{seed}}_batch{{batch}}_{{test}}.log",
    benchmark:
        f"{BENCHMARKS}/test/{{model}}_seed{{seed}}_batch{{batch}}_{{test}}.tsv"
    wildcard_constraints:
        batch=r"\d{6}",
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
