"""Faults: a pipeline killed mid-load or mid-build recovers by itself; writers never overlap."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from orchestration.config import PROJECT_ROOT
from orchestration.resources import dbt_command
from orchestration.warehouse import WarehouseBusy, connect_writer, writer_lock
from tests.conftest import FIXTURES, write_usage_events
from tests.helpers import ingest, query, run_dbt, seed_session_parse_state

SMALL_AS_OF = "2025-06-30"  # the hand-made landing folder's as-of date

INGEST = textwrap.dedent(
    """
    import logging, sys
    from pathlib import Path
    from tests.helpers import ingest
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
    ingest(Path(sys.argv[1]), Path(sys.argv[2]), "killed-run")
    """
)


def _snapshot(warehouse: Path) -> dict:
    """What a run must leave behind, independent of ids and timestamps."""
    tables = [
        "customers",
        "subscriptions",
        "survey_responses",
        "support_tickets",
        "usage_events",
        "invoices",
        "payments",
        "payment_reminders",
        "marketing_spend",
    ]
    snap = {t: query(warehouse, f"select count(*) from raw.{t}")[0][0] for t in tables}
    snap["ledger"] = sorted(
        query(
            warehouse,
            "select file_path, status, rows_read, rows_loaded, rows_quarantined"
            " from pulse_meta.load_ledger",
        )
    )
    snap["quarantine"] = sorted(
        query(
            warehouse,
            "select file_path, row_number, reason_code, resolved_by_file_id is null"
            " from pulse_meta.quarantine",
        )
    )
    return snap


@pytest.fixture(scope="module")
def landing(demo_build) -> Path:
    """The session's demo landing folder (242 files): each test loads it into its own
    warehouse and never writes to it."""
    return demo_build["landing"]


@pytest.fixture(scope="module")
def reference(demo_build) -> dict:
    """What one uninterrupted load of the landing folder leaves: the demo warehouse's raw and
    pulse_meta tables (its dbt build reads them, never writes them)."""
    return _snapshot(demo_build["warehouse"])


def _kill_after(
    cmd: list[str], marker: str, count: int, env=None, cwd=PROJECT_ROOT
) -> tuple[int, str]:
    """Start cmd, SIGKILL it once `marker` has appeared `count` times on its stdout. Returns
    how often it appeared and all the output cmd wrote before it died."""
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    seen, output = 0, []
    for line in proc.stdout:
        output.append(line)
        if marker in line:
            seen += 1
            if seen >= count:
                proc.send_signal(signal.SIGKILL)
                break
    output.append(proc.stdout.read())  # what it wrote between the marker and the kill
    proc.wait(timeout=120)
    return seen, "".join(output)


def test_killed_load_recovers_with_no_duplicate_and_no_lost_row(landing, reference, tmp_path):
    warehouse = tmp_path / "pulse.duckdb"
    seen, _ = _kill_after(
        [sys.executable, "-c", INGEST, str(landing), str(warehouse)], "loaded ", count=40
    )
    assert seen == 40, "the load finished before it could be killed"
    partial = _snapshot(warehouse)
    assert len(partial["ledger"]) < len(reference["ledger"])  # it really stopped half-way
    ingest(landing, warehouse, "recovery-run")
    assert _snapshot(warehouse) == reference


def test_killed_dbt_build_recovers_on_the_next_run(tmp_path):
    # the hand-made landing folder: what is killed and recovered is dbt's, not the data's
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", landing)
    write_usage_events(landing)
    warehouse = tmp_path / "pulse.duckdb"
    ingest(landing, warehouse)
    # as run_dbt runs dbt (its target folder seeded with the session's parse state, the
    # warehouse's folder, the as-of date in the environment): the next run finds the parse
    # state this one left before it was killed
    env = {"PULSE_WAREHOUSE": warehouse.name, "PULSE_AS_OF_DATE": SMALL_AS_OF}
    seed_session_parse_state(tmp_path / "dbt_target")
    cmd = dbt_command(
        "build",
        "--exclude-resource-type",
        "unit_test",
        target_path=tmp_path / "dbt_target",
        log_path=tmp_path / "dbt_logs",
    )
    seen, output = _kill_after(cmd, " OK created", count=5, env=env, cwd=tmp_path)
    assert seen == 5
    # the next run rebuilds what the kill may have left half-written: every node the killed
    # build started (any still in flight included), with their own tests (cautious: not the
    # tests that also read a model nobody built yet), and the customers read below
    started = re.findall(r" START (?:sql \w+ model|seed file) \w+\.(\w+) ", output)
    assert len(started) >= seen
    recovery = ["build", "--select", *started, "+stg_crm__customers"]
    # raises unless every selected model and test passes
    run_dbt([*recovery, "--indirect-selection", "cautious"], warehouse, SMALL_AS_OF)
    assert query(warehouse, "select count(*) from stg_crm__customers")[0][0] > 0


LOCK_HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from orchestration.warehouse import writer_lock
    with writer_lock(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def _hold_lock(warehouse: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(warehouse), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_writer_refuses_cleanly_while_another_runs(tmp_path):
    warehouse = tmp_path / "pulse.duckdb"
    holder = _hold_lock(warehouse, 30)
    try:
        busy = pytest.raises(WarehouseBusy, match="being written by another Pulse run")
        with busy, connect_writer(warehouse, timeout=1):
            pass
        assert not warehouse.exists()  # it never opened the file
    finally:
        holder.kill()
        holder.wait()


def test_second_writer_waits_for_the_first(tmp_path, landing):
    warehouse = tmp_path / "pulse.duckdb"
    holder = _hold_lock(warehouse, 2)
    started = time.monotonic()
    with writer_lock(warehouse, timeout=60):
        waited = time.monotonic() - started
    holder.wait()
    assert waited >= 1.0  # it queued behind the holder, then went ahead


def test_lock_of_a_killed_writer_is_released(tmp_path):
    warehouse = tmp_path / "pulse.duckdb"
    holder = _hold_lock(warehouse, 60)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with writer_lock(warehouse, timeout=5):
        pass
