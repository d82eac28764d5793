# Two entry points for a fresh machine with Python 3.11:
#   make run            set up .venv; rebuild the paper's figures and tables from the shipped networks
#                       (results/paper/runs/): test protocols, PMD regression, sweeps, plots; no training
#   make test           set up .venv, run the test suite (with Debian's Chromium for the docs' browser test,
#                       .ci/chromium.sh), then the smoke pipeline on a single-node SLURM (.ci/slurm.sh;
#                       both installs skipped without root and apt-get). This is what CI runs.
# and around them:
#   make check-shipped  the data `make run` wrote (CSV, JSON, Markdown under results/paper/) equal the
#                       committed files, number by number (WORKDIR=retrain: a retrained copy's)
#   make readme         put results/paper/summary.md (figures, claims, training times; built by `make run`)
#                       into the README between its summary markers
#   make notebooks      execute analysis/notebooks/*.ipynb in place on the paper preset's results
#   make retrain        train every network again and rebuild everything in $(RETRAIN_DIR)/, apart from the
#                       shipped runs: PRESET=quick (default; ~30 min on 2 cores) or PRESET=paper (~15
#                       CPU-hours); run it again to resume
#   make demo           a 50-batch demo training of the library (results/demo/, ~20 s, eager)
#   make docs           the documentation site into docs/_build/html (Sphinx; warnings are errors)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PRESET ?= quick
RETRAIN_DIR ?= retrain
WORKDIR ?= .

.PHONY: run test docs demo figures check-shipped readme notebooks retrain bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test,lean]"
	touch $@

run: figures

# --forceall: every job of the target runs, so the data are this checkout's; the target holds no training
# job (a figure whose networks are not shipped is left out, with a message naming them).
figures: $(BIN)/.installed
	$(BIN)/snakemake --cores all --forceall without_training

check-shipped: $(BIN)/.installed
	$(BIN)/python -m analysis.shipped --preset paper --workdir $(WORKDIR)

readme: $(BIN)/.installed
	$(BIN)/python -m analysis.summary README.md results/paper/summary.md

notebooks: $(BIN)/.installed
	$(BIN)/python -m analysis.notebook --preset paper analysis/notebooks/*.ipynb

retrain: $(BIN)/.installed
	mkdir -p $(RETRAIN_DIR)
	$(BIN)/snakemake --cores all --directory $(RETRAIN_DIR) --config preset=$(PRESET)

demo: $(BIN)/.installed
	$(BIN)/python examples/train_demo.py --out results/demo

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench.py

docs: $(BIN)/.installed
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html

test: $(BIN)/.installed
	bash .ci/chromium.sh
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup
	bash .ci/slurm.sh

clean:
	rm -rf $(VENV) results/demo
