"""Does the health score predict churn? The backtest by month and pooled
(rpt_health_score_backtest): AUC, churn by health category, failing months marked."""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from orchestration.reports import charts
from orchestration.reports.pulse_report.data import ReportData
from orchestration.reports.pulse_report.format import (
    HEALTH,
    HEALTH_LINE,
    fmt_int,
    fmt_num,
    fmt_pct,
)
from orchestration.reports.pulse_report.sections import need
from orchestration.reports.pulse_report.templates import render as render_template
from orchestration.reports.pulse_report.templates import table
from orchestration.reports.pulse_report.values import num, py

CATEGORIES = ("healthy", "at_risk", "unhealthy")


def render(data: ReportData) -> Markup:
    df = need(data, "rpt_health_score_backtest")
    months = df[df["period"] != "all"].sort_values("period")
    pooled = df[df["period"] == "all"]
    auc = charts.line_chart(
        "backtest-auc",
        "AUC of the health score as a 90-day churn predictor, by month",
        [str(p) for p in months["period"]],
        [charts.Series("AUC", [num(v) for v in months["auc"]], colour=charts.BLUE)],
        width=560,
        height=240,
        y_min=0,
        y_max=1,
        ref_lines=[charts.RefLine(0.5, "0.5 = chance")],
    )
    by_month = charts.line_chart(
        "backtest-churn-by-month",
        "Churn within the horizon by health category at month start, by month",
        [str(p) for p in months["period"]],
        [
            charts.Series(
                f"{HEALTH[c][0]} {HEALTH[c][3]}",
                [num(v) for v in months[f"{c}_churn_rate_pct"]],
                colour=HEALTH_LINE[c],
                shape=shape,
            )
            for c, shape in zip(CATEGORIES, ("circle", "triangle", "square"), strict=True)
        ],
        width=560,
        height=240,
        unit="%",
        y_min=0,
    )
    pooled_bars = None
    if len(pooled):
        source = pooled.iloc[0]
        pooled_bars = charts.bar_chart(
            "backtest-churn-by-category",
            "Churn within the horizon by health category, all months pooled",
            [
                charts.Bar(
                    HEALTH[c][3],
                    num(source[f"{c}_churn_rate_pct"]),
                    HEALTH_LINE[c],
                    text=f"{fmt_pct(source[f'{c}_churn_rate_pct'])} of "
                    f"{fmt_int(source[f'{c}_customers'])} churned",
                    symbol=HEALTH[c][0],
                )
                for c in CATEGORIES
            ],
            width=560,
            label_width=110,
        )
    rows = []
    for _, r in pd.concat([pooled, months.iloc[::-1]]).iterrows():
        ok = bool(py(r["unhealthy_churns_more"]))
        rows.append(
            [
                r["period"],
                fmt_int(r["customers"]),
                fmt_int(r["churned_customers"]),
                fmt_pct(r["churn_rate_pct"]),
                fmt_num(r["auc"], 3),
                fmt_pct(r["healthy_churn_rate_pct"]),
                fmt_pct(r["at_risk_churn_rate_pct"]),
                fmt_pct(r["unhealthy_churn_rate_pct"]),
                ("✓ yes", {"class": "ok"}) if ok else ("✗ no (failing)", {"class": "bad"}),
            ]
        )
    return render_template(
        "sections/backtest.html",
        auc=Markup(auc),
        pooled_bars=Markup(pooled_bars) if pooled_bars else None,
        by_month=Markup(by_month),
        table=table(
            [
                "Month scored",
                "Customers",
                "Churned",
                "Churn",
                "AUC",
                "● healthy churn",
                "▲ at risk churn",
                "■ unhealthy churn",
                "Unhealthy churn more",
            ],
            rows,
            cls="num",
            tid="backtest-table",
        ),
    )
