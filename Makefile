# aidsim: `make run` and `make test` do all set-up (a virtualenv in .venv, pinned by constraints.txt).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench bench-10m bench-province fuzz clean

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

## Speed and memory (not part of the tests): household-months per second and bytes per household,
## at 10^4, 10^5 and 10^6 households; `make bench-10m` adds 10^7 (about 8 GB and a few minutes).
bench: $(STAMP)
	$(BIN)/python benchmarks/mesa_reference.py
	$(BIN)/python benchmarks/throughput.py --sizes 10000 100000 1000000

bench-10m: $(STAMP)
	$(BIN)/python benchmarks/throughput.py --sizes 10000000

## A province of 10^7 households (100 counties of 10^5) on this machine's cores, and what the
## country (1.5×10^8 households) would take on a cluster.
bench-province: $(STAMP)
	$(BIN)/python benchmarks/province.py --counties 100 --households 100000

## Long fuzzing of scenario files (not part of `make test`, which runs 60 fixed examples per kind):
## FUZZ_EXAMPLES new hypothesis examples per kind (values and structure; YAML text; values in range).
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP)
	AIDSIM_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/property/test_fuzz_scenarios.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis
