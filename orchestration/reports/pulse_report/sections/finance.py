"""Receivables aging: open amounts by aging bucket and segment (rpt_aging_summary), the rows
summed as the mart's grain asks."""

from __future__ import annotations

from markupsafe import Markup

from orchestration.reports import charts
from orchestration.reports.pulse_report.data import ReportData
from orchestration.reports.pulse_report.format import fmt_int, fmt_money, fmt_pct
from orchestration.reports.pulse_report.sections import need
from orchestration.reports.pulse_report.templates import render as render_template
from orchestration.reports.pulse_report.templates import table
from orchestration.reports.pulse_report.values import num


def render(data: ReportData) -> Markup:
    df = need(data, "rpt_aging_summary")
    cur = data.currency
    g = (
        df.groupby(["bucket_order", "aging_bucket"], sort=True)
        .agg(
            invoices=("invoices", "sum"),
            open_amount=("open_amount", "sum"),
            share=("share_of_receivables_pct", "sum"),
            past_due=("is_past_due", "max"),
        )
        .reset_index()
    )
    total = float(g["open_amount"].sum())
    chart = charts.bar_chart(
        "aging-summary",
        "Open receivables by aging bucket",
        [
            charts.Bar(
                str(r["aging_bucket"]),
                num(r["open_amount"]),
                charts.VERMILLION if r["past_due"] else charts.BLUE,
                text=fmt_money(r["open_amount"], cur)
                + (" ⚠ past due" if r["past_due"] else " not yet due"),
            )
            for _, r in g.iterrows()
        ],
        width=640,
        label_width=90,
    )
    segments = sorted(str(s) for s in df["segment"].dropna().unique())
    rows = []
    for _, r in g.iterrows():
        sub = df[df["aging_bucket"] == r["aging_bucket"]]
        rows.append(
            [
                f"{r['aging_bucket']}" + (" ⚠" if r["past_due"] else ""),
                fmt_int(r["invoices"]),
                fmt_money(r["open_amount"], cur),
                fmt_pct(r["share"]),
                *[fmt_money(sub[sub["segment"] == s]["open_amount"].sum(), cur) for s in segments],
            ]
        )
    # the mart's rows summed, as its grain asks (no total row); the past-due share is the sum of
    # the mart's shares of the past-due buckets (one denominator: all receivables)
    overdue = g[g["past_due"].astype(bool)]
    past_due = float(overdue["open_amount"].sum())
    past_due_share = float(overdue["share"].sum()) if total else None
    return render_template(
        "sections/finance.html",
        receivables=fmt_money(total, cur),
        past_due=fmt_money(past_due, cur),
        past_due_share=fmt_pct(past_due_share),
        chart=Markup(chart),
        table=table(
            ["Bucket", "Invoices", "Open amount", "Share", *[f"Open, {s}" for s in segments]],
            rows,
            cls="num",
            tid="aging-table",
        ),
    )
