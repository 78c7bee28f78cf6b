"""The lower bound: the time DuckDB itself needs to read every landing file once.

Per source, one query over all of its files with DuckDB's own reader (read_csv,
read_parquet, read_json), in a fresh in-memory database, in two variants:

  * `count(*)`: the definition the performance targets use. For Parquet this reads only the
    footers (DuckDB answers count(*) from row-group metadata), so it is a very low bound for
    usage_events.
  * `all columns`: count(*) plus count(<column>) of every column, which makes the reader
    decode every value of every file once: what any loader has to pay at least.

CSV is read as text (all_varchar), as the loader does: parsing values into types is the
loader's work, not the read's. Files of a source that disagree on their columns are lined up
by name (union_by_name, which costs a schema sniff per file).
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from orchestration.contract import FILE_FORMATS, SOURCES


def _readers(files: list[Path], union_by_name: bool = False) -> dict[str, str]:
    """One reader expression per format present among `files`. union_by_name makes DuckDB
    sniff every file's schema (slow with many small CSV files): only when they differ."""
    by_format: dict[str, list[str]] = {}
    for p in files:
        by_format.setdefault(FILE_FORMATS[p.suffix.lower()], []).append(
            "'" + str(p).replace("'", "''") + "'"
        )
    out = {}
    for fmt, paths in by_format.items():
        lst = "[" + ", ".join(paths) + "]"
        union = ", union_by_name = true" if union_by_name else ""
        out[fmt] = {
            "csv": f"read_csv({lst}, header = true, all_varchar = true{union})",
            "parquet": f"read_parquet({lst}{union})",
            "jsonl": f"read_json({lst}, format = 'newline_delimited'{union})",
        }[fmt]
    return out


def _timed(con: duckdb.DuckDBPyConnection, sql: str, repeat: int) -> tuple[float, list]:
    best, result = float("inf"), []
    for _ in range(repeat):
        t = time.perf_counter()
        result = con.execute(sql).fetchall()
        best = min(best, time.perf_counter() - t)
    return best, result


def _read(
    con: duckdb.DuckDBPyConnection, readers: dict[str, str], repeat: int
) -> tuple[int, float, float]:
    """(rows, count(*) seconds, all-columns seconds) over the readers, best of `repeat`."""
    rows, count_s, all_s = 0, 0.0, 0.0
    for reader in readers.values():
        seconds, result = _timed(con, f"select count(*) from {reader}", repeat)
        rows += result[0][0]
        count_s += seconds
        cols = [r[0] for r in con.execute(f"describe select * from {reader}").fetchall()]
        every = ", ".join('count("' + c.replace('"', '""') + '")' for c in cols)
        all_s += _timed(con, f"select count(*), {every} from {reader}", repeat)[0]
    return rows, count_s, all_s


def measure(landing: Path, repeat: int = 3) -> dict:
    """Seconds and rows per source, for both variants, in a fresh in-memory database; each
    query's best of `repeat` runs (the machine may be shared: the minimum is the least
    disturbed one)."""
    con = duckdb.connect()
    sources: dict[str, dict] = {}
    try:
        for source in SOURCES:
            folder = landing / source.name
            files = sorted(
                p
                for p in (folder.rglob("*") if folder.is_dir() else [])
                if p.is_file() and p.suffix.lower() in FILE_FORMATS
            )
            if not files:
                continue
            try:
                rows, count_s, all_s = _read(con, _readers(files), repeat)
            except duckdb.Error:  # the files' columns differ: line them up by name
                rows, count_s, all_s = _read(con, _readers(files, union_by_name=True), repeat)
            sources[source.name] = {
                "files": len(files),
                "bytes": sum(p.stat().st_size for p in files),
                "rows": rows,
                "count_star_s": count_s,
                "all_columns_s": all_s,
            }
    finally:
        con.close()
    return {
        "sources": sources,
        "count_star_s": sum(s["count_star_s"] for s in sources.values()),
        "all_columns_s": sum(s["all_columns_s"] for s in sources.values()),
        "rows": sum(s["rows"] for s in sources.values()),
        "bytes": sum(s["bytes"] for s in sources.values()),
    }
