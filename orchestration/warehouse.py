"""One writer at a time: the DuckDB file's writer lock.

DuckDB lets one process write a database file. Pulse has several writers (an ingestion asset
per source, dbt, publishing) and possibly several runs, so every writer takes an exclusive
OS-level lock on `<warehouse>.writer.lock` first. A second writer waits for it (up to
PULSE_LOCK_TIMEOUT seconds, default 1800) and then refuses with WarehouseBusy; it never
opens the file half-way through another writer's work. The lock is released by the kernel
when its process dies, so a killed run never leaves a stale lock behind.

A process that is not a Pulse writer (a duckdb CLI, a notebook with a read-write connection)
holds DuckDB's own lock on the file, which the OS lock does not see. A writer then waits for
that lock too, within the same timeout, and refuses with WarehouseBusy naming the process
DuckDB reports as the holder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from orchestration.config import duckdb_memory_limit


class WarehouseBusy(RuntimeError):
    """Another writer held the warehouse for longer than the timeout."""


# DuckDB's lock error: ... Conflicting lock is held in /usr/bin/python3.11 (PID 5513) by user x.
_LOCK_CONFLICT = "Could not set lock on file"
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def lock_holder(error: BaseException) -> str | None:
    """'<program> (PID <n>)' when `error` is DuckDB's lock conflict, 'another process' when
    DuckDB does not say who; None for any other error."""
    text = str(error)
    if _LOCK_CONFLICT not in text:
        return None
    found = _HOLDER.search(text)
    if found is None:
        return "another process"
    return f"{found['program']} (PID {found['pid']})"


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".writer.lock")


def lock_timeout(timeout: float | None = None) -> float:
    return float(os.environ.get("PULSE_LOCK_TIMEOUT", "1800")) if timeout is None else timeout


@contextlib.contextmanager
def writer_lock(warehouse: Path, timeout: float | None = None) -> Iterator[None]:
    timeout = lock_timeout(timeout)
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


def _open_when_free(warehouse: Path, deadline: float, timeout: float) -> duckdb.DuckDBPyConnection:
    """A read-write connection once no other process holds DuckDB's lock on the file."""
    while True:
        try:
            return duckdb.connect(str(warehouse))
        except duckdb.IOException as exc:
            holder = lock_holder(exc)
            if holder is None:
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{warehouse} is held open by {holder}, which is not a Pulse run;"
                    f" gave up after {timeout:.0f}s. Close that connection (a duckdb CLI, a"
                    " notebook) and run again; readers belong on the serving copy."
                ) from None
            time.sleep(0.2)


@contextlib.contextmanager
def connect_writer(
    warehouse: Path, timeout: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection, held under the writer lock. Waiting for the lock and for a
    foreign holder of the file share one timeout."""
    timeout = lock_timeout(timeout)
    deadline = time.monotonic() + timeout
    with writer_lock(warehouse, timeout):
        con = _open_when_free(warehouse, deadline, timeout)
        try:
            con.execute("set TimeZone = 'UTC'")
            con.execute("set memory_limit = ?", [duckdb_memory_limit()])
            yield con
        finally:
            con.close()


def wait_until_free(warehouse: Path, timeout: float | None = None) -> None:
    """Return once no other process holds the file open (call it under the writer lock, before
    handing the file to a writer in another process, such as dbt); WarehouseBusy after the
    timeout. A file that does not exist yet is free."""
    if not warehouse.exists():
        return
    timeout = lock_timeout(timeout)
    _open_when_free(warehouse, time.monotonic() + timeout, timeout).close()


def connect_reader(warehouse: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(warehouse), read_only=True)
