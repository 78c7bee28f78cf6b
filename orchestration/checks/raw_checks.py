"""GX checks on every raw table, after ingestion and before dbt: a failure blocks dbt."""

from dagster import AssetCheckExecutionContext, AssetCheckResult, asset_check

from orchestration.assets.ingestion import raw_asset_key
from orchestration.checks.table_quality import check_table
from orchestration.contract import EVENT_TIME_COLUMN, SOURCES, Source
from orchestration.quality.gx_runner import EXPECTATIONS_DIR
from orchestration.resources import PulseSettings

# Rows per pandas frame handed to GX: bounds the check's memory on large loads (GX copies a
# frame several times while validating; the Dagster process keeps what it once held, 1.9 GB
# at SF10 with chunks of 1 million rows) at a small cost in GX calls.
RAW_CHECK_CHUNK_ROWS = 250_000


def build_raw_check(source: Source):
    @asset_check(
        asset=raw_asset_key(source.name),
        name="gx_raw_quality",
        blocking=True,
        description=f"expectations/raw/{source.name}.json on the rows this run loaded, and "
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
            chunk_rows=RAW_CHECK_CHUNK_ROWS,
        )

    return _check


raw_checks = [build_raw_check(s) for s in SOURCES]
