"""The Dagster code location loads, and the refresh job runs landing -> staging in-process."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance

from tests.conftest import FIXTURES, write_usage_events

AS_OF = "2025-06-30"


@pytest.fixture(scope="module")
def pipeline_env(tmp_path_factory, monkeypatch_module):
    root = tmp_path_factory.mktemp("pipeline")
    landing = root / "landing"
    shutil.copytree(FIXTURES / "landing", landing)
    write_usage_events(landing)
    monkeypatch_module.setenv("PULSE_LANDING_DIR", str(landing))
    monkeypatch_module.setenv("PULSE_WAREHOUSE", str(root / "wh" / "pulse.duckdb"))
    monkeypatch_module.setenv("PULSE_SERVING_DIR", str(root / "serving"))
    monkeypatch_module.setenv("PULSE_AS_OF_DATE", AS_OF)
    monkeypatch_module.setenv("PULSE_DATA_DOCS_DIR", str(root / "data_docs"))
    monkeypatch_module.setenv("PULSE_REPORTS_DIR", str(root / "reports"))
    return root


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def _run(instance, raise_on_error=True):
    from orchestration.definitions import defs

    return defs.resolve_job_def("pulse_refresh").execute_in_process(
        instance=instance, raise_on_error=raise_on_error
    )


def _serving_run_id(root: Path) -> str:
    con = duckdb.connect(str(root / "serving" / "current" / "pulse.duckdb"), read_only=True)
    try:
        return con.execute("select run_id from pulse_run").fetchone()[0]
    finally:
        con.close()


def _q(root: Path, sql: str):
    con = duckdb.connect(str(root / "wh" / "pulse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def first_run(pipeline_env):
    instance = DagsterInstance.ephemeral()
    result = _run(instance)
    return pipeline_env, instance, result


def test_definitions_load_as_one_graph():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    assert AssetKey(["raw", "customers"]) in keys
    assert AssetKey(["stg_crm__customers"]) in keys
    # the dbt source is the ingestion asset: staging hangs off raw/customers
    parents = graph.get(AssetKey(["stg_crm__customers"])).parent_keys
    assert AssetKey(["raw", "customers"]) in parents
    assert defs.resolve_schedule_def("pulse_refresh_schedule") is not None


def test_refresh_job_succeeds(first_run):
    _, _, result = first_run
    assert result.success


def test_ingestion_metadata_counts(first_run):
    _, instance, _ = first_run
    mat = instance.get_latest_materialization_event(AssetKey(["raw", "subscriptions"]))
    meta = mat.asset_materialization.metadata
    assert meta["rows_read"].value == 8
    assert meta["rows_loaded"].value == 5
    assert meta["rows_quarantined"].value == 3


def test_staging_deduplicates_latest_file_wins(first_run):
    root, _, _ = first_run
    rows = _q(root, "select customer_id, segment from stg_crm__customers order by customer_id")
    assert rows == [
        ("C001", "smb"),
        ("C002", "mid_market"),  # re-exported in the later file with a new segment
        ("C003", "mid_market"),
        ("C004", "smb"),
        ("C005", "smb"),
        ("C900", "smb"),  # quarantined first, fixed in the later file
    ]


def test_second_run_changes_nothing(first_run, monkeypatch):
    root, instance, _ = first_run
    monkeypatch.setenv("PULSE_DATA_DOCS", "off")  # the first run's docs were checked already
    before = _q(root, "select count(*) from pulse_meta.load_ledger")[0][0]
    raw_before = _q(root, "select count(*) from raw.customers")[0][0]
    assert _run(instance).success
    assert _q(root, "select count(*) from pulse_meta.load_ledger")[0][0] == before == 10
    assert _q(root, "select count(*) from raw.customers")[0][0] == raw_before == 7
    mat = instance.get_latest_materialization_event(AssetKey(["raw", "customers"]))
    assert mat.asset_materialization.metadata["files_new"].value == 0


def test_a_successful_run_published_the_marts(first_run):
    root, instance, _ = first_run
    assert instance.get_run_by_id(_serving_run_id(root)).is_success
    con = duckdb.connect(str(root / "serving" / "current" / "pulse.duckdb"), read_only=True)
    try:
        files = con.execute(
            "select count(*), bool_and(is_reconciled) from rpt_load_files"
        ).fetchone()
        quarantined = con.execute("select count(*) from rpt_quarantine").fetchone()[0]
    finally:
        con.close()
    assert files == (10, True)
    assert quarantined == 19  # tests/test_ingestion.py EXPECTED_QUARANTINE


def test_finance_workbook_written_from_the_serving_copy(first_run):
    root, _, _ = first_run
    folder = root / "reports" / "finance" / AS_OF
    assert sorted(p.suffix for p in folder.iterdir()) == [".csv", ".csv", ".xlsx"]


def test_gx_checks_ran_with_their_summary(first_run):
    _, _, result = first_run
    evaluations = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }
    raw = evaluations[("raw/invoices", "gx_raw_quality")]
    assert raw.passed is False  # the fixture data is stale against the as-of date: a warning
    assert raw.severity.value == "WARN"
    assert raw.metadata["failed_warnings"].value == "expect_column_values_to_be_between(newest_at)"
    assert raw.metadata["failed_errors"].value == "none"
    assert raw.metadata["rows_validated"].value == 4
    mart = evaluations[("rpt_quarantine", "gx_mart_quality")]
    assert mart.passed is True
    # GX Data Docs: one HTML site with a page per validated suite
    root, _, _ = first_run
    index = root / "data_docs" / "index.html"
    assert index.exists()
    assert "raw_invoices" in index.read_text()


def test_a_failing_blocking_check_stops_dbt_and_publish(first_run, monkeypatch):
    """A table that lost most of its rows since the last good run fails its GX check (error):
    dbt does not run and the serving copy stays the last good one."""
    root, instance, _ = first_run
    monkeypatch.setenv("PULSE_DATA_DOCS", "off")
    published_before = _serving_run_id(root)
    con = duckdb.connect(str(root / "wh" / "pulse.duckdb"))
    con.execute("delete from raw.customers where customer_id <> 'C001'")  # 7 rows -> 1
    con.close()
    result = _run(instance, raise_on_error=False)
    assert not result.success
    check = next(
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_key == AssetKey(["raw", "customers"])
    )
    assert check.passed is False and check.severity.value == "ERROR"
    assert "row_count" in check.metadata["failed_errors"].value
    assert result.get_step_success_events() == [] or all(
        ev.step_key != "pulse_dbt_models" for ev in result.get_step_success_events()
    )
    assert _serving_run_id(root) == published_before
