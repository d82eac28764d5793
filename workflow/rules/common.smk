# Paths and helpers shared by every rule file.
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
