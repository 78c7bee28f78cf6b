"""One writer at a time: the DuckDB file's writer lock.

DuckDB lets one process write a database file. Pulse has several writers (an ingestion asset
per source, dbt, publishing) and possibly several runs, so every writer takes an exclusive
OS-level lock on `<warehouse>.writer.lock` first. A second writer waits for it (up to
PULSE_LOCK_TIMEOUT seconds, default 1800) and then refuses with WarehouseBusy; it never
opens the file half-way through another writer's work. The lock is released by the kernel
when its process dies, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from orchestration.config import duckdb_memory_limit


class WarehouseBusy(RuntimeError):
    """Another writer held the warehouse for longer than the timeout."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".writer.lock")


@contextlib.contextmanager
def writer_lock(warehouse: Path, timeout: float | None = None) -> Iterator[None]:
    if timeout is None:
        timeout = float(os.environ.get("PULSE_LOCK_TIMEOUT", "1800"))
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with open(lock_path(warehouse), "a+") as fh:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"{warehouse} is being written by another Pulse run;"
                        f" gave up after {timeout:.0f}s"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def connect_writer(
    warehouse: Path, timeout: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection, held under the writer lock."""
    with writer_lock(warehouse, timeout):
        con = duckdb.connect(str(warehouse))
        try:
            con.execute("set TimeZone = 'UTC'")
            con.execute("set memory_limit = ?", [duckdb_memory_limit()])
            yield con
        finally:
            con.close()


def connect_reader(warehouse: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(warehouse), read_only=True)
