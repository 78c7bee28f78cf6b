"""CAC and LTV:CAC by channel (rpt_clv_by_channel) and by segment on both bases
(rpt_clv_by_segment), and the last complete month's fully loaded CAC beside the marketing-only
one (fct_cac_blended_monthly)."""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from orchestration.reports import charts
from orchestration.reports.pulse_report.data import ReportData
from orchestration.reports.pulse_report.format import fmt_int, fmt_money, fmt_num, month_label
from orchestration.reports.pulse_report.sections import need
from orchestration.reports.pulse_report.templates import Table, table
from orchestration.reports.pulse_report.templates import render as render_template
from orchestration.reports.pulse_report.values import date, has, num, py

# The marts' CAC > CLV flags and the words the report shows for them.
CAC_ABOVE_CLV_FLAGS = (
    ("is_cac_above_clv", "marketing spend only"),
    ("is_fully_loaded_cac_above_clv", "fully loaded: sales and overhead included"),
)


def _by_segment(seg: pd.DataFrame, cur: str, rule: str) -> tuple[Table, list[tuple[str, str]]]:
    """CAC and LTV:CAC per segment on both bases, and (segment, basis) for each segment whose
    flag says a new customer costs more than it is worth."""
    loaded = "fully_loaded_cac" in seg
    head = ["Segment", "Customers", "Avg CLV", "CAC", "LTV:CAC", f"Meets {rule}"]
    if loaded:
        head += ["Fully loaded CAC", "LTV:fully loaded CAC"]
    rows = []
    for _, r in seg.iterrows():
        row = [
            r["segment"],
            fmt_int(r["customers"]),
            fmt_money(r["avg_clv"], cur),
            fmt_money(r["cac"], cur),
            fmt_num(r["ltv_to_cac"]),
            "✓ yes" if py(r["meets_ltv_to_cac_target"]) else "✗ no",
        ]
        if loaded:
            row += [fmt_money(r["fully_loaded_cac"], cur), fmt_num(r["ltv_to_fully_loaded_cac"])]
        rows.append(row)
    warnings = [
        (r["segment"], words)
        for flag, words in CAC_ABOVE_CLV_FLAGS
        if flag in seg
        for _, r in seg.iterrows()
        if py(r[flag])
    ]
    return table(head, rows, cls="num"), warnings


def _fully_loaded(blended: pd.DataFrame | None, cur: str) -> Table | None | bool:
    """The last complete month with ledger data (a Table); False when no complete month has
    accounting costs yet; None when the mart or its column is missing."""
    if not has(blended) or "fully_loaded_cac" not in blended:
        return None
    done = blended[blended["is_complete_month"].fillna(False) & blended["fully_loaded_cac"].notna()]
    if done.empty:
        return False
    r = done.sort_values("month").iloc[-1]
    return table(
        [
            "Month",
            "Marketing spend",
            "Marketing (ledger)",
            "Sales",
            "Overhead share",
            "New customers",
            "CAC (marketing only)",
            "Fully loaded CAC",
        ],
        [
            [
                str(date(r["month"])),
                fmt_money(r["marketing_spend"], cur),
                fmt_money(r["ledger_marketing_costs"], cur),
                fmt_money(r["sales_costs"], cur),
                fmt_money(r["acquisition_overhead_costs"], cur),
                fmt_int(r["new_customers"]),
                fmt_money(r["blended_cac"], cur),
                fmt_money(r["fully_loaded_cac"], cur),
            ]
        ],
        cls="num",
        tid="fully-loaded-cac-table",
    )


def render(data: ReportData) -> Markup:
    by_channel = need(data, "rpt_clv_by_channel").sort_values("acquisition_channel")
    cur = data.currency
    seg = data.get("rpt_clv_by_segment")
    # the rule of thumb is the dbt var ltv_to_cac_target, as the marts carry it
    targets = [
        num(v)
        for df in (by_channel, seg)
        if has(df) and "ltv_to_cac_target" in df
        for v in df["ltv_to_cac_target"].dropna()
    ]
    target = targets[0] if targets else None
    rule = f"{target:g}:1" if target is not None else "the LTV:CAC target"
    starts = [date(v) for v in by_channel["window_start_month"].dropna()]
    ends = [date(v) for v in by_channel["window_end_month"].dropna()]
    window = f"{month_label(starts[0])} to {month_label(ends[0])}" if starts and ends else "window"
    channels = [
        (
            str(r["acquisition_channel"]),
            r,
            num(r["cac"]),
            num(r["ltv_to_cac"]),
            py(r["meets_ltv_to_cac_target"]),
        )
        for _, r in by_channel.iterrows()
    ]
    cac_chart = charts.bar_chart(
        "cac-by-channel",
        "CAC by acquisition channel (trailing window)",
        [
            charts.Bar(
                ch,
                cac,
                charts.BLUE,
                text=None if cac is None else (fmt_money(cac, cur) if cac else "0 (no spend)"),
            )
            for ch, _, cac, _, _ in channels
        ],
        value_format=lambda v: fmt_money(v, cur),
    )
    ratio_chart = charts.bar_chart(
        "ltv-cac-by-channel",
        "LTV:CAC by acquisition channel",
        [
            charts.Bar(
                ch,
                ratio,
                charts.GREEN if meets else charts.VERMILLION,
                text=(
                    (f"{ratio:.1f} ✓" if meets else f"{ratio:.1f} ✗ below {rule}")
                    if ratio is not None
                    else "n/a (no CAC)"
                ),
            )
            for ch, _, _, ratio, meets in channels
        ],
        ref_line=charts.RefLine(target, f"target {rule}") if target is not None else None,
    )
    rows = [
        [
            ch,
            fmt_int(r["customers"]),
            fmt_money(r["avg_clv"], cur),
            fmt_money(cac, cur),
            "–" if ratio is None else f"{ratio:.1f}",
            "–" if meets is None else ("✓ yes" if meets else "✗ no"),
            fmt_money(r["marketing_spend_in_window"], cur),
            fmt_int(r["new_customers_in_window"]),
        ]
        for ch, r, cac, ratio, meets in channels
    ]
    segment_table, warnings = _by_segment(seg, cur, rule) if has(seg) else (None, [])
    return render_template(
        "sections/acquisition.html",
        cac_chart=Markup(cac_chart),
        ratio_chart=Markup(ratio_chart),
        table=table(
            [
                "Channel",
                "Customers",
                "Avg CLV",
                "CAC (trailing)",
                "LTV:CAC",
                f"Meets {rule}",
                f"Spend, {window}",
                f"New customers, {window}",
            ],
            rows,
            cls="num",
            tid="acquisition-table",
        ),
        segment_table=segment_table,
        warnings=warnings,
        fully_loaded=_fully_loaded(data.get("fct_cac_blended_monthly"), cur),
        rule=rule,
    )
