"""The finance marts against an independent recomputation from the landing files.

pandas reads the demo landing folder directly (not the warehouse): files in lexicographic
path order, the later row of a key wins, rows the contract would quarantine are skipped; it
converts with seeds/exchange_rates.csv and applies the finance definitions (void excluded,
paid when the cumulative payments up to the as-of date reach the amount, days past due,
buckets current / 1-30 / 31-60 / 61-90 / 90+). The result must equal rpt_invoice_aging,
rpt_aging_summary, rpt_payment_delay_by_customer and fct_receivables_monthly, on the demo
build's as-of date and, rebuilt into a copy of the warehouse, on an earlier one (where
payments and reminders after the as-of date exist and must be ignored).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from orchestration.config import PROJECT_ROOT
from tests.helpers import query_df, run_dbt

EARLIER_AS_OF = "2025-12-31"
CENT4 = Decimal("0.0001")
# The aging buckets, written out here independently of seeds/aging_buckets.csv.
BUCKETS = [
    ("current", 0, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
]
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FINANCE_MODELS = "path:models/intermediate/finance path:models/marts/finance"


# --- landing files -> clean latest rows ----------------------------------------------------


def _read_source(landing: Path, source: str) -> pd.DataFrame:
    """Every CSV of a source as strings, in load order (path order, then row order)."""
    frames = []
    for path in sorted((landing / source).glob("*.csv"), key=lambda p: str(p)):
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        frames.append(df)
    assert frames, f"no {source} files"
    return pd.concat(frames, ignore_index=True).apply(lambda s: s.str.strip())


def _date(s: pd.Series) -> pd.Series:
    ok = s.str.match(DATE_RE.pattern)
    return pd.to_datetime(s.where(ok), format="%Y-%m-%d", errors="coerce")


def _number(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def _latest(df: pd.DataFrame, key: str) -> pd.DataFrame:
    return df.drop_duplicates(subset=[key], keep="last").set_index(key)


def _invoices(landing: Path) -> pd.DataFrame:
    raw = _read_source(landing, "invoices")
    df = raw.assign(
        issued_at=_date(raw["issued_at"]),
        due_at=_date(raw["due_at"]),
        amount_num=_number(raw["amount"]),
        status=raw["status"].str.lower(),
        currency=raw["currency"].str.upper(),
    )
    valid = (
        (df["invoice_id"] != "")
        & (df["customer_id"] != "")
        & df["issued_at"].notna()
        & df["due_at"].notna()
        & df["amount_num"].notna()
        & (df["amount_num"] >= 0)
        & (df["due_at"] >= df["issued_at"])
        & df["status"].isin(["", "open", "paid", "void"])
        & ((df["currency"] == "") | df["currency"].str.fullmatch(r"[A-Z]{3}"))
    )
    df = df[valid].copy()
    df["currency"] = df["currency"].replace("", "USD")
    df["amount_local"] = df["amount"].map(Decimal)
    return _latest(df, "invoice_id")


def _payments(landing: Path) -> pd.DataFrame:
    raw = _read_source(landing, "payments")
    df = raw.assign(paid_at=_date(raw["paid_at"]), amount_num=_number(raw["amount"]))
    valid = (
        (df["payment_id"] != "")
        & (df["invoice_id"] != "")
        & df["paid_at"].notna()
        & df["amount_num"].notna()
        & (df["amount_num"] >= 0)
    )
    df = df[valid].copy()
    df["amount_local"] = df["amount"].map(Decimal)
    return _latest(df, "payment_id").reset_index()


def _reminders(landing: Path) -> pd.DataFrame:
    raw = _read_source(landing, "payment_reminders")
    sent = pd.to_datetime(raw["sent_at"], format="ISO8601", errors="coerce", utc=True)
    df = raw.assign(sent_at=sent)
    df = df[(df["reminder_id"] != "") & (df["invoice_id"] != "") & df["sent_at"].notna()]
    return _latest(df, "reminder_id").reset_index()


def _segments(landing: Path) -> dict[str, str]:
    raw = _read_source(landing, "customers")
    created = pd.to_datetime(raw["created_at"], format="ISO8601", errors="coerce", utc=True)
    valid = (
        (raw["customer_id"] != "")
        & (raw["segment"] != "")
        & (raw["acquisition_channel"] != "")
        & created.notna()
    )
    latest = _latest(raw[valid], "customer_id")
    return latest["segment"].str.lower().to_dict()


def _rates() -> dict[str, list[tuple[dt.date, Decimal]]]:
    seed = pd.read_csv(PROJECT_ROOT / "seeds" / "exchange_rates.csv", dtype=str)
    rates: dict[str, list[tuple[dt.date, Decimal]]] = {}
    for row in seed.itertuples():
        rates.setdefault(row.currency, []).append(
            (dt.date.fromisoformat(row.valid_from), Decimal(row.rate_to_usd))
        )
    return {c: sorted(v) for c, v in rates.items()}


def _to_usd(amount: Decimal, currency: str, on: dt.date, rates) -> Decimal:
    """Rate valid on the date: latest valid_from <= date, else the currency's first rate."""
    if currency == "USD":
        return amount
    table = rates[currency]
    before = [r for d, r in table if d <= on]
    rate = before[-1] if before else table[0][1]
    return (amount * rate).quantize(CENT4, rounding=ROUND_HALF_UP)


# --- the finance definitions ---------------------------------------------------------------


def _bucket(days: int) -> str:
    for name, low, high in BUCKETS:
        if days >= low and (high is None or days <= high):
            return name
    raise AssertionError(days)


def expected_invoices(landing: Path, as_of: dt.date) -> pd.DataFrame:
    """One row per invoice existing as of `as_of` with its paid / open facts."""
    rates = _rates()
    invoices = _invoices(landing)
    invoices = invoices[(invoices["status"] != "void") & (invoices["issued_at"].dt.date <= as_of)]
    payments = _payments(landing)
    payments = payments[payments["paid_at"].dt.date <= as_of]
    reminders = _reminders(landing)
    reminders = reminders[reminders["sent_at"].dt.date <= as_of]
    n_reminders = reminders.groupby("invoice_id").size()
    pays_by_invoice = {
        k: g.sort_values(["paid_at", "payment_id"]) for k, g in payments.groupby("invoice_id")
    }
    segments = _segments(landing)

    rows = []
    for invoice_id, inv in invoices.iterrows():
        issued, due = inv["issued_at"].date(), inv["due_at"].date()
        amount_local = inv["amount_local"]
        amount = _to_usd(amount_local, inv["currency"], issued, rates)
        paid_local, paid_date = Decimal(0), issued if amount_local == 0 else None
        for pay in pays_by_invoice.get(invoice_id, pd.DataFrame()).itertuples():
            paid_local += pay.amount_local
            if paid_date is None and paid_local >= amount_local:
                paid_date = pay.paid_at.date()
        paid = _to_usd(paid_local, inv["currency"], issued, rates)
        is_open = paid_date is None
        days_past_due = max(0, (as_of - due).days) if is_open else None
        rows.append(
            {
                "invoice_id": invoice_id,
                "customer_id": inv["customer_id"],
                "segment": segments.get(inv["customer_id"], "unknown"),
                "issued_at": issued,
                "due_at": due,
                "amount": amount,
                "paid_amount": paid,
                "open_amount": amount - paid if is_open else Decimal(0),
                "is_open": is_open,
                "paid_date": paid_date,
                "days_late": max(0, (paid_date - due).days) if not is_open else None,
                "days_past_due": days_past_due,
                "aging_bucket": _bucket(days_past_due) if is_open else None,
                "reminders_sent": int(n_reminders.get(invoice_id, 0)),
            }
        )
    return pd.DataFrame(rows).set_index("invoice_id")


def open_at(landing: Path, on: dt.date) -> Decimal:
    """Receivables on a date: open amount of the invoices issued by then, payments by then."""
    exp = expected_invoices(landing, on)
    return sum(exp["open_amount"], Decimal(0))


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def as_of_build(demo_build):
    as_of = dt.date.fromisoformat(demo_build["as_of"])
    return demo_build["warehouse"], as_of, expected_invoices(demo_build["landing"], as_of)


@pytest.fixture(scope="module")
def earlier_build(demo_build, tmp_path_factory):
    """The finance marts rebuilt as of an earlier date, into a copy of the demo warehouse."""
    wh = tmp_path_factory.mktemp("finance_earlier") / "pulse.duckdb"
    shutil.copy(demo_build["warehouse"], wh)
    # only the finance models and their tests: the upstream views do not depend on the date
    # cautious: only the tests whose every parent is rebuilt (a test joining a finance model
    # to a mart left at the later date, e.g. the overdue alerts, would compare two dates)
    run_dbt(
        ["build", "--select", FINANCE_MODELS, "--indirect-selection", "cautious"],
        wh,
        EARLIER_AS_OF,
    )
    as_of = dt.date.fromisoformat(EARLIER_AS_OF)
    return wh, as_of, expected_invoices(demo_build["landing"], as_of)


@pytest.fixture(params=["as_of_build", "earlier_build"])
def build(request):
    return request.getfixturevalue(request.param)


# --- tests ---------------------------------------------------------------------------------


def test_landing_recomputation_sees_the_same_invoices(demo_build):
    """Sanity check of the pandas side: its clean latest rows are the warehouse's."""
    landing, wh = demo_build["landing"], demo_build["warehouse"]
    staged = query_df(wh, "select invoice_id, status, amount_local from stg_billing__invoices")
    mine = _invoices(landing)
    assert set(mine.index) == set(staged["invoice_id"])
    staged = staged.set_index("invoice_id")
    assert (mine["status"].replace("", None) == staged.loc[mine.index, "status"]).all()
    pays = query_df(wh, "select payment_id from stg_billing__payments")
    assert set(_payments(landing)["payment_id"]) == set(pays["payment_id"])


def test_demo_data_exercises_the_cases(as_of_build):
    _, _, exp = as_of_build
    open_ = exp[exp["is_open"]]
    assert set(open_["aging_bucket"]) == {b for b, _, _ in BUCKETS}
    assert (open_["paid_amount"] > 0).any(), "a partially paid open invoice"
    assert (exp["days_late"].dropna() > 0).any() and (exp["days_late"].dropna() == 0).any()


def test_invoice_aging_matches(build):
    wh, as_of, exp = build
    got = query_df(wh, "select * from rpt_invoice_aging").set_index("invoice_id")
    exp_open = exp[exp["is_open"]]
    assert set(got.index) == set(exp_open.index)
    assert len(got) > 20
    got = got.loc[exp_open.index]
    assert (got["as_of_date"].dt.date == as_of).all()
    assert (got["customer_id"] == exp_open["customer_id"]).all()
    assert (got["segment"] == exp_open["segment"]).all()
    assert (got["due_at"].dt.date == exp_open["due_at"]).all()
    assert (got["days_past_due"] == exp_open["days_past_due"].astype(int)).all()
    assert (got["aging_bucket"] == exp_open["aging_bucket"]).all()
    assert (got["is_overdue"] == (exp_open["days_past_due"] > 0)).all()
    assert (got["reminders_sent"] == exp_open["reminders_sent"]).all()
    for col in ("amount", "paid_amount", "open_amount"):
        diff = (got[col] - exp_open[col].astype(float)).abs()
        assert diff.max() <= 0.00011, f"{col}: {diff.idxmax()} off by {diff.max()}"
    assert (got["open_amount"] >= 0).all()


def test_aging_summary_matches(build):
    wh, _, exp = build
    got = query_df(wh, "select * from rpt_aging_summary")
    exp_open = exp[exp["is_open"]]
    segments = sorted(set(exp["segment"]))
    # the full grid: every bucket x every segment with invoices, zero rows included
    assert len(got) == len(BUCKETS) * len(segments)
    assert sorted(set(got["segment"])) == segments
    order = got.drop_duplicates("aging_bucket").sort_values("bucket_order")["aging_bucket"]
    assert order.tolist() == [b for b, _, _ in BUCKETS]
    grouped = exp_open.groupby(["aging_bucket", "segment"])["open_amount"].agg(["count", "sum"])
    total = float(exp_open["open_amount"].sum())
    for row in got.itertuples():
        key = (row.aging_bucket, row.segment)
        n, amount = grouped.loc[key].tolist() if key in grouped.index else (0, Decimal(0))
        assert row.invoices == n, key
        assert row.open_amount == pytest.approx(float(amount), abs=0.0001 * max(n, 1)), key
        assert row.share_of_receivables_pct == pytest.approx(100 * float(amount) / total, abs=0.006)


def test_payment_delay_by_customer_matches(build):
    wh, _, exp = build
    got = query_df(wh, "select * from rpt_payment_delay_by_customer").set_index("customer_id")
    assert set(got.index) == set(exp["customer_id"])
    paid = exp[~exp["is_open"]]
    per = pd.DataFrame(
        {
            "invoices": exp.groupby("customer_id").size(),
            "invoices_paid": paid.groupby("customer_id").size(),
            "invoices_paid_late": paid[paid["days_late"] > 0].groupby("customer_id").size(),
            "max_days_late": paid.groupby("customer_id")["days_late"].max(),
            "open_amount": exp.groupby("customer_id")["open_amount"].sum().astype(float),
        }
    )
    per = per.reindex(got.index)
    for col in ("invoices", "invoices_paid", "invoices_paid_late"):
        assert (got[col] == per[col].fillna(0).astype(int)).all(), col
    both = per["max_days_late"].notna()
    assert (got.loc[both, "max_days_late"] == per.loc[both, "max_days_late"].astype(int)).all()
    assert got.loc[~both, "max_days_late"].isna().all()
    assert (got["open_amount"] - per["open_amount"]).abs().max() <= 0.001
    # the category rule on the row's own columns (default vars)
    late_share = got["invoices_paid_late"] / got["invoices_paid"].where(got["invoices_paid"] > 0)
    expected = pd.Series("on_time", index=got.index)
    expected[(got["invoices_paid_late"] > 0) | (got["open_past_due_invoices"] > 0)] = (
        "occasionally_late"
    )
    expected[(got["invoices_paid"] >= 3) & (late_share >= 0.5)] = "habitually_late"
    expected[got["max_days_past_due"].fillna(0) > 60] = "severely_overdue"
    assert (got["payer_category"] == expected).all()
    assert got["payer_category"].nunique() >= 3


def test_receivables_monthly_matches(build, demo_build):
    wh, as_of, exp = build
    got = query_df(wh, "select * from fct_receivables_monthly order by month_start")
    last = got.iloc[-1]
    assert last["is_as_of_month"] and last["balance_date"].date() == as_of
    assert last["receivables_at_month_end"] == pytest.approx(
        float(exp["open_amount"].sum()), abs=0.01
    )
    # a month end in the middle, recomputed from scratch as of that day
    mid = got.iloc[len(got) // 2]
    mid_end = mid["balance_date"].date()
    assert mid["receivables_at_month_end"] == pytest.approx(
        float(open_at(demo_build["landing"], mid_end)), abs=0.01
    )
    # DSO by its definition, on the mart's own columns
    with_invoicing = got[got["invoiced_amount"] > 0]
    dso = (
        with_invoicing["receivables_at_month_end"]
        / with_invoicing["invoiced_amount"]
        * with_invoicing["days_in_period"]
    )
    assert (with_invoicing["dso_days"] - dso).abs().max() <= 0.006
    # invoiced in the month, recomputed
    issued = exp.assign(month=pd.to_datetime(exp["issued_at"]).dt.to_period("M"))
    by_month = issued.groupby("month")["amount"].sum()
    for row in got.itertuples():
        expected = by_month.get(pd.Period(row.month_start, "M"), Decimal(0))
        assert row.invoiced_amount == pytest.approx(float(expected), abs=0.01)
