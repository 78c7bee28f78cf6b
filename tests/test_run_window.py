"""The row-level tests of the stored health layers check the days a run wrote (their
run_window_column, macros/tests/run_window.sql): a daily run re-checks the last week of
fct_customer_health_daily, not its whole history; PULSE_TEST_ALL_DAYS (set by the Dagster build
on a first build) or --full-refresh checks every day."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.helpers import query, run_dbt

# The windowed test a row with a score but no category breaks.
CATEGORY_TEST = "fct_customer_health_daily_category_iff_score"
# the mart's own data tests (its unit tests are covered elsewhere)
MART_TESTS = ["test", "-s", "fct_customer_health_daily", "--exclude", "test_type:unit"]
SCORED_ROWS = (
    "select customer_id, cast(as_of_date as varchar) from main.fct_customer_health_daily"
    " where health_score is not null and as_of_date {op} cast(? as date)"
    " order by as_of_date, customer_id limit {n}"
)


def _drop_category(warehouse: Path, customer_id: str, day: str) -> None:
    con = duckdb.connect(str(warehouse))
    con.execute(
        "update main.fct_customer_health_daily set health_category = null, health_color = null"
        " where customer_id = ? and as_of_date = cast(? as date)",
        [customer_id, day],
    )
    con.close()


def _category_test_failures(warehouse: Path) -> int:
    """The rows the category test failed on in the last dbt command (its run results)."""
    results = json.loads((warehouse.parent / "dbt_target" / "run_results.json").read_text())
    (result,) = [r for r in results["results"] if CATEGORY_TEST in r["unique_id"]]
    return result["failures"]


def test_health_row_tests_check_only_the_days_the_run_wrote(demo_build, tmp_path: Path) -> None:
    warehouse = tmp_path / "wh" / "pulse.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(demo_build["warehouse"], warehouse)
    as_of = demo_build["as_of"]  # 2026-06-30: the 7-day window is 2026-06-24 .. 2026-06-30
    no_flag = {"PULSE_TEST_ALL_DAYS": ""}

    # two scored customers of one day long before the window lose their category ...
    old = query(warehouse, SCORED_ROWS.format(op="<", n=2), ["2026-06-24"])
    assert len(old) == 2 and old[0][1] == old[1][1] < "2026-06-24"
    # ... and one of the as-of day, a day the run wrote. A test reads a day whole, so the
    # count of failing rows says which days it read: 1 = the as-of day only, 2 = the old day
    # only, 3 = both (one command each way, where breaking the two days in turn needs three).
    new = query(warehouse, SCORED_ROWS.format(op="=", n=1), [as_of])
    assert len(new) == 1
    for customer, day in old + new:
        _drop_category(warehouse, customer, day)

    # a daily (incremental) run's tests read the day it wrote, not the old days
    with pytest.raises(AssertionError, match=CATEGORY_TEST):
        run_dbt(MART_TESTS, warehouse, as_of, extra_env=no_flag)
    assert _category_test_failures(warehouse) == 1

    # every day when asked to: the same test fails on all three
    with pytest.raises(AssertionError, match=CATEGORY_TEST):
        run_dbt(MART_TESTS, warehouse, as_of, extra_env={"PULSE_TEST_ALL_DAYS": "1"})
    assert _category_test_failures(warehouse) == 3
