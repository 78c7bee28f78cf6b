"""Hostile landing files: globbing names, content that returns to an earlier version, faults
mid-load, odd JSON keys, files that must not leak their content into error messages, and
CSV files a person exported the wrong way."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.loader import load_source
from orchestration.warehouse import connect_writer

HEADER = "payment_id,invoice_id,paid_at,amount"


def _csv_row(key: str, amount: str = "10") -> str:
    return f"{key},I001,2025-02-01,{amount}"


def _write(path: Path, fmt: str, keys: list[str]) -> None:
    """One payment per key, written as csv, parquet or JSON Lines. Parquet is written under a
    plain name and renamed, so the writer never sees the (possibly glob-like) target name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        path.write_text("\n".join([HEADER, *(_csv_row(k) for k in keys)]) + "\n")
    elif fmt == "jsonl":
        objs = [
            {"payment_id": k, "invoice_id": "I001", "paid_at": "2025-02-01", "amount": "10"}
            for k in keys
        ]
        path.write_text("".join(json.dumps(o) + "\n" for o in objs))
    else:
        plain = path.parent / "plain.tmp"
        values = ", ".join(f"('{k}', 'I001', '2025-02-01', '10')" for k in keys)
        duckdb.sql(
            f"copy (select * from (values {values}) as t(payment_id, invoice_id, paid_at, amount))"
            f" to '{plain}' (format parquet)"
        )
        os.replace(plain, path)


def _load(landing: Path, warehouse: Path, run_id: str = "run-1", con=None):
    if con is not None:
        return {r.file_path: r for r in load_source(con, landing, "payments", run_id)}
    with connect_writer(warehouse) as c:
        return {r.file_path: r for r in load_source(c, landing, "payments", run_id)}


def _query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _keys_by_file(warehouse: Path) -> dict[str, set[str]]:
    rows = _query(
        warehouse,
        "select l.file_path, r.payment_id from raw.payments r"
        " join pulse_meta.load_ledger l on l.file_id = r._file_id",
    )
    out: dict[str, set[str]] = {}
    for path, key in rows:
        out.setdefault(path, set()).add(key)
    return out


def _ledger_errors(warehouse: Path) -> list[str]:
    return [
        r[0]
        for r in _query(warehouse, "select error from pulse_meta.load_ledger")
        if r[0] is not None
    ]


@pytest.fixture
def land(tmp_path: Path) -> Path:
    (tmp_path / "landing" / "payments").mkdir(parents=True)
    return tmp_path / "landing"


@pytest.fixture
def wh(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "pulse.duckdb"


# --- a file returning to an earlier content is a new version ---------------------------------


def test_content_returning_to_an_earlier_version_is_loaded_again(land, wh):
    path = land / "payments" / "2025-02.csv"
    version_a = f"{HEADER}\n{_csv_row('P1', '10')}\n"
    version_b = f"{HEADER}\n{_csv_row('P1', '20')}\n"
    ids = []
    for run, content in enumerate([version_a, version_b, version_a], start=1):
        path.write_text(content)
        result = _load(land, wh, f"run-{run}")["payments/2025-02.csv"]
        assert result.status == "loaded"
        ids.append(result.file_id)
    assert ids == sorted(set(ids))  # three versions, each with a new, larger id
    # latest wins (the staging rule): the row of the largest file id is version A's
    latest = _query(
        wh, "select amount from raw.payments where payment_id = 'P1' order by _file_id desc"
    )
    assert [float(r[0]) for r in latest] == [10.0, 20.0, 10.0]


def test_unchanged_file_is_still_skipped_after_a_round_trip(land, wh):
    path = land / "payments" / "2025-02.csv"
    path.write_text(f"{HEADER}\n{_csv_row('P1', '10')}\n")
    _load(land, wh, "run-1")
    assert _load(land, wh, "run-2")["payments/2025-02.csv"].status == "skipped"
