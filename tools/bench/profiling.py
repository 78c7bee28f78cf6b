"""Profiles of the slowest dbt models: DuckDB's EXPLAIN ANALYZE of their compiled SQL.

After the benchmark's runs the warehouse holds every model; the compiled SELECT of a model
(from the run's run_results.json) is run again under EXPLAIN ANALYZE, read-only.
The text plan is kept for people, and the operators that took the most time are summarised
for the JSON. A plain EXPLAIN of every table model also says which raw tables each one scans:
a staging view over a big raw table is re-scanned by every model built on it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path

import duckdb


def compiled_sql(run_results: Path) -> dict[str, str]:
    """model name -> the SELECT dbt compiled for it in that run."""
    data = json.loads(run_results.read_text())
    return {
        r["unique_id"].split(".")[-1]: r["compiled_code"]
        for r in data["results"]
        if r["unique_id"].startswith("model.") and r.get("compiled_code")
    }


def _operators(node: dict, out: list[dict]) -> None:
    info = node.get("extra_info") or {}
    detail = ""
    for key in ("Table", "Join Type", "Conditions", "Groups", "Function", "Aggregates"):
        if key in info:
            value = info[key]
            detail += f"{key}: {', '.join(value) if isinstance(value, list) else value}; "
    out.append(
        {
            "operator": node.get("name", "?").strip(),
            "seconds": float(node.get("timing") or 0.0),
            "rows": int(node.get("intermediate_rows") or node.get("operator_cardinality") or 0),
            "detail": detail.strip("; ")[:300],
        }
    )
    for child in node.get("children", []):
        _operators(child, out)


def _scanned_tables(node: dict, out: set[str]) -> None:
    info = node.get("extra_info") or {}
    if "Table" in info and "SCAN" in node.get("name", "").upper():
        out.add(str(info["Table"]))
    for child in node.get("children", []):
        _scanned_tables(child, out)


def _plan_root(rows: list[tuple]) -> dict:
    plan = json.loads(rows[0][1])
    if isinstance(plan, list):
        plan = plan[0]
    return plan


# The day range of a pulse_batched_incremental model's compiled SQL: the placeholders of the
# macro pulse_batch_placeholders (macros/materializations/pulse_batched_incremental.sql, keep
# the two in step) leave it open, every target day at once, which at SF10 is what the batches
# exist to avoid.
BATCH_FIRST = "cast('0001-01-01' as date) /* pulse_batch_first_day */"
BATCH_LAST = "cast('9999-12-31' as date) /* pulse_batch_last_day */"
PROFILED_BATCH_DAYS = 30


def one_batch(sql: str, last_day: dt.date) -> tuple[str, str | None]:
    """A batched model's SQL restricted to one batch of PROFILED_BATCH_DAYS days ending on
    last_day, and that range as text; other SQL unchanged, and None."""
    if BATCH_FIRST not in sql:
        return sql, None
    first_day = last_day - dt.timedelta(days=PROFILED_BATCH_DAYS - 1)
    sql = sql.replace(BATCH_FIRST, f"cast('{first_day}' as date)")
    sql = sql.replace(BATCH_LAST, f"cast('{last_day}' as date)")
    return sql, f"{first_day} to {last_day}"


def explain_analyze(warehouse: Path, sql: str, text_out: Path | None) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("set enable_progress_bar = false")
        t = time.perf_counter()
        plan = _plan_root(con.execute(f"explain (analyze, format json) {sql}").fetchall())
        seconds = time.perf_counter() - t
        if text_out is not None:
            text = con.execute(f"explain analyze {sql}").fetchall()[0][1]
            text_out.parent.mkdir(parents=True, exist_ok=True)
            text_out.write_text(text)
    finally:
        con.close()
    ops: list[dict] = []
    for child in plan.get("operator", plan.get("children", [])) or []:
        _operators(child, ops)
    ops = [o for o in ops if o["operator"] not in ("RESULT_COLLECTOR", "EXPLAIN_ANALYZE")]
    total = sum(o["seconds"] for o in ops) or 1e-9
    top = sorted(ops, key=lambda o: -o["seconds"])[:6]
    for o in top:
        o["share"] = round(o["seconds"] / total, 3)
    return {"seconds": seconds, "operator_seconds": total, "top_operators": top}


def raw_scans(warehouse: Path, compiled: dict[str, str]) -> dict[str, list[str]]:
    """raw table -> the table models whose query scans it (views are inlined by DuckDB)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    scans: dict[str, list[str]] = {}
    try:
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'main'"
            ).fetchall()
        }
        for name, sql in sorted(compiled.items()):
            if name not in tables:
                continue  # a view, a seed or an ephemeral model: no work of its own
            try:
                plan = _plan_root(con.execute(f"explain (format json) {sql}").fetchall())
            except duckdb.Error:
                continue
            found: set[str] = set()
            for child in plan.get("operator", plan.get("children", [])) or []:
                _scanned_tables(child, found)
            for table in found:
                m = re.search(r"raw\.(\w+)", table)
                if m:
                    scans.setdefault(m.group(1), []).append(name)
    finally:
        con.close()
    return scans
