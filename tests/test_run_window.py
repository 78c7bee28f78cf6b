"""The row-level tests of the stored health layers check the days a run wrote (their
run_window_column, macros/tests/run_window.sql): a daily run re-checks the last week of
fct_customer_health_daily, not its whole history; PULSE_TEST_ALL_DAYS (set by the Dagster build
on a first build) or --full-refresh checks every day."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.helpers import query, run_dbt

# The windowed test a row with a score but no category breaks.
CATEGORY_TEST = "fct_customer_health_daily_category_iff_score"
# the mart's own data tests (its unit tests are covered elsewhere)
MART_TESTS = ["test", "-s", "fct_customer_health_daily", "--exclude", "test_type:unit"]
SCORED_ROW = (
    "select customer_id, cast(as_of_date as varchar) from main.fct_customer_health_daily"
    " where health_score is not null and as_of_date {op} cast(? as date)"
    " order by as_of_date, customer_id limit 1"
)


def _drop_category(warehouse: Path, customer_id: str, day: str) -> None:
    con = duckdb.connect(str(warehouse))
    con.execute(
        "update main.fct_customer_health_daily set health_category = null, health_color = null"
        " where customer_id = ? and as_of_date = cast(? as date)",
        [customer_id, day],
    )
    con.close()


def test_health_row_tests_check_only_the_days_the_run_wrote(demo_build, tmp_path: Path) -> None:
    warehouse = tmp_path / "wh" / "pulse.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(demo_build["warehouse"], warehouse)
    as_of = demo_build["as_of"]  # 2026-06-30: the 7-day window is 2026-06-24 .. 2026-06-30
    no_flag = {"PULSE_TEST_ALL_DAYS": ""}

    # a scored customer-day long before the window loses its category
    ((old_customer, old_day),) = query(warehouse, SCORED_ROW.format(op="<"), ["2026-06-24"])
    assert old_day < "2026-06-24"
    _drop_category(warehouse, old_customer, old_day)

    # a daily (incremental) run's tests do not read that day
    run_dbt(MART_TESTS, warehouse, as_of, extra_env=no_flag)

    # every day when asked to: the same test fails on it
    with pytest.raises(AssertionError, match=CATEGORY_TEST):
        run_dbt(MART_TESTS, warehouse, as_of, extra_env={"PULSE_TEST_ALL_DAYS": "1"})

    # a day the run wrote (the as-of day) is checked by the daily run
    ((new_customer, new_day),) = query(warehouse, SCORED_ROW.format(op="="), [as_of])
    _drop_category(warehouse, new_customer, new_day)
    with pytest.raises(AssertionError, match=CATEGORY_TEST):
        run_dbt(MART_TESTS, warehouse, as_of, extra_env=no_flag)
