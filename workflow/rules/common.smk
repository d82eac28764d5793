# Paths, config sections and every function of the workflow (kept apart from the rules, as Snakemake's
# linter asks), and the config's check before any job runs.
import difflib
import hashlib
import itertools
import math
import re
import sys

import jsonschema
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from motornet.evaluate import load_test_config
from motornet.train import (
    ConfigError,
    check_config as check_train_config,
    config_file_problem,
    read_yaml,
    run_status as finished_run_status,
)

# The config's schema (types, defaults, the valid keys of every section): add a new key there.
SCHEMA = os.path.join(workflow.basedir, "workflow", "schemas", "config.schema.yaml")


def config_error(message):
    """Stop before any job with one line: a config mistake is not a bug, so no traceback."""
    sys.exit(f"error: {message}")


def _schema_at(schema, root):
    while "$ref" in schema:  # local references only: "#/$defs/<name>"
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _parsed(text):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def typed_config(value, schema, root, where="the config"):
    """`value` with --config strings ("5", "1e-3", "null") parsed as YAML where the schema wants another type
    (everywhere in a free-form section such as a model's `training`); an unknown key is an error naming it."""
    schema = _schema_at(schema, root)
    free_form = "properties" not in schema and "additionalProperties" not in schema
    if isinstance(value, dict):
        properties, extra = schema.get("properties", {}), schema.get("additionalProperties", True)
        for key in list(value):
            if key not in properties and extra is False:
                close = difflib.get_close_matches(str(key), list(properties), n=1)
                config_error(
                    f"unknown key {key!r} in {where}."
                    + (f" Did you mean {close[0]!r}?" if close else "")
                    + f" Valid keys: {', '.join(properties)}"
                )
            sub = properties.get(key, extra if isinstance(extra, dict) else {})
            value[key] = typed_config(value[key], sub, root, f"{where}.{key}" if where != "the config" else key)
        return value
    if isinstance(value, list):
        items = schema.get("prefixItems", [])
        return [
            typed_config(v, items[i] if i < len(items) else schema.get("items", {}), root, f"{where}[{i}]")
            for i, v in enumerate(value)
        ]
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    if isinstance(value, str) and (free_form and not types or types and "string" not in types):
        return _parsed(value)
    return value


def check_config():
    """Validate `config` against SCHEMA (snakemake.utils.validate, which also fills the defaults), after
    typing --config strings; one line naming the key and the problem if it fails. The config files are read
    again with motornet's YAML reader first, which refuses a key given twice (YAML keeps the last)."""
    for path in workflow.configfiles:
        try:
            read_yaml(path, "config")
        except ConfigError as error:
            config_error(str(error))
    with open(SCHEMA) as f:
        schema = yaml.safe_load(f)
    typed_config(config, schema, schema)
    try:
        validate(config, SCHEMA)
    except WorkflowError:
        error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(config))
        where = ".".join(map(str, error.absolute_path)) or "the config"
        config_error(f"config {where}: {error.message}")


check_config()

RESULTS = f"results/{PRESET}"
FIGURES = "figures" if PRESET == "paper" else f"figures/{PRESET}"
LOGS = f"{RESULTS}/logs"
BENCHMARKS = f"{RESULTS}/benchmarks"


# The shipped networks are in the repository's results/paper/runs/: a workflow run elsewhere (--directory, or
# `snakemake -s /path/Snakefile` from another directory) does not see them, and would train them again.
if (
    os.path.abspath(os.getcwd()) != os.path.abspath(workflow.basedir)
    and os.path.isdir(os.path.join(workflow.basedir, RESULTS, "runs"))
    and not os.path.isdir(f"{RESULTS}/runs")
):
    print(
        f"note: this workflow runs in {os.getcwd()}, where {RESULTS}/runs/ does not exist; the networks shipped with "
        f"the repository are in {os.path.join(workflow.basedir, RESULTS, 'runs')} (run from {workflow.basedir}, or "
        f"copy that directory here, to use them instead of training them again)",
        file=sys.stderr,
    )


def figure(n, ext="pdf"):
    """Path of figure n (figures/figN.pdf for the paper preset, figures/<preset>/figN.pdf otherwise)."""
    return f"{FIGURES}/fig{n}.{ext}"


def resources_for(kind):
    """mem_mb and runtime (min) for a kind of rule, from config['resources']."""
    r = config["resources"][kind]
    return {"mem_mb": r["mem_mb"], "runtime": r["runtime"]}


def threads_for(kind):
    return config["resources"][kind]["threads"]


# ---- Training runs (training.smk) ----
def ablation_cells(ablation):
    """{cell name: {factor: level}} for every combination of one level per factor (config['ablation'])."""
    factors = ablation["factors"]
    combos = itertools.product(*[[(f, level) for level in levels] for f, levels in factors.items()])
    return {"ablation_" + "_".join(level for _, level in combo): dict(combo) for combo in combos}


def _overridden(spec, overrides):
    """A model entry with {section: {key: value}} overrides merged in, one level deep."""
    spec = dict(spec)
    for section, values in overrides.items():
        spec[section] = {**(spec.get(section) or {}), **values}
    return spec


def _study_base(study, models, where):
    if study["model"] not in models:
        config_error(f"{where}.model: {study['model']!r} is not a model; valid: {', '.join(models)}")
    return {**models[study["model"]], "seeds": list(study["seeds"])}


def ablation_models(ablation, models):
    """The ablation's cells as model entries: `ablation['model']`'s entry with each level's section
    overrides merged in, trained on the ablation's seeds."""
    if not ablation:
        return {}
    base = _study_base(ablation, models, "ablation")
    out = {}
    for cell, levels in ablation_cells(ablation).items():
        spec = base
        for factor, level in levels.items():
            spec = _overridden(spec, ablation["factors"][factor][level])
        out[cell] = spec
    return out


def pmd_study_models(study, models):
    """The PMD study's cells as model entries pmd_<cell>: `study['model']`'s entry with the cell's overrides,
    trained on the study's seeds, keeping snapshots at the study's batches (training.snapshots)."""
    if not study:
        return {}
    base = _study_base(study, models, "pmd_study")
    return {
        f"pmd_{cell}": _overridden(_overridden(base, overrides), {"training": {"snapshots": list(study["snapshots"])}})
        for cell, overrides in study["cells"].items()
    }


# The paper's models, the ablation's cells (ablation.smk) and the PMD study's (pmd_study.smk), one entry each.
MODELS = {
    **config["models"],
    **ablation_models(config.get("ablation"), config["models"]),
    **pmd_study_models(config.get("pmd_study"), config["models"]),
}


def snapshot_files(model, seed):
    """runs/<model>/seed<k>/snapshots/batch<N>.pt for every snapshot the model's runs keep."""
    snapshots = run_config(model, seed)["training"].get("snapshots") or []
    return [f"{run_dir(model, seed)}/snapshots/batch{int(b):06d}.pt" for b in snapshots]


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
            config_["task"] = override  # another task: the base's options may not apply
        else:
            config_[section] = {**(config_.get(section) or {}), **override}
    config_["seed"] = int(config_.get("seed", 0)) + int(seed)
    config_["training"]["init_from"] = init_checkpoint(model, seed)
    config_["training"]["progress"] = False
    return config_


def parent_run(model, seed):
    """(model, seed) of the run this one starts from: the same seed of `init_from`'s model (else its
    first seed); None without init_from."""
    parent = MODELS[model].get("init_from")
    if not parent:
        return None
    seeds = [int(s) for s in MODELS[parent]["seeds"]]
    return parent, seed if int(seed) in seeds else seeds[0]


def init_checkpoint(model, seed):
    """The checkpoint that starts this run (parent_run's), or None."""
    parent = parent_run(model, seed)
    return f"{run_dir(*parent)}/checkpoint.pt" if parent else None


# ---- Finished runs (the shipped networks): current ones are inputs, never retrained ----
# Whether a finished run is still the result of its settings is decided from its files' contents, not from
# mtimes or Snakemake's metadata (both lost or arbitrary on a fresh clone): see training.smk.
_RUN_STATUS = {}


def run_status(model, seed):
    """None when runs/<model>/seed<k>/ holds the finished result of run_config(model, seed) and its parent
    run is current too (motornet.train.run_status: the settings' hash, the batch count, the bytes of the
    parent's checkpoint), else why not, in one line."""
    key = (model, int(seed))
    if key not in _RUN_STATUS:
        status = finished_run_status(run_dir(model, seed), run_config(model, seed))
        parent = parent_run(model, seed)
        if status is None and parent and run_status(*parent) is not None:
            status = f"its parent run {run_dir(*parent)} is to be trained ({run_status(*parent)})"
        _RUN_STATUS[key] = status
    return _RUN_STATUS[key]


def train_jobs():
    """[(model, seeds, job name), ...]: the runs to train, one job per group of at most
    resources.train.seeds_per_job seeds of a model (an ensemble: motornet.train.train_ensemble), named
    train_<model>_seed<k> (one seed) or train_<model>_seeds<first>_<last>. Current runs (run_status) are in
    none, so their files are no rule's output and Snakemake takes them as source files."""
    size = config["resources"]["train"]["seeds_per_job"]
    jobs = []
    for model, spec in MODELS.items():
        seeds = [int(s) for s in spec["seeds"] if run_status(model, s) is not None]
        for group in (seeds[i : i + size] for i in range(0, len(seeds), size)):
            name = f"seed{group[0]}" if len(group) == 1 else f"seeds{group[0]}_{group[-1]}"
            jobs.append((model, group, f"train_{model}_{name}"))
    return jobs


def stale_marker(model, seed):
    """[runs/<model>/seed<k>/stale_<sha>.txt] for a run whose files exist but are not current (the train
    job's extra input, which makes Snakemake train it again; <sha>: the stale checkpoint's bytes), else []."""
    path = f"{run_dir(model, seed)}/checkpoint.pt"
    if run_status(model, seed) is None or not os.path.isfile(path):
        return []
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()[:12]
    return [f"{run_dir(model, seed)}/stale_{sha}.txt"]


def train_steps(model):
    """Simulated trial-steps of one run (n_batches x batch_size x steps per episode), for the resources."""
    c = run_config(model, 0)
    steps = c["task"].get("max_ep_duration", 1.0) / c["effector"].get("timestep", 0.01)
    return c["training"]["n_batches"] * c["training"]["batch_size"] * steps


def train_resources(model, n_seeds=1):
    """mem_mb and runtime (min) of a job training n_seeds runs of `model` as one ensemble."""
    r = config["resources"]["train"]
    c = run_config(model, 0)
    steps = c["task"].get("max_ep_duration", 1.0) / c["effector"].get("timestep", 0.01)
    return {
        "mem_mb": int(r["mem_mb"] + r["mem_mb_per_trial_step"] * c["training"]["batch_size"] * steps * n_seeds),
        "runtime": int(
            max(r["runtime"], math.ceil(r["runtime_per_million_steps"] * train_steps(model) * n_seeds / 1e6))
        ),
    }


def test_outputs(models=None):
    """Every test NPZ of the given models (default: the paper's, not the ablation's): tests/<model>/seed<k>/<test>.npz."""
    return [
        f"{RESULTS}/tests/{m}/seed{s}/{t}.npz"
        for m in (models or config["models"])
        for s in MODELS[m]["seeds"]
        for t in MODELS[m].get("tests", [])
    ]


def check_models():
    """Every model's references (base config, init_from, test protocols; the figures' models) and its
    resolved training config (motornet.train.check_config), before any job: a dry run catches them."""
    for model, spec in MODELS.items():
        if spec.get("init_from") and spec["init_from"] not in MODELS:
            config_error(f"models.{model}.init_from: {spec['init_from']!r} is not a model; valid: {', '.join(MODELS)}")
        try:
            for test in spec.get("tests", []):
                load_test_config(os.path.join(workflow.basedir, "motornet", "configs", f"{test}.yaml"))
            check_train_config(run_config(model, spec["seeds"][0]))
        except ConfigError as error:
            config_error(f"models.{model}: {error}")
    for model, spec in MODELS.items():
        for seed in spec["seeds"]:
            if os.path.isfile(f"{run_dir(model, seed)}/checkpoint.pt") and os.path.isfile(
                f"{run_dir(model, seed)}/config.yaml"
            ):
                problem = config_file_problem(run_dir(model, seed))
                if problem:
                    config_error(problem)
    named = {
        "fig1.naive": config["fig1"]["naive"],
        "fig1.adapted": config["fig1"]["adapted"],
        "fig5.free": config["fig5"]["free"],
        "fig5.trained": config["fig5"]["trained"],
        **{f"fig6.models.{k}": v for k, v in config["fig6"]["models"].items()},
    }
    for key, model in named.items():
        if model not in MODELS:
            config_error(f"{key}: {model!r} is not a model; valid: {', '.join(MODELS)}")


check_models()


# ---- Figure 1 (fig1.smk) ----
FIG1 = config["fig1"]


def fig1_tests(seeds=None, ext=("npz", "json")):
    """{'<stage>_<field>_<ext>[_seed<k>]': path} for stage naive/adapted and field null/curl; without
    `seeds`, the first of FIG1['seeds'] (the network drawn) and no seed suffix."""
    out = {}
    for seed in seeds or FIG1["seeds"][:1]:
        suffix = f"_seed{seed}" if seeds else ""
        for stage in ("naive", "adapted"):
            for field, test in FIG1["tests"].items():
                prefix = f"{RESULTS}/tests/{FIG1[stage]}/seed{seed}/{test}"
                for e in ext:
                    out[f"{stage}_{field}_{e}{suffix}"] = f"{prefix}.{e}"
    return out


# ---- Figure 5 (fig5.smk) ----
FIG5 = config["fig5"]
FIG5_NETWORKS = ("trained", "free")


def fig5_tests():
    """{'<network>_<test>_<npz|json>': path} for network trained/free and test centre_out/posture."""
    out = {}
    for network in FIG5_NETWORKS:
        for test, protocol in FIG5["tests"].items():
            for ext in ("npz", "json"):
                out[f"{network}_{test}_{ext}"] = f"{RESULTS}/tests/{FIG5[network]}/seed{FIG5['seed']}/{protocol}.{ext}"
    return out


# ---- Figure 6 (fig6.smk) ----
FIG6 = config["fig6"]


def fig6_test(model, ext="npz", seed=None):
    """tests/<model>/seed<k>/test_fig6.<ext> of one seed, or of every seed of the model."""
    seeds = MODELS[model]["seeds"] if seed is None else [seed]
    paths = [f"{RESULTS}/tests/{model}/seed{s}/test_fig6.{ext}" for s in seeds]
    return paths if seed is None else paths[0]


# ---- Ablation (ablation.smk) ----
ABLATION = config["ablation"]
CELLS = ablation_cells(ABLATION)


# ---- PMD study (pmd_study.smk) ----
PMD_STUDY = config["pmd_study"]
PMD_MODELS = [f"pmd_{cell}" for cell in PMD_STUDY["cells"]]
if PMD_STUDY["early_batch"] not in PMD_STUDY["snapshots"]:
    config_error(f"pmd_study.early_batch: {PMD_STUDY['early_batch']} is not one of pmd_study.snapshots")


# ---- Without training (the Snakefile's `without_training` target, `make run`) ----
def figure_runs():
    """{figure number: [(model, seed), ...]}: the training runs behind Figures 1, 5 and 6."""
    return {
        1: [(FIG1[stage], s) for stage in ("naive", "adapted") for s in FIG1["seeds"]],
        5: [(FIG5[network], FIG5["seed"]) for network in FIG5_NETWORKS],
        6: [(model, s) for model in FIG6["models"].values() for s in MODELS[model]["seeds"]],
    }


def summary_jobs():
    """[(model, seeds, run directories), ...]: the training jobs behind Figures 1, 5 and 6, seeds grouped
    as train_jobs groups them."""
    size = config["resources"]["train"]["seeds_per_job"]
    seeds = {}
    for runs in figure_runs().values():
        for model, seed in runs:
            seeds.setdefault(model, []).append(seed)
    return [
        (model, group, [run_dir(model, s) for s in group])
        for model, all_seeds in seeds.items()
        for group in (all_seeds[i : i + size] for i in range(0, len(all_seeds), size))
    ]


def without_training(wildcards):
    """Figures 1, 5 and 6 (with their metrics and claims) whose runs are all current (run_status), the tests of
    every model whose runs are all current, and claims.json when all three figures are there. Says on
    stderr which figures are left out, which runs they lack and the command that trains them."""
    outputs = {
        1: [*rules.figure1.output, *rules.fig1_metrics.output],
        5: [*rules.figure5.output, *rules.fig5_metrics.output],
        6: [*rules.figure6.output, *rules.fig6_metrics.output],
    }
    targets, missing = list(rules.fig4_claims.output), {}
    for n, runs in figure_runs().items():
        lacking = {run_dir(m, s): run_status(m, s) for m, s in runs if run_status(m, s) is not None}
        missing.update(lacking)
        targets += [] if lacking else outputs[n]
    trained = [m for m in config["models"] if all(run_status(m, s) is None for s in MODELS[m]["seeds"])]
    targets += test_outputs(trained) if trained else []
    study = [(m, s) for m in PMD_MODELS for s in PMD_STUDY["seeds"]]
    untrained = sum(run_status(m, s) is not None for m, s in study)
    if untrained:
        print(
            f"without_training: Figure 9 (the PMD study, beyond the paper) is left out: {untrained} of its "
            f"{len(study)} networks are not trained (`snakemake --cores all pmd_study --config preset={PRESET}` "
            "trains them)",
            file=sys.stderr,
        )
    else:
        targets += [*rules.pmd_study_summary.output, *rules.figure9.output]
    if not missing:
        return targets + list(rules.claims.output) + list(rules.summary.output)
    left_out = [n for n, runs in figure_runs().items() if any(run_dir(m, s) in missing for m, s in runs)]
    figures = " and ".join(map(str, left_out)).replace(" and ", ", ", len(left_out) - 2)
    lines = [
        f"without_training: Figure{'s' * (len(left_out) > 1)} {figures} and claims.json are left out: "
        f"{len(missing)} of their networks are not trained, or not with the current settings:"
    ]
    lines += [f"  {run}: {why}" for run, why in list(missing.items())[:5]]
    lines += [f"  ... and {len(missing) - 5} more"] if len(missing) > 5 else []
    lines += [
        f"Train them with `snakemake --cores all --config preset={PRESET}` "
        f"(`snakemake -n --config preset={PRESET}` lists the jobs with their budgets)."
    ]
    print("\n".join(lines), file=sys.stderr)
    return targets
