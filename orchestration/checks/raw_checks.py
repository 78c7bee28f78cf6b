"""Checks on every raw table, after ingestion and before dbt: a failure blocks dbt.

The rows this run loaded are checked against expectations/raw/<source>.json as one SQL
aggregate in DuckDB (meta.evaluate: sql), never pulled into pandas. Those suites hold only
rules the loader does not already enforce: the loader quarantines every row that breaks the
contract (a required value missing, a value that does not parse, a value outside its closed
set, a negative amount, a cross-column rule: orchestration/ingest/validate.py) and the raw
tables' columns and types are its DDL (orchestration/ingest/schema.py); checking them again
after the load repeated the loader's work in pandas (~70 s at SF10).
The table profile (row count vs the last good run, freshness) still runs on every table.
"""

from dagster import AssetCheckExecutionContext, AssetCheckResult, asset_check

from orchestration.assets.ingestion import raw_asset_key
from orchestration.checks.table_quality import check_table
from orchestration.contract import EVENT_TIME_COLUMN, SOURCES, Source
from orchestration.quality.gx_runner import EXPECTATIONS_DIR
from orchestration.resources import PulseSettings


def build_raw_check(source: Source):
    @asset_check(
        asset=raw_asset_key(source.name),
        name="gx_raw_quality",
        blocking=True,
        description=f"expectations/raw/{source.name}.json on the rows this run loaded (SQL), and "
        "expectations/table_profile.json (row count vs the last good run, freshness).",
    )
    def _check(context: AssetCheckExecutionContext, pulse: PulseSettings) -> AssetCheckResult:
        return check_table(
            pulse.get(),
            context.run.run_id,
            f"raw.{source.name}",
            EXPECTATIONS_DIR / "raw" / f"{source.name}.json",
            f"select * from raw.{source.name} where _file_id in (select file_id from"
            " pulse_meta.load_ledger where run_id = ? and status = 'loaded')",
            [context.run.run_id],
            EVENT_TIME_COLUMN[source.name],
        )

    return _check


raw_checks = [build_raw_check(s) for s in SOURCES]
