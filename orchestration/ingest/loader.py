"""Load landing files into raw.<source>, set-based, with a ledger and a quarantine.

A file is loaded when its content differs from its path's latest ledger entry: a changed file
is a new version, even when it changes back to an earlier content. Each file is loaded in its
own transaction: its raw rows, its quarantined rows and its ledger row commit together or
not at all, so a crash mid-file leaves nothing behind and the next run loads the file again.
A file that cannot be read (bad format, a required column missing, empty) is rejected whole:
its ledger row says why, no row of it is loaded, and the other files still load.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.contract import FILE_FORMATS, SOURCES, SOURCES_BY_NAME, Source
from orchestration.ingest import validate as v
from orchestration.ingest.schema import ensure_schema

log = logging.getLogger(__name__)


class FileRejected(Exception):
    """The whole file breaks the contract; the message names what is wrong."""


@dataclass(frozen=True)
class FileResult:
    source: str
    file_path: str
    status: str  # loaded | rejected | skipped (already loaded in an earlier run)
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


def landing_files(landing_dir: Path, source: Source) -> list[Path]:
    """Every file of a source, in lexicographic order of its path: the load order."""
    folder = landing_dir / source.name
    if not folder.is_dir():
        return []
    files = [
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    return sorted(files, key=lambda p: p.relative_to(landing_dir).as_posix())


def _read_into_temp(con: duckdb.DuckDBPyConnection, path: Path, fmt: str) -> list[str]:
    """Read a file into temp table _landing: _rn (1-based data row) plus every column as text.
    Returns the file's column names (lower-cased, trimmed)."""
    p = v._lit(str(path))
    if path.stat().st_size == 0:
        raise FileRejected("empty file: no header row and no data")
    if fmt == "csv":
        # The contract fixes the dialect: comma, double quotes, a header row. A file written
        # with another delimiter then shows up as one wide column and is rejected for its
        # missing columns, instead of being guessed into a different shape.
        reader = (
            f"read_csv({p}, header = true, delim = ',', quote = '\"', escape = '\"',"
            " all_varchar = true, strict_mode = true, null_padding = false)"
        )
        con.execute(f"create or replace temp table _read as select * from {reader}")
    elif fmt == "parquet":
        con.execute(f"create or replace temp table _read as select * from read_parquet({p})")
    else:  # JSON Lines: one object per line; keys become columns, values text
        con.execute(
            "create or replace temp table _objs as select row_number() over () as _rn, json"
            f" from read_ndjson_objects({p})"
        )
        bad = con.execute(
            "select min(_rn) from _objs where json_type(json) <> 'OBJECT'"
        ).fetchone()[0]
        if bad is not None:
            raise FileRejected(f"line {bad} is not a JSON object")
        keys = [
            r[0]
            for r in con.execute(
                "select distinct unnest(json_keys(json)) as k from _objs order by k"
            ).fetchall()
        ]
        cols = ", ".join(
            f"json_extract_string(json, {v._lit('$.' + k)}) as {v._q(k)}" for k in keys
        )
        con.execute(
            f"create or replace temp table _read as select {cols or 'null as _none'} from _objs"
            " order by _rn"
        )
    names = [r[0] for r in con.execute("describe _read").fetchall()]
    normalized = [n.strip().lower() for n in names]
    if len(set(normalized)) != len(normalized):
        raise FileRejected(f"duplicate column names in header: {names}")
    projection = ", ".join(
        f"cast({v._q(orig)} as varchar) as {v._q(norm)}"
        for orig, norm in zip(names, normalized, strict=True)
    )
    con.execute(
        f"create or replace temp table _landing as select row_number() over () as _rn,"
        f" {projection} from _read"
    )
    return normalized


def _reader_error(exc: duckdb.Error) -> str:
    """DuckDB's first lines say what is wrong; the rest is a dump of reader options."""
    lines = [ln.strip() for ln in str(exc).splitlines()]
    head = lines[: lines.index("") if "" in lines else len(lines)]
    return " ".join(head)[:500]


def _check_columns(source: Source, columns: list[str], rows: int) -> None:
    missing = [c for c in source.required_columns if c not in columns]
    if missing:
        raise FileRejected(
            f"missing required column(s) {', '.join(missing)};"
            f" found columns: {', '.join(repr(c)[1:-1] for c in columns)[:300]}"
        )
    if rows == 0:
        raise FileRejected("no data rows (a header only)")


def _load_checked_rows(
    con: duckdb.DuckDBPyConnection, source: Source, columns: list[str], file_id: int, rel: str
) -> tuple[int, int, int]:
    # Contract columns absent from the file (optional ones) read as null.
    present = set(columns)
    fill = ", ".join(f"null::varchar as {v._q(c)}" for c in source.column_names if c not in present)
    extras = [c for c in columns if c not in set(source.column_names)]
    extra_json = (
        "to_json({" + ", ".join(f"{v._lit(c)}: {v._q(c)}" for c in extras) + "})::varchar"
        if extras
        else "null::varchar"
    )
    record_json = (
        "to_json({" + ", ".join(f"{v._lit(c)}: {v._q(c)}" for c in columns) + "})::varchar"
    )
    con.execute(
        f"""create or replace temp table _checked as
        select _rn, {v.reasons_expression(source)} as _reasons,
               {v.primary_key_expression(source)} as _pk,
               {extra_json} as _extra, *
        from (select *{", " + fill if fill else ""} from _landing)"""
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
    """The path's latest ledger entry holds this content. Only the latest counts: content that
    returns to an earlier version (A, B, A) is a new delivery."""
    latest = con.execute(
        "select content_hash from pulse_meta.load_ledger"
        " where source = ? and file_path = ? order by file_id desc limit 1",
        [source, rel],
    ).fetchone()
    return latest is not None and latest[0] == sha


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


def load_file(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, source: Source, path: Path, run_id: str
) -> FileResult:
    rel = path.relative_to(landing_dir).as_posix()
    size = path.stat().st_size
    sha = file_sha256(path)
    if _already_seen(con, source.name, rel, sha):
        return FileResult(source.name, rel, "skipped")
    fmt = FILE_FORMATS.get(path.suffix.lower())
    file_id = con.execute("select nextval('pulse_meta.file_id_seq')").fetchone()[0]
    con.execute("begin transaction")
    try:
        if fmt is None:
            raise FileRejected(
                f"unsupported file type {path.suffix!r}; expected one of "
                + ", ".join(sorted(FILE_FORMATS))
            )
        try:
            columns = _read_into_temp(con, path, fmt)
        except duckdb.Error as exc:
            raise FileRejected(f"not a readable {fmt} file: {_reader_error(exc)}") from exc
        rows = con.execute("select count(*) from _landing").fetchone()[0]
        _check_columns(source, columns, rows)
        read, loaded, quarantined = _load_checked_rows(con, source, columns, file_id, rel)
        result = FileResult(source.name, rel, "loaded", read, loaded, quarantined, None, file_id)
        _record(con, file_id, run_id, source.name, rel, fmt, size, sha, result)
        con.execute("commit")
        log.info("loaded %s: %d rows, %d quarantined", rel, loaded, quarantined)
    except FileRejected as exc:
        con.execute("rollback")
        result = FileResult(source.name, rel, "rejected", error=str(exc), file_id=file_id)
        log.error("rejected %s: %s", rel, exc)
        con.execute("begin transaction")
        _record(con, file_id, run_id, source.name, rel, fmt, size, sha, result)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return result


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
