"""The refresh job: check the landing folder, ingest every source, then dbt build, one writer
step at a time."""

from dagster import AssetSelection, define_asset_job, in_process_executor

# The in-process executor runs steps sequentially in one process: with a single DuckDB file,
# parallel writer steps would only queue on the writer lock, so we do not start them at all.
refresh_job = define_asset_job(
    "pulse_refresh",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Check the landing folder, load new landing files, measure their freshness "
    "(dbt source freshness, warnings only), build every dbt model and test, then publish.",
)
