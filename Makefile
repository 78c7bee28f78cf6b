# Pulse: two commands on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV_VERSION := 0.13.9
SCALE  ?= 0.05
SEED   ?= 42
SF     ?= 1
CMP_SCALE ?= 0.02

export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export PULSE_LANDING_DIR ?= $(CURDIR)/data/landing
export PULSE_WAREHOUSE ?= $(CURDIR)/warehouse/pulse.duckdb
# dbt target: duckdb (default) or spark (a local Spark session; needs Java 17).
export PULSE_TARGET ?= duckdb

# The Spark extra (pyspark, dbt-spark) is installed for the Spark target, and by
# `make test-spark` when Java is present, so the Spark comparison runs in CI; the default
# install stays light. requirements-spark.lock = requirements.lock plus the extra, at the
# same versions.
JAVA := $(shell command -v java 2>/dev/null)
SPARK_EXTRA := $(if $(filter spark,$(PULSE_TARGET)),1)
test-spark: SPARK_EXTRA := $(if $(JAVA),1,$(SPARK_EXTRA))
compare-targets install-spark bench-targets: SPARK_EXTRA := 1

.PHONY: install install-spark parse sources demo run ui docs status test test-spark test-bench lint bench bench-targets compare-targets clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"

# Installs exactly the locked versions; re-runs when the lock or pyproject changes.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	rm -f $(VENV)/.installed-spark
	touch $@

# The Spark extra on top: the same versions plus pyspark and dbt-spark. Also marks the light
# install up to date (it is a subset), so a later `make run` does not uninstall the extra.
$(VENV)/.installed-spark: requirements-spark.lock $(VENV)/.installed | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements-spark.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(VENV)/.installed $@

install: $(VENV)/.installed $(DAGSTER_HOME)/dagster.yaml
	$(if $(SPARK_EXTRA),@$(MAKE) --no-print-directory $(VENV)/.installed-spark)

## install-spark: the default install plus the Spark target's extra
install-spark: install

# Dagster builds its asset graph from target/manifest.json: refresh it (partial parse, fast).
parse: install
	$(BIN)/dbt parse --quiet

## sources: rewrite the raw tables' dbt sources YAML from orchestration/contract.py
sources: install
	$(BIN)/python -m tools.contract_sources

$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp orchestration/dagster.yaml $@

## demo: install, generate demo data, run the whole pipeline, print a summary
demo: parse
	$(BIN)/python -m tools.demo_data.generate --out data/landing --scale $(SCALE) --seed $(SEED)
	$(BIN)/pulse run

## run: the full pipeline on $PULSE_LANDING_DIR into $PULSE_WAREHOUSE
run: parse
	$(BIN)/pulse run

## ui: the Dagster UI on http://127.0.0.1:3000
ui: parse
	$(BIN)/pulse ui

## docs: dbt's documentation site (lineage, exposures) on http://127.0.0.1:8080
docs: parse
	$(BIN)/pulse docs

## status: the last run, what was loaded or rejected, failed checks, where the outputs are
status: install
	$(BIN)/pulse status

lint: install
	$(BIN)/ruff check orchestration tools tests
	$(BIN)/ruff format --check orchestration tools tests
	$(BIN)/sqlfluff lint models macros --processes 2

## test: lint and the test suite, all but test-spark and test-bench (every developer's loop)
test: parse lint
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder -m "not spark and not bench"

## test-spark: the Spark target's tests: every mart built on Spark equals DuckDB's (CI runs
## it after `make test`; a local Spark session costs minutes of the two cores)
test-spark: parse
	$(BIN)/python -m pytest -m spark

## test-bench: the benchmark harness end to end at a tiny scale (a whole pipeline run of its
## own; CI runs it after `make test`)
test-bench: parse
	$(BIN)/python -m pytest -m bench

## compare-targets: demo data built on DuckDB and on local Spark, every mart compared row for row
compare-targets: parse
	$(BIN)/python -m tools.compare_targets --scale $(CMP_SCALE)

## bench: benchmark at scale factor SF on $PULSE_TARGET -> benchmarks/results/sf$(SF)-<target>.{json,md}
bench: parse
	$(BIN)/python -m tools.bench --sf $(SF) --target $(PULSE_TARGET)

## bench-targets: SF on DuckDB, then on local Spark -> benchmarks/results/sf$(SF)-targets.md
bench-targets: parse
	$(MAKE) --no-print-directory bench SF=$(SF) PULSE_TARGET=duckdb
	$(MAKE) --no-print-directory bench SF=$(SF) PULSE_TARGET=spark
	$(BIN)/python -m tools.bench --side-by-side \
	  benchmarks/results/sf$(SF)-duckdb.json benchmarks/results/sf$(SF)-spark.json

clean:
	rm -rf warehouse target logs .dagster_home data
