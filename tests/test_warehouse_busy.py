"""A process that is not a Pulse run holds the warehouse file open (a duckdb CLI, a notebook):
writers wait up to PULSE_LOCK_TIMEOUT and then refuse with WarehouseBusy naming the holder; a
run stops at its first writing step; the summary never shows a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance

from orchestration import cli
from orchestration.warehouse import WarehouseBusy, connect_writer
from tests.conftest import FIXTURES, write_usage_events

AS_OF = "2025-06-30"

# A read-write DuckDB connection held by a plain Python process: no Pulse writer lock.
FOREIGN_HOLDER = textwrap.dedent(
    """
    import sys, time
    import duckdb
    con = duckdb.connect(sys.argv[1])
    print("open", flush=True)
    time.sleep(float(sys.argv[2]))
    """
)


def _hold_open(warehouse: Path, seconds: float) -> subprocess.Popen:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", FOREIGN_HOLDER, str(warehouse), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "open"
    return proc


@pytest.fixture
def held(tmp_path):
    warehouse = tmp_path / "wh" / "pulse.duckdb"
    holder = _hold_open(warehouse, 120)
    yield warehouse, holder
    holder.kill()
    holder.wait()


def test_writer_waits_then_refuses_naming_the_holder(held):
    warehouse, holder = held
    started = time.monotonic()
    with pytest.raises(WarehouseBusy) as busy, connect_writer(warehouse, timeout=1.5):
        pass
    assert time.monotonic() - started >= 1.5  # it waited, it did not fail at once
    message = str(busy.value)
    assert str(warehouse) in message
    assert f"PID {holder.pid}" in message


def test_writer_goes_ahead_when_the_holder_lets_go(tmp_path):
    warehouse = tmp_path / "pulse.duckdb"
    holder = _hold_open(warehouse, 2)
    started = time.monotonic()
    with connect_writer(warehouse, timeout=60) as con:
        waited = time.monotonic() - started
        assert con.execute("select 42").fetchone() == (42,)
    holder.wait()
    assert waited >= 1.0


@pytest.fixture
def env(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", landing)
    write_usage_events(landing)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("PULSE_LANDING_DIR", str(landing))
    monkeypatch.setenv("PULSE_WAREHOUSE", str(tmp_path / "wh" / "pulse.duckdb"))
    monkeypatch.setenv("PULSE_SERVING_DIR", str(tmp_path / "serving"))
    monkeypatch.setenv("PULSE_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("PULSE_DATA_DOCS_DIR", str(tmp_path / "data_docs"))
    monkeypatch.setenv("PULSE_DATA_DOCS", "off")
    monkeypatch.setenv("PULSE_AS_OF_DATE", AS_OF)
    monkeypatch.setenv("PULSE_LOCK_TIMEOUT", "2")
    monkeypatch.setenv("PULSE_BUSY_RETRIES", "0")  # no retry later in the run (tested apart)
    return tmp_path


def test_run_stops_at_its_first_writing_step(env, held):
    from orchestration.definitions import defs

    _, holder = held
    result = defs.resolve_job_def("pulse_refresh").execute_in_process(
        instance=DagsterInstance.ephemeral(), raise_on_error=False
    )
    assert not result.success
    failures = result.get_step_failure_events()
    assert [e.step_key for e in failures] == ["landing"]
    error = failures[0].event_specific_data.error
    assert "WarehouseBusy" in error.cls_name or "WarehouseBusy" in error.message
    assert f"PID {holder.pid}" in error.message
    assert not (env / "serving" / "current").exists()


def test_summary_names_the_holder_instead_of_a_traceback(env, held, capsys):
    _, holder = held
    assert cli.main(["summary"]) == 0
    out = capsys.readouterr().out
    assert f"PID {holder.pid}" in out
    assert "Traceback" not in out


def test_summary_on_a_fresh_clone_says_what_is_missing(env, capsys):
    warehouse = env / "wh" / "pulse.duckdb"
    assert cli.main(["summary"]) == 0
    out = capsys.readouterr().out
    assert f"No warehouse yet at {warehouse}" in out
    assert not warehouse.exists()  # looking did not create it
