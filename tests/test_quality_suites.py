"""Checks that scale with the rows: the raw suites and the large marts' suites are evaluated as
one SQL aggregate in DuckDB (orchestration/quality/sql_suite.py), with GX's semantics, and the
rules dropped from the raw suites are the ones the loader enforces."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.checks import table_quality
from orchestration.checks.table_quality import check_table
from orchestration.config import Settings
from orchestration.contract import SOURCES, Source
from orchestration.quality import sql_suite
from orchestration.quality.gx_runner import EXPECTATIONS_DIR, load_suite_file, validate_frame
from tests.helpers import ingest, query

# The marts whose rows grow with customers, invoices or days: never pulled into pandas.
LARGE_MARTS = {
    "fct_customer_health_daily",
    "dim_customer_health",
    "dim_customer_clv",
    "rpt_payment_delay_by_customer",
    "rpt_invoice_aging",
}


def _exp(type_: str, severity: str = "error", **kwargs) -> dict:
    return {"type": type_, "kwargs": kwargs, "meta": {"severity": severity}}


# Every rule kind the SQL evaluator knows, on a frame with hand-planted violations.
SUITE = {
    "name": "probe",
    "meta": {"evaluate": "sql"},
    "expectations": [
        _exp(
            "expect_table_columns_to_match_set",
            column_set=["id", "amount", "status", "k1", "k2", "a", "b"],
            exact_match=True,
        ),  # noqa: E501
        _exp("expect_column_values_to_not_be_null", column="id"),
        _exp("expect_column_values_to_be_unique", column="id"),
        _exp("expect_compound_columns_to_be_unique", column_list=["k1", "k2"]),
        _exp("expect_column_values_to_be_between", column="amount", min_value=0, max_value=100),
        _exp(
            "expect_column_values_to_be_in_set", "warn", column="status", value_set=["open", "paid"]
        ),  # noqa: E501
        _exp("expect_column_values_to_match_regex", column="status", regex="(?i)^(?:open|paid)$"),
        _exp(
            "expect_column_pair_values_a_to_be_greater_than_b",
            column_A="b",
            column_B="a",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),  # noqa: E501
    ],
}
FRAME = pd.DataFrame(
    {
        "id": ["a", "b", "b", "c", None],
        "amount": [5.0, -1.0, 50.0, 101.0, None],
        "status": ["open", "paid", "void", None, "OPEN"],
        "k1": [1, 1, 1, 2, None],
        "k2": [1, 1, 2, 1, None],
        "a": [1, 2, 3, 4, None],
        "b": [1, 1, 4, None, 5],
    }
)
# (passed, failing rows), counted by hand from FRAME
EXPECTED = [
    (True, None),  # the column set matches
    (False, 1),  # id null in row 5
    (False, 2),  # 'b' twice: both rows
    (False, 2),  # (1, 1) twice; the all-null row is ignored
    (False, 2),  # -1 and 101; null ignored
    (False, 2),  # void, OPEN (the set is case-sensitive); null ignored
    (False, 1),  # void (the regex ignores case)
    (False, 1),  # row 2: b=1 < a=2; rows with a missing side ignored
]


def test_sql_suite_counts_the_failing_rows_of_each_rule():
    con = duckdb.connect()
    con.register("probe", FRAME)
    rows, results = sql_suite.evaluate(con, SUITE, "select * from probe")
    assert rows == 5
    assert [(r.passed, r.failing_rows) for r in results] == EXPECTED
    assert [r.severity for r in results][5] == "warn"


def test_sql_suite_agrees_with_gx(tmp_path, monkeypatch):
    """The same suite, validated by GX on the pandas frame: the same verdict and the same
    failing-row count per rule."""
    monkeypatch.setenv("PULSE_DATA_DOCS", "off")
    path = tmp_path / "probe.json"
    path.write_text(json.dumps(SUITE))
    gx = {r.label: (r.passed, r.failing_rows) for r in validate_frame(path, FRAME, "probe").rules}
    labels = [sql_suite.label(e) for e in SUITE["expectations"]]
    assert [gx[label] for label in labels] == EXPECTED


def test_sql_suite_reports_a_missing_or_extra_column():
    con = duckdb.connect()
    con.register("probe", FRAME.drop(columns=["b"]).assign(extra=1))
    suite = {**SUITE, "expectations": SUITE["expectations"][:1]}
    _, (result,) = sql_suite.evaluate(con, suite, "select * from probe")
    assert (result.passed, result.failing_rows) == (False, None)


def test_sql_suite_refuses_what_it_cannot_evaluate():
    suite = {
        "name": "probe",
        "expectations": [
            _exp("expect_column_values_to_be_in_type_list", column="id", type_list=["str"]),
            _exp("expect_column_values_to_not_be_null", column="id", mostly=0.9),
        ],
    }
    with pytest.raises(ValueError, match="not evaluable in SQL"):
        sql_suite.evaluate(duckdb.connect(), suite, "select 1 as id")


def _suites() -> dict[str, dict]:
    paths = sorted((EXPECTATIONS_DIR / "raw").glob("*.json"))
    paths += sorted((EXPECTATIONS_DIR / "marts").glob("*/*.json"))
    return {p.relative_to(EXPECTATIONS_DIR).as_posix(): load_suite_file(p) for p in paths}


def test_raw_and_large_mart_suites_are_sql_and_evaluable():
    suites = _suites()
    assert sum(name.startswith("raw/") for name in suites) == len(SOURCES)
    sql = {name for name, s in suites.items() if s.get("meta", {}).get("evaluate") == "sql"}
    large = {name for name in suites if Path(name).stem in LARGE_MARTS}
    assert len(large) == len(LARGE_MARTS)
    # a mart suite whose every rule is dbt's holds none: only its table profile runs, and its
    # rows are not pulled into pandas for nothing
    empty = {n for n, s in suites.items() if n.startswith("marts/") and not s["expectations"]}
    assert {n for n in suites if n.startswith("raw/")} | large | empty == sql
    for name in sql:
        assert sql_suite.unsupported(suites[name]) == [], name


def _settings(landing: Path, warehouse: Path, tmp_path: Path) -> Settings:
    return Settings(
        landing_dir=landing,
        warehouse=warehouse,
        serving_dir=tmp_path / "serving",
        as_of_date=dt.date(2026, 6, 30),
        freshness_days=100_000,
    )


def test_raw_check_reports_failing_rows_without_pandas(landing, warehouse, tmp_path, monkeypatch):
    """A raw check aggregates the run's rows in DuckDB: GX sees only the one-row profile, and
    the check reports each rule with its failing rows."""
    monkeypatch.setenv("PULSE_DATA_DOCS", "off")
    ingest(landing, warehouse, run_id="run-1")
    (loaded,) = query(warehouse, "select count(*) from raw.usage_events")[0]
    con = duckdb.connect(str(warehouse))
    con.execute("update raw.usage_events set customer_id = null where event_id = 'E002'")
    con.close()
    suite = tmp_path / "usage_events.json"
    rules = [
        _exp("expect_column_values_to_not_be_null", column="customer_id"),
        _exp("expect_column_values_to_be_unique", column="event_id"),
    ]
    suite.write_text(
        json.dumps({"name": "raw_usage_events", "meta": {"evaluate": "sql"}, "expectations": rules})
    )  # noqa: E501
    frames: list[int] = []

    def spy(path, frame, *args, **kwargs):
        frames.append(len(frame))
        return validate_frame(path, frame, *args, **kwargs)

    monkeypatch.setattr(table_quality, "validate_frame", spy)
    sql = (
        "select * from raw.usage_events where _file_id in (select file_id from"
        " pulse_meta.load_ledger where run_id = ? and status = 'loaded')"
    )
    cfg = _settings(landing, warehouse, tmp_path)
    result = check_table(cfg, "check-1", "raw.usage_events", suite, sql, ["run-1"], "occurred_at")

    assert frames == [1]  # the profile only
    assert not result.passed and result.severity.value == "ERROR"
    assert result.metadata["rows_validated"].value == loaded == 5
    assert result.metadata["evaluated_in"].value == "sql"
    assert result.metadata["failed_errors"].value == (
        "expect_column_values_to_not_be_null(customer_id)"
    )
    by_rule = {r["rule"]: r for r in result.metadata["rule_results"].value}
    assert by_rule["expect_column_values_to_not_be_null(customer_id)"]["failing_rows"] == 1
    assert by_rule["expect_column_values_to_be_unique(event_id)"] == {
        "rule": "expect_column_values_to_be_unique(event_id)",
        "severity": "error",
        "passed": True,
        "failing_rows": 0,
    }


# --- the rules dropped from the raw suites are the loader's -------------------------------

BASE_VALUE = {
    "text": "x",
    "integer": "1",
    "number": "1.5",
    "date": "2025-01-01",
    "timestamp": "2025-01-01T00:00:00Z",
}


def _base_row(source: Source) -> dict[str, str]:
    row = {c.name: (c.allowed[0] if c.allowed else BASE_VALUE[c.type]) for c in source.columns}
    if "currency" in row:
        row["currency"] = "USD"
    if source.name == "survey_responses":
        row.update(survey_type="csat", score="1", scale_max="5")
    return row


def _violations(source: Source) -> list[tuple[dict[str, str], str]]:
    """(a row breaking one rule a raw suite used to check, the reason the loader must give):
    each required value missing (not_null), each typed value unparseable (type_list), each
    closed set left (match_regex), each non-negative amount negative (between min 0), each
    cross-column rule broken (column pair)."""
    base = _base_row(source)
    out = []
    for c in source.columns:
        if c.required:
            out.append(({**base, c.name: ""}, f"missing_required({c.name})"))
        if c.type != "text":
            out.append(({**base, c.name: "not-a-value"}, f"invalid_{c.type}({c.name})"))
        if c.allowed:
            out.append(({**base, c.name: "bogus"}, f"invalid_value({c.name})"))
        if c.non_negative:
            out.append(({**base, c.name: "-1"}, f"negative_amount({c.name})"))
    before = {"due_before_issued": "due_at", "ended_before_started": "ended_at"}
    before["resolved_before_created"] = "resolved_at"
    for code, _ in source.row_rules:
        if code in before:
            column = before[code]
            timestamp = source.column(column).type == "timestamp"
            earlier = "2024-12-31" + ("T00:00:00Z" if timestamp else "")
            out.append(({**base, column: earlier}, f"{code}({column})"))
        if code == "score_out_of_scale":
            out.append(({**base, "score": "6"}, "score_out_of_scale(score)"))  # above scale_max
            out.append(({**base, "score": "-1"}, "score_out_of_scale(score)"))  # below 0
    return out


def test_loader_enforces_every_rule_dropped_from_the_raw_suites(tmp_path, warehouse):
    landing = tmp_path / "landing"
    expected: dict[str, list[str]] = {}
    for source in SOURCES:
        rows = [(_base_row(source), None), *_violations(source)]
        folder = landing / source.name
        folder.mkdir(parents=True)
        with (folder / "probe.csv").open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=source.column_names)
            writer.writeheader()
            writer.writerows(row for row, _ in rows)
        expected[source.name] = [reason for _, reason in rows[1:]]

    ingest(landing, warehouse)

    for source in SOURCES:
        raw = query(warehouse, f"select count(*) from raw.{source.name}")[0][0]
        assert raw == 1, source.name  # only the valid row
        quarantined = query(
            warehouse,
            "select row_number, reasons from pulse_meta.quarantine where source = ?"
            " order by row_number",
            [source.name],
        )
        assert [n for n, _ in quarantined] == list(range(2, len(expected[source.name]) + 2))
        for (_, reasons), reason in zip(quarantined, expected[source.name], strict=True):
            assert reason in reasons.split(","), (source.name, reason, reasons)


def test_data_docs_go_to_the_reports_folder_unless_set(tmp_path, monkeypatch):
    from orchestration.quality.gx_runner import data_docs_dir

    monkeypatch.delenv("PULSE_DATA_DOCS_DIR", raising=False)
    monkeypatch.setenv("PULSE_REPORTS_DIR", str(tmp_path / "reports"))
    assert data_docs_dir() == tmp_path / "reports" / "data_docs"
    monkeypatch.setenv("PULSE_DATA_DOCS_DIR", str(tmp_path / "docs"))
    assert data_docs_dir() == tmp_path / "docs"
