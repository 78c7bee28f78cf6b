"""Load landing files into raw.<source>, set-based, with a ledger and a quarantine.

A file is loaded when its content differs from its path's latest ledger entry: a changed file
is a new version, even when it changes back to an earlier content. A file whose size and
modification time equal those its latest ledger entry recorded is taken as unchanged without
reading it (see _unchanged_by_size_and_time). Each file is loaded in its own transaction: its
raw rows, its quarantined rows and its ledger row commit together or not at all, so a crash
mid-file leaves nothing behind and the next run loads the file again.
A file whose content breaks the contract (bad format, a required column missing, empty) is
rejected whole: its ledger row says why, no row of it is loaded, the other files still load,
and it stays rejected until it changes. A file that could not be processed (memory, disk, a
lock, an I/O error) is recorded as failed and retried on the next run.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from orchestration.contract import FILE_FORMATS, SOURCES, SOURCES_BY_NAME, Source
from orchestration.ingest import validate as v
from orchestration.ingest.failures import failure_message, failure_reason, is_transient
from orchestration.ingest.normalise import normalised, undeclared_dotted_date
from orchestration.ingest.options import (
    CONTRACT_DIALECT,
    READER_FILE,
    OptionsError,
    ReaderOptions,
    folder_options,
)
from orchestration.ingest.profiles import Catalog, Dataset, load_catalog, quote_name
from orchestration.ingest.reader import FileRejected, read_into_temp
from orchestration.ingest.schema import ensure_schema

log = logging.getLogger(__name__)

# A modification time this close to the moment it was read is not recorded: a file system
# keeps times in ticks (a few ms; FAT two seconds), so a write right after the hash, in the
# same tick, could leave the time as recorded.
RACY_NS = 2_000_000_000


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
    rows_excluded: int = 0  # footer rows and rows a profile's exclude_when leaves out
    profile: str | None = None
    reading_hash: str | None = None  # Mapping.fingerprint


@dataclass(frozen=True)
class Mapping:
    """How a file's rows become contract rows: by column name in the contract's shape (a
    generic source folder), or through a profile's dataset; read with `options`. `error`: the
    folder's reader options or profile cannot be used, so its files are rejected with it."""

    options: ReaderOptions = CONTRACT_DIALECT
    dataset: Dataset | None = None
    options_file: str | None = None  # where the options are declared, for messages
    error: str | None = None

    @property
    def profile(self) -> str | None:
        return self.dataset.profile if self.dataset else None

    @property
    def fingerprint(self) -> str | None:
        """What identifies how the file is read, beside its bytes: a file rejected for want
        of reader options, or loaded with a wrong date format, loads again once its folder's
        options or profile change. None for the contract's own dialect (the ledgers written
        before options existed hold null)."""
        if self == Mapping(options_file=self.options_file):
            return None
        return hashlib.sha256(repr((self.options, self.dataset, self.error)).encode()).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_hidden_or_setting(name: str) -> bool:
    """Dot-files are hidden; `_` files (e.g. _reader.yml) are Pulse's own settings, not data."""
    return name.startswith((".", "_"))


def landing_files(landing_dir: Path, folder_name: str) -> list[Path]:
    """Every file of a landing folder (a source's, or a profile dataset's `profile/dataset`),
    in lexicographic order of its path: the load order.

    Symbolic links inside the landing folder are followed (each real folder once, so a link
    loop ends); a link leading outside it, or a broken one, is listed itself, unfollowed, so
    the loader can refuse it with a reason instead of skipping it silently."""
    root = landing_dir.resolve()
    folder = landing_dir / folder_name
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
            if is_hidden_or_setting(entry.name):
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


def _stage_landing(
    con: duckdb.DuckDBPyConnection, source: Source, names: list[str], options: ReaderOptions
) -> None:
    """Temp table _landing from _read: every contract column under its own name in the
    contract's shape (null when the file lacks it), and every file column as read, by
    position (_c<i>), so no file column can collide with a contract column or with Pulse's own
    columns, and a quarantined row keeps its values as read."""
    position = {n: i for i, n in enumerate(names)}
    contract = ", ".join(
        f"{normalised(c, f'_c{position[c.name]}', options)} as {v._q(c.name)}"
        if c.name in position
        else f"null::varchar as {v._q(c.name)}"
        for c in source.columns
    )
    files = "".join(f", _c{i}" for i in range(len(names)))
    con.execute(
        f"create or replace temp table _landing as select _rn, {contract}{files} from _read"
    )


def _drop_footer(con: duckdb.DuckDBPyConnection, options: ReaderOptions) -> int:
    """Drop the trailing rows whose first cell matches footer_rows_matching (a `Sum` row);
    return how many. Only trailing ones: a data row that happens to match stays."""
    if options.footer_rows_matching is None:
        return 0
    matches = f"coalesce(regexp_matches(trim(_c0), {v._lit(options.footer_rows_matching)}), false)"
    dropped = con.execute(
        f"""delete from _read where _rn > coalesce(
            (select max(_rn) from _read where not {matches}), 0) and {matches}"""
    ).fetchall()
    return dropped[0][0] if dropped else 0


def _check_dates_declared(
    con: duckdb.DuckDBPyConnection, source: Source, mapping: Mapping, folder: str
) -> None:
    """A dotted day-first date (01.02.2026) with no declared format rejects the file, naming
    the column: the first of February and the second of January look the same."""
    checks = [
        (c, cond)
        for c in source.columns
        if (cond := undeclared_dotted_date(c, v._q(c.name), mapping.options)) is not None
    ]
    if not checks:
        return
    found = con.execute(
        "select " + ", ".join(f"bool_or({cond})" for _, cond in checks) + " from _landing"
    ).fetchone()
    for (column, _), hit in zip(checks, found, strict=True):
        if hit:
            key = "date_format" if column.type == "date" else "timestamp_format"
            where = mapping.options_file or f"{folder}/{READER_FILE}"
            named = f"column {column.name}"
            if mapping.dataset is not None:
                named += f" ({mapping.dataset.origin((column.name,))})"
            raise FileRejected(
                f"{named}: dates written day.month.year are ambiguous without a"
                f" declared format (is 01.02 the first of February?); declare {key}"
                f" (e.g. '%d.%m.%Y') in {where}"
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
    con: duckdb.DuckDBPyConnection,
    source: Source,
    names: list[str],
    extra: list[bool],
    file_id: int,
    rel: str,
    dataset: Dataset | None = None,
) -> tuple[int, int, int]:
    """Check _landing's rows; load the good ones into raw, quarantine the others. `extra`
    says, per file column, whether it goes to _extra (not mapped onto the contract). A
    profile file's (`dataset`) reasons also name the profile's dataset and the vendor's
    column(s) each contract column came from."""
    # The identity object is JSON already: nested as an object, not quoted as a string.
    column = [
        f"_c{i}::json" if n == IDENTITY_FIELD and i == len(names) - 1 else f"_c{i}"
        for i, n in enumerate(names)
    ]
    extra_json = _json_object(
        [(n, col) for n, col, e in zip(names, column, extra, strict=True) if e]
    )
    record_json = _json_object(list(zip(names, column, strict=True)))
    origin = dataset.origin if dataset is not None else None
    reasons = v.reasons_expression(source, with_columns=True, origin=origin)
    con.execute(
        f"""create or replace temp table _checked as
        select _rn, {reasons} as _reasons,
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
        select ?, ?, ?, _rn, _pk, split_part(_reasons[1], '(', 1),
               array_to_string(_reasons, ','), {record_json},
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


@dataclass(frozen=True)
class _Entry:
    """A path's latest ledger entry: the version the loader compares the file with."""

    file_id: int
    sha: str
    status: str
    reading: str | None
    size: int
    mtime_ns: int | None


def _latest_entry(con: duckdb.DuckDBPyConnection, source: str, rel: str) -> _Entry | None:
    """The path's latest ledger entry. Only the latest counts: content that returns to an
    earlier version (A, B, A) is a new delivery."""
    row = con.execute(
        "select file_id, content_hash, status, reading_hash, file_size, file_mtime_ns"
        " from pulse_meta.load_ledger"
        " where source = ? and file_path = ? order by file_id desc limit 1",
        [source, rel],
    ).fetchone()
    return _Entry(*row) if row is not None else None


def _already_seen(latest: _Entry | None, sha: str, reading: str | None) -> bool:
    """The latest entry holds this content, read the same way (`reading`: the reader options'
    and profile's fingerprint), and did not fail."""
    return (
        latest is not None
        and latest.sha == sha
        and latest.status != "failed"
        and latest.reading == reading
    )


def _unchanged_by_size_and_time(
    latest: _Entry | None, landing_dir: Path, path: Path, reading: str | None
) -> bool:
    """The file is taken as the latest entry's version, unread, when its size and
    modification time (st_size, st_mtime_ns) both equal those the entry recorded after
    hashing it. Any write changes the modification time, so a same-size edit is still
    hashed and detected. The accepted limit, as in rsync and make: content changed while both
    size and time are kept identical (a tool that restores the time, a clock set back) goes
    unnoticed until the file changes again. A time recorded within RACY_NS of the hash is not
    trusted (null in the ledger), so a write in the same clock tick as the hash is not missed."""
    if latest is None or latest.mtime_ns is None:
        return False
    if latest.status == "failed" or latest.reading != reading:
        return False
    if _symlink_refusal(landing_dir, path) is not None:
        return False
    stat = path.resolve().stat()
    return stat.st_size == latest.size and stat.st_mtime_ns == latest.mtime_ns


def _confirm_time(con: duckdb.DuckDBPyConnection, latest: _Entry, version: _Version) -> None:
    """The file was hashed and is still the latest entry's version: record its current
    modification time there, so the next run need not hash it (a `touch`, or a ledger from
    before the size-and-time check, costs one hash, not one every run). Best effort: if the
    ledger cannot take it, the file is still the same version, and is only hashed again next
    run."""
    if version.mtime_ns is None or version.mtime_ns == latest.mtime_ns:
        return
    try:
        con.execute(
            "update pulse_meta.load_ledger set file_mtime_ns = ? where file_id = ?",
            [version.mtime_ns, latest.file_id],
        )
    except duckdb.Error as exc:
        reason = failure_reason(exc)
        log.warning("could not record the time of file id %d: %s", latest.file_id, reason)


def _record(con, file_id, run_id, source, rel, fmt, version, result: FileResult) -> None:
    # By column name: older ledgers gained profile and rows_excluded at their end.
    version = version or _Version(0, "")
    con.execute(
        """insert into pulse_meta.load_ledger (file_id, run_id, source, file_path, file_format,
            file_size, content_hash, status, error, rows_read, rows_loaded, rows_quarantined,
            rows_excluded, profile, reading_hash, file_mtime_ns, loaded_at)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()::timestamp)""",
        [
            file_id,
            run_id,
            source,
            rel,
            fmt,
            version.size,
            version.sha,
            result.status,
            result.error,
            result.rows_read,
            result.rows_loaded,
            result.rows_quarantined,
            result.rows_excluded,
            result.profile,
            result.reading_hash,
            version.mtime_ns,
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
    mtime_ns: int | None = None  # its modification time, when old enough to be trusted


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
    # Time and size before the bytes: a write during the hash leaves a newer time behind.
    now_ns = time.time_ns()
    stat = real.stat()
    trusted = now_ns - stat.st_mtime_ns >= RACY_NS
    return _Version(
        stat.st_size,
        file_sha256(real),
        real=real,
        mtime_ns=stat.st_mtime_ns if trusted else None,
    )


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
    try:
        file_id = result.file_id
        if file_id is None:
            file_id = con.execute("select nextval('pulse_meta.file_id_seq')").fetchone()[0]
        con.execute("begin transaction")
        _record(con, file_id, run_id, result.source, rel, fmt, version, result)
        con.execute("commit")
    except Exception as exc:
        _rollback(con, rel)
        log.error("could not record %s in the load ledger: %s", rel, failure_reason(exc))
        if result.status == "failed":
            return replace(result, file_id=None)
        return FileResult(result.source, rel, "failed", error=failure_message(exc))
    return replace(result, file_id=file_id)


def _stage_generic(
    con: duckdb.DuckDBPyConnection, source: Source, names: list[str], fmt: str, mapping: Mapping
) -> tuple[list[str], list[bool], int]:
    """A file in the contract's own shape: columns matched by name (trimmed, lower-cased)."""
    names = [n.strip().lower() for n in names]
    rows = con.execute("select count(*) from _read").fetchone()[0]
    _check_columns(source, names, rows, fmt)
    _stage_landing(con, source, names, mapping.options)
    return names, [n not in source.column_names for n in names], 0


def _profile_column(dataset: Dataset, name: str) -> str | None:
    """SQL for a contract column of a profile dataset, over _file: its expression with its
    value map applied (case-insensitively; an unmapped value passes as it is), or its
    constant; None when the profile gives it nothing."""
    if name in dataset.constants:
        return v._lit(dataset.constants[name])
    if name not in dataset.columns:
        return None
    expr = f"nullif(trim(({dataset.columns[name]})::varchar), '')"
    pairs = dataset.value_maps.get(name)
    if not pairs:
        return expr
    cases = " ".join(
        f"when {v._lit(k.strip().lower())} then {v._lit(val)}" for k, val in pairs.items()
    )
    return f"case lower({expr}) {cases} else {expr} end"


# The _extra key holding what a profile's `identity` block says about a row (docs/profiles.md,
# "One customer across systems"); dbt's identity resolution reads it (macros/identity.sql).
IDENTITY_FIELD = "_pulse_identity"


def _identity_json(dataset: Dataset) -> str | None:
    """SQL over _file for a row's identity object, or None when the dataset has no identity
    block. An e-mail address is reduced here to its domain and the md5 of the lower-cased,
    trimmed address (what dbt's hash macro gives for the identity map's addresses), so the
    address itself is never stored; a company domain loses any scheme, `www.` and path; a
    name is lower-cased with its spaces collapsed. The profile, dataset, key kind and master
    flag travel with the row."""
    ident = dataset.identity
    if ident is None:
        return None

    def text(expr: str) -> str:
        return f"nullif(lower(trim(({expr})::varchar)), '')"

    parts = [
        ("profile", v._lit(dataset.profile)),
        ("dataset", v._lit(dataset.name)),
        ("key", v._lit(ident.key)),
        ("master", "true" if ident.master else "false"),
    ]
    if ident.email is not None:
        email = text(ident.email)
        parts += [
            ("email_domain", rf"nullif(regexp_extract({email}, '@([^@\s]+)$', 1), '')"),
            ("email_hash", f"md5({email})"),
        ]
    if ident.domain is not None:
        bare = rf"regexp_replace({text(ident.domain)}, '^[a-z][a-z0-9+.-]*://', '')"
        host = rf"regexp_replace({bare}, '^www\.|[/:?#].*$', '', 'g')"
        parts.append(("domain", f"nullif({host}, '')"))
    if ident.name is not None:
        spaced = rf"regexp_replace({text(ident.name)}, '\s+', ' ', 'g')"
        parts.append(("name", f"nullif({spaced}, '')"))
    return "json_object(" + ", ".join(f"{v._lit(k)}, {e}" for k, e in parts) + ")::varchar"


def _file_columns_check(dataset: Dataset, names: list[str], rows: int) -> None:
    lowered = [n.strip().lower() for n in names]
    if len(set(lowered)) < len(lowered):
        raise FileRejected(
            f"column name(s) repeated (compared case-insensitively); {dataset.where}"
            f" dataset {dataset.name} cannot tell them apart"
        )
    declared = dataset.referenced_names()
    missing = [quote_name(declared[k]) for k in sorted(set(declared) - set(lowered))]
    if missing:
        raise FileRejected(
            f"the file lacks column(s) {', '.join(missing)} that {dataset.where}"
            f" (dataset {dataset.name}) maps; check the export, header_row and delimiter"
        )
    if rows == 0:
        raise FileRejected("no data rows (a header only)")


def _stage_profile(
    con: duckdb.DuckDBPyConnection, names: list[str], dataset: Dataset
) -> tuple[list[str], list[bool], int]:
    """A vendor file through a profile dataset: the file's columns under their own header
    names (_file), the contract columns computed from them, the rows exclude_when names
    left out. Returns the file's names, which of them go to _extra, and the rows excluded."""
    source = dataset.source
    rows = con.execute("select count(*) from _read").fetchone()[0]
    _file_columns_check(dataset, names, rows)
    headed = ", ".join(f"_c{i} as {v._q(n.strip())}" for i, n in enumerate(names))
    con.execute(
        f"create or replace temp table _file as select _rn as __pulse_rn, {headed} from _read"
    )
    exprs = {c.name: _profile_column(dataset, c.name) for c in source.columns}
    mapped = ", ".join(f"{e} as {v._q(n)}" for n, e in exprs.items() if e is not None)
    exclude = f"coalesce(({dataset.exclude_when}), false)" if dataset.exclude_when else "false"
    identity = _identity_json(dataset)
    exprs_identity = f", {identity} as __pulse_identity" if identity else ""
    try:
        con.execute(
            f"""create or replace temp table _mapped as
            select __pulse_rn, {exclude} as __pulse_excluded, {mapped}{exprs_identity}
            from _file"""
        )
    except duckdb.Error as exc:
        if is_transient(exc):
            raise
        raise FileRejected(_expression_error(con, dataset, exprs)) from None
    contract = ", ".join(
        f"{normalised(c, f'm.{v._q(c.name)}', dataset.reader)} as {v._q(c.name)}"
        if exprs[c.name] is not None
        else f"null::varchar as {v._q(c.name)}"
        for c in source.columns
    )
    files = "".join(f", r._c{i}" for i in range(len(names)))
    if identity:
        files += f", m.__pulse_identity as _c{len(names)}"
    con.execute(
        f"""create or replace temp table _landing as
        select r._rn, {contract}{files}
        from _read r join _mapped m on m.__pulse_rn = r._rn
        where not m.__pulse_excluded order by r._rn"""
    )
    excluded = rows - con.execute("select count(*) from _landing").fetchone()[0]
    used = dataset.referenced_columns()
    extra = [n.strip().lower() not in used for n in names]
    if identity:
        return [*names, IDENTITY_FIELD], [*extra, True], excluded
    return names, extra, excluded


def _expression_error(con: duckdb.DuckDBPyConnection, dataset: Dataset, exprs: dict) -> str:
    """Which of a dataset's expressions fails on this file, in words (DuckDB's own message may
    quote the file's header or values, so it is not passed on)."""
    trials = [(f"{dataset.name}.columns.{n}", e) for n, e in exprs.items() if e is not None]
    if dataset.exclude_when:
        trials.append((f"{dataset.name}.exclude_when", dataset.exclude_when))
    if dataset.identity:
        trials += [
            (f"{dataset.name}.identity.{n}", e) for n, e in dataset.identity.expressions().items()
        ]
    for key, expr in trials:
        try:
            con.execute(f"select ({expr}) from _file limit 0")
        except duckdb.Error:
            return (
                f"{dataset.where}: key datasets.{key}: the SQL expression does not run on this"
                " file (a misspelt column name or an SQL error)"
            )
    return f"{dataset.where}: dataset {dataset.name}: the mapping does not run on this file"


def _options_check(mapping: Mapping, rel: str, fmt: str) -> None:
    if mapping.error is not None:
        raise FileRejected(mapping.error)
    wanted = mapping.options.format
    if wanted is not None and wanted != fmt:
        raise FileRejected(f"a {fmt} file where {mapping.options_file} declares format {wanted}")


def _load_version(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    rel: str,
    fmt: str | None,
    version: _Version,
    run_id: str,
    mapping: Mapping,
) -> FileResult:
    """Load one new file version in one transaction: raw rows, quarantine and ledger row."""
    file_id = con.execute("select nextval('pulse_meta.file_id_seq')").fetchone()[0]
    profile = mapping.profile
    con.execute("begin transaction")
    try:
        if version.refusal is not None:
            raise FileRejected(version.refusal)
        if fmt is None:
            raise FileRejected(
                f"unsupported file type {Path(rel).suffix!r}; expected one of "
                + ", ".join(sorted(FILE_FORMATS))
            )
        _options_check(mapping, rel, fmt)
        names = read_into_temp(con, version.real, fmt, mapping.options)
        footer = _drop_footer(con, mapping.options)
        if mapping.dataset is None:
            names, extra, excluded = _stage_generic(con, source, names, fmt, mapping)
        else:
            names, extra, excluded = _stage_profile(con, names, mapping.dataset)
        _check_dates_declared(con, source, mapping, Path(rel).parts[0])
        read, loaded, quarantined = _load_checked_rows(
            con, source, names, extra, file_id, rel, mapping.dataset
        )
        excluded += footer
        result = FileResult(
            source.name,
            rel,
            "loaded",
            read + excluded,
            loaded,
            quarantined,
            None,
            file_id,
            excluded,
            profile,
            mapping.fingerprint,
        )
        _record(con, file_id, run_id, source.name, rel, fmt, version, result)
        con.execute("commit")
    except FileRejected as exc:
        _rollback(con, rel)
        rejected = FileResult(
            source.name,
            rel,
            "rejected",
            error=str(exc),
            file_id=file_id,
            profile=profile,
            reading_hash=mapping.fingerprint,
        )
        return _conclude(con, run_id, rel, fmt, version, rejected)
    except Exception as exc:
        _rollback(con, rel)
        failed = FileResult(
            source.name,
            rel,
            "failed",
            error=failure_message(exc),
            file_id=file_id,
            profile=profile,
        )
        return _conclude(con, run_id, rel, fmt, version, failed)
    except BaseException:
        _rollback(con, rel)
        raise
    log.info("loaded %s: %d rows, %d quarantined, %d excluded", rel, loaded, quarantined, excluded)
    return result


def load_file(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    source: Source,
    path: Path,
    run_id: str,
    mapping: Mapping | None = None,
) -> FileResult:
    """Load one landing file unless its latest version is already in the ledger. A rejection
    (the content breaks the contract) stands until the file changes; a failure (memory, disk,
    locks, I/O) is recorded and retried on the next run."""
    rel = path.relative_to(landing_dir).as_posix()
    fmt = FILE_FORMATS.get(path.suffix.lower())
    mapping = mapping or Mapping()
    version = None
    try:
        latest = _latest_entry(con, source.name, rel)
        if _unchanged_by_size_and_time(latest, landing_dir, path, mapping.fingerprint):
            return FileResult(source.name, rel, "skipped", profile=mapping.profile)
        version = _version(landing_dir, path)
        if _already_seen(latest, version.sha, mapping.fingerprint):
            _confirm_time(con, latest, version)
            return FileResult(source.name, rel, "skipped", profile=mapping.profile)
        return _load_version(con, source, rel, fmt, version, run_id, mapping)
    except Exception as exc:  # the file could not be looked at, or the ledger not asked
        failed = FileResult(
            source.name, rel, "failed", error=failure_message(exc), profile=mapping.profile
        )
        return _conclude(con, run_id, rel, fmt, version, failed)


def _generic_mapping(landing_dir: Path, source: Source) -> Mapping:
    where = f"{source.name}/{READER_FILE}"
    try:
        return Mapping(folder_options(landing_dir, source.name), options_file=where)
    except OptionsError as exc:
        return Mapping(options_file=where, error=str(exc))


def _dataset_mapping(dataset: Dataset) -> Mapping:
    return Mapping(dataset.reader, dataset, f"{dataset.where} (dataset {dataset.name})")


def load_source(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    source_name: str,
    run_id: str,
    catalog: Catalog | None = None,
) -> list[FileResult]:
    """Load every new file version of one source: its own folder's, then those of the profile
    datasets feeding it (`<profile>/<dataset>/`). Returns one result per file seen."""
    ensure_schema(con)
    con.execute("set TimeZone = 'UTC'")
    source = SOURCES_BY_NAME[source_name]
    catalog = catalog if catalog is not None else load_catalog()
    folders = [(source.name, _generic_mapping(landing_dir, source))]
    folders += [
        (f"{d.profile}/{d.name}", _dataset_mapping(d)) for d in catalog.datasets_of(source.name)
    ]
    return [
        load_file(con, landing_dir, source, p, run_id, mapping)
        for folder, mapping in folders
        for p in landing_files(landing_dir, folder)
    ]


def load_all(con: duckdb.DuckDBPyConnection, landing_dir: Path, run_id: str) -> list[FileResult]:
    catalog = load_catalog()
    return [r for s in SOURCES for r in load_source(con, landing_dir, s.name, run_id, catalog)]
