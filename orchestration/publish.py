"""Write-audit-publish: copy the audited marts into a serving copy, then swap it in atomically.

Layout of the serving folder (PULSE_SERVING_DIR, default warehouse/serving):

    runs/<publish_id>/pulse.duckdb            the marts, readable by DuckDB 1.x clients too
    runs/<publish_id>/parquet/<mart>/data.parquet
    current -> runs/<publish_id>              a symlink, replaced atomically (rename(2))

BI tools open `current/pulse.duckdb` (read-only) or `current/parquet/`. A new copy is written
completely under runs/ before `current` moves to it, so a reader sees the previous run or
the new one, never a mix; a reader that opened the previous file keeps reading it (on POSIX an
open file outlives its removal). Every serving copy has a table `pulse_run` naming the run it
came from. A failed or killed run never moves `current`: the last good copy stays served.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

# DuckDB 1.x (embedded by BI drivers: Superset's duckdb-engine resolves DuckDB 1.5, Metabase's
# driver) cannot open files in DuckDB 2.0's default storage format.
SERVING_STORAGE_VERSION = "v1.0.0"
KEEP_RUNS = 3
# A superseded copy is kept at least this long, so a reader that resolved `current` just
# before a swap can still open the file it resolved.
GRACE_SECONDS = 600


@dataclass(frozen=True)
class Published:
    publish_id: str
    path: Path
    tables: dict[str, int]


def current_dir(serving_dir: Path) -> Path:
    return serving_dir / "current"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def publish(
    warehouse_con: duckdb.DuckDBPyConnection,
    serving_dir: Path,
    tables: list[tuple[str, str]],
    run_id: str,
    as_of_date: dt.date,
    keep: int = KEEP_RUNS,
    grace_seconds: float = GRACE_SECONDS,
    sources: dict[str, str] | None = None,
) -> Published:
    """Copy `tables` ((schema, table) in the working warehouse) into a new serving copy and
    make it current. `warehouse_con` is an open connection to the working warehouse.
    `sources`: per table, what to select it from instead (orchestration/marts.py: the Spark
    target's Parquet files)."""
    sources = sources or {}
    runs = serving_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    publish_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:8]
    staging = runs / f".{publish_id}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "parquet").mkdir(parents=True)
    db_path = staging / "pulse.duckdb"
    counts: dict[str, int] = {}
    warehouse_con.execute(
        f"attach '{db_path}' as serving (storage_version '{SERVING_STORAGE_VERSION}')"
    )
    try:
        warehouse_con.execute(
            "create table serving.main.pulse_run as select ? as run_id, ? as publish_id,"
            " cast(? as date) as as_of_date, now()::timestamp as published_at",
            [run_id, publish_id, as_of_date.isoformat()],
        )
        for schema, table in tables:
            warehouse_con.execute(
                f"create table serving.main.{_q(table)} as select * from"
                f" {sources.get(table) or _q(schema) + '.' + _q(table)}"
            )
            counts[table] = warehouse_con.execute(
                f"select count(*) from serving.main.{_q(table)}"
            ).fetchone()[0]
            folder = staging / "parquet" / table
            folder.mkdir()
            warehouse_con.execute(
                f"copy serving.main.{_q(table)} to '{folder / 'data.parquet'}' (format parquet)"
            )
    finally:
        warehouse_con.execute("detach serving")
    final = runs / publish_id
    os.rename(staging, final)
    _swap_current(serving_dir, final)
    _prune(runs, keep, grace_seconds)
    return Published(publish_id, final, counts)


def _swap_current(serving_dir: Path, target: Path) -> None:
    link = current_dir(serving_dir)
    tmp = serving_dir / f".current.{uuid.uuid4().hex[:8]}"
    os.symlink(os.path.relpath(target, serving_dir), tmp)
    os.replace(tmp, link)  # atomic: readers resolve either the old or the new target


def _prune(runs: Path, keep: int, grace_seconds: float) -> None:
    """Remove old copies (and leftovers of killed runs). A copy goes once it is not among the
    newest `keep` and was superseded more than `grace_seconds` ago; a reader that still holds
    its file open keeps reading it."""
    finished = sorted(p for p in runs.iterdir() if p.is_dir() and not p.name.startswith("."))
    now = time.time()
    for old, successor in zip(finished[:-keep], finished[1:], strict=False):
        if now - successor.stat().st_mtime >= grace_seconds:
            shutil.rmtree(old, ignore_errors=True)
    for leftover in runs.glob(".*.tmp"):
        shutil.rmtree(leftover, ignore_errors=True)
