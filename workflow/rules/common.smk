# Paths, config sections and every function of the workflow (kept apart from the rules, as Snakemake's
# linter asks), and the config's check before any job runs.
import difflib
import itertools
import math
import sys

import jsonschema
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from motornet.evaluate import load_test_config
from motornet.train import ConfigError, check_config as check_train_config, read_yaml

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
    typing --config strings; one line naming the key and the problem if it fails."""
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


def ablation_models(ablation, models):
    """The ablation's cells as model entries: `ablation['model']`'s entry with each level's section
    overrides merged in (one level deep), trained on the ablation's seeds."""
    if not ablation:
        return {}
    if ablation["model"] not in models:
        config_error(f"ablation.model: {ablation['model']!r} is not a model; valid: {', '.join(models)}")
    base = models[ablation["model"]]
    out = {}
    for cell, levels in ablation_cells(ablation).items():
        spec = {**base, "seeds": list(ablation["seeds"])}
        for factor, level in levels.items():
            for section, values in ablation["factors"][factor][level].items():
                spec[section] = {**(spec.get(section) or {}), **values}
        out[cell] = spec
    return out


# The paper's models and the ablation's cells (ablation.smk), one entry each.
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
            config_["task"] = override  # another task: the base's options may not apply
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


def train_resources(model):
    r = config["resources"]["train"]
    c = run_config(model, 0)
    steps = c["task"].get("max_ep_duration", 1.0) / c["effector"].get("timestep", 0.01)
    return {
        "mem_mb": int(r["mem_mb"] + r["mem_mb_per_trial_step"] * c["training"]["batch_size"] * steps),
        "runtime": int(max(r["runtime"], math.ceil(r["runtime_per_million_steps"] * train_steps(model) / 1e6))),
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
