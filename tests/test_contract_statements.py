"""The landing contract is stated once, in orchestration/contract.py. The dbt sources YAML of
the raw tables is generated from it (`make sources`); the raw tables' DDL, the raw suites and
the quarantine's reason codes (dbt accepted values; the rpt_quarantine suite no longer restates
them) must say the same as the contract."""

from __future__ import annotations

import json
import re

import duckdb
import yaml

from orchestration.config import PROJECT_ROOT
from orchestration.contract import REASON_CODES, SOURCES, SOURCES_BY_NAME
from orchestration.ingest.schema import LINEAGE_COLUMNS, SQL_TYPES, ensure_schema
from tools.contract_sources import COMMAND, HEADER, rendered

LINEAGE = [name for name, _ in LINEAGE_COLUMNS]
DOC_REF = re.compile(r'\{\{ doc\("(\w+)"\) \}\}')


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


def test_the_sources_yaml_is_the_one_generated_from_the_contract():
    files = rendered()
    assert len(files) == len({s.system for s in SOURCES})
    stale = [
        str(path.relative_to(PROJECT_ROOT))
        for path, text in files.items()
        if not path.exists() or path.read_text() != text
    ]
    assert stale == [], (
        f"generated from orchestration/contract.py, out of date: {stale}; run {COMMAND}"
    )
    # no raw table is declared by hand beside the generated files
    by_hand = [
        str(path.relative_to(PROJECT_ROOT))
        for path in sorted((PROJECT_ROOT / "models").rglob("*.yml"))
        if path not in files and "schema: raw" in path.read_text()
    ]
    assert by_hand == []
    assert all(text.startswith(HEADER) for text in files.values())


def _doc_blocks() -> dict[str, str]:
    blocks = {}
    for path in (PROJECT_ROOT / "models" / "docs").glob("*.md"):
        for m in re.finditer(r"{% docs (\w+) %}(.*?){% enddocs %}", path.read_text(), re.S):
            blocks[m.group(1)] = m.group(2).strip()
    return blocks


def test_descriptions_say_what_the_contract_says():
    """The prose agrees with the contract's own fields: a table states its primary key, a
    column says "Required." exactly when the contract requires it, a closed value set is
    named in full. (Resolved through the doc blocks a description may reference.)"""
    blocks = _doc_blocks()

    def text(description: str) -> str:
        m = DOC_REF.fullmatch(description)
        return blocks[m.group(1)] if m else description

    for source in SOURCES:
        assert "Primary key: " + ", ".join(source.primary_key) in source.description, source.name
        for column in source.columns:
            said = text(column.description)
            assert ("Required." in said) == column.required, (source.name, column.name)
            for value in column.allowed or ():
                assert value in said, (source.name, column.name, value)


def test_the_readme_table_of_sources_is_the_contract():
    """README's landing-zone table: folder, system, primary key, columns in contract order,
    bold exactly when required (the parenthesised notes are the README's own)."""
    rows = {}
    for line in (PROJECT_ROOT / "README.md").read_text().splitlines():
        m = re.fullmatch(r"\| `(\w+)/` \| (\w+) \| ([^|]+) \| (.+) \|", line)
        if m:
            folder, system, key, columns = m.groups()
            cells = [c.strip() for c in re.sub(r"\([^)]*\)", "", columns).split(",")]
            rows[folder] = (
                system,
                tuple(k.strip() for k in key.strip("() ").split(",")),
                [(c.strip("*"), c.startswith("**")) for c in cells],
            )
    assert rows == {
        s.name: (s.system, s.primary_key, [(c.name, c.required) for c in s.columns])
        for s in SOURCES
    }


def test_raw_suites_are_one_per_contract_source():
    """expectations/raw/ holds the rules the loader does not enforce (hand-written, none
    today): one suite per source, named after it, on the contract's columns only."""
    suites = sorted((PROJECT_ROOT / "expectations" / "raw").glob("*.json"))
    assert [p.stem for p in suites] == sorted(SOURCES_BY_NAME)
    for path in suites:
        suite = json.loads(path.read_text())
        assert suite["name"] == f"raw_{path.stem}"
        columns = set(SOURCES_BY_NAME[path.stem].column_names + LINEAGE)
        for expectation in suite["expectations"]:
            kwargs = expectation["kwargs"]
            named = [kwargs["column"]] if "column" in kwargs else kwargs.get("column_list", [])
            assert set(named) <= columns, (path.name, expectation)


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
    # dbt's accepted_values is the one statement: the GX suite does not repeat it
    # (tools/mart_suite_overlap.py, docs/quality-rules.md)
    assert value_sets == []
