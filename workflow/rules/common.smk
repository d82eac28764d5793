# Paths and helpers shared by every rule file.
import itertools
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
    base = models[ablation["model"]]
    out = {}
    for cell, levels in ablation_cells(ablation).items():
        spec = {**base, "seeds": list(ablation["seeds"])}
        for factor, level in levels.items():
            for section, values in ablation["factors"][factor][level].items():
                spec[section] = {**(spec.get(section) or {}), **values}
        out[cell] = spec
    return out
