# Two entry points for a fresh machine with Python 3.11:
#   make run    set up .venv and run the main job
#   make test   set up .venv, run the test suite, then the smoke pipeline on a single-node SLURM
#               (.ci/slurm.sh; skipped without root and apt-get). This is what CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test demo figures bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $@

run: demo figures

figures: $(BIN)/.installed
	$(BIN)/snakemake --cores all untrained

demo: $(BIN)/.installed
	$(BIN)/python examples/train_demo.py --out results/demo

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench.py

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q
	bash .ci/slurm.sh

clean:
	rm -rf $(VENV) results/demo
