# aidsim: `make run` and `make test` do all set-up (a virtualenv in .venv, pinned by constraints.txt).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup browser run test lint bench bench-10m bench-province fuzz lab dashboard docs clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,viz,dask]"
	touch $(STAMP)

setup: $(STAMP) browser

## Debian's Chromium for the browser tests (never `playwright install`); skipped when it is there.
## If it cannot be installed the browser tests fail, saying so: they are never skipped.
browser:
	@if [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1 || [ -n "$$AIDSIM_CHROMIUM" ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && (apt-get install -y -q chromium >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1)); then \
	     echo "installed chromium for the browser tests"; \
	else echo "warning: Chromium could not be installed (apt-get install -y chromium); the browser tests will fail"; fi

## The main job: the shipped baseline against the shipped reforms; the overview printed, details,
## deciles and runs in out/compare, and the HTML report out/compare/report.html.
run: $(STAMP)
	$(BIN)/aidsim compare scenarios/baseline.yaml scenarios/reforms/*.yaml --out out/compare
	$(BIN)/aidsim report out/compare

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks notebooks

## The suite on every core (pytest-xdist; a module's tests stay on one worker, so its fixtures are
## built once); PYTEST_WORKERS=0 runs it in this process.
PYTEST_WORKERS ?= auto
test: lint browser
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadscope

## JupyterLab on the notebooks (jupytext pairs notebooks/*.py with .ipynb files, not committed).
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,viz,dask,lab]"
	$(BIN)/jupytext --sync notebooks/*.py
	$(BIN)/jupyter lab notebooks

## The Mesa SolaraViz dashboard on http://127.0.0.1:8765/ (offline).
dashboard: $(STAMP)
	$(BIN)/aidsim dashboard

## The data dictionary, generated from the measure definitions.
docs: $(STAMP)
	$(BIN)/aidsim columns --format markdown > docs/outputs.md

## Speed and memory (not part of the tests): household-months per second and bytes per household,
## at 10^4, 10^5 and 10^6 households; `make bench-10m` adds 10^7 (about 4.7 GB and 2 minutes).
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
