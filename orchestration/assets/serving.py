"""Publish the audited marts to the serving copy BI tools read (write-audit-publish).

The asset depends on every mart. Dagster runs it only when the marts were built and every
blocking check on them (and on the raw tables before them) passed; otherwise it is skipped
and the last good serving copy stays current.
"""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.assets.ingestion import WRITER_POOL
from orchestration.assets.retries import retry_when_busy
from orchestration.manifest import load_manifest
from orchestration.marts import mart_sql
from orchestration.publish import publish
from orchestration.resources import PulseSettings
from orchestration.warehouse import connect_writer


def mart_models() -> list[tuple[str, str]]:
    """(schema, name) of every dbt model under models/marts/, from the manifest."""
    return sorted(
        (node["schema"], node["name"])
        for node in load_manifest()["nodes"].values()
        if node["resource_type"] == "model" and len(node["fqn"]) > 2 and node["fqn"][1] == "marts"
    )


MARTS = mart_models()


@asset(
    key=AssetKey(["serving"]),
    deps=[AssetKey([name]) for _, name in MARTS],
    group_name="serving",
    pool=WRITER_POOL,
    kinds={"duckdb", "parquet"},
    description="The serving copy: every mart in a DuckDB file readable by DuckDB 1.x and as "
    "Parquet, swapped in atomically at <serving dir>/current.",
)
def serving(context: AssetExecutionContext, pulse: PulseSettings) -> MaterializeResult:
    cfg = pulse.get()
    # On the Spark target the marts are Parquet tables of the Spark warehouse.
    sources = {name: mart_sql(cfg, name) for _, name in MARTS} if cfg.target == "spark" else {}
    with retry_when_busy(context), connect_writer(cfg.warehouse) as con:
        published = publish(
            con, cfg.serving_dir, MARTS, context.run.run_id, cfg.as_of_date, sources=sources
        )
    current = cfg.serving_dir / "current"
    return MaterializeResult(
        metadata={
            "publish_id": published.publish_id,
            "duckdb_file": MetadataValue.path(str(current / "pulse.duckdb")),
            "parquet_dir": MetadataValue.path(str(current / "parquet")),
            "tables": len(published.tables),
            # the tables whose content changed since the last publish; the others were kept
            "tables_copied": MetadataValue.json(list(published.copied)),
            "rows": MetadataValue.md(
                "| table | rows |\n|---|---|\n"
                + "\n".join(f"| {t} | {n} |" for t, n in sorted(published.tables.items()))
            ),
        }
    )
