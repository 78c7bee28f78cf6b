# Pulse: two commands on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV_VERSION := 0.13.9
SCALE  ?= 0.05
SEED   ?= 42
SF     ?= 1

export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export PULSE_LANDING_DIR ?= $(CURDIR)/data/landing
export PULSE_WAREHOUSE ?= $(CURDIR)/warehouse/pulse.duckdb

.PHONY: install parse demo run ui test lint bench clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"

# Installs exactly the locked versions; re-runs when the lock or pyproject changes.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(VENV)/.installed $(DAGSTER_HOME)/dagster.yaml

# Dagster builds its asset graph from target/manifest.json: refresh it (partial parse, fast).
parse: install
	$(BIN)/dbt parse --quiet

$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp orchestration/dagster.yaml $@

## demo: install, generate demo data, run the whole pipeline, print a summary
demo: parse
	$(BIN)/python -m orchestration.demo_data.generate --out data/landing --scale $(SCALE) --seed $(SEED)
	$(BIN)/python -m orchestration.cli run

## run: the full pipeline on $PULSE_LANDING_DIR into $PULSE_WAREHOUSE
run: parse
	$(BIN)/python -m orchestration.cli run

## ui: the Dagster UI on http://127.0.0.1:3000
ui: parse
	$(BIN)/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

lint: install
	$(BIN)/ruff check orchestration tests
	$(BIN)/ruff format --check orchestration tests
	$(BIN)/sqlfluff lint models macros

## test: lint and the whole test suite
test: parse lint
	$(BIN)/python -m pytest

## bench: benchmark at scale factor SF -> benchmarks/results/sf$(SF)-duckdb.{json,md}
bench: parse
	$(BIN)/python -m orchestration.bench --sf $(SF)

clean:
	rm -rf warehouse target logs .dagster_home data
