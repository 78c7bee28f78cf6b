"""Where the marts are, per dbt target, as something DuckDB can select from.

DuckDB target: the tables main.<mart> of the working warehouse. Spark target: the Parquet
files of the Spark warehouse (<spark warehouse>/pulse.db/<mart>/, partition folders included),
read by DuckDB. The GX checks and the publish step read the marts through this, so the rest of
the pipeline (serving copy, reports) is the same on both targets.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.config import Settings

SPARK_SCHEMA = "pulse"  # profiles.yml, output spark


def spark_table_dir(spark_warehouse: Path, table: str) -> Path:
    return spark_warehouse / f"{SPARK_SCHEMA}.db" / table


def spark_mart_sql(spark_warehouse: Path, table: str) -> str:
    """A subquery over the Spark table's Parquet files with DuckDB's types: Spark writes its
    timestamps as UTC instants (timestamptz to DuckDB); the marts hold UTC timestamps without
    zone, so they are cast back (in UTC: every Pulse connection sets TimeZone UTC)."""
    folder = spark_table_dir(spark_warehouse, table)
    files = f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        columns = con.execute(f"describe select * from {files}").fetchall()
    finally:
        con.close()
    select = ", ".join(
        f'cast("{name}" as timestamp) as "{name}"'
        if type_.upper() == "TIMESTAMP WITH TIME ZONE"
        else f'"{name}"'
        for name, type_, *_ in columns
    )
    return f"(select {select} from {files})"


def mart_sql(cfg: Settings, table: str, schema: str = "main") -> str:
    """What to select a mart from in a DuckDB connection on the working warehouse."""
    if cfg.target == "spark":
        return spark_mart_sql(cfg.spark_warehouse, table)
    return f'"{schema}"."{table}"'
