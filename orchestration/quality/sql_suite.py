"""Evaluate an expectation suite as one SQL aggregate in DuckDB, without pandas or GX.

Why not GX: GX 1.x has no DuckDB dialect, so GX can only validate a table by pulling its rows
into a pandas frame (at SF10 the raw checks took ~70 s and a GB of memory for 10 M usage
events). The suite files keep GX's JSON form (name, expectations: [{type, kwargs, meta}]) and
stay the single declaration of each rule; a suite whose `meta.evaluate` is "sql" is compiled
here into one query that returns, per rule, the count of rows that break it: DuckDB scans
the rows once (plus one grouped pass per uniqueness rule) and no row leaves the engine.
Each rule keeps GX's semantics (nulls are ignored by value rules, as GX ignores them; a
uniqueness rule counts every row whose value is repeated, as GX's unexpected_count does).

Why not keep GX as the runner and feed it the aggregates (a one-row frame of failing counts,
checked by generated "count <= 0" expectations): the generated rules would say less than the
check metadata does (rule, severity, failing rows), and each suite would still pay GX's
per-validation overhead, seconds, for a verdict the query has already decided.

The results are reported like GX's: a failed rule with meta.severity error blocks, a failed
warn rule is reported. They do not appear in the GX Data Docs site, which renders only what GX
itself validated (the pandas suites of small marts and the table profile).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from orchestration.quality.results import RuleResult, rule_label


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise ValueError(f"unsupported literal type {type(value).__name__}")


def _between(kw: dict) -> str:
    c = _q(kw["column"])
    bounds = []
    if kw.get("min_value") is not None:
        bounds.append(f"{c} {'<=' if kw.get('strict_min') else '<'} {_lit(kw['min_value'])}")
    if kw.get("max_value") is not None:
        bounds.append(f"{c} {'>=' if kw.get('strict_max') else '>'} {_lit(kw['max_value'])}")
    if not bounds:
        raise ValueError("expect_column_values_to_be_between needs min_value or max_value")
    return f"{c} is not null and ({' or '.join(bounds)})"


def _in_set(kw: dict) -> str:
    c = _q(kw["column"])
    return f"{c} is not null and {c} not in ({', '.join(_lit(v) for v in kw['value_set'])})"


def _regex(kw: dict) -> str:
    c = _q(kw["column"])
    # GX's pandas regex is a search, as DuckDB's regexp_matches; RE2 reads (?i) the same.
    return f"{c} is not null and not regexp_matches(cast({c} as varchar), {_lit(kw['regex'])})"


def _pair_greater(kw: dict) -> str:
    if kw.get("ignore_row_if", "both_values_are_missing") != "either_value_is_missing":
        raise ValueError("a column pair rule needs ignore_row_if either_value_is_missing")
    a, b = _q(kw["column_A"]), _q(kw["column_B"])
    op = ">=" if kw.get("or_equal") else ">"
    return f"{a} is not null and {b} is not null and not ({a} {op} {b})"


# Row rules: SQL that is true on a row that breaks the rule.
ROW_RULES: dict[str, Callable[[dict], str]] = {
    "expect_column_values_to_not_be_null": lambda kw: f"{_q(kw['column'])} is null",
    "expect_column_values_to_be_between": _between,
    "expect_column_values_to_be_in_set": _in_set,
    "expect_column_values_to_match_regex": _regex,
    "expect_column_pair_values_a_to_be_greater_than_b": _pair_greater,
}
# Uniqueness rules: the columns whose combined value must not repeat.
UNIQUE_RULES: dict[str, Callable[[dict], list[str]]] = {
    "expect_column_values_to_be_unique": lambda kw: [kw["column"]],
    "expect_compound_columns_to_be_unique": lambda kw: list(kw["column_list"]),
}
SHAPE_RULES = {"expect_table_columns_to_match_set"}
SUPPORTED = set(ROW_RULES) | set(UNIQUE_RULES) | SHAPE_RULES


def label(expectation: dict) -> str:
    """The name a rule is reported under, the same as for a GX-validated rule."""
    return rule_label(expectation["type"], expectation["kwargs"])


def unsupported(suite: dict) -> list[str]:
    """The expectations of `suite` this module cannot evaluate (empty when it can)."""
    bad = []
    for exp in suite["expectations"]:
        kw = exp["kwargs"]
        params = any(isinstance(v, dict) and "$PARAMETER" in v for v in kw.values())
        if exp["type"] not in SUPPORTED or "mostly" in kw or params:
            bad.append(label(exp))
    return bad


def _duplicated_rows(columns: list[str]) -> str:
    """Rows whose value of `columns` occurs more than once (rows with every column null are
    ignored, as GX ignores them)."""
    cols = ", ".join(_q(c) for c in columns)
    not_all_null = " or ".join(f"{_q(c)} is not null" for c in columns)
    return (
        f"(select coalesce(sum(n), 0) from (select count(*) as n from _rows where {not_all_null}"
        f" group by {cols} having count(*) > 1))"
    )


def aggregate_sql(suite: dict, rows_sql: str) -> str:
    """One query over the rows `rows_sql` selects: their count, then per row or uniqueness
    rule (in suite order) the count of rows that break it."""
    measures = ["count(*)"]
    for exp in suite["expectations"]:
        if exp["type"] in ROW_RULES:
            measures.append(f"count(*) filter (where {ROW_RULES[exp['type']](exp['kwargs'])})")
        elif exp["type"] in UNIQUE_RULES:
            measures.append(_duplicated_rows(UNIQUE_RULES[exp["type"]](exp["kwargs"])))
    return f"with _rows as ({rows_sql}) select {', '.join(measures)} from _rows"


def _columns_mismatch(kw: dict, columns: list[str]) -> int:
    """How many columns are missing from the rows, plus (with exact_match) how many are there
    that the suite does not name."""
    expected, actual = set(kw["column_set"]), set(columns)
    extra = actual - expected if kw.get("exact_match", True) else set()
    return len(expected - actual) + len(extra)


def evaluate(
    con: duckdb.DuckDBPyConnection, suite: dict, rows_sql: str, params: list | None = None
) -> tuple[int, list[RuleResult]]:
    """(rows evaluated, one result per expectation in suite order)."""
    bad = unsupported(suite)
    if bad:
        raise ValueError(f"suite {suite['name']}: not evaluable in SQL: {', '.join(bad)}")
    counts = list(con.execute(aggregate_sql(suite, rows_sql), params or []).fetchone())
    rows = counts.pop(0)
    columns = None
    results = []
    for exp in suite["expectations"]:
        severity = exp["meta"]["severity"]
        if exp["type"] in SHAPE_RULES:
            if columns is None:
                cursor = con.execute(f"select * from ({rows_sql}) limit 0", params or [])
                columns = [d[0] for d in cursor.description]
            # a rule on the table's shape: no row count
            wrong = _columns_mismatch(exp["kwargs"], columns)
            results.append(RuleResult(label(exp), severity, wrong == 0, None))
            continue
        failing = int(counts.pop(0))
        results.append(RuleResult(label(exp), severity, failing == 0, failing))
    return rows, results
