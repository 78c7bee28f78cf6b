"""Ingestion of the hand-made landing folder (tests/fixtures/landing): counts by hand."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.loader import load_all
from orchestration.warehouse import connect_writer

# (file, rows read, rows loaded, rows quarantined), counted by hand from the fixture files.
EXPECTED_FILES = {
    "customers/2025-01-01_customers.csv": (6, 4, 2),
    "customers/2025-02-01_customers.csv": (3, 3, 0),
    "subscriptions/2025-01-01_subscriptions.csv": (8, 5, 3),
    "survey_responses/2025-01.jsonl": (9, 5, 4),
    "support_tickets/2025-01.csv": (5, 3, 2),
    "usage_events/2025-01.parquet": (6, 5, 1),
    "invoices/2025-01.csv": (7, 4, 3),
    "payments/2025-02.csv": (4, 3, 1),
    "payment_reminders/2025-02.csv": (3, 2, 1),
    "marketing_spend/2025-01.csv": (5, 3, 2),
}

# Every quarantined row: (file, row number, primary key, reason code).
EXPECTED_QUARANTINE = {
    ("customers/2025-01-01_customers.csv", 5, "C900", "missing_required"),
    ("customers/2025-01-01_customers.csv", 6, "C901", "invalid_timestamp"),
    ("subscriptions/2025-01-01_subscriptions.csv", 6, "S009", "invalid_number"),
    ("subscriptions/2025-01-01_subscriptions.csv", 7, "S010", "negative_amount"),
    ("subscriptions/2025-01-01_subscriptions.csv", 8, "S011", "ended_before_started"),
    ("survey_responses/2025-01.jsonl", 6, "R090", "score_out_of_scale"),
    ("survey_responses/2025-01.jsonl", 7, "R091", "invalid_value"),
    ("survey_responses/2025-01.jsonl", 8, "R092", "invalid_integer"),
    ("survey_responses/2025-01.jsonl", 9, "R093", "score_out_of_scale"),
    ("support_tickets/2025-01.csv", 4, "T090", "invalid_value"),
    ("support_tickets/2025-01.csv", 5, "T091", "resolved_before_created"),
    ("usage_events/2025-01.parquet", 6, "E006", "missing_required"),
    ("invoices/2025-01.csv", 5, "I090", "due_before_issued"),
    ("invoices/2025-01.csv", 6, "I091", "negative_amount"),
    ("invoices/2025-01.csv", 7, "I092", "invalid_currency"),
    ("payments/2025-02.csv", 4, "P090", "missing_required"),
    ("payment_reminders/2025-02.csv", 3, "M090", "invalid_timestamp"),
    ("marketing_spend/2025-01.csv", 4, "2025/01/03|paid_search|brand", "invalid_date"),
    ("marketing_spend/2025-01.csv", 5, "2025-01-04|paid_search|brand", "invalid_currency"),
}


def _load(landing: Path, warehouse: Path, run_id: str = "run-1"):
    with connect_writer(warehouse) as con:
        return load_all(con, landing, run_id)


def _ledger(warehouse: Path) -> dict[str, tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select file_path, status, rows_read, rows_loaded, rows_quarantined, error"
            " from pulse_meta.load_ledger"
        ).fetchall()
    finally:
        con.close()
    return {r[0]: r[1:] for r in rows}


def _query(warehouse: Path, sql: str, params=None):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_every_file_is_counted_by_hand(landing, warehouse):
    results = _load(landing, warehouse)
    got = {r.file_path: (r.rows_read, r.rows_loaded, r.rows_quarantined) for r in results}
    assert got == EXPECTED_FILES
    ledger = _ledger(warehouse)
    assert {k: v[1:4] for k, v in ledger.items()} == EXPECTED_FILES
    assert all(v[0] == "loaded" for v in ledger.values())


def test_each_quarantine_reason_names_the_exact_row(landing, warehouse):
    _load(landing, warehouse)
    rows = _query(
        warehouse,
        "select file_path, row_number, primary_key, reason_code from pulse_meta.quarantine",
    )
    assert set(rows) == EXPECTED_QUARANTINE
    assert len(rows) == len(EXPECTED_QUARANTINE)


def test_quarantined_row_keeps_its_raw_values(landing, warehouse):
    _load(landing, warehouse)
    (record,) = _query(
        warehouse, "select raw_record from pulse_meta.quarantine where primary_key = 'S009'"
    )[0]
    assert json.loads(record) == {
        "subscription_id": "S009",
        "customer_id": "C001",
        "plan": "addon",
        "mrr": "12,5x",
        "currency": "USD",
        "started_at": "2024-02-01",
        "ended_at": None,
    }


def test_rows_read_equal_loaded_plus_quarantined_in_the_tables(landing, warehouse):
    _load(landing, warehouse)
    raw_total = sum(
        _query(warehouse, f"select count(*) from raw.{s}")[0][0]
        for s in {f.split("/")[0] for f in EXPECTED_FILES}
    )
    quarantined = _query(warehouse, "select count(*) from pulse_meta.quarantine")[0][0]
    read = sum(v[0] for v in EXPECTED_FILES.values())
    assert raw_total + quarantined == read == 56


def test_rerun_is_a_no_op(landing, warehouse):
    _load(landing, warehouse)
    before = _query(warehouse, "select count(*) from raw.customers")[0][0]
    second = _load(landing, warehouse, "run-2")
    assert {r.status for r in second} == {"skipped"}
    assert _query(warehouse, "select count(*) from raw.customers")[0][0] == before == 7
    assert _query(warehouse, "select count(*) from pulse_meta.load_ledger")[0][0] == 10


def test_new_file_loads_on_next_run(landing, warehouse):
    _load(landing, warehouse)
    (landing / "payments" / "2025-03.csv").write_text(
        "payment_id,invoice_id,paid_at,amount\nP004,I002,2025-03-02,1000\n"
    )
    second = [r for r in _load(landing, warehouse, "run-2") if r.status != "skipped"]
    assert [(r.file_path, r.rows_loaded) for r in second] == [("payments/2025-03.csv", 1)]


def test_changed_file_is_loaded_again_as_a_new_version(landing, warehouse):
    _load(landing, warehouse)
    path = landing / "marketing_spend" / "2025-01.csv"
    path.write_text(path.read_text() + "2025-01-05,paid_search,brand,42,USD\n")
    second = [r for r in _load(landing, warehouse, "run-2") if r.status != "skipped"]
    assert [(r.file_path, r.rows_read, r.rows_loaded) for r in second] == [
        ("marketing_spend/2025-01.csv", 6, 4)
    ]
    versions = _query(
        warehouse,
        "select count(*) from pulse_meta.load_ledger where file_path = ?",
        ["marketing_spend/2025-01.csv"],
    )[0][0]
    assert versions == 2


def test_quarantined_key_fixed_in_a_later_file_is_resolved(landing, warehouse):
    _load(landing, warehouse)
    rows = _query(
        warehouse,
        "select q.primary_key, l.file_path from pulse_meta.quarantine q"
        " join pulse_meta.load_ledger l on l.file_id = q.resolved_by_file_id",
    )
    assert rows == [("C900", "customers/2025-02-01_customers.csv")]


def test_reexported_key_is_kept_with_lineage_for_latest_wins(landing, warehouse):
    _load(landing, warehouse)
    rows = _query(
        warehouse,
        "select segment, _file_id from raw.customers where customer_id = 'C002' order by _file_id",
    )
    assert [r[0] for r in rows] == ["enterprise", "mid_market"]
    assert rows[0][1] < rows[1][1]  # the later file has the larger id: it wins in staging


def test_extra_columns_are_kept(landing, warehouse):
    _load(landing, warehouse)
    extra = _query(warehouse, "select _extra from raw.customers where customer_id = 'C001'")[0][0]
    assert json.loads(extra) == {"crm_owner": "anna"}


def test_timestamps_with_offsets_are_stored_in_utc(landing, warehouse):
    _load(landing, warehouse)
    (ts,) = _query(warehouse, "select created_at from raw.customers where customer_id = 'C002'")[0]
    assert ts.isoformat() == "2024-03-01T17:00:00"


@pytest.mark.parametrize(
    ("name", "content", "error_fragment"),
    [
        ("garbage.csv", b"\x00\x01\x02\xff\xfe binary", "not a CSV file: binary content"),
        (
            "semicolons.csv",
            b"invoice_id;customer_id;issued_at;due_at;amount\nI1;C1;2025-01-01;2025-01-02;5\n",
            "looks semicolon-delimited",
        ),
        ("header_only.csv", b"invoice_id,customer_id,issued_at,due_at,amount\n", "no data rows"),
        ("empty.csv", b"", "empty file"),
        (
            "latin1.csv",
            "invoice_id,customer_id,issued_at,due_at,amount\nI\xe91,C1,2025-01-01,2025-01-02,5\n".encode(
                "latin-1"
            ),
            "not UTF-8 text",
        ),
        ("bad.jsonl", b'{"invoice_id": "I1"}\nnot json\n', "not a readable jsonl file"),
        ("notes.txt", b"hello", "unsupported file type"),
        (  # a line longer than DuckDB's max_line_size (2 MB): rejected without buffering it all
            "long_line.csv",
            b"invoice_id,customer_id,issued_at,due_at,amount\nI1,C1,2025-01-01,2025-01-02,"
            + b"9" * 3_000_000
            + b"\n",
            "not a readable csv file",
        ),
        (
            "ragged.csv",
            b"invoice_id,customer_id,issued_at,due_at,amount\nI1,C1,2025-01-01\n",
            "not a readable csv file",
        ),
    ],
)
def test_unreadable_file_is_rejected_whole_and_others_load(
    landing, warehouse, name, content, error_fragment
):
    (landing / "invoices" / name).write_bytes(content)
    results = {r.file_path: r for r in _load(landing, warehouse)}
    bad = results[f"invoices/{name}"]
    assert bad.status == "rejected"
    assert error_fragment in bad.error
    assert (bad.rows_loaded, bad.rows_quarantined) == (0, 0)
    # the good invoice file still loaded, and nothing of the bad one did
    assert results["invoices/2025-01.csv"].rows_loaded == 4
    assert _query(warehouse, "select count(*) from raw.invoices")[0][0] == 4
    ledger = _ledger(warehouse)
    assert ledger[f"invoices/{name}"][0] == "rejected"


def test_dates_in_another_format_are_quarantined_row_by_row(landing, warehouse):
    (landing / "payments" / "us_dates.csv").write_text(
        "payment_id,invoice_id,paid_at,amount\nP100,I001,02/09/2025,100\nP101,I001,2025-02-10,1\n"
    )
    results = {r.file_path: r for r in _load(landing, warehouse)}
    assert (
        results["payments/us_dates.csv"].rows_loaded,
        results["payments/us_dates.csv"].rows_quarantined,
    ) == (1, 1)
    rows = _query(
        warehouse,
        "select row_number, primary_key, reason_code from pulse_meta.quarantine"
        " where file_path = 'payments/us_dates.csv'",
    )
    assert rows == [(1, "P100", "invalid_date")]
