"""The open alert episodes, read from the published serving copy (audited data only, opened
read-only: no lock on the working warehouse)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

MART = "fct_health_alert_episodes"


@dataclass(frozen=True)
class Alert:
    alert_id: str
    customer_id: str
    company_name: str | None
    owner: str | None  # the account's CSM (an e-mail address); None: the default recipient
    rule: str
    reason: str | None
    opened_on: dt.date
    days_open: int | None
    score_at_opening: float | None
    current_mrr: float | None
    as_of_date: dt.date


COLUMNS = [
    "alert_id",
    "customer_id",
    "company_name",
    "owner",
    "rule",
    "reason",
    "opened_on",
    "days_open",
    "score_at_opening",
    "current_mrr",
    "as_of_date",
]


def read_open_alerts(serving_db: Path) -> list[Alert] | None:
    """Every episode open on the as-of date, most MRR first; None when the serving copy or
    the alerts mart is not there (nothing published yet, or a warehouse without the mart)."""
    if not serving_db.exists():
        return None
    con = duckdb.connect(str(serving_db), read_only=True)
    try:
        found = con.execute(
            "select count(*) from information_schema.tables where table_name = ?", [MART]
        ).fetchone()[0]
        if not found:
            return None
        rows = con.execute(
            f"select {', '.join(COLUMNS)} from {MART} where is_open"
            " order by current_mrr desc nulls last, opened_on, alert_id"
        ).fetchall()
    finally:
        con.close()
    return [
        Alert(
            alert_id=str(r[0]),
            customer_id=str(r[1]),
            company_name=r[2],
            owner=(r[3] or "").strip() or None,
            rule=r[4],
            reason=r[5],
            opened_on=r[6],
            days_open=r[7],
            score_at_opening=float(r[8]) if r[8] is not None else None,
            current_mrr=float(r[9]) if r[9] is not None else None,
            as_of_date=r[10],
        )
        for r in rows
    ]
