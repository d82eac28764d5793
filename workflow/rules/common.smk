# Paths, config sections and every function of the workflow, kept apart from the rules as
# Snakemake's linter asks.
import math

import yaml

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
MODELS = config["models"]


def run_dir(model, seed):
    return f"{RESULTS}/runs/{model}/seed{seed}"


def _base(model):
    with open(os.path.join(workflow.basedir, MODELS[model]["base"])) as f:
        return yaml.safe_load(f) or {}


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
    """Every test NPZ of the given models (default: all): tests/<model>/seed<k>/<test>.npz."""
    return [
        f"{RESULTS}/tests/{m}/seed{s}/{t}.npz"
        for m in (models or MODELS)
        for s in MODELS[m]["seeds"]
        for t in MODELS[m].get("tests", [])
    ]


# ---- Figure 1 (fig1.smk) ----
FIG1 = config["fig1"]


def fig1_tests():
    """{'<stage>_<field>_<npz|json>': path} for stage naive/adapted and field null/curl."""
    out = {}
    for stage in ("naive", "adapted"):
        for field, test in FIG1["tests"].items():
            for ext in ("npz", "json"):
                out[f"{stage}_{field}_{ext}"] = f"{RESULTS}/tests/{FIG1[stage]}/seed{FIG1['seed']}/{test}.{ext}"
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
