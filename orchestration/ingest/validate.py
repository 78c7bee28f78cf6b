"""SQL that checks landing rows against the contract, in one set-based pass.

Every landing value arrives as text (files are read with all columns as varchar). For each
contract column we build a typed expression and the reason codes it can raise; a row with
no reason is loaded, a row with any reason is quarantined. Nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from orchestration.contract import DEFAULT_SCALE_MAX, Column, Source
from orchestration.ingest.schema import SQL_TYPES

# Strict shapes: DuckDB's casts are lenient ('3.5' casts to integer 4, '2025/01/02' may pass),
# so a value must match its contract shape before it is cast.
_INTEGER = r"^[+-]?[0-9]+$"
_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TIMESTAMP = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?"
    r"(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)
_CURRENCY = r"^[A-Za-z]{3}$"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _text(col: str) -> str:
    """The column's value, trimmed, with '' as null (CSV writes null as an empty field)."""
    return f"nullif(trim({_q(col)}), '')"


def typed_expression(column: Column) -> str:
    v = _text(column.name)
    sql_type = SQL_TYPES[column.type]
    if column.type == "text":
        return v
    if column.type == "timestamp":
        # Offsets are honoured, no offset means UTC (the session time zone is UTC).
        return f"cast(try_cast({v} as timestamptz) at time zone 'UTC' as timestamp)"
    return f"try_cast({v} as {sql_type})"


def _shape_check(column: Column) -> tuple[str, str] | None:
    shape = {
        "integer": (_INTEGER, "invalid_integer"),
        "number": (_NUMBER, "invalid_number"),
        "date": (_DATE, "invalid_date"),
        "timestamp": (_TIMESTAMP, "invalid_timestamp"),
    }.get(column.type)
    if shape is None:
        return None
    pattern, code = shape
    v = _text(column.name)
    bad = (
        f"{v} is not null and (not regexp_matches({v}, {_lit(pattern)})"
        f" or ({typed_expression(column)}) is null)"
    )
    return bad, code


def column_checks(column: Column) -> list[tuple[str, str]]:
    """(condition that is true when the value is bad, reason code), in priority order."""
    v = _text(column.name)
    checks: list[tuple[str, str]] = []
    if column.required:
        checks.append((f"{v} is null", "missing_required"))
    shape = _shape_check(column)
    if shape:
        checks.append(shape)
    if column.allowed:
        values = ", ".join(_lit(a) for a in column.allowed)
        checks.append((f"{v} is not null and lower({v}) not in ({values})", "invalid_value"))
    if column.non_negative:
        checks.append((f"coalesce(({typed_expression(column)}) < 0, false)", "negative_amount"))
    if column.name == "currency":
        checks.append(
            (f"{v} is not null and not regexp_matches({v}, {_lit(_CURRENCY)})", "invalid_currency")
        )
    return checks


# The columns a row rule names in a quarantine's reasons: first the value found wrong (the one
# in the reason code's parentheses), then the others it was compared with (whose file
# columns a profile file's reason names too).
_ROW_RULE_COLUMNS = {
    "score_out_of_scale": ("score", "scale_max"),
    "due_before_issued": ("due_at", "issued_at"),
    "ended_before_started": ("ended_at", "started_at"),
    "resolved_before_created": ("resolved_at", "created_at"),
}


def row_checks(source: Source) -> list[tuple[str, str]]:
    """Rules across columns. Each only fires when its inputs parsed, so one bad value is
    reported once, by its column check."""
    t = {c.name: typed_expression(c) for c in source.columns}
    rules = dict(source.row_rules)
    checks: list[tuple[str, str]] = []
    if "score_out_of_scale" in rules:
        defaults = " ".join(
            f"when {_lit(k)} then {v}" for k, v in sorted(DEFAULT_SCALE_MAX.items())
        )
        stype = f"lower({_text('survey_type')})"
        scale = f"coalesce({t['scale_max']}, case {stype} {defaults} end)"
        low = f"case when {stype} = 'nps' then 0 else 1 end"
        checks.append(
            (
                f"coalesce({t['score']} < {low} or {t['score']} > {scale}"
                f" or {t['scale_max']} <= 0, false)",
                "score_out_of_scale",
            )
        )
    pairs = {
        "due_before_issued": ("due_at", "issued_at"),
        "ended_before_started": ("ended_at", "started_at"),
        "resolved_before_created": ("resolved_at", "created_at"),
    }
    for code, (later, earlier) in pairs.items():
        if code in rules:
            checks.append((f"coalesce({t[later]} < {t[earlier]}, false)", code))
    return checks


def reasons_expression(
    source: Source,
    with_columns: bool = False,
    origin: Callable[[tuple[str, ...]], str] | None = None,
) -> str:
    """A list of reason codes per row; empty when the row honours the contract. With
    `with_columns`, each code names its column, e.g. invalid_date(issued_at), so a person
    knows which value to fix without the value itself being quoted. With `origin` (a profile
    file: Dataset.origin), each also says where in the vendor's file the column came from,
    e.g. invalid_number(amount) in stripe/invoices column "Amount Due". The texts are SQL
    literals, built once per file: the check itself stays one set-based pass."""
    checks = [(cond, code, (c.name,)) for c in source.columns for cond, code in column_checks(c)]
    checks += [(cond, code, _ROW_RULE_COLUMNS[code]) for cond, code in row_checks(source)]

    def label(code: str, columns: tuple[str, ...]) -> str:
        if not with_columns:
            return code
        text = f"{code}({columns[0]})"
        return f"{text} in {origin(columns)}" if origin else text

    items = ", ".join(
        f"case when {cond} then {_lit(label(code, cols))} end" for cond, code, cols in checks
    )
    return f"list_filter([{items}], lambda x: x is not null)"


def primary_key_expression(source: Source) -> str:
    parts = ", ".join(f"coalesce({_text(k)}, '')" for k in source.primary_key)
    return (
        f"concat_ws('|', {parts})" if len(source.primary_key) > 1 else _text(source.primary_key[0])
    )
