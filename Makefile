# The two commands of the Quickstart (make demo, make test) and the checks (make lint).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup demo test test-fast lint format bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

demo: setup  ## initialize var/compliance.db, register the bundled models, load the bundled data, run the main job
	$(BIN)/compliance demo

test: setup  ## the whole suite (PostgreSQL too when COMPLIANCE_TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow" -x -q

lint: setup  ## ruff, mypy and the import-linter contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

BENCHES := ingest metrics reports probe api nightly

bench: setup  ## every performance run: ratios against a peer or a bare baseline (not tests)
	@for b in $(BENCHES); do echo "== benchmarks/$$b.py"; $(BIN)/python benchmarks/$$b.py || exit 1; done

bench-%: setup  ## one of them, e.g. make bench-api
	$(BIN)/python benchmarks/$*.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
