"""The benchmark harness (orchestration/bench) end to end at a tiny scale: the JSON it writes
has every stage, the lower bound, per-model dbt timings, the daily run and memory numbers.

This checks structure only, never durations: timings depend on the machine and its load.
It runs the harness in its smoke mode (dbt builds models and seeds, not the data and unit
tests, which the rest of the suite runs) and without the start-up probes, to stay quick.
"""

from __future__ import annotations

import json
import subprocess
import sys

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
)


@pytest.fixture(scope="module")
def bench_result(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    results = root / "results"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration.bench",
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


def test_lower_bound(bench_result):
    report, _ = bench_result
    lb = report["lower_bound"]
    assert lb["count_star_s"] > 0
    assert lb["all_columns_s"] > 0
    assert set(lb["sources"]) == set(SOURCES)
    assert lb["rows"] == sum(report["generation"]["rows"].values())
    assert report["ratios"]["full_vs_lower_bound"] > 0


def test_daily_run(bench_result):
    report, _ = bench_result
    daily = report["daily_run"]
    _check_run(daily)
    assert daily["as_of_date"] == "2025-07-01"
    drop = daily["drop"]
    assert drop["rows"] > 0
    assert "usage_events" in drop["files"]
    sources = daily["stages"]["ingestion"]["sources"]
    # only the new day's files are loaded: one per source that has rows that day
    for name, source in sources.items():
        assert source["files_new"] == (1 if name in drop["files"] else 0), name
    assert daily["stages"]["ingestion"]["rows_read"] == drop["rows"]
    assert report["ratios"]["daily_vs_full"] > 0


def test_profiles_targets_and_markdown(bench_result):
    report, markdown = bench_result
    profiled = report["profiles"]["models"]
    assert len(profiled) == 1
    (profile,) = profiled.values()
    assert profile["top_operators"]
    assert "usage_events" in report["profiles"]["raw_scans"]
    assert set(report["targets"]) >= {"full_within_3x_lower_bound", "peak_memory_under_4gb"}
    assert "## Stages" in markdown and "Daily run" in markdown
    assert "fct_customer_health_daily" in markdown
