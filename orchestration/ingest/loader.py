"""Load landing files into raw.<source>, set-based, with a ledger and a quarantine.

A file is loaded when its content differs from its path's latest ledger entry: a changed file
is a new version, even when it changes back to an earlier content. Each file is loaded in its
own transaction: its raw rows, its quarantined rows and its ledger row commit together or not
at all, so a crash mid-file leaves nothing behind and the next run loads the file again.
A file whose content breaks the contract (bad format, a required column missing, empty) is
rejected whole: its ledger row says why, no row of it is loaded, the other files still load,
and it stays rejected until it changes. A file that could not be processed (memory, disk, a
lock, an I/O error) is recorded as failed and retried on the next run.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from orchestration.contract import FILE_FORMATS, SOURCES, SOURCES_BY_NAME, Source
from orchestration.ingest import validate as v
from orchestration.ingest.failures import failure_message, failure_reason
from orchestration.ingest.reader import FileRejected, read_into_temp
from orchestration.ingest.schema import ensure_schema

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileResult:
    source: str
    file_path: str
    # loaded | rejected (the content breaks the contract; stands until the file changes)
    # | failed (could not be processed; retried on the next run) | skipped (seen before)
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    error: str | None = None
    file_id: int | None = None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _hidden(name: str) -> bool:
    return name.startswith(".")


def landing_files(landing_dir: Path, source: Source) -> list[Path]:
    """Every file of a source, in lexicographic order of its path: the load order.

    Symbolic links inside the landing folder are followed (each real folder once, so a link
    loop ends); a link leading outside it, or a broken one, is listed itself, unfollowed, so
    the loader can refuse it with a reason instead of skipping it silently."""
    root = landing_dir.resolve()
    folder = landing_dir / source.name
    if folder.is_symlink() and not folder.resolve().is_relative_to(root):
        return [folder]
    if not folder.is_dir():
        return []
    found: list[Path] = []
    walked: set[Path] = set()

    def walk(directory: Path) -> None:
        walked.add(directory.resolve())
        for entry in os.scandir(directory):
            path = Path(entry.path)
            if _hidden(entry.name):
                continue
            if entry.is_symlink() and (
                not path.exists() or not path.resolve().is_relative_to(root)
            ):
                found.append(path)
            elif entry.is_dir():
                if path.resolve() not in walked:
                    walk(path)
            elif entry.is_file():
                found.append(path)

    walk(folder)
    return sorted(found, key=lambda p: p.relative_to(landing_dir).as_posix())


def _stage_landing(con: duckdb.DuckDBPyConnection, source: Source, names: list[str]) -> None:
    """Temp table _landing from _read: every contract column under its own name (null when the
    file lacks it), the other columns kept by position (_c<i>), so no file column can collide
    with a contract column or with Pulse's own columns."""
    position = {n: i for i, n in enumerate(names)}
    contract = ", ".join(
        f"_c{position[c]} as {v._q(c)}" if c in position else f"null::varchar as {v._q(c)}"
        for c in source.column_names
    )
    others = "".join(f", _c{i}" for i, n in enumerate(names) if n not in source.column_names)
    con.execute(
        f"create or replace temp table _landing as select _rn, {contract}{others} from _read"
    )


def _check_columns(source: Source, names: list[str], rows: int, fmt: str) -> None:
    """The column names against the contract. The message names contract columns only and
    counts the others: in a CSV file without a header row, the 'names' are the first row's
    values."""
    contract = set(source.column_names)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        named = [n for n in repeated if n in contract]
        others = len(repeated) - len(named)
        parts = ([", ".join(named)] if named else []) + (
            [f"{others} other column name(s)"] if others else []
        )
        raise FileRejected(
            f"column name(s) repeated (names are trimmed and lower-cased): {' and '.join(parts)}"
        )
    missing = [c for c in source.required_columns if c not in names]
    if missing:
        found = [c for c in source.column_names if c in names]
        others = len(names) - len(found)
        message = f"missing required column(s) {', '.join(missing)}; found "
        message += ", ".join(found) if found else "none of the contract's columns"
        message += f" and {others} other column(s)" if others else ""
        if found:
            hint = "check the spelling of the column names"
        else:
            hint = "is the header row missing?" if fmt == "csv" else "is it another source's file?"
        raise FileRejected(f"{message} ({hint})")
    if rows == 0:
        raise FileRejected("no data rows (a header only)")


def _json_object(pairs: list[tuple[str, str]]) -> str:
    """SQL for a JSON object text of (key, column) pairs; null when there are none. Any key
    is kept as it is, an empty one too (a struct literal would rename that one)."""
    if not pairs:
        return "null::varchar"
    return "json_object(" + ", ".join(f"{v._lit(k)}, {col}" for k, col in pairs) + ")::varchar"


def _load_checked_rows(
    con: duckdb.DuckDBPyConnection, source: Source, names: list[str], file_id: int, rel: str
) -> tuple[int, int, int]:
    contract = set(source.column_names)
    column = [v._q(n) if n in contract else f"_c{i}" for i, n in enumerate(names)]
    extra_json = _json_object(
        [(n, col) for n, col in zip(names, column, strict=True) if n not in contract]
    )
    record_json = _json_object(list(zip(names, column, strict=True)))
    con.execute(
        f"""create or replace temp table _checked as
        select _rn, {v.reasons_expression(source)} as _reasons,
               {v.primary_key_expression(source)} as _pk,
               {extra_json} as _extra, *
        from _landing"""
    )
    typed = ", ".join(v.typed_expression(c) for c in source.columns)
    con.execute(
        f"""insert into raw.{source.name}
        select {typed}, _extra, {file_id}, _rn, now()::timestamp
        from _checked where len(_reasons) = 0 order by _rn"""
    )
    # The raw record as JSON only for the quarantined rows (building it for every row cost
    # more than the rest of the checks).
    con.execute(
        f"""insert into pulse_meta.quarantine
        select ?, ?, ?, _rn, _pk, _reasons[1], array_to_string(_reasons, ','), {record_json},
               now()::timestamp, null, null
        from _checked where len(_reasons) > 0 order by _rn""",
        [source.name, file_id, rel],
    )
    # A key quarantined earlier and now delivered validly is resolved by this file.
    con.execute(
        """update pulse_meta.quarantine set resolved_by_file_id = ?, resolved_at = now()::timestamp
        where source = ? and resolved_by_file_id is null and file_id <> ?
          and primary_key in (select _pk from _checked where len(_reasons) = 0)""",
        [file_id, source.name, file_id],
    )
    read, loaded = con.execute(
        "select count(*), count(*) filter (where len(_reasons) = 0) from _checked"
    ).fetchone()
    return read, loaded, read - loaded


def _already_seen(con: duckdb.DuckDBPyConnection, source: str, rel: str, sha: str) -> bool:
    """The path's latest ledger entry holds this content and did not fail. Only the latest
    counts: content that returns to an earlier version (A, B, A) is a new delivery."""
    latest = con.execute(
        "select content_hash, status from pulse_meta.load_ledger"
        " where source = ? and file_path = ? order by file_id desc limit 1",
        [source, rel],
    ).fetchone()
    return latest is not None and latest[0] == sha and latest[1] != "failed"


def _record(con, file_id, run_id, source, rel, fmt, size, sha, result: FileResult) -> None:
    con.execute(
        "insert into pulse_meta.load_ledger values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " now()::timestamp)",
        [
            file_id,
            run_id,
            source,
            rel,
            fmt,
            size,
            sha,
            result.status,
            result.error,
            result.rows_read,
            result.rows_loaded,
            result.rows_quarantined,
        ],
    )


def _rollback(con: duckdb.DuckDBPyConnection, rel: str) -> None:
    """Roll back without ever replacing the error being handled by the rollback's own."""
    try:
        con.execute("rollback")
    except Exception as exc:
        log.warning("rollback after %s also failed: %s", rel, failure_reason(exc))


@dataclass(frozen=True)
class _Version:
    """One file version: what identifies it in the ledger, and what to read (if anything)."""

    size: int
    sha: str
    real: Path | None = None  # the file to read, all symbolic links resolved
    refusal: str | None = None  # why it is refused unread


def _symlink_refusal(landing_dir: Path, path: Path) -> str | None:
    """Why a path reached through a symbolic link is refused, or None when it may be read.
    Resolving a link reads no content: a target outside the landing folder is never opened."""
    real = path.resolve()
    if not real.is_relative_to(landing_dir.resolve()):
        kind = "folder" if real.is_dir() else "file"
        return (
            f"a symbolic link to a {kind} outside the landing folder: refused, not read"
            " (copy the file into the landing folder instead)"
        )
    if path.is_symlink() and not path.exists():
        return "a broken symbolic link: its target does not exist"
    return None


def _version(landing_dir: Path, path: Path) -> _Version:
    refusal = _symlink_refusal(landing_dir, path)
    if refusal is not None:
        # A refused link is identified by its target, so pointing it elsewhere is a new version.
        target = hashlib.sha256(b"symlink:" + str(path.resolve()).encode()).hexdigest()
        return _Version(0, target, refusal=refusal)
    real = path.resolve()
    return _Version(real.stat().st_size, file_sha256(real), real=real)


def _conclude(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    rel: str,
    fmt: str | None,
    version: _Version | None,
    result: FileResult,
) -> FileResult:
    """Log and record a rejection or a failure in its own transaction. If even that fails,
    the file is reported failed (nothing in the ledger, so the next run retries it)."""
    log.error("%s %s: %s", result.status, rel, result.error)
    size, sha = (version.size, version.sha) if version else (0, "")
    try:
        file_id = result.file_id
        if file_id is None:
            file_id = con.execute("select nextval('pulse_meta.file_id_seq')").fetchone()[0]
        con.execute("begin transaction")
        _record(con, file_id, run_id, result.source, rel, fmt, size, sha, result)
        con.execute("commit")
    except Exception as exc:
        _rollback(con, rel)
        log.error("could not record %s in the load ledger: %s", rel, failure_reason(exc))
        if result.status == "failed":
            return replace(result, file_id=None)
        return FileResult(result.source, rel, "failed", error=failure_message(exc))
    return replace(result, file_id=file_id)


def _load_version(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    rel: str,
    fmt: str | None,
    version: _Version,
    run_id: str,
) -> FileResult:
    """Load one new file version in one transaction: raw rows, quarantine and ledger row."""
    file_id = con.execute("select nextval('pulse_meta.file_id_seq')").fetchone()[0]
    con.execute("begin transaction")
    try:
        if version.refusal is not None:
            raise FileRejected(version.refusal)
        if fmt is None:
            raise FileRejected(
                f"unsupported file type {Path(rel).suffix!r}; expected one of "
                + ", ".join(sorted(FILE_FORMATS))
            )
        names = [n.strip().lower() for n in read_into_temp(con, version.real, fmt)]
        rows = con.execute("select count(*) from _read").fetchone()[0]
        _check_columns(source, names, rows, fmt)
        _stage_landing(con, source, names)
        read, loaded, quarantined = _load_checked_rows(con, source, names, file_id, rel)
        result = FileResult(source.name, rel, "loaded", read, loaded, quarantined, None, file_id)
        _record(con, file_id, run_id, source.name, rel, fmt, version.size, version.sha, result)
        con.execute("commit")
    except FileRejected as exc:
        _rollback(con, rel)
        rejected = FileResult(source.name, rel, "rejected", error=str(exc), file_id=file_id)
        return _conclude(con, run_id, rel, fmt, version, rejected)
    except Exception as exc:
        _rollback(con, rel)
        failed = FileResult(source.name, rel, "failed", error=failure_message(exc), file_id=file_id)
        return _conclude(con, run_id, rel, fmt, version, failed)
    except BaseException:
        _rollback(con, rel)
        raise
    log.info("loaded %s: %d rows, %d quarantined", rel, loaded, quarantined)
    return result


def load_file(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, source: Source, path: Path, run_id: str
) -> FileResult:
    """Load one landing file unless its latest version is already in the ledger. A rejection
    (the content breaks the contract) stands until the file changes; a failure (memory, disk,
    locks, I/O) is recorded and retried on the next run."""
    rel = path.relative_to(landing_dir).as_posix()
    fmt = FILE_FORMATS.get(path.suffix.lower())
    version = None
    try:
        version = _version(landing_dir, path)
        if _already_seen(con, source.name, rel, version.sha):
            return FileResult(source.name, rel, "skipped")
        return _load_version(con, source, rel, fmt, version, run_id)
    except Exception as exc:  # the file could not be looked at, or the ledger not asked
        failed = FileResult(source.name, rel, "failed", error=failure_message(exc))
        return _conclude(con, run_id, rel, fmt, version, failed)


def load_source(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, source_name: str, run_id: str
) -> list[FileResult]:
    """Load every new file version of one source. Returns one result per file seen."""
    ensure_schema(con)
    con.execute("set TimeZone = 'UTC'")
    source = SOURCES_BY_NAME[source_name]
    return [
        load_file(con, landing_dir, source, p, run_id) for p in landing_files(landing_dir, source)
    ]


def load_all(con: duckdb.DuckDBPyConnection, landing_dir: Path, run_id: str) -> list[FileResult]:
    return [r for s in SOURCES for r in load_source(con, landing_dir, s.name, run_id)]
