"""One ingestion asset per contract source: landing files -> raw.<source>.

Each asset loads the source's own folder and the folders of the profile datasets feeding it
(`<profile>/<dataset>/`, docs/profiles.md), so a dbt source stays one asset whichever exports
fill it; the ledger's `profile` column says which file came through which profile."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Failure,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableColumnConstraints,
    TableSchema,
    asset,
)

from orchestration.assets.retries import retry_when_busy
from orchestration.contract import SOURCES, Source
from orchestration.ingest.failures import RETRY_NOTE
from orchestration.ingest.loader import load_source
from orchestration.ingest.schema import LINEAGE_COLUMNS, SQL_TYPES
from orchestration.resources import PulseSettings
from orchestration.warehouse import connect_writer

# Every asset that writes the DuckDB file is in this pool; the job runs them one at a time
# (in-process executor) and each also takes the warehouse's writer lock, which serialises
# writers across runs and processes too.
WRITER_POOL = "duckdb_writer"

# The preflight (orchestration/assets/landing.py) every ingestion asset waits for: a landing
# folder that cannot be loaded from, or a busy warehouse, stops the run before any load.
LANDING_KEY = AssetKey(["landing"])


def raw_asset_key(source_name: str) -> AssetKey:
    return AssetKey(["raw", source_name])


def raw_table_schema(source: Source) -> TableSchema:
    """raw.<source>'s columns as Dagster's column schema: the contract's (with their contract
    type and whether the contract requires them), then the loader's lineage columns."""
    contract = [
        TableColumn(
            name=c.name,
            type=SQL_TYPES[c.type],
            description=f"contract type {c.type}" + ("; required" if c.required else ""),
            constraints=TableColumnConstraints(nullable=not c.required),
        )
        for c in source.columns
    ]
    lineage = [
        TableColumn(name=name, type=type_, description="loader lineage")
        for name, type_ in LINEAGE_COLUMNS
    ]
    return TableSchema(columns=contract + lineage)


def _files_table(results) -> str:
    rows = [
        "| file | profile | status | read | loaded | quarantined | excluded | error |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if r.status != "skipped":
            rows.append(
                f"| {r.file_path} | {r.profile or ''} | {r.status} | {r.rows_read} |"
                f" {r.rows_loaded} | {r.rows_quarantined} | {r.rows_excluded} | {r.error or ''} |"
            )
    return "\n".join(rows)


def _failure_description(source_name: str, failed) -> str:
    """A failed file fails the step, so nothing downstream is built or published from an
    incomplete load (the last good serving copy stays); the next run retries the file."""
    files = "; ".join(f"{r.file_path} ({(r.error or '').removeprefix(RETRY_NOTE)})" for r in failed)
    return (
        f"{len(failed)} file(s) of {source_name} could not be loaded; they will be retried on"
        f" the next run, and nothing downstream is built or published until then: {files}"
    )


def build_ingestion_asset(source: Source):
    @asset(
        key=raw_asset_key(source.name),
        deps=[LANDING_KEY],
        group_name="ingestion",
        pool=WRITER_POOL,
        kinds={"duckdb"},
        metadata={"dagster/column_schema": raw_table_schema(source)},
        description=f"Landing files of `{source.name}/`, and of the profile datasets feeding"
        f" {source.name}, loaded into raw.{source.name} (exported by the {source.system} system;"
        f" key: {', '.join(source.primary_key)}).",
    )
    def _ingest(context: AssetExecutionContext, pulse: PulseSettings) -> MaterializeResult:
        cfg = pulse.get()
        with retry_when_busy(context), connect_writer(cfg.warehouse) as con:
            results = load_source(con, cfg.landing_dir, source.name, context.run.run_id)
            new = [r for r in results if r.status != "skipped"]
            for r in new:
                if r.status in ("rejected", "failed"):
                    context.log.error(f"{r.status} {r.file_path}: {r.error}")
            failed = [r for r in new if r.status == "failed"]
            if failed:
                raise Failure(
                    description=_failure_description(source.name, failed),
                    metadata={"files": MetadataValue.md(_files_table(new))},
                )
            total = con.execute(f"select count(*) from raw.{source.name}").fetchone()[0]
        rejected = [r for r in new if r.status == "rejected"]
        return MaterializeResult(
            metadata={
                # Dagster's standard table metadata: the raw table's rows after this load
                # (rows_loaded is what this run added), and its columns
                "dagster/row_count": total,
                "dagster/column_schema": raw_table_schema(source),
                "files_new": len(new),
                "files_skipped": len(results) - len(new),
                "files_rejected": len(rejected),
                "rows_read": sum(r.rows_read for r in new),
                "rows_loaded": sum(r.rows_loaded for r in new),
                "rows_quarantined": sum(r.rows_quarantined for r in new),
                "rows_excluded": sum(r.rows_excluded for r in new),
                "raw_rows_total": total,
                "files": MetadataValue.md(_files_table(new)),
            }
        )

    return _ingest


ingestion_assets = [build_ingestion_asset(s) for s in SOURCES]
