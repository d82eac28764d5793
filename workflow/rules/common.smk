# Paths and helpers shared by every rule file; the config's check, before any job runs.
import difflib
import itertools
import sys

import jsonschema
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

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
                config_error(f"unknown key {key!r} in {where}." + (f" Did you mean {close[0]!r}?" if close else "")
                             + f" Valid keys: {', '.join(properties)}")
            sub = properties.get(key, extra if isinstance(extra, dict) else {})
            value[key] = typed_config(value[key], sub, root, f"{where}.{key}" if where != "the config" else key)
        return value
    if isinstance(value, list):
        items = schema.get("prefixItems", [])
        return [typed_config(v, items[i] if i < len(items) else schema.get("items", {}), root, f"{where}[{i}]")
                for i, v in enumerate(value)]
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


wildcard_constraints:
    effector="arm26|arm26_geometric|point_mass",


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
