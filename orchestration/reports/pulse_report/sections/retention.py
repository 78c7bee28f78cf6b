"""Churn and revenue retention: logo churn, GRR and NRR by month, all segments
(fct_churn_company_monthly)."""

from __future__ import annotations

from markupsafe import Markup

from orchestration.reports import charts
from orchestration.reports.pulse_report.data import ReportData
from orchestration.reports.pulse_report.format import fmt_int, fmt_money, fmt_pct, month_label
from orchestration.reports.pulse_report.sections import need
from orchestration.reports.pulse_report.sections.cx import months_window
from orchestration.reports.pulse_report.templates import render as render_template
from orchestration.reports.pulse_report.templates import table
from orchestration.reports.pulse_report.values import date, num


def render(data: ReportData, n_months: int = 24, table_months: int = 12) -> Markup:
    churn = need(data, "fct_churn_company_monthly")
    company = churn.assign(month=churn["month"].map(date)).sort_values("month")
    company = company[company["month"].isin(months_window(list(company["month"]), n_months))]
    labels = [month_label(m) for m in company["month"]]
    logo = charts.line_chart(
        "churn-logo",
        "Logo churn rate by month, all segments",
        labels,
        [
            charts.Series(
                "logo churn %",
                [num(v) for v in company["logo_churn_rate_pct"]],
                colour=charts.VERMILLION,
                shape="square",
            )
        ],
        width=560,
        height=240,
        unit="%",
        y_min=0,
    )
    revenue = charts.line_chart(
        "churn-revenue",
        "Gross and net revenue retention by month, all segments",
        labels,
        [
            charts.Series(
                "GRR %",
                [num(v) for v in company["gross_revenue_retention_pct"]],
                colour=charts.BLUE,
                shape="circle",
            ),
            charts.Series(
                "NRR %",
                [num(v) for v in company["net_revenue_retention_pct"]],
                colour=charts.ORANGE,
                shape="triangle",
                dashed=True,
            ),
        ],
        width=560,
        height=240,
        unit="%",
        ref_lines=[charts.RefLine(100, "100%")],
    )
    cur = data.currency
    rows = [
        [
            month_label(r["month"]),
            fmt_int(r["customers_at_start"]),
            fmt_int(r["churned_customers"]),
            fmt_pct(r["logo_churn_rate_pct"]),
            fmt_money(r["mrr_at_start"], cur),
            fmt_pct(r["gross_revenue_retention_pct"]),
            fmt_pct(r["net_revenue_retention_pct"]),
        ]
        for _, r in company.tail(table_months).iloc[::-1].iterrows()
    ]
    return render_template(
        "sections/retention.html",
        logo=Markup(logo),
        revenue=Markup(revenue),
        table=table(
            ["Month", "Customers at start", "Churned", "Logo churn", "MRR at start", "GRR", "NRR"],
            rows,
            cls="num",
            tid="churn-table",
        ),
    )
