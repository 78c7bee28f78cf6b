"""A backfill of a past as-of date gives the numbers of the original run, even after later
days were computed. (Re-running the same day: tests/test_pipeline.py, second run.)"""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb

from orchestration.compare import TableComparison, compare_table, primary_keys
from orchestration.manifest import load_manifest
from tests.helpers import run_dbt

MARTS = sorted(
    node["name"]
    for node in load_manifest()["nodes"].values()
    if node["resource_type"] == "model" and len(node["fqn"]) > 2 and node["fqn"][1] == "marts"
)


# Daily history facts keep the later days a run computed; their rows up to the backfilled day
# must equal the original run's.
HISTORY_COLUMN = {"fct_customer_health_daily": "as_of_date"}
KEYS = primary_keys(load_manifest())


def _compare(a, b, as_of: str) -> dict[str, TableComparison]:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{a}' as a (read_only)")
        con.execute(f"attach '{b}' as b (read_only)")
        return {
            table: compare_table(
                con,
                f"a.main.{table}",
                f"b.main.{table}",
                KEYS[table],
                f"{HISTORY_COLUMN[table]} <= date '{as_of}'" if table in HISTORY_COLUMN else "",
            )
            for table in MARTS
        }
    finally:
        con.close()


def test_backfill_of_a_past_day_reproduces_the_original_run(demo_build, tmp_path):
    original = demo_build["warehouse"]
    as_of = demo_build["as_of"]
    later = (dt.date.fromisoformat(as_of) + dt.timedelta(days=31)).isoformat()
    replay = tmp_path / "wh" / "pulse.duckdb"
    replay.parent.mkdir()
    shutil.copy(original, replay)

    # the warehouse moves on a month: the models that keep what earlier runs wrote (the
    # incremental ones) with everything they read, and the aging report below. The others
    # are rebuilt whole by every run: a later day of theirs leaves the backfill nothing
    moving = ["+config.materialized:incremental", "+rpt_invoice_aging"]
    run_dbt(["run", "--select", *moving], replay, later)
    moved = _compare(original, replay, as_of)
    assert not moved["rpt_invoice_aging"].identical  # so the day matters

    run_dbt(["run"], replay, as_of)  # then the original day is backfilled
    differing = {t: c for t, c in _compare(original, replay, as_of).items() if not c.identical}
    assert differing == {}
    assert set(KEYS) >= set(MARTS)  # every mart was compared on its primary key
