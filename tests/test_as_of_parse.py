"""The as-of date is read when dbt executes, not when it parses: a command on a new date
re-parses nothing (daily runs would otherwise re-parse every file that reads the date), and
its SQL holds the new date."""

from __future__ import annotations

from tests.helpers import PARSE_STATE_AS_OF, run_dbt

MODEL = "int_finance_months"


def test_a_new_as_of_date_reparses_nothing_and_reaches_the_sql(tmp_path):
    new_date = "2026-01-15"
    assert new_date != PARSE_STATE_AS_OF  # the session's parse state was made on another day
    warehouse = tmp_path / "wh" / "pulse.duckdb"
    # a dbt process, as Dagster starts one: what dbt's own partial parsing does on start-up
    run_dbt(["compile", "--select", MODEL], warehouse, new_date, in_process=False)
    log = (warehouse.parent / "dbt_logs" / "dbt.log").read_text()
    assert "Nothing changed, skipping partial parsing" in log
    compiled = next((warehouse.parent / "dbt_target" / "compiled").rglob(f"{MODEL}.sql"))
    sql = compiled.read_text()
    assert f"cast('{new_date}' as date)" in sql
    assert PARSE_STATE_AS_OF not in sql and "current_date" not in sql
