# Training (figures 1, 5, 6) and the test protocols the trained policies are run through.
#
# One `train` job per model and seed of config["models"] (see the schema in workflow/config/paper.yaml).
# motornet.train works in a staging directory, runs/<model>/seed<k>/training/, which Snakemake never
# deletes: a job killed or timed out (SLURM runtime) resumes from its last checkpoint when rerun, and a
# raised n_batches continues an existing run. Only a finished run is copied up to runs/<model>/seed<k>/.
import math

from motornet.evaluate import load_test_config
from motornet.train import ConfigError, check_config, read_yaml

MODELS = {**config["models"], **ablation_models(config.get("ablation"), config["models"])}


def run_dir(model, seed):
    return f"{RESULTS}/runs/{model}/seed{seed}"


def _base(model):
    try:
        return read_yaml(os.path.join(workflow.basedir, MODELS[model]["base"]))
    except ConfigError as error:
        config_error(f"models.{model}.base: {error}")


def run_config(model, seed):
    """The motornet.train config of one run: the model's base config, the preset's section overrides,
    seed = base seed + k (so seed 0 keeps the base config's seed), init_from the parent run's checkpoint."""
    spec, config_ = MODELS[model], _base(model)
    for section in ("effector", "task", "policy", "loss", "training"):
        override = dict(spec.get(section) or {})
        if section == "task" and override.get("name", config_["task"].get("name")) != config_["task"].get("name"):
            config_["task"] = override      # another task: the base's options may not apply
        else:
            config_[section] = {**(config_.get(section) or {}), **override}
    config_["seed"] = int(config_.get("seed", 0)) + int(seed)
    config_["training"]["init_from"] = init_checkpoint(model, seed)
    config_["training"]["progress"] = False
    return config_


def init_checkpoint(model, seed):
    """The checkpoint that starts this run: the same seed of `init_from`'s model (else its first seed)."""
    parent = MODELS[model].get("init_from")
    if not parent:
        return None
    seeds = [int(s) for s in MODELS[parent]["seeds"]]
    return f"{run_dir(parent, seed if int(seed) in seeds else seeds[0])}/checkpoint.pt"


def train_steps(model):
    """Simulated trial-steps of one run (n_batches x batch_size x steps per episode), for the resources."""
    c = run_config(model, 0)
    steps = c["task"].get("max_ep_duration", 1.0) / c["effector"].get("timestep", 0.01)
    return c["training"]["n_batches"] * c["training"]["batch_size"] * steps


def budget(model):
    """One line for the job's message: the training budget and the policy's size."""
    c = run_config(model, 0)
    t = c["training"]
    return (f"{t['n_batches']} batches x {t['batch_size']} episodes of {c['task'].get('max_ep_duration', 1.0)} s, "
            f"{c['effector']['name']}, GRU {c['policy']['hidden_size']}, lr {t.get('learning_rate', 1e-3)}"
            + (", compiled" if t.get("compile") else "")
            + (f", from {MODELS[model]['init_from']}" if MODELS[model].get("init_from") else ""))


def train_resources(model):
    r = config["resources"]["train"]
    c = run_config(model, 0)
    steps = c["task"].get("max_ep_duration", 1.0) / c["effector"].get("timestep", 0.01)
    return {"mem_mb": int(r["mem_mb"] + r["mem_mb_per_trial_step"] * c["training"]["batch_size"] * steps),
            "runtime": int(max(r["runtime"], math.ceil(r["runtime_per_million_steps"] * train_steps(model) / 1e6)))}


def test_outputs(models=None):
    """Every test NPZ of the given models (default: the paper's, not the ablation's): tests/<model>/seed<k>/<test>.npz."""
    return [f"{RESULTS}/tests/{m}/seed{s}/{t}.npz" for m in (models or config["models"])
            for s in MODELS[m]["seeds"] for t in MODELS[m].get("tests", [])]


def check_models():
    """Every model's references (base config, init_from, test protocols; the figures' models) and its
    resolved training config (motornet.train.check_config), before any job: a dry run catches them."""
    for model, spec in MODELS.items():
        if spec.get("init_from") and spec["init_from"] not in MODELS:
            config_error(f"models.{model}.init_from: {spec['init_from']!r} is not a model; valid: {', '.join(MODELS)}")
        try:
            for test in spec.get("tests", []):
                load_test_config(os.path.join(workflow.basedir, "motornet", "configs", f"{test}.yaml"))
            check_config(run_config(model, spec["seeds"][0]))
        except ConfigError as error:
            config_error(f"models.{model}: {error}")
    named = {"fig1.naive": config["fig1"]["naive"], "fig1.adapted": config["fig1"]["adapted"],
             "fig5.free": config["fig5"]["free"],
             "fig5.trained": config["fig5"]["trained"],
             **{f"fig6.models.{k}": v for k, v in config["fig6"]["models"].items()}}
    for key, model in named.items():
        if model not in MODELS:
            config_error(f"{key}: {model!r} is not a model; valid: {', '.join(MODELS)}")


check_models()


wildcard_constraints:
    model="|".join(MODELS),
    seed=r"\d+",
    test=r"test_\w+",


rule train:
    """Train one model and seed with motornet.train (budgets in params.config.training)."""
    message:
        "train {wildcards.model} seed {wildcards.seed}: {params.budget}; {threads} threads, "
        "{resources.runtime} min, {resources.mem_mb} MB"
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
        budget=lambda w: budget(w.model),
    log:
        f"{LOGS}/train/{{model}}_seed{{seed}}.log",
    benchmark:
        f"{BENCHMARKS}/train/{{model}}_seed{{seed}}.tsv"
    threads: threads_for("train")
    resources:
        mem_mb=lambda w: train_resources(w.model)["mem_mb"],
        runtime=lambda w: train_resources(w.model)["runtime"],
        gpu=config["resources"]["train"]["gpu"],
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
    script:
        "../scripts/test_model.py"


rule trained_models:
    """Every training run of the preset, tested on its protocols."""
    input:
        test_outputs(),
