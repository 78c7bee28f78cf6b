"""Run a table's suites and turn the outcome into a Dagster check result.

Two suites per table: the table's own row-level suite (from expectations/), evaluated where
its `meta.evaluate` says (gx_pandas: GX on a pandas frame of the rows; sql: one SQL
aggregate in DuckDB, quality/sql_suite.py), and the shared table-profile suite
(expectations/table_profile.json), with GX on a one-row profile computed in DuckDB: the row
count against the last passing run (a drop of more than PULSE_MAX_ROW_DROP_PCT fails) and
the newest timestamp against PULSE_FRESHNESS_DAYS.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

from orchestration.config import Settings
from orchestration.ingest.schema import ensure_schema
from orchestration.quality import sql_suite
from orchestration.quality.gx_runner import EXPECTATIONS_DIR, load_suite_file, validate_frame
from orchestration.quality.results import ValidationSummary
from orchestration.warehouse import connect_writer

PROFILE_SUITE = EXPECTATIONS_DIR / "table_profile.json"


def _previous_row_count(con, table: str) -> int | None:
    row = con.execute(
        "select row_count from pulse_meta.check_history where table_name = ? and passed"
        " order by checked_at desc limit 1",
        [table],
    ).fetchone()
    return row[0] if row else None


def check_table(
    cfg: Settings,
    run_id: str,
    table: str,
    suite: Path,
    rows_sql: str,
    params: list | None = None,
    newest_column: str | None = None,
    relation: str | None = None,
) -> AssetCheckResult:
    """Validate the rows `rows_sql` selects with `suite`, and the whole `table`'s profile.

    relation: what to count the whole table's rows from when it is not `table` itself (a
    mart of the Spark target, read from its Parquet files); `table` still names it in the
    check history.
    """
    newest = f"max({newest_column})" if newest_column else "null::timestamp"
    batch = table.replace(".", "_")
    with connect_writer(cfg.warehouse) as con:
        ensure_schema(con)
        profile = con.execute(
            f"select count(*) as row_count, cast({newest} as timestamp) as newest_at"
            f" from {relation or table}"
        ).df()
        previous = _previous_row_count(con, table)
        rows_validated, row_summary = _validate_rows(con, suite, rows_sql, params or [], batch)
    floor = 0 if previous is None else math.ceil(previous * (1 - cfg.max_row_drop_pct / 100.0))
    freshness_floor = dt.datetime.combine(
        cfg.as_of_date - dt.timedelta(days=cfg.freshness_days), dt.time()
    )
    profile_summary = validate_frame(
        PROFILE_SUITE,
        profile,
        batch,
        {"min_row_count": floor, "freshness_floor": pd.Timestamp(freshness_floor).isoformat()},
    )
    passed = not (row_summary.blocking_failure or profile_summary.blocking_failure)
    with connect_writer(cfg.warehouse) as con:
        con.execute(
            "insert into pulse_meta.check_history values (?, ?, ?, ?, now()::timestamp)",
            [run_id, table, int(profile["row_count"].iloc[0]), passed],
        )
    return _result(
        row_summary, profile_summary, rows_validated, int(profile["row_count"].iloc[0]), previous
    )


def _validate_rows(
    con, suite: Path, rows_sql: str, params: list, batch: str
) -> tuple[int, ValidationSummary]:
    """(rows validated, verdict) of `suite` on the rows `rows_sql` selects: as one SQL
    aggregate when the suite says so (no row leaves DuckDB), else with GX on a pandas frame."""
    spec = load_suite_file(suite)
    if spec.get("meta", {}).get("evaluate") == "sql":
        rows, rules = sql_suite.evaluate(con, spec, rows_sql, params)
        return rows, ValidationSummary.from_rules(spec["name"], rules, "sql")
    frame = con.execute(rows_sql, params).df()
    return len(frame), validate_frame(suite, frame, batch)


def _result(
    rows: ValidationSummary,
    profile: ValidationSummary,
    rows_validated: int,
    row_count: int,
    previous: int | None,
) -> AssetCheckResult:
    errors = rows.failed_errors + profile.failed_errors
    warnings = rows.failed_warnings + profile.failed_warnings
    return AssetCheckResult(
        passed=not errors and not warnings,
        # An error-level failure blocks everything downstream; a warning is only reported.
        severity=AssetCheckSeverity.ERROR if errors else AssetCheckSeverity.WARN,
        metadata={
            "suite": rows.suite,
            "rows_validated": rows_validated,
            "table_row_count": row_count,
            "previous_row_count": previous if previous is not None else -1,
            "expectations_evaluated": rows.evaluated + profile.evaluated,
            "expectations_failed": len(errors) + len(warnings),
            "failed_errors": ", ".join(errors) or "none",
            "failed_warnings": ", ".join(warnings) or "none",
            # every rule's verdict and failing-row count (null for a rule on the table's
            # shape; the profile's rules count its one row)
            "rule_results": MetadataValue.json(
                [r.as_metadata() for r in rows.rules + profile.rules]
            ),
            "evaluated_in": rows.engine,
            "data_docs": MetadataValue.path(rows.docs_index or profile.docs_index or ""),
        },
    )
