"""The call list: every open alert, as a CSV people work through, written on every run
whatever the channels: <reports dir>/alerts/call_list_<as_of>.csv and call_list.csv (the
latest). Episodes opened on the as-of date first, then the most MRR first. Text a
spreadsheet would evaluate is prefixed with a quote (OWASP, CSV injection), as in the finance
CSVs."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from orchestration.alerts.episodes import COLUMNS, Alert
from orchestration.files import atomic_write
from orchestration.reports.finance_workbook import FORMULA_PREFIXES

# the episode's columns (the day it is read for aside), after whether it opened today
HEADER = ["new_today", *(c for c in COLUMNS if c != "as_of_date")]


def ordered(alerts: list[Alert], as_of: dt.date) -> list[Alert]:
    return sorted(
        alerts,
        key=lambda a: (a.opened_on != as_of, -(a.current_mrr or 0.0), a.opened_on, a.alert_id),
    )


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_call_list(reports_dir: Path, alerts: list[Alert], as_of: dt.date) -> list[Path]:
    folder = reports_dir / "alerts"
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        [
            a.opened_on == as_of,
            a.alert_id,
            a.customer_id,
            a.company_name,
            a.owner,
            a.rule,
            a.reason,
            a.opened_on.isoformat(),
            a.days_open,
            a.score_at_opening,
            a.current_mrr,
        ]
        for a in ordered(alerts, as_of)
    ]
    paths = [folder / f"call_list_{as_of.isoformat()}.csv", folder / "call_list.csv"]
    for path in paths:
        _write_csv(path, rows)
    return paths


def _write_csv(path: Path, rows: list[list]) -> None:
    def write(tmp: str) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")  # RFC 4180
            writer.writerow(HEADER)
            writer.writerows([_cell(v) for v in row] for row in rows)

    atomic_write(path, write)
