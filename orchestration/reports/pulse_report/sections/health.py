"""Customer health today: the distribution by category (rpt_health_distribution), its MRR and
the 30-day trend counts (dim_customer_health)."""

from __future__ import annotations

from markupsafe import Markup

from orchestration.reports import charts
from orchestration.reports.pulse_report.data import ReportData
from orchestration.reports.pulse_report.format import (
    HEALTH,
    TREND,
    fmt_int,
    fmt_money,
    fmt_pct,
    health_badge,
)
from orchestration.reports.pulse_report.headline import Headline
from orchestration.reports.pulse_report.sections import need
from orchestration.reports.pulse_report.templates import render as render_template
from orchestration.reports.pulse_report.templates import table
from orchestration.reports.pulse_report.values import num


def render(data: ReportData, head: Headline) -> Markup:
    dist = need(data, "rpt_health_distribution").sort_values("category_order")
    dim = data.get("dim_customer_health")
    cur = data.currency
    segments = [
        charts.Segment(HEALTH[c][3], float(getattr(head, c) or 0), HEALTH[c][1], HEALTH[c][0])
        for c in ("healthy", "at_risk", "unhealthy")
    ]
    chart = charts.stacked_bar(
        "health-distribution", "Customers by health category (count and share)", segments
    )
    rows = []
    for _, r in dist.iterrows():
        cat = str(r["health_category"])
        if cat not in HEALTH:  # unscored: shown only when someone is
            if num(r["customers"]):
                rows.append([health_badge(None), "–", fmt_int(r["customers"]), "", "", "", ""])
            continue
        rows.append(
            [
                health_badge(cat),
                HEALTH[cat][2],
                fmt_int(r["customers"]),
                fmt_pct(r["share_of_scored_pct"], 0),
                fmt_money(r["current_mrr"], cur),
                fmt_money(r["mrr_at_risk"], cur),
                fmt_int(r["customers_needing_attention"]),
            ]
        )
    trend = None
    if dim is not None and "trend" in dim:
        counts = dim["trend"].value_counts()
        trend = [f"{TREND.get(t, '')} {t} {int(counts.get(t, 0))}" for t in TREND if t in counts]
    return render_template(
        "sections/health.html",
        mrr_at_risk=fmt_money(head.mrr_at_risk, cur),
        scored=fmt_int(head.customers_scored),
        needing_attention=fmt_int(head.needing_attention),
        chart=Markup(chart),
        table=table(
            [
                "Category",
                "Colour",
                "Customers",
                "Share",
                "Current MRR",
                "MRR at risk",
                "Need attention",
            ],
            rows,
            cls="num",
            tid="health-table",
        ),
        trend=trend,
    )
