# aidsim: `make run` and `make test` do all set-up (a virtualenv in .venv, pinned by constraints.txt).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench fuzz clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,dask]"
	touch $(STAMP)

setup: $(STAMP)

## The main job: the shipped baseline against the shipped reforms; tables printed, outputs in out/compare.
run: $(STAMP)
	$(BIN)/aidsim compare scenarios/baseline.yaml scenarios/reforms/*.yaml --out out/compare

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks notebooks

test: lint
	$(BIN)/pytest

## Speed and memory (not part of the tests): household-months per second and bytes per household.
bench: $(STAMP)
	$(BIN)/python benchmarks/mesa_reference.py
	$(BIN)/python benchmarks/throughput.py

## Long fuzzing of scenario files (not part of `make test`, which runs 60 fixed examples per kind):
## FUZZ_EXAMPLES new hypothesis examples per kind (values and structure; YAML text; values in range).
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP)
	AIDSIM_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/property/test_fuzz_scenarios.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis
