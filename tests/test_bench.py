"""The benchmark harness (tools/bench) end to end at a tiny scale: the JSON it writes
has every stage, the lower bound, per-model dbt timings and memory numbers; the daily
scenario's new-day files and report section are checked on their own.

This checks structure only, never durations: timings depend on the machine and its load.
The tests of the harness's end-to-end run are marked `bench`: `make test-bench` runs them
(CI does, after `make test`), since the run is a whole pipeline of its own, about 100 s of the
suite's budget; the other tests here are quick and run in `make test`. The end-to-end run
uses the harness in its smoke mode (dbt builds models and seeds, not the data and unit
tests, which the rest of the suite runs), without the start-up probes and the daily run's
second pipeline, to stay quick.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from orchestration.config import PROJECT_ROOT

STAGES = (
    "process_start",
    "code_location_load",
    "ingestion",
    "raw_checks",
    "dbt_build",
    "mart_checks",
    "publish",
    "reports",
    "orchestration_overhead",
)
SOURCES = (
    "customers",
    "subscriptions",
    "survey_responses",
    "support_tickets",
    "usage_events",
    "invoices",
    "payments",
    "payment_reminders",
    "marketing_spend",
    "costs",
)


@pytest.fixture(scope="module")
def bench_result(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    results = root / "results"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.bench",
            "--sf",
            "0.01",
            "--work-dir",
            str(root / "work"),
            "--results-dir",
            str(results),
            "--skip-dbt-tests",
            "--no-startup",
            "--profile-top",
            "1",
            # the daily scenario's second pipeline run adds nothing the first does not check
            # here: its new-day files are checked below without Dagster, its section of the
            # report on a copy of the full run's numbers
            "--no-daily",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    report = json.loads((results / "sf0.01-duckdb.json").read_text())
    markdown = (results / "sf0.01-duckdb.md").read_text()
    return report, markdown


def _check_run(run: dict) -> None:
    assert run["success"] is True
    assert run["failed_steps"] == []
    assert run["wall_s"] > 0
    assert run["peak_rss_mb"] > 0
    for name in STAGES:
        stage = run["stages"][name]
        assert stage["wall_s"] >= 0, name
        assert stage["peak_rss_mb"] > 0, name
    ingestion = run["stages"]["ingestion"]
    assert set(ingestion["sources"]) == set(SOURCES)
    for source in ingestion["sources"].values():
        assert source["peak_rss_mb"] > 0
        assert source["rows_read"] >= 0
    dbt = run["stages"]["dbt_build"]
    assert dbt["status"] == "success"
    assert dbt["parse"]["mode"] != "unknown"
    assert dbt["models"], "per-model timings from run_results.json"
    for model in dbt["models"].values():
        assert model["status"] == "success"
        assert model["execution_time_s"] >= 0
        assert model["peak_rss_mb"] > 0
    assert run["warehouse"]["warehouse_bytes"] > 0


@pytest.mark.bench
def test_full_run_structure(bench_result):
    report, _ = bench_result
    assert report["scale_factor"] == 0.01
    assert report["machine"]["cpus"] >= 1
    assert report["machine"]["packages"]["duckdb"]
    assert report["generation"]["wall_s"] > 0
    assert report["generation"]["peak_rss_mb"] > 0
    full = report["full_run"]
    _check_run(full)
    ingestion = full["stages"]["ingestion"]
    # the full load reads every generated row once
    assert ingestion["rows_read"] == sum(report["generation"]["rows"].values())
    assert ingestion["rows_per_s"] > 0
    assert "fct_customer_health_daily" in full["stages"]["dbt_build"]["models"]


@pytest.mark.bench
def test_weight_change_rescores_the_whole_history(bench_result):
    report, markdown = bench_result
    w = report["weight_change"]
    assert w["success"] is True
    assert w["moved"] == {
        "scorecard": "default",
        "from": "usage",
        "to": "engagement",
        "amount": 0.05,
    }
    # every day of every customer carries the new configuration fingerprint
    assert w["history_rows"] > 0 and w["history_rows_rescored"] == w["history_rows"]
    assert "fct_customer_health_daily" in w["models"]
    assert "int_health_signals_daily" not in w["models"]  # no signal is recomputed
    assert report["ratios"]["weight_change_vs_full"] > 0
    assert "weight_change_within_10pct_of_full" in report["targets"]
    assert "## Weight change:" in markdown


def test_moving_a_weight_keeps_every_scorecard_summing_to_one():
    from tools.bench.weight_change import moved_weights

    text = (
        "scorecard,component,weight\n"
        "default,usage,0.25\ndefault,engagement,0.10\ndefault,renewal,0.65\n"
        "smb,usage,0.50\nsmb,engagement,0.50\n"
    )
    edited, moved = moved_weights(text)
    assert edited == (
        "scorecard,component,weight\n"
        "default,usage,0.20\ndefault,engagement,0.15\ndefault,renewal,0.65\n"
        "smb,usage,0.50\nsmb,engagement,0.50\n"
    )
    assert moved == {"scorecard": "default", "from": "usage", "to": "engagement", "amount": 0.05}


@pytest.mark.bench
def test_lower_bound(bench_result):
    report, _ = bench_result
    lb = report["lower_bound"]
    assert lb["count_star_s"] > 0
    assert lb["all_columns_s"] > 0
    assert set(lb["sources"]) == set(SOURCES)
    assert lb["rows"] == sum(report["generation"]["rows"].values())
    assert report["ratios"]["full_vs_lower_bound"] > 0


def test_the_daily_drop_adds_one_new_file_per_source_and_only_those_load(tmp_path):
    """The benchmark's daily scenario: one new day of files beside a full load; the next
    ingestion loads exactly those files and their rows."""
    import datetime as dt

    from tests.helpers import ingest
    from tools.bench.daily import write_daily_drop
    from tools.demo_data.generate import generate

    last_day = dt.date(2025, 6, 30)
    landing, warehouse = tmp_path / "landing", tmp_path / "wh" / "pulse.duckdb"
    generate(landing, scale=0.01, seed=3, end_date=last_day)
    ingest(landing, warehouse, run_id="full")
    drop = write_daily_drop(landing, last_day)
    assert drop and "usage_events" in drop
    for name, written in drop.items():
        assert written["file"] == f"{name}/{name}_2025-07-01." + written["file"].rsplit(".")[-1]
        assert written["rows"] > 0
    daily = [r for r in ingest(landing, warehouse, run_id="daily") if r.status != "skipped"]
    assert sorted(r.file_path for r in daily) == sorted(w["file"] for w in drop.values())
    assert all(r.status == "loaded" for r in daily)
    assert sum(r.rows_read for r in daily) == sum(w["rows"] for w in drop.values())


@pytest.mark.bench
def test_a_report_with_a_daily_run_shows_it_beside_the_full_run(bench_result):
    from tools.bench.harness import _ratios, _targets
    from tools.bench.report import render_markdown

    report, markdown = bench_result
    assert "daily_run" not in report and "Daily run" not in markdown  # --no-daily
    daily = {**report["full_run"], "as_of_date": "2025-07-01"}
    daily["drop"] = {"wall_s": 0.5, "files": {"usage_events": {"rows": 12}}, "rows": 12}
    with_daily = {**report, "daily_run": daily}
    with_daily["ratios"] = _ratios(with_daily)
    with_daily["targets"] = _targets(with_daily)
    assert with_daily["ratios"]["daily_vs_full"] == 1.0  # the same run twice
    rendered = render_markdown(with_daily)
    assert "Daily run (as of 2025-07-01)" in rendered
    assert "| daily run / full run | 100% |" in rendered


@pytest.mark.bench
def test_profiles_targets_and_markdown(bench_result):
    report, markdown = bench_result
    profiled = report["profiles"]["models"]
    assert len(profiled) == 1
    (profile,) = profiled.values()
    assert profile["top_operators"]
    assert "usage_events" in report["profiles"]["raw_scans"]
    assert set(report["targets"]) >= {"full_within_3x_lower_bound", "peak_memory_under_4gb"}
    assert "## Stages" in markdown
    # the slowest model, profiled, is in the report (which one depends on the machine's load)
    assert next(iter(profiled)) in markdown


def _target_report(target: str, full_s: float, dbt_s: float, daily_s: float, spark=None) -> dict:
    """The parts of a benchmark report the side-by-side table reads, with chosen numbers."""
    run = {
        "wall_s": full_s,
        "peak_rss_mb": 1000.0,
        "stages": {"dbt_build": {"wall_s": dbt_s, "models": {"m1": {"execution_time_s": 4.0}}}},
        "warehouse": {"warehouse_bytes": 2e6},
    }
    report = {
        "scale_factor": 1.0,
        "seed": 42,
        "end_date": "2025-06-30",
        "dbt_target": target,
        "started_at": "2026-11-29T00:00:00+00:00",
        "settings": {"dbt_data_tests": True},
        "machine": {"load_average_at_start": [0.5, 0.5, 0.5]},
        "full_run": run,
        "daily_run": {**run, "wall_s": daily_s},
    }
    if spark is not None:
        run["warehouse"].update(spark_warehouse_bytes=3e6, raw_parquet_bytes=1e6)
        report["startup"] = {"spark_session": {"start_to_first_result_s": spark}}
    return report


def test_side_by_side_puts_targets_in_columns_with_their_ratio():
    from tools.bench.side_by_side import render_side_by_side

    duck = _target_report("duckdb", full_s=100.0, dbt_s=60.0, daily_s=50.0)
    spark = _target_report("spark", full_s=250.0, dbt_s=210.0, daily_s=200.0, spark=11.0)
    md = render_side_by_side([duck, spark])
    lines = md.splitlines()
    assert "| measure | duckdb | spark | spark / duckdb |" in lines
    # 250 / 100 = 2.5x; 210 / 60 = 3.5x; daily / full: 50% and 80%
    assert "| full pipeline, s | 100.00 | 250.00 | 2.5x |" in lines
    assert "| dbt build (whole step) | 60.00 | 210.00 | 3.5x |" in lines
    assert "| daily run / full run, % | 50 | 80 | 1.6x |" in lines
    # disk: DuckDB file 2 MB; on Spark plus 3 MB of tables and 1 MB of raw Parquet = 6 MB
    assert "| data on disk after the full run, MB | 2 | 6 | 3.0x |" in lines
    # the Spark session's start-up on its own line, empty for DuckDB
    assert (
        "| Spark session start-up (pyspark import, JVM and session, first query), s"
        " |  | 11.00 |  |" in lines
    )
    with pytest.raises(ValueError, match="one scale factor"):
        render_side_by_side([duck, {**spark, "scale_factor": 10.0}])


def test_spark_session_parameters_are_the_profiles_rendered(monkeypatch):
    from tools.bench.spark_session import session_parameters

    monkeypatch.setenv("PULSE_SPARK_WAREHOUSE", "/data/spark_wh")
    monkeypatch.setenv("PULSE_SPARK_DRIVER_MEMORY", "3g")
    params = session_parameters()
    assert params["spark.master"] == "local[2]"
    assert params["spark.driver.memory"] == "3g"
    assert params["spark.sql.warehouse.dir"] == "/data/spark_wh"
    assert params["javax.jdo.option.ConnectionURL"] == (
        "jdbc:derby:;databaseName=/data/spark_wh/metastore_db;create=true"
    )


def test_memory_sampler_counts_a_fork_once():
    """A process holding 200 MB that forks (without exec, as the Spark JVM does to spawn its
    helper commands): both show 200 MB of VmRSS, but the pages are shared, so the tree holds
    about 200 MB, not 400."""
    from tools.bench.procmem import TreeSampler

    code = (
        "import os, time\n"
        "x = bytearray(200 * 2**20)\n"
        "for i in range(0, len(x), 4096): x[i] = 1\n"
        "pid = os.fork()\n"
        "time.sleep(1.0)\n"
        "if pid: os.waitpid(pid, 0)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    with TreeSampler(proc.pid) as sampler:
        assert proc.wait() == 0
    assert max(s.processes for s in sampler.samples) >= 2  # the fork was seen
    peak_mb = sampler.peak() / 2**20
    assert 200 <= peak_mb < 300


def test_memory_sampler_finds_a_grandchild_and_its_memory():
    """The root (a small Python process) starts a child that holds 200 MB of touched pages:
    the child is found in the tree under the root, and the tree's peak holds its 200 MB plus
    the two interpreters (well under 100 MB more)."""
    from tools.bench.procmem import (
        TreeSampler,
        private_bytes,
        process_tree,
        process_tree_parents,
    )

    hold = (
        "import sys, time\n"
        "x = bytearray(200 * 2**20)\n"
        "for i in range(0, len(x), 4096): x[i] = 1\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"  # until the test closes the pipe
    )
    root_code = (
        "import subprocess, sys\n"
        f"child = subprocess.Popen([sys.executable, '-c', {hold!r}], stdin=subprocess.PIPE,"
        " stdout=subprocess.PIPE, text=True)\n"
        "print(child.pid, flush=True)\n"
        "child.stdout.readline()\n"  # the child holds its 200 MB
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"
        "child.stdin.close()\n"
        "child.wait()\n"
    )
    root = subprocess.Popen(
        [sys.executable, "-c", root_code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        with TreeSampler(root.pid) as sampler:
            child_pid = int(root.stdout.readline())
            assert root.stdout.readline().strip() == "ready"
            assert process_tree(root.pid)[0] == root.pid
            assert (child_pid, root.pid) in process_tree_parents(root.pid)
            if sys.platform.startswith("linux"):  # None on macOS (procmem says why)
                assert private_bytes(child_pid) >= 200 * 2**20
            time.sleep(0.5)  # several samples while the child holds its memory
            root.stdin.close()
            assert root.wait(timeout=30) == 0
    finally:
        root.kill()
        root.wait()
    assert max(s.processes for s in sampler.samples) == 2
    peak = sampler.peak_sample()
    assert 200 <= peak.rss / 2**20 < 300
    assert peak.by_process["main"] < 100 * 2**20  # the root holds no big buffer
    (child_label,) = set(peak.by_process) - {"main"}
    assert peak.by_process[child_label] >= 200 * 2**20
    if sys.platform.startswith("linux"):  # VmHWM: the kernel's own record of the child
        assert sampler.max_process_hwm() >= 200 * 2**20
    else:
        assert sampler.max_process_hwm() is None


def test_a_child_that_execd_the_same_interpreter_is_not_a_fork():
    """The dbt process is Python started by the Python Dagster process: its memory is its
    own, so it must count in full; only a fork that has not exec'd is counted privately."""
    from tools.bench.procmem import is_unexeced_fork

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        time.sleep(0.5)  # past the exec
        assert not is_unexeced_fork(child.pid, os.getpid())
    finally:
        child.kill()
        child.wait()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the fork: wait until the parent has looked, then leave at once
        os.read(read, 1)
        os._exit(0)
    try:
        assert is_unexeced_fork(pid, os.getpid())
    finally:
        os.write(write, b"x")
        os.waitpid(pid, 0)
