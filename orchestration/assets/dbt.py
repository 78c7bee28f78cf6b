"""dbt models as Dagster assets; dbt sources map onto the ingestion assets."""

import os
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetSpec, apply_freshness_policy
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration import parse_state
from orchestration.assets.dbt_metadata import bi_freshness_policy, bi_marts, with_table_metadata
from orchestration.assets.ingestion import WRITER_POOL, raw_asset_key
from orchestration.assets.retries import retry_when_busy
from orchestration.manifest import load_manifest
from orchestration.progress import DBT_LOG_PREFIX, dbt_progress
from orchestration.raw_export import export_raw
from orchestration.resources import PulseSettings, dbt_project
from orchestration.warehouse import wait_until_free, writer_lock

# What dbt reads from the environment (profiles.yml, pulse_as_of_date, the Spark sources).
SETTINGS_ENV = (
    "PULSE_TARGET",
    # profiles.yml reads the warehouse path from the environment: the absolute one
    "PULSE_WAREHOUSE",
    "PULSE_AS_OF_DATE",
    "PULSE_RAW_PARQUET_DIR",
    "PULSE_SPARK_WAREHOUSE",
)

# The production build: every model, seed and data test, but no unit test. A unit test proves
# a model's logic on fixed inputs, which no production run changes: it belongs to `make test`
# (every `dbt build` of the test suite runs them), not to each night's run. dbt's own
# resource-type flag rather than an --exclude selection: dagster-dbt rewrites the selection
# of a subset run (by asset), and leaves this flag alone.
PRODUCTION_BUILD_ARGS = ("build", "--exclude-resource-type", "unit_test")


def production_build_args(environ: Mapping[str, str] = os.environ) -> list[str]:
    """PRODUCTION_BUILD_ARGS, plus the resource types the environment leaves out
    (DBT_EXCLUDE_RESOURCE_TYPES): dbt reads that variable only when the flag is absent, so
    the flag alone would silently bring back what the caller excluded (the benchmark's smoke
    mode skips the data tests)."""
    flag = list(PRODUCTION_BUILD_ARGS)
    flag += [t for t in environ.get("DBT_EXCLUDE_RESOURCE_TYPES", "").split() if t not in flag]
    return flag


# Materializations that keep a table's earlier rows and add the run's.
INCREMENTAL = ("incremental",)


class PulseDbtTranslator(DagsterDbtTranslator):
    """Sources are the raw tables the ingestion assets write: one graph, landing to mart."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            if dbt_resource_props["source_name"] == "pulse_meta":  # the loader's bookkeeping
                return AssetKey(["pulse_meta", dbt_resource_props["name"]])
            return raw_asset_key(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        return fqn[1] if len(fqn) > 2 else "dbt"

    def get_asset_spec(self, manifest, unique_id, project) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        # the marts BI dashboards read (the bi_dashboards exposure) carry a freshness policy
        if unique_id in bi_marts(manifest):
            spec = apply_freshness_policy(spec, bi_freshness_policy())
        return spec


translator = PulseDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


# The manifest is read when this module is imported (the asset graph needs it), never parsed
# here: orchestration/manifest.py says who parses it.
@dbt_assets(
    manifest=load_manifest(),
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool=WRITER_POOL,
)
def pulse_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, pulse: PulseSettings):
    cfg = pulse.get()
    with retry_when_busy(context), writer_lock(cfg.warehouse):
        # dbt opens the file in its own process: wait here for any other holder (a duckdb
        # CLI, a notebook), so dbt never starts only to fail on DuckDB's lock.
        wait_until_free(cfg.warehouse)
        if cfg.target == "spark":
            # Spark reads its sources from the Parquet raw layer: bring it up to date with
            # what this run ingested (under the writer lock, so no load is half exported).
            con = duckdb.connect(str(cfg.warehouse), read_only=True)
            try:
                exported = export_raw(con, cfg.raw_parquet_dir)
            finally:
                con.close()
            context.log.info(
                "raw layer exported to Parquet: "
                + ", ".join(f"{e.table} +{e.rows_written}" for e in exported)
            )
        # The run's settings reach dbt through its environment: profiles.yml reads the target
        # and the paths with env_var(), the macro pulse_as_of_date the as-of date. Not through
        # --vars: a changed --vars makes dbt re-parse the whole project (benchmarks/README.md,
        # finding D), a changed variable only the files that read it. DbtCliResource.cli()
        # (dagster-dbt 0.29) takes no environment: it starts dbt with a copy of os.environ,
        # and renders profiles.yml in this process from os.environ too (its adapter handle).
        # So the values are put in os.environ for that one call and restored at once
        # (_environment): dbt's process has its copy by then, and nothing of a run stays
        # behind, so a long-running Dagster process never pins "today". No other step sees
        # them: a process runs one step at a time (the refresh job's in_process_executor runs
        # them one after another, Dagster's default executor each in a process of its own).
        # docs/decisions.md says why no cleaner way exists.
        env = cfg.dbt_env()
        # The row-level tests of an incremental table check the days the run wrote
        # (macros/tests/run_window.sql); when the run creates the table they check it all.
        all_days = cfg.target == "duckdb" and creates_incremental_table(
            cfg.warehouse, load_manifest()
        )
        with _environment(
            **{name: env[name] for name in SETTINGS_ENV if name in env},
            PULSE_TEST_ALL_DAYS="1" if all_days else "",
        ):
            invocation = dbt.cli(production_build_args(), context=context)
        context.log.info(f"{DBT_LOG_PREFIX}{invocation.target_path / 'dbt.log'}")
        events = invocation.stream()
        if cfg.target == "duckdb":
            # row counts and column schemas, read once dbt has let go of the file
            progress = dbt_progress(context.log, len(context.selected_asset_keys))
            events = with_table_metadata(events, cfg.warehouse, load_manifest(), on_event=progress)
        yield from events
    # dagster-dbt seeds each invocation's target folder from the project's state but never
    # hands it back: without this, a state saved with another profile (`make parse`, another
    # warehouse path) would make every run re-parse the whole project
    parse_state.keep(invocation.target_path)


def incremental_tables(manifest: dict) -> list[tuple[str, str]]:
    """(schema, table) of every incremental model of the manifest."""
    return sorted(
        (node["schema"], node["alias"] or node["name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"].get("materialized") in INCREMENTAL
        and node["config"].get("enabled", True)
    )


def creates_incremental_table(warehouse: Path, manifest: dict) -> bool:
    """True when the DuckDB warehouse lacks one of the manifest's incremental tables: a first
    build (or a new incremental model), which writes all of that table's days."""
    if not warehouse.exists():
        return True
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        held = set(
            con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        )
    finally:
        con.close()
    return any(table not in held for table in incremental_tables(manifest))


@contextmanager
def _environment(**values: str):
    """os.environ with `values` set inside the block and restored as it was after (a variable
    that was unset is removed again): the one way to hand dbt.cli() an environment."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
