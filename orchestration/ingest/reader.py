"""Read one landing file, exactly that file, into temp table _read.

_read holds _rn (the 1-based data row) and one text column per file column, named by position
(_c0, _c1, ...), so no column name from a file can collide with Pulse's own columns; the names
themselves are returned in file order.

Error texts name a line and a reason, never a value from the file: they reach the ledger, the
logs and the BI reports. DuckDB's reader errors quote the rows around the problem, so they are
mapped to a reason here and their text is dropped. A problem with the file's content raises
FileRejected; anything else (memory, disk, locks) is left to propagate, so the loader can
retry it on the next run.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb

from orchestration.ingest.failures import is_transient
from orchestration.ingest.options import CONTRACT_DIALECT, ReaderOptions


class FileRejected(Exception):
    """The whole file breaks the contract; the message names what is wrong, never a value."""


# How much of a file the Python checks look at: enough for the header and a few rows.
SNIFF_BYTES = 64 * 1024

# Characters DuckDB's readers expand as glob patterns in any path (a list of paths too).
_GLOB_CHARACTERS = frozenset("*?[]{}\\")

_DELIMITER_NAMES = {";": "semicolon", "\t": "tab", "|": "pipe"}

# Leading bytes of file types people drop into a CSV folder by mistake.
_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive, e.g. an Excel workbook"),
    (b"\xd0\xcf\x11\xe0", "an old Office document, e.g. an .xls workbook"),
    (b"\x1f\x8b", "gzip-compressed"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PAR1", "a Parquet file"),
)

_DECIMAL_COMMA = re.compile(r"^[+-]?[0-9]+,[0-9]+$")


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@contextlib.contextmanager
def unglobbed(path: Path) -> Iterator[str]:
    """A name for `path` that DuckDB reads as that one file.

    DuckDB expands *, ? and [...] in every path its readers get, a list of paths included,
    and has no switch to turn that off; bracket-escaping only covers some characters. A
    symbolic link with a plain name in a private temporary folder always names one file."""
    folder = tempfile.mkdtemp(prefix="pulse-read-")
    try:
        link = os.path.join(folder, "landing-file")
        if _GLOB_CHARACTERS & set(link):
            raise RuntimeError(
                f"the temporary folder {folder} has a glob character in its path;"
                " point TMPDIR at a folder with a plain name"
            )
        os.symlink(path.resolve(), link)
        yield link
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sample(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(SNIFF_BYTES)


def _line_of(sample: bytes, offset: int) -> int:
    return sample.count(b"\n", 0, offset) + 1


def text_sample(path: Path, kind: str) -> str:
    """The file's first bytes as text, after checking they are UTF-8 text at all."""
    sample = _sample(path)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRejected("not UTF-8 text: it is UTF-16; save it as UTF-8")
    for magic, what in _MAGIC:
        if sample.startswith(magic):
            raise FileRejected(f"not a {kind} file: binary content ({what})")
    if b"\x00" in sample:
        raise FileRejected(f"not a {kind} file: binary content")
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the sample is not an error.
        if len(sample) < SNIFF_BYTES or exc.start < len(sample) - 3:
            line = _line_of(sample, exc.start)
            raise FileRejected(
                f"not UTF-8 text (the first invalid byte is on line {line}): save it as UTF-8"
            ) from None
        text = sample[: exc.start].decode("utf-8")
    return text.removeprefix("\ufeff")


def detect_delimiter(header_line: str) -> str | None:
    """The delimiter a header line uses: the most frequent of comma, semicolon, tab and pipe
    outside quotes (comma on a tie), or None when it has none of them (one column)."""
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else None


def _has_decimal_commas(text: str, delimiter: str) -> bool:
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        sample_rows = [row for _, row in zip(range(20), rows, strict=False)][1:]
    except csv.Error:
        return False
    return any(_DECIMAL_COMMA.match(field.strip()) for row in sample_rows for field in row)


def _wrong_delimiter(text: str, delimiter: str) -> str:
    name = _DELIMITER_NAMES[delimiter]
    if _has_decimal_commas(text, delimiter):
        return (
            f"looks {name}-delimited with decimal commas: the contract expects comma-separated"
            " CSV with a decimal point in numbers; re-export with commas between fields and"
            " points in numbers"
        )
    return (
        f"looks {name}-delimited: the contract expects comma-separated CSV;"
        " re-export the file with commas between fields"
    )


def csv_header(path: Path) -> tuple[list[str], int]:
    """The header row's column names and the number of blank lines before it, read in Python
    from the file's first bytes, after the checks that give a person a plain reason: binary,
    not UTF-8, the wrong delimiter."""
    text = text_sample(path, "CSV")
    blank = re.match(r"(?:\r\n|\n|\r)*", text)
    skip = len(re.findall(r"\r\n|\n|\r", blank.group()))
    text = text[blank.end() :]
    if not text:
        raise FileRejected("no header row: the file holds only blank lines")
    delimiter = detect_delimiter(text.splitlines()[0])
    if delimiter not in (None, ","):
        raise FileRejected(_wrong_delimiter(text, delimiter))
    line = skip + 1
    if "\n" not in text and "\r" not in text and path.stat().st_size > SNIFF_BYTES:
        raise FileRejected(f"line {line}: the header row is longer than {SNIFF_BYTES // 1024} KiB")
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), strict=True), [])
    except csv.Error:
        reason = "the header row cannot be parsed (an open quote?)"
        raise FileRejected(f"line {line}: {reason}") from None
    if all(not name.strip() for name in header):
        raise FileRejected(f"line {line}: the header row is empty")
    # An empty name gets a positional one, as DuckDB's own sniffer would name it.
    names = [name if name.strip() else f"column{i}" for i, name in enumerate(header)]
    return names, skip


def _csv_reason(message: str) -> str:
    """One line saying what DuckDB's CSV reader found wrong, without the rows it quotes."""
    line = re.search(r"CSV Error on Line: ([0-9]+)", message)
    where = f"line {line.group(1)}: " if line else ""
    counts = re.search(r"Expected Number of Columns: ([0-9]+) Found: ([0-9]+)", message)
    size = re.search(r"Maximum line size of ([0-9]+) bytes", message)
    if counts:
        reason = f"{counts.group(2)} fields where the header has {counts.group(1)}"
    elif "unterminated quote" in message:
        reason = "unterminated quote: a quoted field never closes, or has text after its quote"
    elif size:
        reason = f"a line longer than the {size.group(1)} bytes a CSV line may have"
    elif "Invalid unicode" in message or "not utf-8" in message:
        reason = "not UTF-8 text: save it as UTF-8"
    elif "quote" in message.lower():
        reason = "a quote inside an unquoted field, or text after a closing quote"
    else:
        reason = "the rows do not follow the comma-separated format"
    return f"not a readable csv file: {where}{reason}"


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, link: str) -> list[str]:
    names, skip = csv_header(path)
    columns = ", ".join(f"{_lit(f'_c{i}')}: 'VARCHAR'" for i in range(len(names)))
    # The contract fixes the dialect (comma, double quotes, a header row), so nothing is
    # guessed: the header is the first non-blank line and every row has its number of fields.
    reader = (
        f"read_csv({_lit(link)}, header = true, skip = {skip}, auto_detect = false,"
        f" columns = {{{columns}}}, delim = ',', quote = '\"', escape = '\"',"
        " strict_mode = true, null_padding = false)"
    )
    try:
        con.execute(
            "create or replace temp table _read as"
            f" select row_number() over () as _rn, * from {reader}"
        )
    except duckdb.Error as exc:
        if is_transient(exc):
            raise
        raise FileRejected(_csv_reason(str(exc))) from None
    return names


def _parquet_reason(message: str) -> str:
    if "magic bytes" in message or "too small to be a Parquet file" in message:
        return "not a Parquet file (no Parquet footer; truncated, or another format)"
    return "not a readable parquet file: corrupt or truncated"


def _read_parquet(con: duckdb.DuckDBPyConnection, link: str) -> list[str]:
    try:
        described = con.execute(f"describe select * from read_parquet({_lit(link)})").fetchall()
        names = [r[0] for r in described]
        projection = ", ".join(
            f'cast("{n.replace(chr(34), chr(34) * 2)}" as varchar) as _c{i}'
            for i, n in enumerate(names)
        )
        con.execute(
            "create or replace temp table _read as select row_number() over () as _rn,"
            f" {projection} from read_parquet({_lit(link)})"
        )
    except duckdb.Error as exc:
        if is_transient(exc):
            raise
        raise FileRejected(_parquet_reason(str(exc))) from None
    return names


def json_pointer(key: str) -> str:
    """A JSON Pointer (RFC 6901) to a top-level key: '~' and '/' escaped, nothing else, so keys
    with '.', '$', '[', quotes and the like read their own value (a '$.' path would not)."""
    return "/" + key.replace("~", "~0").replace("/", "~1")


def _line_of_record(path: Path, record: int) -> int:
    """The file line of the record-th JSON Lines record: DuckDB numbers records and skips blank
    lines, a person counts lines. Only run for a file being rejected."""
    seen = 0
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            seen += bool(line.strip())
            if seen == record:
                return number
    return record


def _read_jsonl(con: duckdb.DuckDBPyConnection, path: Path, link: str) -> list[str]:
    text_sample(path, "JSON Lines")
    try:
        # ignore_errors turns a malformed line into a null, so it is found by line number
        # below instead of being described by DuckDB's error text (which quotes it).
        con.execute(
            "create or replace temp table _objs as select row_number() over () as _rn, json"
            f" from read_ndjson_objects({_lit(link)}, ignore_errors = true)"
        )
    except duckdb.Error as exc:
        if is_transient(exc):
            raise
        raise FileRejected("not a readable jsonl file: not JSON Lines") from None
    invalid, not_object, repeated = con.execute(
        """select min(_rn) filter (where json is null),
                  min(_rn) filter (where json_type(json) <> 'OBJECT'),
                  min(_rn) filter (where len(keys) <> len(list_distinct(keys)))
        from (select _rn, json, json_keys(json) as keys from _objs)"""
    ).fetchone()
    problems = (
        (invalid, "is not valid JSON"),
        (not_object, "is not a JSON object"),
        (repeated, "repeats a key"),
    )
    found = [(record, problem) for record, problem in problems if record is not None]
    if found:
        record, problem = min(found)
        line = _line_of_record(path, record)
        raise FileRejected(f"not a readable jsonl file: line {line} {problem}")
    names = [
        r[0]
        for r in con.execute(
            "select distinct unnest(json_keys(json)) as k from _objs order by k"
        ).fetchall()
    ]
    cols = "".join(
        f", json_extract_string(json, {_lit(json_pointer(k))}) as _c{i}"
        for i, k in enumerate(names)
    )
    con.execute(f"create or replace temp table _read as select _rn{cols} from _objs order by _rn")
    return names


def _csv_dialect_is_contract(options: ReaderOptions) -> bool:
    return (options.delimiter, options.quote, options.encoding, options.header_row) == (
        ",",
        '"',
        "utf-8",
        1,
    )


def _utf8_copy(path: Path, encoding: str, folder: str) -> Path:
    """The file re-encoded to UTF-8 in a private folder, streamed (never all in memory)."""
    copy = Path(folder) / "recoded.csv"
    try:
        with (
            path.open("r", encoding=encoding, newline="") as src,
            copy.open("w", encoding="utf-8", newline="") as dst,
        ):
            for block in iter(lambda: src.read(1 << 20), ""):
                dst.write(block)
    except UnicodeError:
        raise FileRejected(f"not {encoding} text, the encoding its options declare") from None
    return copy


def _declared_header(path: Path, options: ReaderOptions) -> list[str]:
    """The column names on the declared header line, read in Python from the UTF-8 text."""
    line = options.header_row
    text_sample(path, "CSV")
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        for _ in range(line - 1):
            if not fh.readline():
                raise FileRejected(f"line {line}: no header row there (the file is shorter)")
        rows = csv.reader(fh, delimiter=options.delimiter, quotechar=options.quote, strict=True)
        try:
            header = next(rows, [])
        except csv.Error:
            raise FileRejected(f"line {line}: the header row cannot be parsed") from None
    if all(not name.strip() for name in header):
        raise FileRejected(f"line {line}: the header row is empty")
    return [name if name.strip() else f"column{i}" for i, name in enumerate(header)]


def _read_declared_csv(
    con: duckdb.DuckDBPyConnection, path: Path, link: str, options: ReaderOptions
) -> list[str]:
    """A CSV file in a declared dialect: delimiter, quote and header line as its options say
    (the lines above the header, such as a report title, are skipped)."""
    names = _declared_header(path, options)
    columns = ", ".join(f"{_lit(f'_c{i}')}: 'VARCHAR'" for i in range(len(names)))
    reader = (
        f"read_csv({_lit(link)}, header = true, skip = {options.header_row - 1},"
        f" auto_detect = false, columns = {{{columns}}}, delim = {_lit(options.delimiter)},"
        f" quote = {_lit(options.quote)}, escape = {_lit(options.quote)},"
        " strict_mode = true, null_padding = false)"
    )
    try:
        con.execute(
            "create or replace temp table _read as"
            f" select row_number() over () as _rn, * from {reader}"
        )
    except duckdb.Error as exc:
        if is_transient(exc):
            raise
        reason = _csv_reason(str(exc)).replace("comma-separated", "declared")
        raise FileRejected(reason) from None
    return names


def _read_csv_with(con: duckdb.DuckDBPyConnection, path: Path, options: ReaderOptions) -> list[str]:
    if options.encoding == "utf-8":
        with unglobbed(path) as link:
            return _read_declared_csv(con, path, link, options)
    folder = tempfile.mkdtemp(prefix="pulse-recode-")
    try:
        copy = _utf8_copy(path, options.encoding, folder)
        with unglobbed(copy) as link:
            return _read_declared_csv(con, copy, link, options)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def read_into_temp(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: str,
    options: ReaderOptions = CONTRACT_DIALECT,
) -> list[str]:
    """Read `path` (csv, parquet or jsonl) into temp table _read; return its column names.
    A CSV file is read in the contract's dialect unless `options` declare another."""
    if path.stat().st_size == 0:
        raise FileRejected("empty file: no header row and no data")
    if fmt == "csv" and not _csv_dialect_is_contract(options):
        return _read_csv_with(con, path, options)
    with unglobbed(path) as link:
        if fmt == "csv":
            return _read_csv(con, path, link)
        if fmt == "parquet":
            return _read_parquet(con, link)
        return _read_jsonl(con, path, link)
