"""Reader options: how an export that is not in the contract's own shape is read.

The contract's dialect is comma-separated UTF-8 with a header on the first line, a decimal
point and ISO dates. A source folder's `_reader.yml`, or a profile dataset's `reader:` block,
declares another dialect (a Norwegian Excel export: semicolons, cp1252, `1 234,50`,
`31.01.2026`), so such a file loads unmodified. Nothing is guessed: what is not declared is the
contract's default.

An options file that does not parse, or holds an unknown key or a value outside its choices,
raises OptionsError naming the file and the key (never the file's data).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

# A source folder's own reader options, beside its data files (files named `_*` never load).
READER_FILE = "_reader.yml"

ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "cp1252": "cp1252",
    "windows-1252": "cp1252",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "utf-16": "utf-16",
}
DELIMITERS = (",", ";", "\t", "|")
DECIMALS = (".", ",")
# A space as thousands separator also stands for the no-break spaces Excel writes.
THOUSANDS = ("", ",", ".", " ", "\u00a0", "'")
FORMATS = ("csv", "jsonl", "parquet")


class OptionsError(ValueError):
    """Reader options that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class ReaderOptions:
    format: str | None = None  # restricts the accepted file type; None: by the file's ending
    delimiter: str = ","
    quote: str = '"'
    encoding: str = "utf-8"
    header_row: int = 1
    footer_rows_matching: str | None = None
    decimal: str = "."
    thousands: str = ""
    date_format: str | None = None
    timestamp_format: str | None = None
    timezone: str = "UTC"


CONTRACT_DIALECT = ReaderOptions()


def _choice(where: str, key: str, value, choices) -> None:
    if value not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise OptionsError(f"{where}: key {key}: not one of {shown}")


def _engine_accepts(sql: str, value: str) -> bool:
    """Whether DuckDB, which applies the option, accepts it (its format and regular
    expression dialects differ from Python's)."""
    try:
        with duckdb.connect() as con:
            con.execute(sql, [value]).fetchall()
    except duckdb.Error:
        return False
    return True


def _strptime_format(where: str, key: str, value) -> str:
    if not isinstance(value, str) or "%" not in value:
        raise OptionsError(f"{where}: key {key}: expected a strptime format such as '%d.%m.%Y'")
    if not _engine_accepts("select try_strptime('', ?)", value):
        raise OptionsError(f"{where}: key {key}: not a valid strptime format") from None
    return value


def _timezone(where: str, key: str, value) -> str:
    try:
        zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise OptionsError(
            f"{where}: key {key}: not an IANA time zone name (e.g. Europe/Oslo, UTC)"
        ) from None
    return str(value)


def _header_row(where: str, key: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise OptionsError(f"{where}: key {key}: expected a line number from 1 to 1000")
    return value


def _regex(where: str, key: str, value) -> str:
    if not _engine_accepts("select regexp_matches('', ?)", str(value)):
        raise OptionsError(
            f"{where}: key {key}: not a regular expression DuckDB accepts (RE2 syntax)"
        )
    return str(value)


def parse_reader(raw, where: str, prefix: str = "reader") -> ReaderOptions:
    """ReaderOptions from a `reader:` mapping; `where` names the file in error messages."""
    if raw is None:
        return CONTRACT_DIALECT
    if not isinstance(raw, dict):
        raise OptionsError(f"{where}: key {prefix}: expected a mapping of reader options")
    known = set(ReaderOptions.__dataclass_fields__)
    unknown = sorted(str(k) for k in raw if k not in known)
    if unknown:
        raise OptionsError(
            f"{where}: key {prefix}.{unknown[0]}: unknown reader option; expected one of "
            + ", ".join(sorted(known))
        )
    opts = dict(raw)
    for key in ("delimiter", "quote", "decimal", "thousands"):
        if key in opts and opts[key] is not None:
            opts[key] = str(opts[key])
    if "format" in opts:
        _choice(where, f"{prefix}.format", opts["format"], FORMATS)
    if "delimiter" in opts:
        _choice(where, f"{prefix}.delimiter", opts["delimiter"], DELIMITERS)
    if "quote" in opts and (len(opts["quote"]) != 1 or opts["quote"] in DELIMITERS):
        raise OptionsError(f"{where}: key {prefix}.quote: expected one character, e.g. '\"'")
    if "encoding" in opts:
        enc = str(opts["encoding"]).lower()
        _choice(where, f"{prefix}.encoding", enc, tuple(ENCODINGS))
        opts["encoding"] = ENCODINGS[enc]
    if "header_row" in opts:
        opts["header_row"] = _header_row(where, f"{prefix}.header_row", opts["header_row"])
    if opts.get("footer_rows_matching") is not None:
        opts["footer_rows_matching"] = _regex(
            where, f"{prefix}.footer_rows_matching", opts["footer_rows_matching"]
        )
    if "decimal" in opts:
        _choice(where, f"{prefix}.decimal", opts["decimal"], DECIMALS)
    if "thousands" in opts:
        _choice(where, f"{prefix}.thousands", opts["thousands"], THOUSANDS)
        if opts["thousands"] == opts.get("decimal", "."):
            raise OptionsError(
                f"{where}: key {prefix}.thousands: the same character as the decimal separator"
            )
    for key in ("date_format", "timestamp_format"):
        if opts.get(key) is not None:
            opts[key] = _strptime_format(where, f"{prefix}.{key}", opts[key])
    if "timezone" in opts:
        opts["timezone"] = _timezone(where, f"{prefix}.timezone", opts["timezone"])
    return ReaderOptions(**opts)


def read_yaml(path: Path, where: str):
    """A YAML file's content; OptionsError naming the file (and line) when it does not parse."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise OptionsError(f"{where}: not valid YAML{line}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise OptionsError(f"{where}: cannot be read ({type(exc).__name__})") from None


def folder_options(landing_dir: Path, source_name: str) -> ReaderOptions:
    """The reader options of a generic source folder: its `_reader.yml`, else the contract's."""
    path = landing_dir / source_name / READER_FILE
    if not path.is_file():
        return CONTRACT_DIALECT
    where = f"{source_name}/{READER_FILE}"
    content = read_yaml(path, where)
    if content is None:
        return CONTRACT_DIALECT
    if not isinstance(content, dict) or set(content) - {"reader"}:
        raise OptionsError(f"{where}: expected one key, reader, holding the reader options")
    return parse_reader(content.get("reader"), where)
