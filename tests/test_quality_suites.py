"""The raw GX checks validate large loads in chunks (issue 8: bounded memory). A chunk's
verdict equals the whole's only for row-wise expectations without `mostly`: the raw suites are
held to that here, and a bad row in a later chunk must still fail the check."""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from orchestration.checks.table_quality import check_table
from orchestration.config import Settings
from orchestration.contract import SOURCES
from orchestration.quality.gx_runner import EXPECTATIONS_DIR
from tests.helpers import ingest

# Expectations decided row by row (plus the column set, the same in every chunk).
CHUNKABLE = {
    "expect_table_columns_to_match_set",
    "expect_column_values_to_be_in_type_list",
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_between",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_be_in_set",
    "expect_column_pair_values_a_to_be_greater_than_b",
}


def test_raw_suites_are_row_wise():
    suites = sorted((EXPECTATIONS_DIR / "raw").glob("*.json"))
    assert len(suites) == len(SOURCES)
    for path in suites:
        for expectation in json.loads(path.read_text())["expectations"]:
            assert expectation["type"] in CHUNKABLE, (path.name, expectation["type"])
            assert "mostly" not in expectation["kwargs"], (path.name, expectation)


def test_chunked_check_fails_on_a_bad_row_in_a_later_chunk(
    landing, warehouse, tmp_path, monkeypatch
):
    monkeypatch.setenv("PULSE_DATA_DOCS", "off")
    ingest(landing, warehouse)
    con = duckdb.connect(str(warehouse))
    loaded = con.execute("select count(*) from raw.usage_events").fetchone()[0]
    # 6,000 more copies of the first event (new ids): 3 chunks of 2,048 rows and a bit
    con.execute(
        "insert into raw.usage_events select 'bulk-' || i::varchar, customer_id, user_id,"
        " event_type, feature, occurred_at, _extra, _file_id, _row_number, _loaded_at"
        " from (select * from raw.usage_events limit 1), range(6000) as r(i)"
    )
    con.execute("update raw.usage_events set customer_id = null where event_id = 'bulk-5999'")
    con.close()
    cfg = Settings(
        landing_dir=landing,
        warehouse=warehouse,
        serving_dir=tmp_path / "serving",
        as_of_date=dt.date(2026, 6, 30),
        freshness_days=100_000,
    )
    suite = EXPECTATIONS_DIR / "raw" / "usage_events.json"
    sql = "select * from raw.usage_events order by event_id like 'bulk-%', event_id"

    failed = check_table(cfg, "run-1", "raw.usage_events", suite, sql, chunk_rows=2048)
    assert failed.metadata["rows_validated"].value == loaded + 6000
    assert not failed.passed
    assert (
        failed.metadata["failed_errors"].value == "expect_column_values_to_not_be_null(customer_id)"
    )

    con = duckdb.connect(str(warehouse))
    con.execute("delete from raw.usage_events where event_id = 'bulk-5999'")
    con.close()
    passed = check_table(cfg, "run-2", "raw.usage_events", suite, sql, chunk_rows=2048)
    assert passed.passed, passed.metadata
    assert passed.metadata["rows_validated"].value == loaded + 5999
