"""stg_product__usage_events is an incremental table: a run de-duplicates only the rows of files
loaded since the previous run. It must hold exactly what a full rebuild holds: the latest
exported version of every event, also when a later file re-exports an event already staged."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.helpers import ingest, query, run_dbt

AS_OF = "2025-02-28"
STAGED = (
    "select event_id, customer_id, event_type, feature, cast(occurred_at as varchar)"
    " from main.stg_product__usage_events order by event_id"
)

# A second export: E002 again with a corrected feature (it must replace the staged version),
# E007 new, and E007 twice within the file (the later row wins, as in the view it replaces).
SECOND_FILE_SQL = """
copy (
    select * from (values
        ('E002', 'C001', 'u1', 'feature_used', 'dashboards', '2025-01-10T09:05:00Z'),
        ('E007', 'C002', 'u7', 'login',        null,         '2025-02-01T08:00:00Z'),
        ('E007', 'C002', 'u7', 'login',        null,         '2025-02-01T08:30:00Z')
    ) as t(event_id, customer_id, user_id, event_type, feature, occurred_at)
) to '{path}' (format parquet)
"""


def test_incremental_staging_equals_a_full_rebuild(landing: Path, warehouse: Path) -> None:
    ingest(landing, warehouse, run_id="first")
    run_dbt(["run", "-s", "stg_product__usage_events"], warehouse, AS_OF)
    # E006 has no event_type: quarantined by the loader, never staged.
    assert [r[0] for r in query(warehouse, STAGED)] == ["E001", "E002", "E003", "E004", "E005"]

    duckdb.sql(SECOND_FILE_SQL.format(path=landing / "usage_events" / "2025-02.parquet"))
    ingest(landing, warehouse, run_id="second")
    run_dbt(["run", "-s", "stg_product__usage_events"], warehouse, AS_OF)
    incremental = query(warehouse, STAGED)

    assert [r[0] for r in incremental] == ["E001", "E002", "E003", "E004", "E005", "E007"]
    by_id = {r[0]: r for r in incremental}
    assert by_id["E002"][3] == "dashboards"  # the re-exported version replaced the first
    assert by_id["E007"][4] == "2025-02-01 08:30:00"  # the later row of the same file

    kind = "select table_type from information_schema.tables where table_name = ?"
    assert query(warehouse, kind, ["stg_product__usage_events"]) == [("BASE TABLE",)]

    run_dbt(["run", "-s", "stg_product__usage_events", "--full-refresh"], warehouse, AS_OF)
    assert query(warehouse, STAGED) == incremental


# --- its row-level tests check the days the run wrote (run_window_column: occurred_at) -------

# A later export: one event on 2025-02-27, inside the 7-day test window up to AS_OF.
RECENT_FILE_SQL = """
copy (
    select * from (values
        ('E008', 'C001', 'u1', 'login', null, '2025-02-27T09:00:00Z')
    ) as t(event_id, customer_id, user_id, event_type, feature, occurred_at)
) to '{path}' (format parquet)
"""
EVENT_TYPE_TEST = "stg_product__usage_events_not_null"
# the model and its own tests (the singular tests read the other staging models too)
OWN = ["-s", "stg_product__usage_events", "--exclude", "test_type:singular"]


def _set_event_type(warehouse: Path, event_id: str, value: str | None) -> None:
    con = duckdb.connect(str(warehouse))
    con.execute(
        "update main.stg_product__usage_events set event_type = ? where event_id = ?",
        [value, event_id],
    )
    con.close()


def _compiled_test(warehouse: Path) -> str:
    """The SQL of the event-type test the last dbt command ran."""
    target = warehouse.parent / "dbt_target" / "compiled"
    (path,) = target.rglob(f"{EVENT_TYPE_TEST}.sql")
    return path.read_text()


def test_row_tests_check_only_the_days_the_run_wrote(
    landing: Path, warehouse: Path, monkeypatch
) -> None:
    monkeypatch.delenv("PULSE_TEST_ALL_DAYS", raising=False)
    ingest(landing, warehouse, run_id="first")
    # the customers (what the events' relationship test reads) with the identity models and
    # seeds they resolve keys through, and of the tests only the event-type one (indirect
    # selection empty). A first build, under --full-refresh (the same on an empty warehouse):
    # the test checks every day, as it does whenever a run rebuilds everything
    build = ["build", "-s", "stg_product__usage_events", "+stg_crm__customers", EVENT_TYPE_TEST]
    run_dbt([*build, "--indirect-selection", "empty", "--full-refresh"], warehouse, AS_OF)
    assert "1 = 1" in _compiled_test(warehouse)
    # a violation on an old day (2025-01-10), written by an earlier run
    _set_event_type(warehouse, "E001", None)

    duckdb.sql(RECENT_FILE_SQL.format(path=landing / "usage_events" / "2025-02.parquet"))
    ingest(landing, warehouse, run_id="second")
    # the incremental run and its tests: they look at 2025-02-22 .. 2025-02-28 only
    run_dbt(["build", *OWN], warehouse, AS_OF)
    assert query(warehouse, STAGED)[-1][0] == "E008"
    windowed = _compiled_test(warehouse)
    assert "cast('2025-02-28' as date)" in windowed and "1 = 1" not in windowed

    # a violation on a day in the window fails the same test
    _set_event_type(warehouse, "E008", None)
    with pytest.raises(AssertionError, match=EVENT_TYPE_TEST):
        run_dbt(["test", *OWN], warehouse, AS_OF)
    _set_event_type(warehouse, "E008", "login")

    # every day when asked to (the Dagster build asks on a first build)
    monkeypatch.setenv("PULSE_TEST_ALL_DAYS", "1")
    with pytest.raises(AssertionError, match=EVENT_TYPE_TEST):
        run_dbt(["test", *OWN], warehouse, AS_OF)
    monkeypatch.delenv("PULSE_TEST_ALL_DAYS")
