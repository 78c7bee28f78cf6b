"""Failures to process a file, as opposed to rejections of its content.

A rejection is permanent until the file changes; a failure (memory, disk, a lock, an I/O error)
says nothing about the file's content.
"""

from __future__ import annotations

import re

import duckdb

# DuckDB raises these whatever the file holds: they are about the machine or the warehouse.
_TRANSIENT_TYPES = (
    duckdb.OutOfMemoryException,
    duckdb.InterruptException,
    duckdb.FatalException,
    duckdb.TransactionException,
    duckdb.ConnectionException,
    OSError,
)

# Operating-system errors inside a DuckDB IOException (which also reports corrupt files).
_OS_ERRORS = re.compile(
    r"no space left on device|disk quota exceeded|permission denied|no such file"
    r"|input/output error|too many open files|read-only file system|cannot allocate memory"
    r"|could not set lock|resource temporarily unavailable|could not write",
    re.IGNORECASE,
)


def is_transient(exc: BaseException) -> bool:
    """True when `exc` may not happen again on the next run, whatever the file holds."""
    if isinstance(exc, _TRANSIENT_TYPES):
        return True
    return isinstance(exc, duckdb.IOException) and bool(_OS_ERRORS.search(str(exc)))
