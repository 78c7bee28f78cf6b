"""dbt source freshness on the raw tables: thresholds from dbt_project.yml (daily exports warn
after 36 h and fail after 72 h without a new load), measured on `_loaded_at`, the loader's
load time. Ages are set by hand on a freshly loaded fixture warehouse."""

from __future__ import annotations

import json
import os
import subprocess

import duckdb

from orchestration.config import PROJECT_ROOT
from orchestration.resources import dbt_command
from tests.helpers import ingest


def _freshness(warehouse, selection: list[str]) -> tuple[int, dict[str, str]]:
    work = warehouse.parent
    output = work / "sources.json"
    cmd = dbt_command(
        "source",
        "freshness",
        "--select",
        *selection,
        "--output",
        str(output),
        target_path=work / "dbt_target",
        log_path=work / "dbt_logs",
    )
    env = {**os.environ, "PULSE_WAREHOUSE": str(warehouse)}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=PROJECT_ROOT)
    results = json.loads(output.read_text())["results"]
    return proc.returncode, {r["unique_id"].split(".", 2)[2]: r["status"] for r in results}


def test_freshness_passes_warns_and_fails_by_age_of_the_newest_load(landing, warehouse):
    ingest(landing, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        # billing.invoices: loaded just now (age ~0 h: pass)
        con.execute("update raw.customers set _loaded_at = _loaded_at - interval 48 hour")
        con.execute("update raw.support_tickets set _loaded_at = _loaded_at - interval 96 hour")
    finally:
        con.close()
    selection = ["source:billing.invoices", "source:crm.customers", "source:support"]
    returncode, statuses = _freshness(warehouse, selection)
    assert statuses == {
        "billing.invoices": "pass",
        "crm.customers": "warn",  # 48 h: past 36, before 72
        "support.support_tickets": "error",  # 96 h: past 72
    }
    assert returncode != 0  # a stale source fails the command
