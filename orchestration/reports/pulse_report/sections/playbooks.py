"""The report's "Playbooks" section: each playbook mart's length, totals and first rows.

The playbook marts (models/marts/playbooks/) can be long (the renewal forecast has a row per
subscription), so they are not read whole: `load_playbooks` reads each one's count, money
totals and first TOP_ROWS rows in its own order; `render` draws them
(templates/sections/playbooks.html). A missing mart
gives a note in its block, never an error for the section.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd
from markupsafe import Markup

from orchestration.reports.pulse_report.templates import render as render_template

TOP_ROWS = 10


@dataclass(frozen=True)
class Column:
    header: str
    cell: Callable[[pd.Series, str], str]  # (row, currency) -> text (escaped later)
    numeric: bool = False


@dataclass(frozen=True)
class Playbook:
    table: str
    title: str
    what: str  # one sentence: who is on the list
    order_by: str
    totals: tuple[tuple[str, str], ...]  # (label, money column summed)
    columns: tuple[Column, ...]


@dataclass
class PlaybookRows:
    count: int
    totals: dict[str, float | None]
    top: pd.DataFrame


def _money(v: object, currency: str) -> str:
    if v is None or pd.isna(v):
        return "–"
    return f"{float(v):,.0f}" + (f" {currency}" if currency else "")


def _num(v: object, digits: int = 1) -> str:
    return "–" if v is None or pd.isna(v) else f"{float(v):,.{digits}f}"


def _text(v: object) -> str:
    return "–" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _customer(r: pd.Series, _: str) -> str:
    return _text(r["company_name"]) if _text(r["company_name"]) != "–" else _text(r["customer_id"])


def _rank(column: str) -> Column:
    return Column("#", lambda r, _: _num(r[column], 0), numeric=True)


def _ranked_customers(rank: str) -> tuple[Column, ...]:
    """The columns of a playbook that ranks customers and says why each is on it (the
    advocates and the upsell candidates share their marts' shape)."""
    return (
        _rank(rank),
        Column("Customer", _customer),
        Column("Segment", lambda r, _: _text(r["segment"])),
        Column("MRR", lambda r, c: _money(r["current_mrr"], c), numeric=True),
        Column("Why", lambda r, _: _text(r["reason"])),
    )


PLAYBOOKS = (
    Playbook(
        "rpt_playbook_advocates",
        "Advocates: ask for a reference or a review",
        "Healthy customers whose latest NPS answer is a promoter and who use the product.",
        "advocate_rank",
        (),
        _ranked_customers("advocate_rank"),
    ),
    Playbook(
        "rpt_playbook_upsell",
        "Upsell candidates",
        "Healthy customers with growing usage and room on their plan (peers pay more).",
        "upsell_rank",
        (),
        _ranked_customers("upsell_rank"),
    ),
    Playbook(
        "rpt_renewal_forecast",
        "Renewals in the next 90 days",
        "Subscriptions renewing soon, with the MRR expected to renew after the backtest's "
        "churn rate of the customer's health category.",
        "renewal_date, mrr desc, subscription_id",
        (("MRR renewing", "mrr"), ("Expected to renew", "expected_renewal_mrr")),
        (
            Column("Renews", lambda r, _: _text(pd.Timestamp(r["renewal_date"]).date())),
            Column("Customer", _customer),
            Column("Plan", lambda r, _: _text(r["plan"])),
            Column("Health", lambda r, _: _text(r["health_category"]).replace("_", " ")),
            Column("MRR", lambda r, c: _money(r["mrr"], c), numeric=True),
            Column("Expected", lambda r, c: _money(r["expected_renewal_mrr"], c), numeric=True),
        ),
    ),
    Playbook(
        "rpt_collections_priority",
        "Collections priority",
        "Overdue invoices for finance, by risk points (aging, payment history, health), "
        "then amount.",
        "priority_rank",
        (("Overdue", "open_amount"),),
        (
            _rank("priority_rank"),
            Column("Invoice", lambda r, _: _text(r["invoice_id"])),
            Column("Customer", _customer),
            Column("Days past due", lambda r, _: _num(r["days_past_due"], 0), numeric=True),
            Column("Open", lambda r, c: _money(r["open_amount"], c), numeric=True),
            Column("Payer", lambda r, _: _text(r["payer_category"]).replace("_", " ")),
            Column("Health", lambda r, _: _text(r["health_category"]).replace("_", " ")),
            Column("Risk points", lambda r, _: _num(r["risk_points"], 0), numeric=True),
        ),
    ),
)


def load_playbooks(
    con: duckdb.DuckDBPyConnection, existing: set[str]
) -> dict[str, PlaybookRows | None]:
    """Count, totals and first rows of each playbook mart in the serving copy (None: missing)."""
    out: dict[str, PlaybookRows | None] = {}
    for p in PLAYBOOKS:
        if p.table not in existing:
            out[p.table] = None
            continue
        sums = "".join(f', sum("{col}")' for _, col in p.totals)
        row = con.execute(f'select count(*){sums} from "{p.table}"').fetchone()
        top = con.execute(f'select * from "{p.table}" order by {p.order_by} limit {TOP_ROWS}').df()
        totals = {label: row[i + 1] for i, (label, _) in enumerate(p.totals)}
        out[p.table] = PlaybookRows(int(row[0]), totals, top)
    return out


def render(rows: dict[str, PlaybookRows | None], currency: str) -> Markup:
    blocks = []
    for p in PLAYBOOKS:
        got = rows.get(p.table)
        blocks.append(
            {
                "playbook": p,
                "got": got,
                "totals": (
                    [(label, _money(value, currency)) for label, value in got.totals.items()]
                    if got
                    else []
                ),
                "shown": min(got.count, TOP_ROWS) if got else 0,
                "rows": (
                    [
                        [(c.cell(r, currency), c.numeric) for c in p.columns]
                        for _, r in got.top.iterrows()
                    ]
                    if got
                    else []
                ),
            }
        )
    return render_template("sections/playbooks.html", blocks=blocks)
