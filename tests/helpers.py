"""Test helpers: build a warehouse from a landing folder without Dagster (faster), and query it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb

from orchestration.config import PROJECT_ROOT
from orchestration.ingest.loader import load_all
from orchestration.resources import dbt_command
from orchestration.warehouse import connect_writer


def ingest(landing: Path, warehouse: Path, run_id: str = "test") -> list:
    with connect_writer(warehouse) as con:
        return load_all(con, landing, run_id)


def run_dbt(
    args: list[str],
    warehouse: Path,
    as_of_date: str,
    extra_vars: dict | None = None,
    extra_env: dict | None = None,
) -> subprocess.CompletedProcess:
    """Run dbt against `warehouse`, with its own target/log folders beside it, so tests never
    touch the repository's target/ (nor each other's). extra_env: more environment variables
    for this one command (e.g. PULSE_TEST_ALL_DAYS)."""
    work = warehouse.parent
    env = {
        **os.environ,
        **(extra_env or {}),
        "PULSE_WAREHOUSE": str(warehouse),
        "PULSE_AS_OF_DATE": as_of_date,
    }
    dbt_vars = {"as_of_date": as_of_date, **(extra_vars or {})}
    cmd = dbt_command(
        *args,
        "--vars",
        json.dumps(dbt_vars),
        target_path=work / "dbt_target",
        log_path=work / "dbt_logs",
    )
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=PROJECT_ROOT)
    if proc.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr}")
    return proc


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def query_df(warehouse: Path, sql: str):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()
