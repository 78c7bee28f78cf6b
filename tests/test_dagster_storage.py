"""The Dagster instance storage of orchestration/dagster.yaml: Dagster's SQLite storage whose
event log keeps one engine per database file (orchestration/dagster_storage.py). It must record
what the default storage records, in the default's files, with an engine per file rather than
per statement."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSpec,
    AssetKey,
    AssetSpec,
    DagsterInstance,
    Output,
    materialize,
    multi_asset,
)

from orchestration import dagster_storage
from orchestration.config import PROJECT_ROOT

ASSETS, CHECKS = 4, 3
FAILING = "c1"  # the one check that fails, on every asset


@multi_asset(
    specs=[AssetSpec(f"a{i}") for i in range(ASSETS)],
    check_specs=[
        AssetCheckSpec(f"c{j}", asset=f"a{i}") for i in range(ASSETS) for j in range(CHECKS)
    ],
)
def checked_assets():
    for i in range(ASSETS):
        yield Output(None, output_name=f"a{i}")
    for i in range(ASSETS):
        for j in range(CHECKS):
            yield AssetCheckResult(asset_key=f"a{i}", check_name=f"c{j}", passed=f"c{j}" != FAILING)


def _home(tmp_path: Path, pulse_config: bool) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    if pulse_config:
        shutil.copyfile(PROJECT_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    else:  # Dagster's defaults
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return home


def _check_outcomes(instance: DagsterInstance) -> dict[tuple[str, str], bool]:
    outcomes = {}
    for i in range(ASSETS):
        for j in range(CHECKS):
            key = AssetCheckKey(AssetKey(f"a{i}"), f"c{j}")
            record = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key]
            evaluation = record.event.dagster_event.event_specific_data
            outcomes[(f"a{i}", f"c{j}")] = evaluation.passed
    return outcomes


def test_pulse_config_records_a_run_that_the_default_storage_reads(tmp_path, monkeypatch):
    home = _home(tmp_path, pulse_config=True)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    created = []
    real_create_engine = dagster_storage.create_engine

    def counting_create_engine(*args, **kwargs):
        created.append(args[0])
        return real_create_engine(*args, **kwargs)

    monkeypatch.setattr(dagster_storage, "create_engine", counting_create_engine)

    with DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, dagster_storage.PooledSqliteEventLogStorage)
        result = materialize([checked_assets], instance=instance, raise_on_error=False)
        run_id = result.run_id
        events = len(instance.all_logs(run_id))
        assert _check_outcomes(instance) == {
            (f"a{i}", f"c{j}"): f"c{j}" != FAILING for i in range(ASSETS) for j in range(CHECKS)
        }

    # Hundreds of statements, one engine for each of the two files written: the run's and the
    # index (Dagster's own storage creates one per statement).
    assert events > 3 * ASSETS * CHECKS
    assert sorted(Path(url.removeprefix("sqlite:///")).name for url in created) == sorted(
        ["index.db", f"{run_id}.db"]
    )
    # Dagster's file layout, which Dagster's default storage reads back alike
    assert (home / "history" / "runs" / f"{run_id}.db").exists()
    monkeypatch.undo()
    _home(tmp_path, pulse_config=False)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with DagsterInstance.get() as default:
        assert not isinstance(
            default.event_log_storage, dagster_storage.PooledSqliteEventLogStorage
        )
        assert default.get_run_by_id(run_id).is_success  # a failed check does not fail a run
        assert len(default.all_logs(run_id)) == events
        assert _check_outcomes(default)[("a0", FAILING)] is False
        assert _check_outcomes(default)[("a3", "c2")] is True


def test_engines_are_bounded_and_let_go_before_a_wipe(tmp_path):
    storage = dagster_storage.PooledSqliteEventLogStorage(str(tmp_path / "runs"))
    shards = [f"run{n}" for n in range(dagster_storage.MAX_ENGINES + 3)]
    for shard in shards:
        with storage.run_connection(shard) as conn:
            conn.exec_driver_sql("select 1")
    # the most recently used are kept, the oldest disposed of
    assert list(storage._engines) == shards[-dagster_storage.MAX_ENGINES :]
    storage.wipe()
    # the run files are gone, and so are their engines (the index, emptied, is kept)
    assert set(storage._engines) <= {"index"}
    assert not any((tmp_path / "runs").glob("run*.db"))
    # and the storage works on after the wipe, on a new file
    with storage.run_connection("run0") as conn:
        assert conn.exec_driver_sql("select count(*) from event_logs").scalar() == 0
    storage.dispose()


@pytest.mark.parametrize("pulse_config", [True, False])
def test_storage_of_the_config(tmp_path, monkeypatch, pulse_config):
    monkeypatch.setenv("DAGSTER_HOME", str(_home(tmp_path, pulse_config)))
    with DagsterInstance.get() as instance:
        pooled = isinstance(instance.event_log_storage, dagster_storage.PooledSqliteEventLogStorage)
        assert pooled is pulse_config
        # the runs and schedules stay Dagster's own, in $DAGSTER_HOME either way
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert (tmp_path / "dagster_home" / "history" / "runs.db").exists()
