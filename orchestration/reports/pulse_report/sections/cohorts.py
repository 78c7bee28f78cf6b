"""Cohort retention: logo and net revenue retention by acquisition cohort and months since
start, as heat maps (fct_cohort_retention)."""

from __future__ import annotations

import math

from markupsafe import Markup

from orchestration.reports import charts
from orchestration.reports.pulse_report.data import ReportData
from orchestration.reports.pulse_report.format import month_label
from orchestration.reports.pulse_report.sections import need
from orchestration.reports.pulse_report.templates import render as render_template
from orchestration.reports.pulse_report.values import date, num


def render(data: ReportData, n_cohorts: int = 18, n_offsets: int = 13) -> Markup:
    df = need(data, "fct_cohort_retention")
    cohorts = sorted({date(c) for c in df["cohort_month"]})[-n_cohorts:]
    offsets = list(range(n_offsets))
    maps = []
    for col, name, title in (
        ("logo_retention_pct", "cohort-logo", "Logo retention % by cohort"),
        ("revenue_retention_pct", "cohort-revenue", "Net revenue retention % by cohort"),
    ):
        grid = {
            (date(c), int(k)): num(v)
            for c, k, v in zip(df["cohort_month"], df["months_since_start"], df[col], strict=True)
        }
        values = [[grid.get((c, k)) for k in offsets] for c in cohorts]
        seen = [v for row in values for v in row if v is not None]
        # the shading spans the values shown (at least 90-100)
        v_max = max([100.0, *seen])
        v_min = min(math.floor(min(seen, default=0.0) / 10) * 10, 90.0)
        chart = charts.heatmap(
            name,
            title,
            [month_label(c) for c in cohorts],
            [str(k) for k in offsets],
            values,
            v_min=v_min,
            v_max=v_max,
            row_header="cohort",
            col_header="months since start",
        )
        maps.append((title, Markup(chart)))
    return render_template(
        "sections/cohorts.html", maps=maps, cohorts=len(cohorts), last_offset=n_offsets - 1
    )
