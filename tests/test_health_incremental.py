"""The health history is stored in incremental layers (signals -> points -> components ->
fct_customer_health_daily). After the demo build as of 2026-06-30, a run as of one day later
appends exactly that day and leaves every earlier day untouched, and the appended day equals
what a full backfill as of that day computes for it; a weight change re-scores from the
stored components; a window change restates every layer like a backfill. Runs on copies of
the shared demo warehouse.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb

from tests.helpers import copy_parse_state, query, run_dbt

FCT = "fct_customer_health_daily"


def copy_warehouse(source: Path, target_dir: Path) -> Path:
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / "pulse.duckdb"
    shutil.copy(source, target)
    return target


def differing_rows(left: Path, right: Path, where: str) -> int:
    """Rows of `left`'s fct (filtered) that `right`'s fct does not hold identically, and the
    other way round."""
    con = duckdb.connect(str(left), read_only=True)
    try:
        con.execute(f"attach '{right}' as other (read_only)")
        one = con.execute(
            f"select count(*) from (select * from {FCT} where {where} "
            f"except select * from other.{FCT} where {where})"
        ).fetchone()[0]
        two = con.execute(
            f"select count(*) from (select * from other.{FCT} where {where} "
            f"except select * from {FCT} where {where})"
        ).fetchone()[0]
        return one + two
    finally:
        con.close()


def test_next_day_appends_one_day_and_keeps_history(demo_build, tmp_path):
    source = demo_build["warehouse"]
    as_of = dt.date.fromisoformat(demo_build["as_of"])
    next_day = as_of + dt.timedelta(days=1)

    daily = copy_warehouse(source, tmp_path / "daily")
    before = query(daily, f"select count(*), count(distinct as_of_date) from {FCT}")[0]
    run_dbt(["run", "--select", f"+{FCT}"], daily, next_day.isoformat())

    after = query(daily, f"select count(*), count(distinct as_of_date), max(as_of_date) from {FCT}")
    new_rows = query(daily, f"select count(*) from {FCT} where as_of_date = ?", [next_day])[0][0]
    assert after[0][2] == next_day
    assert after[0][1] == before[1] + 1, "exactly one new day"
    assert after[0][0] == before[0] + new_rows
    # the new day scores the customers active that day, once each
    active = query(
        daily,
        "select count(distinct customer_id) from stg_billing__subscriptions "
        "where started_at <= ? and (ended_at is null or ended_at > ?) "
        "and (ended_at is null or ended_at > started_at)",
        [next_day, next_day],
    )[0][0]
    assert new_rows == active > 0
    # every earlier day is unchanged, value for value
    assert differing_rows(daily, source, f"as_of_date <= DATE '{as_of}'") == 0

    # the appended day is what a backfill as of that day computes for it; a short one: a
    # day's signals read their whole windows whatever the history's length, and its 30-day
    # change reads the score 30 days back, inside these 40 days
    backfill = copy_warehouse(source, tmp_path / "backfill")
    short = {"health_backfill_days": 40}
    full_refresh = ["run", "--select", f"+{FCT}", "--full-refresh"]
    run_dbt(full_refresh, backfill, next_day.isoformat(), extra_vars=short)
    assert query(backfill, f"select count(distinct as_of_date) from {FCT}")[0][0] == 40
    assert differing_rows(daily, backfill, f"as_of_date = DATE '{next_day}'") == 0


LAYERS = ["int_health_signals_daily", "int_health_signal_points", "int_health_components_daily"]


def test_weight_change_rescores_from_the_stored_components(demo_build, tmp_path):
    """The score is a thin layer over the stored component scores: a weight change re-scores
    every day from int_health_components_daily and recomputes no signal. Proven with a
    planted value: one stored component score set to 0 on an old day comes out in the
    re-scored history, which it could not if that day's signals were recomputed."""
    source = demo_build["warehouse"]
    wh = copy_warehouse(source, tmp_path / "reweighted")
    day = "2026-01-15"
    customer = query(
        wh,
        f"select min(c.customer_id) from int_health_components_daily c "
        f"join {FCT} f using (customer_id, as_of_date) where c.as_of_date = ? "
        "and c.usage_score > 0 and c.engagement_score is not null and f.scorecard = 'default'",
        [day],
    )[0][0]
    con = duckdb.connect(str(wh))
    try:
        con.execute(
            "update int_health_components_daily set usage_score = 0 "
            "where customer_id = ? and as_of_date = ?",
            [customer, day],
        )
        signals_before = con.execute(
            "select count(*), max(as_of_date) from int_health_signals_daily"
        ).fetchone()
        # the seed as a table: dbt seed would rewrite it from the CSV
        con.execute(
            "update health_score_weights set weight = case component "
            "when 'usage' then 0.5 when 'engagement' then 0.5 else 0 end "
            "where scorecard = 'default'"
        )
    finally:
        con.close()

    run_dbt(["run", "--select", f"+{FCT}"], wh, demo_build["as_of"])

    # the planted 0 reached the score: usage 0 and engagement e weigh .5 each -> e / 2
    row = query(
        wh,
        f"select usage_score, engagement_score, health_score, scorecard from {FCT} "
        "where customer_id = ? and as_of_date = ?",
        [customer, day],
    )[0]
    assert row[0] == 0 and row[3] == "default"
    assert abs(row[2] - row[1] / 2) < 1e-9
    # every day carries the new scoring fingerprint, the stored layers kept theirs
    assert query(wh, f"select count(distinct config_fingerprint) from {FCT}")[0][0] == 1
    after = query(wh, "select count(*), max(as_of_date) from int_health_signals_daily")[0]
    assert after == signals_before
    for layer in LAYERS:
        assert query(wh, f"select count(distinct config_fingerprint) from {layer}")[0][0] == 1
    # the default scorecard's scores moved on every day of the history
    con = duckdb.connect(str(wh), read_only=True)
    try:
        con.execute(f"attach '{source}' as before (read_only)")
        moved, days = con.execute(
            f"select count(distinct f.as_of_date), (select count(distinct as_of_date) from {FCT}) "
            f"from {FCT} f join before.{FCT} b using (customer_id, as_of_date) "
            "where f.scorecard = 'default' and f.health_score <> b.health_score"
        ).fetchone()
    finally:
        con.close()
    assert moved == days


def test_window_change_restates_every_layer_like_a_backfill(demo_build, tmp_path):
    """A window var is part of the signals' fingerprint: changing it restates the signals and
    every layer after them, on every day held, exactly as a backfill with that window does."""
    source = demo_build["warehouse"]
    as_of = demo_build["as_of"]
    shorter = {"health_usage_window_days": 14}
    restated = copy_warehouse(source, tmp_path / "restated")
    run_dbt(["run", "--select", f"+{FCT}"], restated, as_of, extra_vars=shorter)
    backfill = copy_warehouse(source, tmp_path / "backfill")
    # the same vars: the backfill starts from the restated run's parse state, no second
    # parse of the whole project
    copy_parse_state(restated, backfill)
    run_dbt(["run", "--select", f"+{FCT}", "--full-refresh"], backfill, as_of, extra_vars=shorter)

    assert differing_rows(restated, backfill, "true") == 0
    assert differing_rows(restated, source, "true") > 0, "the window change moved scores"
    days = query(restated, f"select count(distinct as_of_date) from {FCT}")[0][0]
    assert days == query(source, f"select count(distinct as_of_date) from {FCT}")[0][0]
