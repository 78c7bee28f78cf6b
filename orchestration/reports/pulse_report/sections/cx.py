"""CSAT, NPS and CES by month: the company-wide line with its 95% interval
(fct_*_company_monthly) and a month x segment table (fct_*_monthly), low-sample values marked
as the marts flag them (is_low_sample)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from markupsafe import Markup

from orchestration.reports import charts
from orchestration.reports.pulse_report.data import ReportData
from orchestration.reports.pulse_report.format import LOW_SAMPLE_MARK, fmt_num, month_label
from orchestration.reports.pulse_report.sections import Missing
from orchestration.reports.pulse_report.templates import render as render_template
from orchestration.reports.pulse_report.templates import table
from orchestration.reports.pulse_report.values import date, has, num, py

# kind, segment mart, company-wide mart, label, unit, scale (low, high), value column and its
# 95% interval columns (the same names in both marts)
CX = (
    (
        "csat",
        "fct_csat_monthly",
        "fct_csat_company_monthly",
        "CSAT",
        "%",
        0.0,
        100.0,
        "csat_pct",
        "csat_ci_low_pct",
        "csat_ci_high_pct",
    ),
    (
        "nps",
        "fct_nps_monthly",
        "fct_nps_company_monthly",
        "NPS",
        "",
        -100.0,
        100.0,
        "nps",
        "nps_ci_low",
        "nps_ci_high",
    ),
    (
        "ces",
        "fct_ces_monthly",
        "fct_ces_company_monthly",
        "CES (1-7)",
        "",
        1.0,
        7.0,
        "ces_avg",
        "ces_ci_low",
        "ces_ci_high",
    ),
)
COLOURS = {"csat": charts.BLUE, "nps": charts.ORANGE, "ces": charts.GREEN}
SHAPES = {"csat": "circle", "nps": "triangle", "ces": "square"}
CELL = Markup('{}{} <span class="ci">[{}, {}]</span> <span class="n">n={}</span>')
LOW_CELL = Markup('{} <span class="low-mark" title="low sample">{}</span>')


def months_window(months: Sequence[dt.date], n: int) -> list[dt.date]:
    return sorted(m for m in months if m is not None)[-n:]


def _charts(data: ReportData, n_months: int) -> list[dict]:
    """Per kind: {"label", "chart"} or {"label", "note"} when its company mart is missing."""
    out = []
    for kind, _mart, company_mart, label, unit, lo, hi, col, low_col, high_col in CX:
        company = data.get(company_mart)
        if not has(company):
            why = "is not in this serving copy" if company is None else "has no rows yet"
            out.append({"label": label, "note": f"The mart {company_mart} {why}."})
            continue
        company = company.assign(month=company["month"].map(date)).sort_values("month")
        company = company[company["month"].isin(months_window(list(company["month"]), n_months))]
        labels = [
            month_label(m) + ("*" if not py(c) else "")
            for m, c in zip(company["month"], company["is_complete_month"], strict=True)
        ]
        values = [num(v) for v in company[col]]
        series = charts.Series(
            f"{label}, all segments",
            values,
            colour=COLOURS[kind],
            shape=SHAPES[kind],
            low=[num(v) for v in company[low_col]],
            high=[num(v) for v in company[high_col]],
            hollow=[bool(py(v)) for v in company["is_low_sample"]],
        )
        nums = [v for v in values + series.low + series.high if v is not None]
        y_lo = max(lo, math.floor(min(nums) / 10) * 10) if nums and unit == "%" else None
        chart = charts.line_chart(
            f"cx-{kind}",
            f"{label} by month, all segments, with 95% interval",
            labels,
            [series],
            width=560,
            height=240,
            unit=unit,
            y_min=y_lo if unit == "%" else (lo if kind == "ces" else None),
            y_max=hi if kind != "nps" else None,
            ref_lines=[charts.RefLine(0, "0")] if kind == "nps" else (),
            legend_extra=[("low sample", COLOURS[kind], SHAPES[kind], True)],
        )
        out.append({"label": label, "chart": Markup(chart)})
    return out


def _segment_rows(frames: dict, table_months: int) -> list[list]:
    """The last months x segment, each cell marked when the mart flags it low sample."""
    months = sorted({date(m) for df in frames.values() for m in df["month"]})[-table_months:]
    segments = sorted({str(s) for df in frames.values() for s in df["segment"].dropna()})
    complete = {
        date(m): bool(c)
        for df in frames.values()
        for m, c in zip(df["month"], df["is_complete_month"], strict=True)
    }
    rows = []
    for m in reversed(months):
        for seg in segments:
            row: list = [month_label(m) + ("" if complete.get(m, True) else " (to date)"), seg]
            for kind, _mart, _company, _label, unit, _lo, _hi, col, low_col, high_col in CX:
                df = frames.get(kind)
                if df is None:
                    row.append("–")
                    continue
                hit = df[(df["month"].map(date) == m) & (df["segment"] == seg)]
                if not len(hit):
                    row.append("–")
                    continue
                r = hit.iloc[0]
                n = int(num(r["responses"]) or 0)
                if n == 0:
                    row.append((Markup('<span class="muted">no responses</span>'), CX_CELL))
                    continue
                digits = 2 if kind == "ces" else 1
                text = CELL.format(
                    fmt_num(r[col], digits),
                    unit,
                    fmt_num(r[low_col], digits),
                    fmt_num(r[high_col], digits),
                    n,
                )
                if bool(py(r["is_low_sample"])):
                    row.append((LOW_CELL.format(text, LOW_SAMPLE_MARK), LOW_SAMPLE_CELL))
                else:
                    row.append((text, CX_CELL))
            rows.append(row)
    return rows


CX_CELL = {"class": "cx-cell"}
LOW_SAMPLE_CELL = {"class": "cx-cell low-sample", "data-low-sample": "true"}


def render(data: ReportData, n_months: int = 18, table_months: int = 6) -> Markup:
    present = [(c, data.get(c[1])) for c in CX]
    if not any(has(df) or has(data.get(c[2])) for c, df in present):
        raise Missing("The CSAT, NPS and CES marts have no rows yet.")
    frames = {kind: df for (kind, *_), df in present if has(df)}
    return render_template(
        "sections/cx.html",
        charts=_charts(data, n_months),
        min_responses=data.min_responses,
        low_mark=LOW_SAMPLE_MARK,
        table=(
            table(
                ["Month", "Segment", "CSAT % [95% CI]", "NPS [95% CI]", "CES [95% CI]"],
                _segment_rows(frames, table_months),
                cls="cx",
                tid="cx-table",
            )
            if frames
            else None
        ),
    )
