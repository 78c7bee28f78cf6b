"""dbt unit tests run in `make test`, not in every production build."""

from __future__ import annotations

import json

import duckdb
from dagster_dbt.asset_utils import extract_runtime_selection_from_args

from orchestration.assets.dbt import (
    PRODUCTION_BUILD_ARGS,
    creates_incremental_table,
    production_build_args,
)
from tests.helpers import run_dbt


def _resource_types(args: list[str], build: dict) -> list[str]:
    """The resource type of every node `dbt build <args>` would run, from `dbt ls` (in the
    demo build's folder, whose parse state it reuses)."""
    proc = run_dbt(
        ["ls", *args, "--output", "json", "--output-keys", "resource_type", "--quiet"],
        build["warehouse"],
        build["as_of"],
    )
    return [json.loads(line)["resource_type"] for line in proc.stdout.splitlines() if line]


def test_the_production_build_runs_no_unit_test(demo_build):
    flags = list(PRODUCTION_BUILD_ARGS[1:])
    everything = _resource_types([], demo_build)
    production = _resource_types(flags, demo_build)
    assert everything.count("unit_test") > 0
    assert "unit_test" not in production
    # nothing else is left out: models, seeds and data tests all still run
    assert sorted(production) == sorted(t for t in everything if t != "unit_test")
    # dagster-dbt hands the flag to dbt as it is (it rewrites only --select/--exclude)
    assert extract_runtime_selection_from_args(list(PRODUCTION_BUILD_ARGS)) == (
        list(PRODUCTION_BUILD_ARGS),
        [],
        [],
    )


def test_resource_types_the_environment_excludes_stay_excluded(demo_build):
    """dbt reads DBT_EXCLUDE_RESOURCE_TYPES only when no --exclude-resource-type flag is
    given: the production build carries the variable's types into its flag (the benchmark's
    smoke mode runs no data test)."""
    assert production_build_args({}) == list(PRODUCTION_BUILD_ARGS)
    args = production_build_args({"DBT_EXCLUDE_RESOURCE_TYPES": "test unit_test"})
    assert args == ["build", "--exclude-resource-type", "unit_test", "test"]
    types = set(_resource_types(args[1:], demo_build))
    assert {"model", "seed"} <= types and not types & {"test", "unit_test"}


def test_make_test_runs_every_unit_test(demo_build):
    """The test suite's `dbt build` (tests/conftest.py) runs every unit test, and they pass."""
    manifest = json.loads(
        (demo_build["warehouse"].parent / "dbt_target" / "manifest.json").read_text()
    )
    ran = {
        r["unique_id"]: r["status"]
        for r in demo_build["run_results"]
        if r["unique_id"].startswith("unit_test.")
    }
    assert set(ran) == set(manifest["unit_tests"]) and ran
    assert set(ran.values()) == {"pass"}


def test_a_build_that_creates_an_incremental_table_tests_all_its_days(tmp_path):
    """The Dagster build asks the run-window tests for every day (PULSE_TEST_ALL_DAYS) when an
    incremental table does not exist yet: its first build writes all its days."""
    manifest = {
        "nodes": {
            "model.pulse.a": {
                "resource_type": "model",
                "schema": "main",
                "name": "a",
                "alias": "a",
                "config": {"materialized": "incremental"},
            },
            "model.pulse.b": {
                "resource_type": "model",
                "schema": "main",
                "name": "b",
                "alias": "b",
                "config": {"materialized": "table"},
            },
        }
    }
    warehouse = tmp_path / "pulse.duckdb"
    assert creates_incremental_table(warehouse, manifest)  # no warehouse yet
    con = duckdb.connect(str(warehouse))
    con.execute("create table main.b (x int)")
    con.close()
    assert creates_incremental_table(warehouse, manifest)  # the table one is not enough
    con = duckdb.connect(str(warehouse))
    con.execute("create table main.a (x int)")
    con.close()
    assert not creates_incremental_table(warehouse, manifest)
