"""The Spark target builds the same marts as DuckDB: the hand-made landing folder built on
both targets (make compare-targets does the same on demo data), every mart compared row for
row on its primary key (orchestration/compare.py). Runs a local Spark session: needs Java and
the spark extra (`make install-spark`; `make test` installs it when Java is present)."""

from __future__ import annotations

import importlib.util
import shutil

import pytest

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java: Spark cannot start"),
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None
        or importlib.util.find_spec("dbt.adapters.spark") is None,
        reason="the spark extra is not installed (make install-spark)",
    ),
]

AS_OF = "2025-06-30"


def test_every_mart_is_identical_on_duckdb_and_spark(landing, tmp_path):
    from orchestration.config import TARGETS
    from orchestration.manifest import load_manifest
    from tools.compare_targets import dbt_show, mart_names, report, run

    # Models and seeds only: dbt's ~700 data tests take minutes on a local Spark session and
    # judge each target's own output; the comparison judges Spark against DuckDB.
    # A 120-day health history rather than 400: every window keeps its full length (a day's
    # signals read the facts before the history's first day), the same SQL runs on both
    # engines, and Spark's local session builds the health chain in a third of the time.
    result = run(
        tmp_path / "work",
        landing,
        scale=0,
        seed=0,
        as_of=AS_OF,
        with_tests=False,
        dbt_vars={"health_backfill_days": 120},
    )
    print(report(result))
    assert sorted(result.marts) == mart_names(load_manifest())  # every mart, not a subset
    assert result.differing == {}
    # the fixture's marts hold rows, so "identical" compares values, not two empty tables
    assert result.marts["fct_customer_health_daily"].left_rows > 0
    assert result.marts["rpt_invoice_aging"].left_rows > 0
    assert result.marts["rpt_quarantine"].left_rows > 0
    # The bands normalisation (var health_normalisation) is not what this build ran: its one
    # engine-dependent piece, the configuration stamp that hashes the bands seed, is checked
    # on both engines over the same seeds. A bare `order by lower_bound` once put the open
    # band last on DuckDB and first on Spark, so every history row's stamp differed.
    work = tmp_path / "work"
    warehouse = work / "duckdb" / "pulse.duckdb"
    sql = "select {{ health_fingerprint('points') }} as fp"
    bands = {"health_normalisation": "bands"}
    stamps = {t: dbt_show(t, work, warehouse, AS_OF, sql, bands)[0]["fp"] for t in TARGETS}
    assert stamps["duckdb"] == stamps["spark"]
    # and the bands are in it: the stamp with percentiles instead differs
    percentile = {"health_normalisation": "percentile"}
    (other,) = dbt_show("duckdb", work, warehouse, AS_OF, sql, percentile)
    assert len(stamps["duckdb"]) == len(other["fp"]) == 32 and other["fp"] != stamps["duckdb"]


def test_spark_session_start_up_probe(tmp_path):
    """The benchmark's Spark start-up line (tools/bench/spark_session.py) starts the
    profile's session: local[2], the UTC session zone, the profile's driver memory."""
    import json
    import os
    import subprocess
    import sys

    from orchestration.config import PROJECT_ROOT

    out = tmp_path / "probe.json"
    env = {**os.environ, "PULSE_SPARK_WAREHOUSE": str(tmp_path / "wh")}
    env["PULSE_SPARK_DRIVER_MEMORY"] = "1g"
    cmd = [sys.executable, "-m", "tools.bench.worker", "spark-session", "--out", str(out)]
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    probe = json.loads(out.read_text())
    assert probe["select_one"] == 1
    assert probe["master"] == "local[2]"
    assert probe["session_time_zone"] == "UTC"
    assert probe["driver_memory"] == "1g"
    assert probe["session_start_s"] > 0 and probe["first_query_s"] > 0
