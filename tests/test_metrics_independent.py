"""The metric marts against an independent computation straight from the landing files.

Uses the session fixture `demo_build` (generated demo data, ingested, `dbt build`). Nothing
here reuses Pulse's code paths (no loader, no dbt model, no macro): the landing contract is
re-applied by hand with pandas, then NPS, CSAT and monthly churn are recomputed in plain
Python and compared with fct_nps_monthly, fct_csat_monthly and fct_churn_monthly.

The contract, as re-implemented here (README "The landing zone"):
  * files load in lexicographic order of their path; for a primary key delivered again, the
    row of the file loaded last wins, and within one file the later row;
  * a row breaking a rule (missing required value, unparsable integer / number / date /
    timestamp, unknown survey_type, score outside its scale, negative mrr, bad currency,
    ended_at before started_at) is quarantined: it never wins;
  * timestamps are ISO 8601, an offset is honoured, none means UTC; months are UTC months.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.helpers import query

REL_TOL = 1e-9
Z95 = 1.96
CSAT_SATISFIED_SHARE = Fraction(8, 10)  # var csat_satisfied_share
DEFAULT_SCALE = {"csat": 5, "nps": 10, "ces": 7}
SEEDS = Path(__file__).resolve().parents[1] / "seeds"

INTEGER = re.compile(r"^[+-]?[0-9]+$")
NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?"
    r"(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)
CURRENCY = re.compile(r"^[A-Za-z]{3}$")


# ---------------------------------------------------------------------------------------
# Landing files -> one valid, de-duplicated row per key
# ---------------------------------------------------------------------------------------
def _clean(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def read_landing(landing: Path, source: str) -> pd.DataFrame:
    """Every data row of every file of a source, values as trimmed text (None when empty),
    with the load order: _file (rank of the path) and _row (1-based row in the file)."""
    frames = []
    files = sorted(
        (p for p in (landing / source).rglob("*") if p.is_file()),
        key=lambda p: p.relative_to(landing).as_posix(),
    )
    for rank, path in enumerate(files):
        if path.suffix == ".csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
        elif path.suffix in (".jsonl", ".ndjson"):
            lines = path.read_text(encoding="utf-8").splitlines()
            records = [json.loads(line) for line in lines if line.strip()]
            # values as the text the file holds (a JSON number 8 is '8'), nulls as None
            df = pd.DataFrame(
                [{k: None if v is None else str(v) for k, v in r.items()} for r in records],
                dtype=object,
            )
        else:
            raise AssertionError(f"unexpected file {path}")
        df = df.rename(columns=lambda c: c.strip().lower()).map(_clean).astype(object)
        df["_file"] = rank
        df["_row"] = range(1, len(df) + 1)
        frames.append(df)
    rows = pd.concat(frames, ignore_index=True).astype(object)
    return rows.where(rows.notna(), None)  # a column missing from a file reads as empty


def latest_valid(rows: pd.DataFrame, valid: pd.Series, key: str) -> pd.DataFrame:
    kept = rows[valid].sort_values(["_file", "_row"])
    return kept.drop_duplicates(key, keep="last").set_index(key)


def is_present(col: pd.Series) -> pd.Series:
    return col.notna()


def matches(col: pd.Series, pattern: re.Pattern) -> pd.Series:
    """Empty passes (required-ness is checked separately); a value must match the shape."""
    return col.map(lambda v: pd.isna(v) or bool(pattern.match(v))).astype(bool)


def parse_utc(col: pd.Series) -> pd.Series:
    """ISO 8601, offset honoured, naive = UTC; returned as naive UTC."""
    return pd.to_datetime(col, utc=True, format="ISO8601", errors="coerce").dt.tz_localize(None)


def parse_date(col: pd.Series) -> pd.Series:
    """YYYY-MM-DD as datetime64 (NaT when empty or not a date)."""
    return pd.to_datetime(col, format="%Y-%m-%d", errors="coerce")


def customers_segment(landing: Path) -> dict[str, str]:
    rows = read_landing(landing, "customers")
    created = parse_utc(rows["created_at"])
    valid = (
        is_present(rows["customer_id"])
        & is_present(rows["segment"])
        & is_present(rows["acquisition_channel"])
        & is_present(rows["created_at"])
        & matches(rows["created_at"], TIMESTAMP)
        & created.notna()
    )
    latest = latest_valid(rows, valid, "customer_id")
    return latest["segment"].str.lower().to_dict()


def survey_responses(landing: Path) -> pd.DataFrame:
    rows = read_landing(landing, "survey_responses")
    stype = rows["survey_type"].str.lower()
    score = pd.to_numeric(rows["score"].where(matches(rows["score"], INTEGER)), errors="coerce")
    scale_given = pd.to_numeric(
        rows["scale_max"].where(matches(rows["scale_max"], INTEGER)), errors="coerce"
    )
    scale = scale_given.fillna(stype.map(DEFAULT_SCALE))
    low = (stype == "nps").map({True: 0, False: 1})
    responded = parse_utc(rows["responded_at"])
    valid = (
        rows[["response_id", "customer_id", "survey_type", "score", "responded_at"]]
        .notna()
        .all(axis=1)
        & stype.isin(["csat", "nps", "ces"])
        & matches(rows["score"], INTEGER)
        & matches(rows["scale_max"], INTEGER)
        & matches(rows["responded_at"], TIMESTAMP)
        & responded.notna()
        & (score >= low)
        & (score <= scale)
        & ~(scale_given <= 0)
    )
    rows = rows.assign(survey_type=stype, score_int=score, scale_int=scale, responded_utc=responded)
    return latest_valid(rows, valid, "response_id")


def exchange_rate(rates: pd.DataFrame, currency: str, day: dt.date) -> Decimal:
    own = rates[rates["currency"] == currency].sort_values("valid_from")
    before = own[own["valid_from"] <= day]
    row = before.iloc[-1] if len(before) else own.iloc[0]
    return Decimal(row["rate_to_usd"])


def subscriptions(landing: Path) -> pd.DataFrame:
    """Valid, de-duplicated subscriptions with mrr in USD (the reporting currency) at the rate
    valid on started_at, rounded to 4 decimals like a decimal(18, 4); started / ended as
    dates (ended None while open)."""
    rows = read_landing(landing, "subscriptions")
    started = parse_date(rows["started_at"])
    ended = parse_date(rows["ended_at"])
    mrr_ok = rows["mrr"].notna() & matches(rows["mrr"], NUMBER)
    negative = pd.Series(
        [ok and Decimal(v) < 0 for v, ok in zip(rows["mrr"], mrr_ok, strict=True)],
        index=rows.index,
    )
    valid = (
        rows[["subscription_id", "customer_id", "mrr", "started_at"]].notna().all(axis=1)
        & mrr_ok
        & ~negative
        & matches(rows["started_at"], DATE)
        & started.notna()
        & matches(rows["ended_at"], DATE)
        & (rows["ended_at"].isna() | ended.notna())
        & matches(rows["currency"], CURRENCY)
        & ~(ended < started)
    )
    subs = latest_valid(rows, valid, "subscription_id").reset_index()
    subs["started"] = [d.date() for d in parse_date(subs["started_at"])]
    subs["ended"] = [None if pd.isna(d) else d.date() for d in parse_date(subs["ended_at"])]
    rates = pd.read_csv(SEEDS / "exchange_rates.csv", dtype=str)
    rates["valid_from"] = [d.date() for d in pd.to_datetime(rates["valid_from"])]

    def usd(row) -> Decimal:
        amount = Decimal(row["mrr"])
        currency = (row["currency"] or "USD").upper()
        if currency != "USD":
            amount = amount * exchange_rate(rates, currency, row["started"])
        return amount.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    subs["mrr_usd"] = subs.apply(usd, axis=1)
    return subs


def month_start(value) -> dt.date:
    return dt.date(value.year, value.month, 1)


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


# ---------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(demo_build):
    as_of = dt.date.fromisoformat(demo_build["as_of"])
    landing = demo_build["landing"]
    segments = customers_segment(landing)
    responses = survey_responses(landing)
    responses = responses[responses["responded_utc"].dt.date <= as_of].copy()
    responses["month"] = responses["responded_utc"].map(month_start)
    responses["segment"] = responses["customer_id"].map(segments).fillna("unknown")
    return {
        **demo_build,
        "as_of_date": as_of,
        "segments": segments,
        "responses": responses,
        "subscriptions": subscriptions(landing),
    }


def mart_rows(warehouse: Path, table: str) -> list[dict]:
    """Rows of a mart as dicts of Python values (date, Decimal, float, None)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(f"select * from {table}")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def close(actual, expected, what: str) -> None:
    if expected is None:
        assert actual is None, what
        return
    assert actual == pytest.approx(expected, rel=REL_TOL, abs=REL_TOL), what


# ---------------------------------------------------------------------------------------
# The contract re-implementation agrees with the loader on which keys survive
# ---------------------------------------------------------------------------------------
def test_independent_contract_keeps_the_loaded_keys(demo):
    wh = demo["warehouse"]
    loaded = {
        r[0] for r in query(wh, "select distinct trim(response_id) from raw.survey_responses")
    }
    assert set(survey_responses(demo["landing"]).index) == loaded
    loaded = {
        r[0] for r in query(wh, "select distinct trim(subscription_id) from raw.subscriptions")
    }
    assert set(demo["subscriptions"]["subscription_id"]) == loaded
    loaded = {r[0] for r in query(wh, "select distinct trim(customer_id) from raw.customers")}
    assert set(demo["segments"]) == loaded


# ---------------------------------------------------------------------------------------
# NPS
# ---------------------------------------------------------------------------------------
def test_nps_monthly_matches_independent_computation(demo):
    nps = demo["responses"]
    nps = nps[(nps["survey_type"] == "nps") & (nps["scale_int"] == 10)]
    expected = {}
    for (month, segment), group in nps.groupby(["month", "segment"]):
        n = len(group)
        p = int((group["score_int"] >= 9).sum())
        d = int((group["score_int"] <= 6).sum())
        share_p, share_d = p / n, d / n
        expected[(month, segment)] = {
            "responses": n,
            "promoters": p,
            "passives": n - p - d,
            "detractors": d,
            "nps": 100 * (p - d) / n,
            "nps_margin_of_error": Z95
            * 100
            * math.sqrt((share_p + share_d - (share_p - share_d) ** 2) / n),
        }
    assert expected, "the demo data has NPS responses"

    mart = mart_rows(demo["warehouse"], "fct_nps_monthly")
    actual = {(r["month"], r["segment"]): r for r in mart if r["responses"] > 0}
    assert set(actual) == set(expected)
    for key, want in expected.items():
        got = actual[key]
        for column in ("responses", "promoters", "passives", "detractors"):
            assert got[column] == want[column], (key, column)
        close(got["nps"], want["nps"], f"{key} nps")
        close(got["nps_margin_of_error"], want["nps_margin_of_error"], f"{key} moe")
        assert got["is_low_sample"] == (want["responses"] < 30)
    # cells of the dense grid without responses carry null rates, never zeros
    empty = [r for r in mart if r["responses"] == 0]
    assert all(r["nps"] is None and r["nps_margin_of_error"] is None for r in empty)


# ---------------------------------------------------------------------------------------
# CSAT
# ---------------------------------------------------------------------------------------
def wilson(successes: int, n: int) -> tuple[float, float]:
    p = successes / n
    center = p + Z95**2 / (2 * n)
    spread = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
    denominator = 1 + Z95**2 / n
    return 100 * (center - spread) / denominator, 100 * (center + spread) / denominator


def test_csat_monthly_matches_independent_computation(demo):
    csat = demo["responses"]
    csat = csat[csat["survey_type"] == "csat"].copy()
    threshold = csat["scale_int"].map(lambda s: math.ceil(CSAT_SATISFIED_SHARE * int(s)))
    csat["satisfied"] = csat["score_int"] >= threshold
    assert set(csat["scale_int"]) >= {5}, "the demo data has 5-point CSAT"

    expected = {}
    for (month, segment), group in csat.groupby(["month", "segment"]):
        n = len(group)
        s = int(group["satisfied"].sum())
        low, high = wilson(s, n)
        expected[(month, segment)] = (n, s, 100 * s / n, low, high)

    mart = mart_rows(demo["warehouse"], "fct_csat_monthly")
    actual = {(r["month"], r["segment"]): r for r in mart if r["responses"] > 0}
    assert set(actual) == set(expected)
    for key, (n, s, pct, low, high) in expected.items():
        got = actual[key]
        assert (got["responses"], got["satisfied"]) == (n, s), key
        close(got["csat_pct"], pct, f"{key} csat_pct")
        close(got["csat_ci_low_pct"], low, f"{key} ci low")
        close(got["csat_ci_high_pct"], high, f"{key} ci high")
    assert all(r["csat_pct"] is None for r in mart if r["responses"] == 0)


# ---------------------------------------------------------------------------------------
# Churn: logo churn and MRR at the start and the end of every complete month
# ---------------------------------------------------------------------------------------
def test_churn_monthly_matches_independent_computation(demo):
    as_of = demo["as_of_date"]
    segment_of = demo["segments"]
    # a subscription counts once started (by the as-of date) and active at least one day
    records = [
        (r.customer_id, r.mrr_usd, r.started, r.ended)
        for r in demo["subscriptions"].itertuples(index=False)
        if r.started <= as_of and (r.ended is None or r.ended > r.started)
    ]

    def snapshot(day: dt.date) -> dict[str, Decimal]:
        """MRR per customer active on `day` (started_at <= day < ended_at)."""
        mrr: dict[str, Decimal] = {}
        for customer, amount, started, ended in records:
            if started <= day and (ended is None or ended > day):
                mrr[customer] = mrr.get(customer, Decimal(0)) + amount
        return mrr

    # every complete month: its next month's first day is on or before the as-of date
    first_start = min(started for _, _, started, _ in records)
    month = month_start(first_start - dt.timedelta(days=1))
    last_complete = month_start(month_start(as_of) - dt.timedelta(days=1))
    expected = {}
    while month <= last_complete:
        start, end = snapshot(month), snapshot(next_month(month))
        for segment in {segment_of.get(c, "unknown") for c, *_ in records}:
            at_start = {c: m for c, m in start.items() if segment_of.get(c, "unknown") == segment}
            at_end = {c: m for c, m in end.items() if segment_of.get(c, "unknown") == segment}
            churned = set(at_start) - set(at_end)
            expected[(month, segment)] = {
                "customers_at_start": len(at_start),
                "customers_at_end": len(at_end),
                "churned_customers": len(churned),
                "mrr_at_start": sum(at_start.values(), Decimal(0)),
                "mrr_at_end": sum(at_end.values(), Decimal(0)),
                "churned_mrr": sum((at_start[c] for c in churned), Decimal(0)),
                "logo_churn_rate_pct": 100 * len(churned) / len(at_start) if at_start else None,
            }
        month = next_month(month)

    mart = mart_rows(demo["warehouse"], "fct_churn_monthly")
    actual = {(r["month"], r["segment"]): r for r in mart}
    # the mart starts at its first month with a move: earlier expected months are empty
    first_mart_month = min(m for m, _ in actual)
    for key, want in expected.items():
        if key[0] < first_mart_month:
            assert want["customers_at_end"] == 0 and want["customers_at_start"] == 0, key
            continue
        assert key in actual, f"missing complete month / segment {key}"
        got = actual[key]
        for column in (
            "customers_at_start",
            "customers_at_end",
            "churned_customers",
            "mrr_at_start",
            "mrr_at_end",
            "churned_mrr",
        ):
            assert got[column] == want[column], (key, column, got[column], want[column])
        close(got["logo_churn_rate_pct"], want["logo_churn_rate_pct"], f"{key} churn rate")
    assert set(actual) <= set(expected), "the mart has an incomplete or unexpected month"
    assert max(m for m, _ in actual) == last_complete
    assert sum(w["churned_customers"] for w in expected.values()) > 0, "demo data has churn"
