"""Run a table's GX suites and turn the outcome into a Dagster check result.

Two suites per table: the table's own row-level suite (from expectations/), and the shared
table-profile suite (expectations/table_profile.json) on a one-row profile computed in
DuckDB: the row count against the last passing run (a drop of more than
PULSE_MAX_ROW_DROP_PCT fails) and the newest timestamp against PULSE_FRESHNESS_DAYS.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

from orchestration.config import Settings
from orchestration.ingest.schema import ensure_schema
from orchestration.quality.gx_runner import EXPECTATIONS_DIR, ValidationSummary, validate_frame
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
    chunk_rows: int | None = None,
    relation: str | None = None,
) -> AssetCheckResult:
    """Validate the rows `rows_sql` selects with `suite`, and the whole `table`'s profile.

    chunk_rows: validate the rows in pandas frames of about this many rows, one at a time, so
    memory stays bounded however many rows a run loads (10 M usage events are several GB as a
    pandas frame). Only for suites of row-wise expectations without `mostly` (the raw suites:
    tests/test_quality_suites.py holds them to that), whose verdict on the whole equals the
    verdict on every chunk. None: one frame (the mart suites, with table-level expectations).
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
        rows_validated = 0
        row_summary = None
        for rows in _frames(con.execute(rows_sql, params or []), chunk_rows):
            summary = validate_frame(suite, rows, batch)
            row_summary = summary if row_summary is None else row_summary.merged(summary)
            rows_validated += len(rows)
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


def _frames(result, chunk_rows: int | None):
    """The rows of a DuckDB result as pandas frames: one, or chunks of about chunk_rows rows
    (whole vectors of 2,048); always at least one frame, so an empty result is validated too
    (its columns)."""
    if chunk_rows is None:
        yield result.df()
        return
    vectors = max(1, chunk_rows // 2048)
    first = True
    while True:
        frame = result.fetch_df_chunk(vectors)
        if len(frame) == 0 and not first:
            return
        yield frame
        if len(frame) == 0:
            return
        first = False


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
            "data_docs": MetadataValue.path(rows.docs_index or ""),
        },
    )
