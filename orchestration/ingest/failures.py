"""Failures to process a file, as opposed to rejections of its content.

A rejection is permanent until the file changes; a failure (memory, disk, a lock, an I/O error)
says nothing about the file, so the loader records it and retries the file on the next run.
The reason given is a category a person can act on, never an error's quoted text: DuckDB's
messages may quote values from the file.
"""

from __future__ import annotations

import errno
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

_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")


def _is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc).lower()
    return "no space left on device" in text or "disk quota exceeded" in text


def is_transient(exc: BaseException) -> bool:
    """True when `exc` may not happen again on the next run, whatever the file holds."""
    if isinstance(exc, _TRANSIENT_TYPES):
        return True
    return isinstance(exc, duckdb.IOException) and bool(_OS_ERRORS.search(str(exc)))


def _first_line_unquoted(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return _QUOTED.sub("…", lines[0] if lines else "")[:200]


def failure_reason(exc: BaseException) -> str:
    """What went wrong, in a few words, with nothing quoted from the error's text."""
    text = str(exc).lower()
    if _is_disk_full(exc):
        return "no space left on device"
    if isinstance(exc, duckdb.OutOfMemoryException) or "out of memory" in text:
        return "out of memory (see PULSE_DUCKDB_MEMORY_LIMIT)"
    if "could not set lock" in text or "conflict" in text:
        return "the warehouse is locked or a write conflicted with another writer"
    if isinstance(exc, duckdb.InterruptException):
        return "interrupted"
    if isinstance(exc, duckdb.FatalException) or "invalidated" in text:
        return "the warehouse stopped accepting writes after an earlier error"
    if isinstance(exc, OSError):
        return f"could not read the file: {exc.strerror or type(exc).__name__}"
    if isinstance(exc, duckdb.IOException):
        return f"I/O error: {_first_line_unquoted(exc)}"
    return f"unexpected {type(exc).__name__}: {_first_line_unquoted(exc)}"


# How a failed file's error starts in the ledger.
RETRY_NOTE = "could not be processed, will be retried on the next run: "


def failure_message(exc: BaseException) -> str:
    return RETRY_NOTE + failure_reason(exc)
