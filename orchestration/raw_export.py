"""The Parquet raw layer: what the Spark target reads as its dbt sources.

Ingestion stays in DuckDB (the load ledger, quarantine and file-by-file transactions live
there; see orchestration/ingest). For PULSE_TARGET=spark this module then writes

    <raw parquet dir>/raw/<source>/file_<file_id>_<hash>.parquet   one file per landed file
    <raw parquet dir>/pulse_meta/<table>/data.parquet               the whole table

(Settings.raw_parquet_dir: PULSE_RAW_PARQUET_DIR, by default beside the warehouse file)
and the dbt on-run-start macro pulse_register_raw_sources registers each folder as an external
Parquet table of the same name on Spark.

raw.<source> is append-only and a landed file's rows never change, so each file id is
exported once and later runs only add the files loaded since (the export grows with the new
data, not with the warehouse). The file name carries the landed file's content hash, so a
folder left over from another warehouse (whose file ids mean other files) is never mistaken
for this one's: files of ids or hashes the warehouse does not hold are removed. The two
pulse_meta tables change in place (quarantined keys get resolved) and are small, so they are
rewritten whole. Every file is written under a dot-name and renamed into place (Spark and
DuckDB skip dot-files), so a reader never sees half a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.config import settings
from orchestration.contract import SOURCES

META_TABLES = ("load_ledger", "quarantine")


@dataclass(frozen=True)
class ExportResult:
    table: str
    files_written: int
    rows_written: int


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> int:
    tmp = target.with_name("." + target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    rows = con.execute(f"select count(*) from ({query})").fetchone()[0]
    con.execute(f"copy ({query}) to '{tmp}' (format parquet, compression zstd)")
    tmp.replace(target)
    return rows


def export_raw(con: duckdb.DuckDBPyConnection, out_dir: Path | None = None) -> list[ExportResult]:
    """Export what is new in raw.* and all of pulse_meta's ledger and quarantine."""
    out_dir = out_dir or settings().raw_parquet_dir
    results = []
    for source in SOURCES:
        folder = out_dir / "raw" / source.name
        folder.mkdir(parents=True, exist_ok=True)
        loaded = con.execute(
            "select file_id, left(content_hash, 16) from pulse_meta.load_ledger"
            " where source = ? and status = 'loaded' and rows_loaded > 0 order by file_id",
            [source.name],
        ).fetchall()
        wanted = {f"file_{file_id}_{sha}.parquet": file_id for file_id, sha in loaded}
        for stale in folder.glob("*.parquet"):
            if stale.name not in wanted:
                stale.unlink()
        files = rows = 0
        for name, file_id in wanted.items():
            if (folder / name).exists():
                continue
            rows += _copy(
                con,
                f"select * from raw.{source.name} where _file_id = {int(file_id)}",
                folder / name,
            )
            files += 1
        if not wanted:
            # Spark takes a table's columns from its files: a source without any file yet
            # still needs one (zero rows, the raw table's schema).
            _copy(con, f"select * from raw.{source.name} limit 0", folder / "empty.parquet")
            files += 1
        results.append(ExportResult(f"raw.{source.name}", files, rows))
    for table in META_TABLES:
        folder = out_dir / "pulse_meta" / table
        folder.mkdir(parents=True, exist_ok=True)
        rows = _copy(con, f"select * from pulse_meta.{table}", folder / "data.parquet")
        results.append(ExportResult(f"pulse_meta.{table}", 1, rows))
    return results
