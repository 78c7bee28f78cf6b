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
    return root


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def _run(instance):
    from orchestration.definitions import defs

    return defs.get_job_def("pulse_refresh").execute_in_process(instance=instance)


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
    assert defs.get_schedule_def("pulse_refresh_schedule") is not None


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


def test_second_run_changes_nothing(first_run):
    root, instance, _ = first_run
    before = _q(root, "select count(*) from pulse_meta.load_ledger")[0][0]
    raw_before = _q(root, "select count(*) from raw.customers")[0][0]
    assert _run(instance).success
    assert _q(root, "select count(*) from pulse_meta.load_ledger")[0][0] == before == 10
    assert _q(root, "select count(*) from raw.customers")[0][0] == raw_before == 7
    mat = instance.get_latest_materialization_event(AssetKey(["raw", "customers"]))
    assert mat.asset_materialization.metadata["files_new"].value == 0
