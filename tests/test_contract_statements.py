"""The landing contract is stated in several places besides orchestration/contract.py: the dbt
sources YAML, the raw tables' DDL and the quarantine's reason codes (dbt accepted values, the
rpt_quarantine suite). They must say the same as the contract."""

from __future__ import annotations

import json

import duckdb
import yaml

from orchestration.config import PROJECT_ROOT
from orchestration.contract import REASON_CODES, SOURCES, SOURCES_BY_NAME
from orchestration.ingest.schema import LINEAGE_COLUMNS, SQL_TYPES, ensure_schema

LINEAGE = [name for name, _ in LINEAGE_COLUMNS]


def _raw_sources() -> dict[str, list[str]]:
    """Columns of every raw table as the dbt sources YAML lists them."""
    tables = {}
    for path in sorted((PROJECT_ROOT / "models" / "staging").glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            if source.get("schema") != "raw":
                continue
            for table in source["tables"]:
                tables[table["name"]] = [c["name"] for c in table["columns"]]
    return tables


def test_dbt_sources_list_the_contract_columns():
    tables = _raw_sources()
    assert set(tables) == set(SOURCES_BY_NAME)
    for source in SOURCES:
        assert tables[source.name] == source.column_names + LINEAGE, source.name


def test_raw_tables_have_the_contract_columns_and_types():
    """The loader's DDL states the contract's columns and types (the raw GX suites used to
    check them after every load; expectations/raw/ no longer restates them)."""
    con = duckdb.connect()
    ensure_schema(con)
    for source in SOURCES:
        columns = con.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'raw' and table_name = ? order by ordinal_position",
            [source.name],
        ).fetchall()
        expected = [(c.name, SQL_TYPES[c.type]) for c in source.columns] + list(LINEAGE_COLUMNS)
        assert [(n, t.lower()) for n, t in columns] == [
            (n, t.lower().replace(", ", ",")) for n, t in expected
        ], source.name


def test_reason_codes_agree_everywhere():
    models = yaml.safe_load(
        (
            PROJECT_ROOT / "models" / "marts" / "data_quality" / "_data_quality__models.yml"
        ).read_text()
    )
    report = next(m for m in models["models"] if m["name"] == "rpt_quarantine")
    column = next(c for c in report["columns"] if c["name"] == "reason_code")
    accepted = next(
        t for t in column["data_tests"] if isinstance(t, dict) and "accepted_values" in t
    )
    assert accepted["accepted_values"]["arguments"]["values"] == list(REASON_CODES)
    suite = json.loads(
        (
            PROJECT_ROOT / "expectations" / "marts" / "data_quality" / "rpt_quarantine.json"
        ).read_text()
    )
    value_sets = [
        e["kwargs"]["value_set"]
        for e in suite["expectations"]
        if e["kwargs"].get("column") == "reason_code"
    ]
    assert value_sets == [list(REASON_CODES)]
