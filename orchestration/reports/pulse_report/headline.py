"""The headline: what a person (and the Dagster UI) wants first, read from the marts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from orchestration.reports.pulse_report.data import ReportData
from orchestration.reports.pulse_report.values import date, has, num


@dataclass(frozen=True)
class Headline:
    """What a person (and the Dagster UI) wants first."""

    customers_scored: int | None = None
    healthy: int | None = None
    at_risk: int | None = None
    unhealthy: int | None = None
    mrr_at_risk: float | None = None
    current_mrr: float | None = None
    needing_attention: int | None = None
    metrics: dict[str, tuple[dt.date | None, float | None]] = field(default_factory=dict)
    # metric -> (month, value): nps, csat_pct, ces_avg, logo_churn_rate_pct, grr, nrr


def compute_headline(data: ReportData) -> Headline:
    healthy = at_risk = unhealthy = scored = None
    mrr_at_risk = current_mrr = None
    dist = data.get("rpt_health_distribution")
    if dist is not None:
        counts = {
            str(c): int(num(n) or 0)
            for c, n in zip(dist["health_category"], dist["customers"], strict=True)
        }
        healthy = counts.get("healthy", 0)
        at_risk = counts.get("at_risk", 0)
        unhealthy = counts.get("unhealthy", 0)
        # totals over the mart's category rows (each customer is in one row)
        scored = healthy + at_risk + unhealthy
        mrr_at_risk = float(sum(num(v) or 0.0 for v in dist["mrr_at_risk"]))
        current_mrr = float(sum(num(v) or 0.0 for v in dist["current_mrr"]))
    attention = data.get("rpt_customers_needing_attention")
    # the company-wide marts' row of the last complete month with a value
    metrics: dict[str, tuple[dt.date | None, float | None]] = {}
    for mart, key in (
        ("fct_nps_company_monthly", "nps"),
        ("fct_csat_company_monthly", "csat_pct"),
        ("fct_ces_company_monthly", "ces_avg"),
    ):
        df = data.get(mart)
        if has(df) and key in df:
            done = df[df["is_complete_month"].fillna(False).astype(bool) & df[key].notna()]
            if len(done):
                last = done.sort_values("month").iloc[-1]
                metrics[key] = (date(last["month"]), num(last[key]))
    churn = data.get("fct_churn_company_monthly")
    if has(churn):
        last = churn.sort_values("month").iloc[-1]  # complete months only, by construction
        for key in (
            "logo_churn_rate_pct",
            "gross_revenue_retention_pct",
            "net_revenue_retention_pct",
        ):
            metrics[key] = (date(last["month"]), num(last[key]))
    return Headline(
        customers_scored=scored,
        healthy=healthy,
        at_risk=at_risk,
        unhealthy=unhealthy,
        mrr_at_risk=mrr_at_risk,
        current_mrr=current_mrr,
        needing_attention=len(attention) if attention is not None else None,
        metrics=metrics,
    )
