"""Values in a declared export format turned into the contract's shape, as SQL expressions.

Applied set-based while staging a file, before the contract's checks (validate.py): a number
`1 234,50` becomes `1234.50`, a date `31.01.2026` becomes `2026-01-31`, a timestamp in the
export's format and time zone becomes ISO 8601 in UTC. A value that does not parse with the
declared format is left as it is, so the contract's own check quarantines it (invalid_number,
invalid_date, invalid_timestamp) with its column named; a value already in the contract's ISO
shape is unambiguous and passes as it is.
"""

from __future__ import annotations

import re

from orchestration.contract import Column
from orchestration.ingest.options import ReaderOptions

# The spaces a thousands separator "space" stands for: space, no-break and narrow no-break.
_SPACES = " \u00a0\u202f"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _text(expr: str) -> str:
    return f"nullif(trim(({expr})::varchar), '')"


def _number(expr: str, options: ReaderOptions) -> str:
    """Thousands separators stripped (only where they group digits by three) and the decimal
    separator made a point; anything else is left for the contract's check."""
    if (options.decimal, options.thousands) == (".", ""):
        return expr
    sep = options.thousands
    group = f"[{re.escape(_SPACES)}]" if sep in _SPACES else re.escape(sep) if sep else None
    digits = f"([0-9]{{1,3}}({group}[0-9]{{3}})+|[0-9]+)" if group else "[0-9]+"
    dec = re.escape(options.decimal)
    pattern = f"^[+-]?({digits}({dec}[0-9]+)?|{dec}[0-9]+)$"
    v = _text(expr)
    cleaned = f"regexp_replace({v}, {_lit(group)}, '', 'g')" if group else v
    if options.decimal != ".":
        cleaned = f"replace({cleaned}, {_lit(options.decimal)}, '.')"
    return f"case when regexp_matches({v}, {_lit(pattern)}) then {cleaned} else {v} end"


def _date(expr: str, options: ReaderOptions) -> str:
    if options.date_format is None:
        return expr
    v = _text(expr)
    parsed = f"try_strptime({v}, {_lit(options.date_format)})"
    return f"coalesce(strftime({parsed}, '%Y-%m-%d'), {v})"


def _timestamp(expr: str, options: ReaderOptions) -> str:
    """Parsed with timestamp_format (when declared) and read in the export's time zone
    (when it has no offset), then written as ISO 8601 in UTC."""
    v = _text(expr)
    zone = _lit(options.timezone)
    iso = _iso_in_zone(v, options.timezone)
    if options.timestamp_format is None:
        return iso
    parsed = f"try_strptime({v}, {_lit(options.timestamp_format)})"
    if "%z" in options.timestamp_format or "%Z" in options.timestamp_format:
        utc = f"({parsed} at time zone 'UTC')"
    else:
        utc = f"(({parsed} at time zone {zone}) at time zone 'UTC')"
    return f"coalesce(strftime({utc}, '%Y-%m-%dT%H:%M:%S.%fZ'), {iso})"


def _iso_in_zone(v: str, timezone: str) -> str:
    """An ISO value without an offset read in the export's zone (one with an offset keeps
    it); any other value as it is, for the contract's check."""
    if timezone == "UTC":
        return v
    no_offset = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?$"
    local = f"try_cast({v} as timestamp)"
    utc = f"({local} at time zone {_lit(timezone)}) at time zone 'UTC'"
    converted = f"coalesce(strftime({utc}, '%Y-%m-%dT%H:%M:%S.%fZ'), {v})"
    return f"case when regexp_matches({v}, {_lit(no_offset)}) then {converted} else {v} end"


def normalised(column: Column, expr: str, options: ReaderOptions) -> str:
    """SQL for `expr` (text) in the contract's shape of `column`'s type."""
    if column.type in ("number", "integer"):
        return _number(expr, options)
    if column.type == "date":
        return _date(expr, options)
    if column.type == "timestamp":
        return _timestamp(expr, options)
    return expr


# A day-first date with dots (31.01.2026, 01.02.2026): whether 01.02 is the first of February
# or the second of January cannot be told from the value, so such a column needs a declared
# date_format; other non-ISO dates stay row-level invalid_date.
DOTTED_DATE = r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{2,4}([ T].*)?$"


def undeclared_dotted_date(column: Column, expr: str, options: ReaderOptions) -> str | None:
    """SQL true on a row whose `column` holds a dotted date the options give no format for."""
    declared = options.date_format if column.type == "date" else options.timestamp_format
    if column.type not in ("date", "timestamp") or declared is not None:
        return None
    return f"coalesce(regexp_matches(trim(({expr})::varchar), {_lit(DOTTED_DATE)}), false)"
