"""Who needs attention: the first rows of rpt_customers_needing_attention with their reasons,
drivers, owner and a sparkline of the health score (fct_customer_health_daily); also the same
list as Markdown for the Dagster UI."""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup

from orchestration.reports import charts
from orchestration.reports.pulse_report.data import ReportData
from orchestration.reports.pulse_report.format import (
    HEALTH,
    HEALTH_LINE,
    TREND,
    fmt_int,
    fmt_money,
    fmt_num,
    fmt_signed,
    health_badge,
)
from orchestration.reports.pulse_report.sections import Missing
from orchestration.reports.pulse_report.templates import render as render_template
from orchestration.reports.pulse_report.values import date, num, py


def _trends(data: ReportData) -> dict[str, list[float | None]]:
    """Each shown customer's daily score over the last trend_days days (None: no score)."""
    trends: dict[str, list[float | None]] = {}
    if data.health_trend is not None and len(data.health_trend):
        last = date(data.health_trend["as_of_date"].max())
        for cid, g in data.health_trend.groupby("customer_id"):
            by_day = {
                date(d): num(s) for d, s in zip(g["as_of_date"], g["health_score"], strict=True)
            }
            days = [last - dt.timedelta(days=k) for k in range(data.trend_days - 1, -1, -1)]
            trends[str(cid)] = [by_day.get(d) for d in days]
    return trends


def render(data: ReportData) -> Markup:
    df = data.get("rpt_customers_needing_attention")
    if df is None:
        raise Missing("The mart rpt_customers_needing_attention is not in this serving copy.")
    df = df.sort_values("attention_rank").head(data.attention_limit)
    total = data.row_counts.get("rpt_customers_needing_attention") or len(df)
    dim = data.get("dim_customer_health")
    positive: dict[str, object] = {}
    if dim is not None and "top_positive_driver" in dim:
        positive = dict(zip(dim["customer_id"], dim["top_positive_driver"], strict=False))
    trends = _trends(data)
    cur = data.currency
    rows = []
    for _, r in df.iterrows():
        cid = str(r["customer_id"])
        cat = py(r.get("health_category"))
        history = trends.get(cid, [])
        known = [v for v in history if v is not None]
        trend = py(r.get("trend"))
        opened = py(r.get("opened_on"))
        rows.append(
            {
                "rank": fmt_int(r["attention_rank"]),
                "cid": cid,
                "company": py(r.get("company_name")) or "",
                "segment": py(r.get("segment")) or "",
                "badge": health_badge(cat),
                "score": fmt_num(r.get("health_score")),
                "change": fmt_signed(r.get("score_change_30d")),
                "trend": f"{TREND.get(trend, '')} {trend or ''}",
                "spark": Markup(
                    charts.sparkline(
                        history,
                        colour=HEALTH_LINE.get(cat, charts.BLUE),
                        title=f"{cid}: health score over the last {data.trend_days} days",
                    )
                ),
                "spark_range": (
                    f"{known[0]:.0f} → {known[-1]:.0f}"
                    f" (low {min(known):.0f}, high {max(known):.0f})"
                    if known
                    else None
                ),
                "weakest": py(r.get("top_negative_driver")) or "–",
                "strongest": py(positive.get(cid)) or "–",
                "mrr_at_risk": fmt_money(r.get("mrr_at_risk"), cur),
                # who follows the customer up (the alert's owner, else the default recipient)
                # and since when its oldest open alert has been open
                "owner": py(r.get("owner")),
                "opened": str(date(opened)) if opened is not None else None,
                "new_today": bool(py(r.get("is_new_today"))),
                "reason": py(r.get("reason")) or "",
            }
        )
    return render_template(
        "sections/attention.html",
        rows=rows,
        total=total,
        shown=len(df),
        trend_days=data.trend_days,
    )


def attention_markdown(data: ReportData, limit: int = 10) -> str:
    """The attention list's first rows as a Markdown table (Dagster metadata)."""
    df = data.get("rpt_customers_needing_attention")
    if df is None:
        return "_rpt_customers_needing_attention is not in the serving copy._"
    if len(df) == 0:
        return "_Nobody needs attention today._"
    cur = data.currency

    def cell(v: object) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = [
        "| # | customer | company | health | score | 30d change | weakest | MRR at risk | why |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in df.sort_values("attention_rank").head(limit).iterrows():
        cat = py(r.get("health_category"))
        health = f"{HEALTH[cat][0]} {HEALTH[cat][3]}" if cat in HEALTH else "–"
        lines.append(
            "| "
            + " | ".join(
                cell(x)
                for x in (
                    fmt_int(r["attention_rank"]),
                    r["customer_id"],
                    py(r.get("company_name")) or "",
                    health,
                    fmt_num(r.get("health_score")),
                    fmt_signed(r.get("score_change_30d")),
                    py(r.get("top_negative_driver")) or "–",
                    fmt_money(r.get("mrr_at_risk"), cur),
                    py(r.get("reason")) or "",
                )
            )
            + " |"
        )
    return "\n".join(lines)
