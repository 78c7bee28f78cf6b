"""What the report reads from the serving copy, read-only: the small marts whole, the large ones
counted and read in slices, the run's identity (pulse_run) and the playbook marts' first rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.reports.pulse_report.sections.playbooks import PlaybookRows, load_playbooks
from orchestration.reports.pulse_report.values import date, has, num, py

# Marts the report reads whole (they are small: monthly, per segment or per channel).
WHOLE_TABLES = (
    "dim_customer_health",
    "rpt_health_distribution",
    "rpt_customers_needing_attention",
    "rpt_health_score_backtest",
    "fct_csat_monthly",
    "fct_nps_monthly",
    "fct_ces_monthly",
    "fct_csat_company_monthly",
    "fct_nps_company_monthly",
    "fct_ces_company_monthly",
    "fct_churn_company_monthly",
    "fct_cohort_retention",
    "fct_cac_blended_monthly",
    "rpt_clv_by_channel",
    "rpt_clv_by_segment",
    "rpt_aging_summary",
    "rpt_load_files",
)
# Large marts: only counted here, read in slices below.
SLICED_TABLES = ("fct_customer_health_daily", "rpt_quarantine", "rpt_invoice_aging")


@dataclass(frozen=True)
class CheckResult:
    """One asset check's result of the run (GX checks, dbt tests as checks)."""

    asset: str
    check: str
    passed: bool
    severity: str = "ERROR"  # ERROR blocks, WARN reports
    description: str = ""


@dataclass
class ReportData:
    db_path: Path
    run: dict
    tables: dict[str, pd.DataFrame | None]
    row_counts: dict[str, int | None]
    health_trend: pd.DataFrame | None = None  # customer_id, as_of_date, health_score
    quarantine_by_reason: pd.DataFrame | None = None  # reason_code, rows, resolved
    # the playbook marts' counts, totals and first rows (sections/playbooks.py)
    playbooks: dict[str, PlaybookRows | None] = field(default_factory=dict)
    attention_limit: int = 25
    trend_days: int = 90

    def get(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    @property
    def min_responses(self) -> int | None:
        """The dbt var min_responses the CX marts' is_low_sample was computed with, as the
        company-wide marts carry it (None when none of them is in the serving copy)."""
        for name in (
            "fct_csat_company_monthly",
            "fct_nps_company_monthly",
            "fct_ces_company_monthly",
        ):
            df = self.get(name)
            if has(df) and "min_responses" in df and df["min_responses"].notna().any():
                return int(num(df["min_responses"].dropna().iloc[0]) or 0)
        return None

    @property
    def as_of_date(self) -> dt.date | None:
        return date(self.run.get("as_of_date"))

    @property
    def currency(self) -> str:
        aging = self.get("rpt_aging_summary")
        if aging is not None and "reporting_currency" in aging and len(aging):
            values = aging["reporting_currency"].dropna()
            if len(values):
                return str(values.iloc[0])
        return ""


def _existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main'"
        ).fetchall()
    }


def load_report_data(
    serving_db: Path,
    *,
    attention_limit: int = 25,
    trend_days: int = 90,
) -> ReportData:
    """Read what the report needs from the serving copy `serving_db`, read-only."""
    con = duckdb.connect(str(serving_db), read_only=True)
    try:
        existing = _existing_tables(con)
        run: dict = {}
        if "pulse_run" in existing:
            df = con.execute("select * from pulse_run").df()
            if len(df):
                run = {k: py(v) for k, v in df.iloc[0].items()}
        tables: dict[str, pd.DataFrame | None] = {}
        counts: dict[str, int | None] = {}
        for name in WHOLE_TABLES:
            if name in existing:
                tables[name] = con.execute(f'select * from "{name}"').df()
                counts[name] = len(tables[name])
            else:
                tables[name] = None
                counts[name] = None
        for name in SLICED_TABLES:
            counts[name] = (
                con.execute(f'select count(*) from "{name}"').fetchone()[0]
                if name in existing
                else None
            )
        trend = None
        if {"fct_customer_health_daily", "rpt_customers_needing_attention"} <= existing:
            trend = con.execute(
                """
                with shown as (
                    select customer_id from rpt_customers_needing_attention
                    order by attention_rank limit ?
                ), last_day as (select max(as_of_date) as d from fct_customer_health_daily)
                select h.customer_id, h.as_of_date, h.health_score
                from fct_customer_health_daily as h
                inner join shown on h.customer_id = shown.customer_id
                cross join last_day
                where h.as_of_date > last_day.d - cast(? as integer)
                order by h.customer_id, h.as_of_date
                """,
                [attention_limit, trend_days],
            ).df()
        quarantine = None
        if "rpt_quarantine" in existing:
            quarantine = con.execute(
                """
                select reason_code, count(*) as rows,
                    count(*) filter (where is_resolved) as resolved
                from rpt_quarantine group by reason_code order by rows desc, reason_code
                """
            ).df()
        playbooks = load_playbooks(con, existing)
    finally:
        con.close()
    return ReportData(
        db_path=Path(serving_db),
        run=run,
        tables=tables,
        row_counts=counts,
        health_trend=trend,
        quarantine_by_reason=quarantine,
        playbooks=playbooks,
        attention_limit=attention_limit,
        trend_days=trend_days,
    )
