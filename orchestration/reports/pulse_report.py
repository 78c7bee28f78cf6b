"""The Pulse report: one self-contained HTML page (and a PDF when Chromium is at hand) that shows
customer health at a glance, written from the published serving copy.

Pure functions, no Dagster: the asset `pulse_report` (orchestration/assets/report.py) calls
`build_report`; tests call the pieces.

    load_report_data(serving_db)   read the marts it needs, read-only (None = mart missing)
    compute_headline(data)         the latest complete month's NPS / CSAT / CES / logo churn and
                                   the health distribution (also Dagster metadata)
    render_html(data, checks)      the page: inline CSS and SVG only, no script, no network
    write_report(html, dir, as_of) pulse_report_<as_of>.html + pulse_report.html (latest),
                                   written to a temporary name and renamed
    write_pdf(html_path, pdf_path) headless Chromium --print-to-pdf, when Chromium exists

Sections: health distribution, attention list (reasons, drivers, 90-day score sparkline),
CSAT / NPS / CES by month (95% intervals, low-sample points and cells marked), churn and
GRR / NRR by month, cohort retention heat maps, CAC and LTV:CAC by channel, receivables aging,
the playbooks (advocates, upsell, renewals, collections: count and first rows of each;
orchestration/reports/playbooks.py), the health-score backtest, data quality (files,
quarantine, checks). A mart that is missing or empty gives its section a note instead of a
chart; an unexpected error in one section is shown in that section (class `section-error`)
and does not stop the others.

Accessibility: colour never carries meaning alone. Health categories are a symbol and a word
beside their colour (● healthy, ▲ at risk, ■ unhealthy); low-sample values are hollow points in
charts and a dagger (†) in tables; series differ by marker shape as well as colour; the palette
is Okabe-Ito (safe for the common colour-vision deficiencies).

No metric is computed here: every figure is read from a mart, and this module only selects,
formats and draws. The company-wide (all segments) CSAT, NPS, CES and churn are the
fct_*_company_monthly marts (models/marts/cx/, models/marts/retention/), computed in SQL by the
same macros as the per-segment marts (macros/metrics/); the low-sample flag and its threshold
(min_responses) come from those marts too. tests/test_report_has_no_formula.py keeps it so.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.files import atomic_write, atomic_write_text
from orchestration.reports import _svg as svg
from orchestration.reports.playbooks import PlaybookRows, load_playbooks, render_playbooks

REPORT_NAME = "pulse_report"

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

HEALTH = {
    # category: (symbol, fill colour, colour word, label)
    "healthy": ("●", svg.GREEN, "green", "healthy"),
    "at_risk": ("▲", svg.YELLOW, "yellow", "at risk"),
    "unhealthy": ("■", svg.VERMILLION, "red", "unhealthy"),
}
# darker tones for lines and small marks on white (the light yellow is for fills with text)
HEALTH_LINE = {"healthy": svg.GREEN, "at_risk": "#B58900", "unhealthy": svg.VERMILLION}
TREND = {"improving": "↑", "stable": "→", "declining": "↓", "new": "✱"}
LOW_SAMPLE_MARK = "†"


# ----------------------------------------------------------------------------- data


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
    # the playbook marts' counts, totals and first rows (orchestration/reports/playbooks.py)
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
            if _has(df) and "min_responses" in df and df["min_responses"].notna().any():
                return int(_num(df["min_responses"].dropna().iloc[0]) or 0)
        return None

    @property
    def as_of_date(self) -> dt.date | None:
        return _date(self.run.get("as_of_date"))

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
                run = {k: _py(v) for k, v in df.iloc[0].items()}
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


# ----------------------------------------------------------------------------- helpers


def _py(v: object) -> object:
    """A pandas/numpy scalar as a plain Python value; NaN / NA / NaT -> None."""
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item"):
        return v.item()
    return v


def _num(v: object) -> float | None:
    v = _py(v)
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, int | float):
        return float(v) if math.isfinite(float(v)) else None
    return None


def _date(v: object) -> dt.date | None:
    v = _py(v)
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v[:10])
        except ValueError:
            return None
    return None


def _e(v: object) -> str:
    return escape("" if v is None else str(v), quote=True)


def _fmt_pct(v: object, digits: int = 1) -> str:
    x = _num(v)
    return "–" if x is None else f"{x:.{digits}f}%"


def _fmt_num(v: object, digits: int = 1) -> str:
    x = _num(v)
    return "–" if x is None else f"{x:,.{digits}f}"


def _fmt_int(v: object) -> str:
    x = _num(v)
    return "–" if x is None else f"{round(x):,}"


def _fmt_signed(v: object, digits: int = 1) -> str:
    x = _num(v)
    return "–" if x is None else f"{x:+.{digits}f}"


def _fmt_money(v: object, currency: str, digits: int = 0) -> str:
    x = _num(v)
    if x is None:
        return "–"
    return f"{x:,.{digits}f}" + (f" {currency}" if currency else "")


def _month_label(d: object) -> str:
    day = _date(d)
    return day.strftime("%Y-%m") if day else "?"


def _has(df: pd.DataFrame | None) -> bool:
    return df is not None and len(df) > 0


class _Missing(Exception):
    """A section's mart is missing or empty: shown as a note."""


def _need(data: ReportData, name: str) -> pd.DataFrame:
    df = data.get(name)
    if df is None:
        raise _Missing(f"The mart {name} is not in this serving copy.")
    if len(df) == 0:
        raise _Missing(f"The mart {name} has no rows yet.")
    return df


def health_badge(category: object) -> str:
    cat = _py(category)
    if cat not in HEALTH:
        return '<span class="badge badge-none">– no score</span>'
    symbol, _, colour, label = HEALTH[cat]
    return (
        f'<span class="badge badge-{cat}" data-health="{cat}" title="{colour}">'
        f'<span class="sym" aria-hidden="true">{symbol}</span> {label}</span>'
    )


# ----------------------------------------------------------------------------- headline


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
            str(c): int(_num(n) or 0)
            for c, n in zip(dist["health_category"], dist["customers"], strict=True)
        }
        healthy = counts.get("healthy", 0)
        at_risk = counts.get("at_risk", 0)
        unhealthy = counts.get("unhealthy", 0)
        # totals over the mart's category rows (each customer is in one row)
        scored = healthy + at_risk + unhealthy
        mrr_at_risk = float(sum(_num(v) or 0.0 for v in dist["mrr_at_risk"]))
        current_mrr = float(sum(_num(v) or 0.0 for v in dist["current_mrr"]))
    attention = data.get("rpt_customers_needing_attention")
    # the company-wide marts' row of the last complete month with a value
    metrics: dict[str, tuple[dt.date | None, float | None]] = {}
    for mart, key in (
        ("fct_nps_company_monthly", "nps"),
        ("fct_csat_company_monthly", "csat_pct"),
        ("fct_ces_company_monthly", "ces_avg"),
    ):
        df = data.get(mart)
        if _has(df) and key in df:
            done = df[df["is_complete_month"].fillna(False).astype(bool) & df[key].notna()]
            if len(done):
                last = done.sort_values("month").iloc[-1]
                metrics[key] = (_date(last["month"]), _num(last[key]))
    churn = data.get("fct_churn_company_monthly")
    if _has(churn):
        last = churn.sort_values("month").iloc[-1]  # complete months only, by construction
        for key in (
            "logo_churn_rate_pct",
            "gross_revenue_retention_pct",
            "net_revenue_retention_pct",
        ):
            metrics[key] = (_date(last["month"]), _num(last[key]))
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


# ----------------------------------------------------------------------------- sections


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "", tid: str = ""
) -> str:
    """rows: cells already HTML (a cell may be a (html, attrs) tuple)."""
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    body = []
    for row in rows:
        attrs = ""
        if isinstance(row, tuple) and len(row) == 2 and isinstance(row[1], str):
            row, attrs = row
        cells = []
        for c in row:
            if isinstance(c, tuple):
                cells.append(f"<td {c[1]}>{c[0]}</td>")
            else:
                cells.append(f"<td>{c}</td>")
        body.append(f"<tr{(' ' + attrs) if attrs else ''}>{''.join(cells)}</tr>")
    idattr = f' id="{tid}"' if tid else ""
    return (
        f'<table class="{cls}"{idattr}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _note(text: str) -> str:
    return f'<p class="note">{_e(text)}</p>'


def _section_health(data: ReportData, head: Headline) -> str:
    dist = _need(data, "rpt_health_distribution").sort_values("category_order")
    dim = data.get("dim_customer_health")
    cur = data.currency
    segments = [
        svg.Segment(HEALTH[c][3], float(getattr(head, c) or 0), HEALTH[c][1], HEALTH[c][0])
        for c in ("healthy", "at_risk", "unhealthy")
    ]
    chart = svg.stacked_bar(
        "health-distribution", "Customers by health category (count and share)", segments
    )
    rows = []
    for _, r in dist.iterrows():
        cat = str(r["health_category"])
        if cat not in HEALTH:  # unscored: shown only when someone is
            if _num(r["customers"]):
                rows.append([health_badge(None), "–", _fmt_int(r["customers"]), "", "", "", ""])
            continue
        rows.append(
            [
                health_badge(cat),
                _e(HEALTH[cat][2]),
                _fmt_int(r["customers"]),
                _fmt_pct(r["share_of_scored_pct"], 0),
                _fmt_money(r["current_mrr"], cur),
                _fmt_money(r["mrr_at_risk"], cur),
                _fmt_int(r["customers_needing_attention"]),
            ]
        )
    table = _table(
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
    )
    trend = ""
    if dim is not None and "trend" in dim:
        tc = dim["trend"].value_counts()
        trend = (
            "<p>30-day trend: "
            + ", ".join(f"{TREND.get(t, '')} {t} {int(tc.get(t, 0))}" for t in TREND if t in tc)
            + ".</p>"
        )
    return (
        f'<div class="tiles">{_tile("MRR at risk", _fmt_money(head.mrr_at_risk, cur))}'
        f"{_tile('Customers scored', _fmt_int(head.customers_scored))}"
        f"{_tile('Need attention', _fmt_int(head.needing_attention))}</div>"
        f"{chart}{table}{trend}"
        '<p class="legend">MRR at risk: the current MRR of the customers that need '
        "attention: unhealthy, below the floor or dropping fast (rpt_health_distribution, "
        "dim_customer_health).</p>"
    )


def _tile(label: str, value: str, sub: str = "") -> str:
    return (
        f'<div class="tile"><div class="tile-label">{_e(label)}</div>'
        f'<div class="tile-value">{_e(value)}</div>'
        + (f'<div class="tile-sub">{_e(sub)}</div>' if sub else "")
        + "</div>"
    )


def _owner_cell(r: pd.Series) -> str:
    """Who follows the customer up (the alert's owner, else the default recipient) and since
    when its oldest open alert has been open; "new today" when an alert opened today."""
    owner = _py(r.get("owner"))
    opened = _py(r.get("opened_on"))
    new_today = bool(_py(r.get("is_new_today")))
    return (
        f"{_e(owner) if owner else 'default recipient'}"
        + (f"<br>since {_e(str(_date(opened)))}" if opened is not None else "")
        + ("<br><strong>new today</strong>" if new_today else "")
    )


def _section_attention(data: ReportData) -> str:
    df = data.get("rpt_customers_needing_attention")
    if df is None:
        raise _Missing("The mart rpt_customers_needing_attention is not in this serving copy.")
    if len(df) == 0:
        return _note(
            "Nobody needs attention today: no customer is unhealthy, below the floor or "
            "dropping fast."
        )
    df = df.sort_values("attention_rank").head(data.attention_limit)
    dim = data.get("dim_customer_health")
    positive: dict[str, object] = {}
    if dim is not None and "top_positive_driver" in dim:
        positive = dict(zip(dim["customer_id"], dim["top_positive_driver"], strict=False))
    trends: dict[str, list[float | None]] = {}
    if data.health_trend is not None and len(data.health_trend):
        last = _date(data.health_trend["as_of_date"].max())
        for cid, g in data.health_trend.groupby("customer_id"):
            by_day = {
                _date(d): _num(s) for d, s in zip(g["as_of_date"], g["health_score"], strict=True)
            }
            days = [last - dt.timedelta(days=k) for k in range(data.trend_days - 1, -1, -1)]
            trends[str(cid)] = [by_day.get(d) for d in days]
    cur = data.currency
    rows = []
    for _, r in df.iterrows():
        cid = str(r["customer_id"])
        cat = _py(r.get("health_category"))
        history = trends.get(cid, [])
        known = [v for v in history if v is not None]
        spark = svg.sparkline(
            history,
            colour=HEALTH_LINE.get(cat, svg.BLUE),
            title=f"{cid}: health score over the last {data.trend_days} days",
        ) + (
            f'<br><span class="spark-range">{known[0]:.0f} → {known[-1]:.0f}'
            f" (low {min(known):.0f}, high {max(known):.0f})</span>"
            if known
            else ""
        )
        trend = _py(r.get("trend"))
        rows.append(
            (
                [
                    _fmt_int(r["attention_rank"]),
                    f'<span class="cid">{_e(cid)}</span><br><span class="company">'
                    f"{_e(_py(r.get('company_name')) or '')}</span>",
                    _e(_py(r.get("segment")) or ""),
                    (
                        health_badge(cat)
                        + f' <span class="score">{_fmt_num(r.get("health_score"))}</span>',
                        'class="nowrap"',
                    ),
                    _fmt_signed(r.get("score_change_30d")),
                    (f"{TREND.get(trend, '')} {_e(trend or '')}", 'class="nowrap"'),
                    spark,
                    f"↓ {_e(_py(r.get('top_negative_driver')) or '–')}<br>"
                    f"↑ {_e(_py(positive.get(cid)) or '–')}",
                    (_fmt_money(r.get("mrr_at_risk"), cur), 'class="nowrap"'),
                    _owner_cell(r),
                    f'<span class="reason">{_e(_py(r.get("reason")) or "")}</span>',
                ],
                f'data-customer-id="{_e(cid)}"',
            )
        )
    total = data.row_counts.get("rpt_customers_needing_attention") or len(df)
    shown = len(df)
    intro = (
        f"<p>{total:,} customer{'s' if total != 1 else ''} need attention today"
        + (f"; the first {shown}" if shown < total else "")
        + ": what opened today first, then by MRR at risk"
        + ". The full list is the mart <code>rpt_customers_needing_attention</code>.</p>"
    )
    table = _table(
        [
            "#",
            "Customer",
            "Segment",
            "Health",
            "30-day change",
            "Trend",
            f"Score, last {data.trend_days} days",
            "Drivers (↓ weakest, ↑ strongest)",
            "MRR at risk",
            "Owner, open since",
            "Why",
        ],
        rows,
        cls="attention",
        tid="attention-table",
    )
    return (
        intro
        + table
        + (
            '<p class="legend">Sparklines: the health score over the last '
            f"{data.trend_days} days (each line on its own scale, at least 20 points tall; dashed: "
            "50), the last day dotted, first → last value below. Trend: ↑ improving, → stable, "
            "↓ declining, ✱ new (no score 30 days ago).</p>"
        )
    )


# kind, segment mart, company-wide mart, label, unit, scale (low, high), value column and its
# 95% interval columns (the same names in both marts)
_CX = (
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


def _months_window(months: Sequence[dt.date], n: int) -> list[dt.date]:
    return sorted(m for m in months if m is not None)[-n:]


def _section_cx(data: ReportData, n_months: int = 18, table_months: int = 6) -> str:
    parts = []
    present = [(c, data.get(c[1])) for c in _CX]
    if not any(_has(df) or _has(data.get(c[2])) for c, df in present):
        raise _Missing("The CSAT, NPS and CES marts have no rows yet.")
    colours = {"csat": svg.BLUE, "nps": svg.ORANGE, "ces": svg.GREEN}
    shapes = {"csat": "circle", "nps": "triangle", "ces": "square"}
    charts = []
    for kind, _mart, company_mart, label, unit, lo, hi, col, low_col, high_col in _CX:
        company = data.get(company_mart)
        if not _has(company):
            why = "is not in this serving copy" if company is None else "has no rows yet"
            charts.append(
                f"<div class='chart-box'><h3>{label}</h3>"
                f"{_note(f'The mart {company_mart} {why}.')}</div>"
            )
            continue
        company = company.assign(month=company["month"].map(_date)).sort_values("month")
        company = company[company["month"].isin(_months_window(list(company["month"]), n_months))]
        labels = [
            _month_label(m) + ("*" if not _py(c) else "")
            for m, c in zip(company["month"], company["is_complete_month"], strict=True)
        ]
        values = [_num(v) for v in company[col]]
        series = svg.Series(
            f"{label}, all segments",
            values,
            colour=colours[kind],
            shape=shapes[kind],
            low=[_num(v) for v in company[low_col]],
            high=[_num(v) for v in company[high_col]],
            hollow=[bool(_py(v)) for v in company["is_low_sample"]],
        )
        nums = [v for v in values + series.low + series.high if v is not None]
        y_lo = max(lo, math.floor(min(nums) / 10) * 10) if nums and unit == "%" else None
        chart = svg.line_chart(
            f"cx-{kind}",
            f"{label} by month, all segments, with 95% interval",
            labels,
            [series],
            width=560,
            height=240,
            unit=unit,
            y_min=y_lo if unit == "%" else (lo if kind == "ces" else None),
            y_max=hi if kind != "nps" else None,
            ref_lines=[svg.RefLine(0, "0")] if kind == "nps" else (),
            legend_extra=[("low sample", colours[kind], shapes[kind], True)],
        )
        charts.append(f"<div class='chart-box'><h3>{label}</h3>{chart}</div>")
    parts.append(f"<div class='chart-grid'>{''.join(charts)}</div>")
    threshold = (
        f"fewer than {data.min_responses} responses"
        if data.min_responses is not None
        else "fewer responses than the dbt var min_responses"
    )
    parts.append(
        '<p class="legend">Line: all segments (the fct_*_company_monthly marts); shaded band and '
        "whiskers: 95% interval (CSAT: Wilson; NPS: ± margin of error; CES: interval of the "
        f"mean). Hollow points and {LOW_SAMPLE_MARK}: low sample ({threshold}). "
        "* month to date.</p>"
    )
    # the table: last months x segment, each cell marked when the mart flags it low sample
    frames = {kind: df for (kind, *_), df in present if _has(df)}
    if not frames:
        return "".join(parts)
    months = sorted({_date(m) for df in frames.values() for m in df["month"]})[-table_months:]
    segments = sorted({str(s) for df in frames.values() for s in df["segment"].dropna()})
    rows = []
    complete = {
        _date(m): bool(c)
        for df in frames.values()
        for m, c in zip(df["month"], df["is_complete_month"], strict=True)
    }
    for m in reversed(months):
        for seg in segments:
            label = _month_label(m) + ("" if complete.get(m, True) else " (to date)")
            row = [_e(label), _e(seg)]
            for kind, _mart, _company, _label, unit, _lo, _hi, col, low_col, high_col in _CX:
                df = frames.get(kind)
                if df is None:
                    row.append("–")
                    continue
                hit = df[(df["month"].map(_date) == m) & (df["segment"] == seg)]
                if not len(hit):
                    row.append("–")
                    continue
                r = hit.iloc[0]
                n = int(_num(r["responses"]) or 0)
                if n == 0:
                    row.append(('<span class="muted">no responses</span>', 'class="cx-cell"'))
                    continue
                digits = 2 if kind == "ces" else 1
                text = (
                    f"{_fmt_num(r[col], digits)}{unit} "
                    f'<span class="ci">[{_fmt_num(r[low_col], digits)}, '
                    f"{_fmt_num(r[high_col], digits)}]</span> "
                    f'<span class="n">n={n}</span>'
                )
                if bool(_py(r["is_low_sample"])):
                    row.append(
                        (
                            f'{text} <span class="low-mark" title="low sample">'
                            f"{LOW_SAMPLE_MARK}</span>",
                            'class="cx-cell low-sample" data-low-sample="true"',
                        )
                    )
                else:
                    row.append((text, 'class="cx-cell"'))
            rows.append(row)
    parts.append("<h3>By segment, last months</h3>")
    parts.append(
        _table(
            ["Month", "Segment", "CSAT % [95% CI]", "NPS [95% CI]", "CES [95% CI]"],
            rows,
            cls="cx",
            tid="cx-table",
        )
    )
    parts.append(
        f'<p class="legend">{LOW_SAMPLE_MARK} and italics: low sample (the mart\'s '
        "is_low_sample: fewer responses than the dbt var min_responses); the value is shown, but "
        "too few answers back it for a decision.</p>"
    )
    return "".join(parts)


def _section_retention(data: ReportData, n_months: int = 24, table_months: int = 12) -> str:
    churn = _need(data, "fct_churn_company_monthly")
    company = churn.assign(month=churn["month"].map(_date)).sort_values("month")
    company = company[company["month"].isin(_months_window(list(company["month"]), n_months))]
    labels = [_month_label(m) for m in company["month"]]
    logo = svg.line_chart(
        "churn-logo",
        "Logo churn rate by month, all segments",
        labels,
        [
            svg.Series(
                "logo churn %",
                [_num(v) for v in company["logo_churn_rate_pct"]],
                colour=svg.VERMILLION,
                shape="square",
            )
        ],
        width=560,
        height=240,
        unit="%",
        y_min=0,
    )
    rev = svg.line_chart(
        "churn-revenue",
        "Gross and net revenue retention by month, all segments",
        labels,
        [
            svg.Series(
                "GRR %",
                [_num(v) for v in company["gross_revenue_retention_pct"]],
                colour=svg.BLUE,
                shape="circle",
            ),
            svg.Series(
                "NRR %",
                [_num(v) for v in company["net_revenue_retention_pct"]],
                colour=svg.ORANGE,
                shape="triangle",
                dashed=True,
            ),
        ],
        width=560,
        height=240,
        unit="%",
        ref_lines=[svg.RefLine(100, "100%")],
    )
    cur = data.currency
    rows = [
        [
            _e(_month_label(r["month"])),
            _fmt_int(r["customers_at_start"]),
            _fmt_int(r["churned_customers"]),
            _fmt_pct(r["logo_churn_rate_pct"]),
            _fmt_money(r["mrr_at_start"], cur),
            _fmt_pct(r["gross_revenue_retention_pct"]),
            _fmt_pct(r["net_revenue_retention_pct"]),
        ]
        for _, r in company.tail(table_months).iloc[::-1].iterrows()
    ]
    table = _table(
        ["Month", "Customers at start", "Churned", "Logo churn", "MRR at start", "GRR", "NRR"],
        rows,
        cls="num",
        tid="churn-table",
    )
    return (
        f"<div class='chart-grid'><div class='chart-box'><h3>Logo churn</h3>{logo}</div>"
        f"<div class='chart-box'><h3>Revenue retention</h3>{rev}</div></div>{table}"
        '<p class="legend">Complete months only, all segments (fct_churn_company_monthly). GRR = '
        "(MRR at start − contraction − churned MRR) / MRR at start; NRR adds expansion. Segments "
        "pooled: counts and MRR summed, then divided.</p>"
    )


def _section_cohorts(data: ReportData, n_cohorts: int = 18, n_offsets: int = 13) -> str:
    df = _need(data, "fct_cohort_retention")
    cohorts = sorted({_date(c) for c in df["cohort_month"]})[-n_cohorts:]
    offsets = list(range(n_offsets))
    parts = []
    for col, name, title in (
        ("logo_retention_pct", "cohort-logo", "Logo retention % by cohort"),
        ("revenue_retention_pct", "cohort-revenue", "Net revenue retention % by cohort"),
    ):
        grid = {
            (_date(c), int(k)): _num(v)
            for c, k, v in zip(df["cohort_month"], df["months_since_start"], df[col], strict=True)
        }
        values = [[grid.get((c, k)) for k in offsets] for c in cohorts]
        seen = [v for row in values for v in row if v is not None]
        v_max = max([100.0, *seen])
        v_min = min(math.floor(min(seen, default=0.0) / 10) * 10, 90.0)
        parts.append(
            f"<div class='chart-box'><h3>{_e(title)}</h3>"
            + svg.heatmap(
                name,
                title,
                [_month_label(c) for c in cohorts],
                [str(k) for k in offsets],
                values,
                v_min=v_min,
                v_max=v_max,
                row_header="cohort",
                col_header="months since start",
            )
            + "</div>"
        )
    return (
        f"<div class='chart-grid'>{''.join(parts)}</div>"
        f'<p class="legend">The last {len(cohorts)} acquisition cohorts, months 0-{n_offsets - 1}; '
        "every cell prints its value (darker = higher; the shading spans the values shown). "
        "Revenue retention is net (expansion counts) and can exceed 100.</p>"
    )


def _section_acquisition(data: ReportData) -> str:
    by_channel = _need(data, "rpt_clv_by_channel").sort_values("acquisition_channel")
    cur = data.currency
    seg = data.get("rpt_clv_by_segment")
    # the rule of thumb is the dbt var ltv_to_cac_target, as the marts carry it
    targets = [
        _num(v)
        for df in (by_channel, seg)
        if _has(df) and "ltv_to_cac_target" in df
        for v in df["ltv_to_cac_target"].dropna()
    ]
    target = targets[0] if targets else None
    rule = f"{target:g}:1" if target is not None else "the LTV:CAC target"
    starts = [_date(v) for v in by_channel["window_start_month"].dropna()]
    ends = [_date(v) for v in by_channel["window_end_month"].dropna()]
    window = (
        f"{_month_label(starts[0])} to {_month_label(ends[0])}" if starts and ends else "window"
    )
    channels = [
        (
            str(r["acquisition_channel"]),
            r,
            _num(r["cac"]),
            _num(r["ltv_to_cac"]),
            _py(r["meets_ltv_to_cac_target"]),
        )
        for _, r in by_channel.iterrows()
    ]
    cac_chart = svg.bar_chart(
        "cac-by-channel",
        "CAC by acquisition channel (trailing window)",
        [
            svg.Bar(
                ch,
                cac,
                svg.BLUE,
                text=None if cac is None else (_fmt_money(cac, cur) if cac else "0 (no spend)"),
            )
            for ch, _, cac, _, _ in channels
        ],
        value_format=lambda v: _fmt_money(v, cur),
    )
    ratio_chart = svg.bar_chart(
        "ltv-cac-by-channel",
        "LTV:CAC by acquisition channel",
        [
            svg.Bar(
                ch,
                ratio,
                svg.GREEN if meets else svg.VERMILLION,
                text=(
                    (f"{ratio:.1f} ✓" if meets else f"{ratio:.1f} ✗ below {rule}")
                    if ratio is not None
                    else "n/a (no CAC)"
                ),
            )
            for ch, _, _, ratio, meets in channels
        ],
        ref_line=svg.RefLine(target, f"target {rule}") if target is not None else None,
    )
    rows = [
        [
            _e(ch),
            _fmt_int(r["customers"]),
            _fmt_money(r["avg_clv"], cur),
            _fmt_money(cac, cur),
            "–" if ratio is None else f"{ratio:.1f}",
            "–" if meets is None else ("✓ yes" if meets else "✗ no"),
            _fmt_money(r["marketing_spend_in_window"], cur),
            _fmt_int(r["new_customers_in_window"]),
        ]
        for ch, r, cac, ratio, meets in channels
    ]
    table = _table(
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
    )
    seg_table = _segment_cac_table(seg, cur, rule) if _has(seg) else ""
    loaded = _fully_loaded_cac_block(data.get("fct_cac_blended_monthly"), cur)
    return (
        f"<div class='chart-grid'><div class='chart-box'><h3>CAC</h3>{cac_chart}</div>"
        f"<div class='chart-box'><h3>LTV:CAC</h3>{ratio_chart}</div></div>{table}{seg_table}"
        f"{loaded}"
        '<p class="legend">By channel: the mart rpt_clv_by_channel. CAC (trailing): the '
        "channel's spend over its new customers in the trailing window; LTV:CAC = the channel's "
        "average CLV / its CAC (organic and referral channels spend nothing: no ratio). "
        f"✓ meets the {rule} rule of thumb, ✗ does not.</p>"
    )


# The marts' CAC > CLV flags and the words the report shows for them.
CAC_ABOVE_CLV_FLAGS = (
    ("is_cac_above_clv", "marketing spend only"),
    ("is_fully_loaded_cac_above_clv", "fully loaded: sales and overhead included"),
)


def _segment_cac_table(seg: pd.DataFrame, cur: str, rule: str) -> str:
    """CAC and LTV:CAC per segment on both bases (rpt_clv_by_segment), and a warning line
    for each segment whose flag says a new customer costs more than it is worth."""
    loaded = "fully_loaded_cac" in seg
    head = ["Segment", "Customers", "Avg CLV", "CAC", "LTV:CAC", f"Meets {rule}"]
    if loaded:
        head += ["Fully loaded CAC", "LTV:fully loaded CAC"]
    rows = []
    for _, r in seg.iterrows():
        row = [
            _e(r["segment"]),
            _fmt_int(r["customers"]),
            _fmt_money(r["avg_clv"], cur),
            _fmt_money(r["cac"], cur),
            _fmt_num(r["ltv_to_cac"]),
            "✓ yes" if _py(r["meets_ltv_to_cac_target"]) else "✗ no",
        ]
        if loaded:
            row += [_fmt_money(r["fully_loaded_cac"], cur), _fmt_num(r["ltv_to_fully_loaded_cac"])]
        rows.append(row)
    warnings = [
        f"<p class='cac-warning'>⚠ {_e(r['segment'])}: CAC above CLV ({words}): losing money on"
        " each customer.</p>"
        for flag, words in CAC_ABOVE_CLV_FLAGS
        if flag in seg
        for _, r in seg.iterrows()
        if _py(r[flag])
    ]
    return "<h3>By segment</h3>" + _table(head, rows, cls="num") + "".join(warnings)


def _fully_loaded_cac_block(blended: pd.DataFrame | None, cur: str) -> str:
    """The last complete month with ledger data: the marketing-only CAC beside the fully
    loaded one and what it adds (fct_cac_blended_monthly)."""
    if not _has(blended) or "fully_loaded_cac" not in blended:
        return ""
    done = blended[blended["is_complete_month"].fillna(False) & blended["fully_loaded_cac"].notna()]
    if done.empty:
        return (
            "<h3>Fully loaded CAC</h3><p>No complete month has accounting costs yet: load the"
            " accounting export (landing folder costs/) to see sales and overhead in CAC.</p>"
        )
    r = done.sort_values("month").iloc[-1]
    table = _table(
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
                _e(str(_date(r["month"]))),
                _fmt_money(r["marketing_spend"], cur),
                _fmt_money(r["ledger_marketing_costs"], cur),
                _fmt_money(r["sales_costs"], cur),
                _fmt_money(r["acquisition_overhead_costs"], cur),
                _fmt_int(r["new_customers"]),
                _fmt_money(r["blended_cac"], cur),
                _fmt_money(r["fully_loaded_cac"], cur),
            ]
        ],
        cls="num",
        tid="fully-loaded-cac-table",
    )
    return (
        "<h3>Fully loaded CAC</h3>"
        + table
        + '<p class="legend">Fully loaded CAC counts every acquisition cost of the month: the'
        " marketing spend, the ledger's marketing and sales costs and the acquisition share of"
        " overhead (seeds/cost_account_categories.csv), over all new customers.</p>"
    )


def _section_finance(data: ReportData) -> str:
    df = _need(data, "rpt_aging_summary")
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
    chart = svg.bar_chart(
        "aging-summary",
        "Open receivables by aging bucket",
        [
            svg.Bar(
                str(r["aging_bucket"]),
                _num(r["open_amount"]),
                svg.VERMILLION if r["past_due"] else svg.BLUE,
                text=_fmt_money(r["open_amount"], cur)
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
                _e(r["aging_bucket"]) + (" ⚠" if r["past_due"] else ""),
                _fmt_int(r["invoices"]),
                _fmt_money(r["open_amount"], cur),
                _fmt_pct(r["share"]),
                *[_fmt_money(sub[sub["segment"] == s]["open_amount"].sum(), cur) for s in segments],
            ]
        )
    # the mart's rows summed, as its grain asks (no total row); the past-due share is the sum of
    # the mart's shares of the past-due buckets (one denominator: all receivables)
    overdue = g[g["past_due"].astype(bool)]
    past_due = float(overdue["open_amount"].sum())
    past_due_share = float(overdue["share"].sum()) if total else None
    table = _table(
        ["Bucket", "Invoices", "Open amount", "Share", *[f"Open, {s}" for s in segments]],
        rows,
        cls="num",
        tid="aging-table",
    )
    share = _fmt_pct(past_due_share)
    return (
        f'<div class="tiles">{_tile("Receivables", _fmt_money(total, cur))}'
        f"{_tile('Past due', _fmt_money(past_due, cur), share + ' of receivables')}</div>"
        f"{chart}{table}"
        '<p class="legend">⚠ past due. Invoice by invoice: the finance workbook '
        "(reports/finance/&lt;as-of date&gt;/) and the mart rpt_invoice_aging.</p>"
    )


def _section_backtest(data: ReportData) -> str:
    df = _need(data, "rpt_health_score_backtest")
    months = df[df["period"] != "all"].sort_values("period")
    pooled = df[df["period"] == "all"]
    parts = []
    auc = svg.line_chart(
        "backtest-auc",
        "AUC of the health score as a 90-day churn predictor, by month",
        [str(p) for p in months["period"]],
        [svg.Series("AUC", [_num(v) for v in months["auc"]], colour=svg.BLUE, shape="circle")],
        width=560,
        height=240,
        y_min=0,
        y_max=1,
        ref_lines=[svg.RefLine(0.5, "0.5 = chance")],
    )
    cats = ("healthy", "at_risk", "unhealthy")
    by_month = svg.line_chart(
        "backtest-churn-by-month",
        "Churn within the horizon by health category at month start, by month",
        [str(p) for p in months["period"]],
        [
            svg.Series(
                f"{HEALTH[c][0]} {HEALTH[c][3]}",
                [_num(v) for v in months[f"{c}_churn_rate_pct"]],
                colour=HEALTH_LINE[c],
                shape=shape,
            )
            for c, shape in zip(cats, ("circle", "triangle", "square"), strict=True)
        ],
        width=560,
        height=240,
        unit="%",
        y_min=0,
    )
    source = pooled.iloc[0] if len(pooled) else None
    pooled_bars = ""
    if source is not None:
        pooled_bars = "<h3>All months pooled</h3>" + svg.bar_chart(
            "backtest-churn-by-category",
            "Churn within the horizon by health category, all months pooled",
            [
                svg.Bar(
                    HEALTH[c][3],
                    _num(source[f"{c}_churn_rate_pct"]),
                    HEALTH_LINE[c],
                    text=f"{_fmt_pct(source[f'{c}_churn_rate_pct'])} of "
                    f"{_fmt_int(source[f'{c}_customers'])} churned",
                    symbol=HEALTH[c][0],
                )
                for c in cats
            ],
            width=560,
            label_width=110,
        )
    parts.append(
        f"<div class='chart-grid'><div class='chart-box'><h3>Does the score rank churners?</h3>"
        f"{auc}{pooled_bars}</div><div class='chart-box'><h3>Churn rate by category</h3>"
        f"{by_month}</div></div>"
    )
    rows = []
    for _, r in pd.concat([pooled, months.iloc[::-1]]).iterrows():
        ok = bool(_py(r["unhealthy_churns_more"]))
        rows.append(
            [
                _e(r["period"]),
                _fmt_int(r["customers"]),
                _fmt_int(r["churned_customers"]),
                _fmt_pct(r["churn_rate_pct"]),
                _fmt_num(r["auc"], 3),
                _fmt_pct(r["healthy_churn_rate_pct"]),
                _fmt_pct(r["at_risk_churn_rate_pct"]),
                _fmt_pct(r["unhealthy_churn_rate_pct"]),
                ("✓ yes", 'class="ok"') if ok else ("✗ no (failing)", 'class="bad"'),
            ]
        )
    parts.append(
        _table(
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
        )
    )
    parts.append(
        '<p class="legend">Each month: the score of every active customer on its first day against '
        "whether the customer churned within the horizon (90 days by default). AUC 0.5 = no better "
        "than chance; a month where unhealthy customers do not churn more than healthy ones is a "
        "failing score (✗).</p>"
    )
    return "".join(parts)


def _section_quality(data: ReportData, checks: Sequence[CheckResult] | None) -> str:
    parts = []
    files = data.get("rpt_load_files")
    ignored = None
    if files is not None:
        # entries at the landing root Pulse does not load: listed apart, not counted as files
        is_ignored = files["status"] == "ignored"
        files, ignored = files[~is_ignored], files[is_ignored]
    if files is None:
        parts.append(_note("The mart rpt_load_files is not in this serving copy."))
    elif len(files) == 0:
        parts.append(_note("No landing file has been loaded yet."))
    else:
        loaded = files[files["status"] == "loaded"]
        # rejected: the content breaks the contract; failed: could not be processed this time
        # (disk full, memory) and retried on the next run, so listed apart
        rejected = files[files["status"] != "loaded"]
        failed = files[files["status"] == "failed"]
        parts.append(
            '<div class="tiles">'
            + _tile("Files loaded", _fmt_int(len(loaded)))
            + _tile("Files rejected", _fmt_int(len(rejected) - len(failed)))
            + (
                _tile("Files failed", _fmt_int(len(failed)), "retried on the next run")
                if len(failed)
                else ""
            )
            + _tile("Rows read", _fmt_int(files["rows_read"].sum()))
            + _tile("Rows loaded", _fmt_int(files["rows_loaded"].sum()))
            + _tile(
                "Rows quarantined",
                _fmt_int(files["rows_quarantined"].sum()),
                f"{_fmt_int(files['rows_quarantined_resolved'].sum())} fixed by a later file"
                if "rows_quarantined_resolved" in files
                else "",
            )
            + (
                _tile(
                    "Reconciled",
                    "✓ every file"
                    if bool(files["is_reconciled"].fillna(False).all())
                    else f"✗ {int((~files['is_reconciled'].fillna(False)).sum())} files",
                    "read = loaded + quarantined",
                )
                if "is_reconciled" in files
                else ""
            )
            + "</div>"
        )
        by_source = (
            files.assign(rejected=files["status"] != "loaded")
            .groupby("source_name", sort=True)
            .agg(
                files=("file_id", "count"),
                rejected=("rejected", "sum"),
                rows_read=("rows_read", "sum"),
                rows_loaded=("rows_loaded", "sum"),
                rows_quarantined=("rows_quarantined", "sum"),
            )
            .reset_index()
        )
        parts.append(
            _table(
                ["Source", "Files", "Rejected", "Rows read", "Loaded", "Quarantined"],
                [
                    [
                        _e(r["source_name"]),
                        _fmt_int(r["files"]),
                        ("✗ " if r["rejected"] else "") + _fmt_int(r["rejected"]),
                        _fmt_int(r["rows_read"]),
                        _fmt_int(r["rows_loaded"]),
                        _fmt_int(r["rows_quarantined"]),
                    ]
                    for _, r in by_source.iterrows()
                ],
                cls="num",
                tid="files-table",
            )
        )
        if len(rejected):
            parts.append("<h3>Rejected and failed files</h3>")
            parts.append(
                _table(
                    ["Source", "File", "Status", "Why"],
                    [
                        [
                            _e(r["source_name"]),
                            _e(r["file_path"]),
                            _e(r["status"]),
                            _e(_py(r.get("error")) or ""),
                        ]
                        for _, r in rejected.sort_values("file_id").iterrows()
                    ],
                    tid="rejected-table",
                )
            )
    if ignored is not None and len(ignored):
        parts.append("<h3>Ignored in the landing folder (not loaded)</h3>")
        parts.append(
            _table(
                ["Path", "Why"],
                [
                    [_e(r["file_path"]), _e(_py(r.get("error")) or "")]
                    for _, r in ignored.sort_values("file_path").iterrows()
                ],
                tid="ignored-table",
            )
        )
    q = data.quarantine_by_reason
    if q is None:
        parts.append(_note("The mart rpt_quarantine is not in this serving copy."))
    elif len(q) == 0:
        parts.append(_note("No row is quarantined."))
    else:
        parts.append("<h3>Quarantined rows by reason</h3>")
        parts.append(
            svg.bar_chart(
                "quarantine-by-reason",
                "Quarantined rows by reason code",
                [
                    svg.Bar(
                        str(_py(r["reason_code"]) or "(none)"),
                        _num(r["rows"]),
                        svg.ORANGE,
                        text=f"{int(r['rows']):,} ({int(r['resolved']):,} fixed later)",
                    )
                    for _, r in q.iterrows()
                ],
                label_width=170,
            )
        )
    parts.append(
        '<p class="legend">Files and rows: every landing file version the loader has seen (the '
        "load ledger), not only this run's; each raw/&lt;source&gt; materialization in Dagster "
        "lists the files a run loaded. Rows read = loaded + quarantined for every file.</p>"
    )
    parts.append("<h3>Checks of this run</h3>")
    if checks is None:
        parts.append(
            _note(
                "Check results are not part of this report (it was rendered outside a Dagster "
                "run); see the Dagster UI."
            )
        )
    elif not checks:
        parts.append(
            _note(
                "No asset check ran in this run (the report was materialized on its own); "
                "the latest check results are in the Dagster UI."
            )
        )
    else:
        passed = [c for c in checks if c.passed]
        failed = [c for c in checks if not c.passed]
        errors = [c for c in failed if c.severity.upper() == "ERROR"]
        parts.append(
            '<div class="tiles">'
            + _tile("Checks passed", f"✓ {len(passed):,}")
            + _tile(
                "Checks failed",
                f"✗ {len(failed):,}",
                f"{len(errors)} blocking, {len(failed) - len(errors)} warnings",
            )
            + "</div>"
        )
        if failed:
            parts.append(
                _table(
                    ["Result", "Asset", "Check", "Detail"],
                    [
                        [
                            "✗ error" if c.severity.upper() == "ERROR" else "⚠ warning",
                            _e(c.asset),
                            _e(c.check),
                            _e(c.description),
                        ]
                        for c in sorted(failed, key=lambda c: (c.severity, c.asset, c.check))
                    ],
                    tid="failed-checks-table",
                )
            )
        parts.append(
            f"<details><summary>All {len(checks):,} checks</summary>"
            + _table(
                ["Result", "Asset", "Check"],
                [
                    ["✓ passed" if c.passed else "✗ failed", _e(c.asset), _e(c.check)]
                    for c in sorted(checks, key=lambda c: (c.passed, c.asset, c.check))
                ],
                tid="checks-table",
            )
            + "</details>"
        )
    return "".join(parts)


# ----------------------------------------------------------------------------- page

CSS = """
:root { --fg:#1d1d1f; --muted:#5f6368; --line:#dadce0; }
* { box-sizing: border-box; }
body { font-family: system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;
  color: var(--fg); margin: 0; background: #fafafa; font-size: 14px; line-height: 1.4; }
header { background: #0b3954; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header .meta { font-size: 12.5px; opacity: .9; }
nav { padding: 8px 28px; background: #eef2f5; border-bottom: 1px solid var(--line);
  font-size: 13px; }
nav a { margin-right: 14px; color: #0b3954; }
main { padding: 8px 28px 40px; max-width: 1280px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px;
  padding: 14px 18px; margin: 16px 0; break-inside: avoid-page; }
h2 { margin: 0 0 10px; font-size: 19px; }
h3 { margin: 14px 0 6px; font-size: 15px; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 6px 0 12px; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 150px;
  background: #fcfcfd; }
.tile-label { font-size: 12px; color: var(--muted); }
.tile-value { font-size: 20px; font-weight: 600; }
.tile-sub { font-size: 11.5px; color: var(--muted); }
.chart-grid { display: flex; flex-wrap: wrap; gap: 14px; }
.chart-box { flex: 1 1 520px; min-width: 0; }
table { border-collapse: collapse; margin: 8px 0; font-size: 12.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left;
  vertical-align: middle; }
th { background: #f1f3f4; font-weight: 600; }
table.num td { font-variant-numeric: tabular-nums; }
td.low-sample { font-style: italic; color: #555; background: #f6f6f6; }
.low-mark { font-weight: 700; font-style: normal; color: #000; }
.ci, .n, .muted, .company { color: var(--muted); font-size: 11.5px; }
.cid { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.reason { font-size: 12px; }
.nowrap { white-space: nowrap; }
.spark-range { color: var(--muted); font-size: 10.5px; white-space: nowrap; }
table.attention td { vertical-align: top; }
table.playbook td.amount { text-align: right; font-variant-numeric: tabular-nums; }
.playbook-count { font-size: 12.5px; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 12px;
  font-weight: 600; white-space: nowrap; border: 1px solid rgba(0,0,0,.35); }
.badge-healthy { background: #009E73; color: #000; }
.badge-at_risk { background: #F0E442; color: #000; }
.badge-unhealthy { background: #D55E00; color: #000; }
.badge-none { background: #eee; color: #333; }
.score { font-variant-numeric: tabular-nums; }
td.ok { color: #006b4f; font-weight: 600; }
td.bad { color: #a33c00; font-weight: 700; }
.note { color: var(--muted); font-style: italic; background: #f6f6f6; padding: 8px 10px;
  border-left: 3px solid #bbb; }
.section-error { border-left-color: #D55E00; color: #7a2e00; }
.legend { color: var(--muted); font-size: 12px; }
.cac-warning { border-left: 4px solid #D55E00; color: #7a2e00; padding: 4px 10px;
  font-weight: 600; }
footer { color: var(--muted); font-size: 12px; padding: 0 28px 28px; }
@page { size: A4 landscape; margin: 10mm; }
@media print { body { background: #fff; } nav { display: none; }
  section { border: none; padding: 0; } }
"""

SECTIONS = (
    ("health", "Customer health today"),
    ("attention", "Who needs attention"),
    ("cx", "CSAT, NPS and CES by month"),
    ("retention", "Churn and revenue retention"),
    ("cohorts", "Cohort retention"),
    ("acquisition", "CAC and LTV:CAC by channel"),
    ("finance", "Receivables aging"),
    ("playbooks", "Playbooks"),
    ("backtest", "Does the health score predict churn?"),
    ("data-quality", "Data quality"),
)


def _render_section(sid: str, title: str, body: Callable[[], str]) -> str:
    try:
        content = body()
    except _Missing as exc:
        content = _note(str(exc))
    except Exception as exc:  # one broken section must not cost the whole report
        content = (
            f'<p class="note section-error">This section could not be drawn: '
            f"{_e(type(exc).__name__)}: {_e(exc)}</p>"
        )
    return (
        f'<section id="{sid}" aria-labelledby="{sid}-h"><h2 id="{sid}-h">{_e(title)}</h2>'
        f"{content}</section>"
    )


def render_html(
    data: ReportData,
    checks: Sequence[CheckResult] | None = None,
    *,
    generated_at: dt.datetime | None = None,
    headline: Headline | None = None,
) -> str:
    """The whole report as one HTML string: no script, no external reference."""
    head = headline or compute_headline(data)
    generated_at = generated_at or dt.datetime.now(dt.UTC)
    as_of = data.as_of_date
    bodies: dict[str, Callable[[], str]] = {
        "health": lambda: _section_health(data, head),
        "attention": lambda: _section_attention(data),
        "cx": lambda: _section_cx(data),
        "retention": lambda: _section_retention(data),
        "cohorts": lambda: _section_cohorts(data),
        "acquisition": lambda: _section_acquisition(data),
        "finance": lambda: _section_finance(data),
        "playbooks": lambda: render_playbooks(data.playbooks, data.currency),
        "backtest": lambda: _section_backtest(data),
        "data-quality": lambda: _section_quality(data, checks),
    }
    sections = "".join(_render_section(sid, title, bodies[sid]) for sid, title in SECTIONS)
    nav = "".join(f'<a href="#{sid}">{_e(title)}</a>' for sid, title in SECTIONS)
    m = head.metrics

    def metric_tile(key: str, label: str, fmt: Callable[[float | None], str]) -> str:
        month, value = m.get(key, (None, None))
        return _tile(label, fmt(value), _month_label(month) if month else "no complete month")

    cur = data.currency
    tiles = (
        '<div class="tiles" id="headline">'
        + "".join(
            _tile(
                f"{HEALTH[c][0]} {HEALTH[c][3]}",
                _fmt_int(getattr(head, c)),
                HEALTH[c][2],
            )
            for c in ("healthy", "at_risk", "unhealthy")
        )
        + _tile("MRR at risk", _fmt_money(head.mrr_at_risk, cur))
        + metric_tile("nps", "NPS", lambda v: _fmt_num(v))
        + metric_tile("csat_pct", "CSAT", lambda v: _fmt_pct(v))
        + metric_tile("ces_avg", "CES (1-7)", lambda v: _fmt_num(v, 2))
        + metric_tile("logo_churn_rate_pct", "Logo churn", lambda v: _fmt_pct(v, 2))
        + "</div>"
    )
    run = data.run
    meta = " · ".join(
        x
        for x in (
            f"as of {as_of.isoformat()}" if as_of else "as-of date unknown",
            f"run {run['run_id']}" if run.get("run_id") else "",
            f"published {str(run['published_at'])[:19]} UTC" if run.get("published_at") else "",
            f"generated {generated_at.strftime('%Y-%m-%d %H:%M')} UTC",
        )
        if x
    )
    title = f"Pulse report{' ' + as_of.isoformat() if as_of else ''}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>Pulse: customer health at a glance</h1>"
        f'<div class="meta">{_e(meta)}</div></header>'
        f"<nav>{nav}</nav><main>"
        f'<section id="summary" aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>'
        f"{tiles}"
        '<p class="legend">Health: <span aria-hidden="true">●</span> healthy (green), '
        '<span aria-hidden="true">▲</span> at risk (yellow), <span aria-hidden="true">■</span> '
        "unhealthy (red). Survey and churn figures: the latest complete month, all segments.</p>"
        f"</section>{sections}</main>"
        f"<footer>Written by Pulse from the serving copy {_e(data.db_path.name)}"
        f"{' (publish ' + _e(run.get('publish_id')) + ')' if run.get('publish_id') else ''}. "
        "Every figure comes from a mart; definitions in the models' YAML files.</footer>"
        "</body></html>\n"
    )


# ----------------------------------------------------------------------------- files


@dataclass(frozen=True)
class ReportFiles:
    html: Path  # pulse_report_<as_of>.html
    latest: Path  # pulse_report.html
    pdf: Path | None = None
    pdf_note: str = ""


def write_report(html: str, reports_dir: Path, as_of: dt.date | str) -> ReportFiles:
    stamp = as_of.isoformat() if isinstance(as_of, dt.date) else str(as_of)
    dated = reports_dir / f"{REPORT_NAME}_{stamp}.html"
    latest = reports_dir / f"{REPORT_NAME}.html"
    atomic_write_text(dated, html)
    atomic_write_text(latest, html)
    return ReportFiles(dated, latest)


CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def write_pdf(
    html_path: Path, pdf_path: Path, chromium: str | None = None, timeout: float = 90
) -> Path | None:
    """Print `html_path` to `pdf_path` with headless Chromium; None when there is no Chromium.
    Raises on a Chromium failure (the caller decides whether that matters)."""
    chromium = chromium or find_chromium()
    if chromium is None:
        return None

    def print_to(tmp: str) -> None:
        with tempfile.TemporaryDirectory(prefix="pulse-chromium-") as profile:
            proc = subprocess.run(
                [
                    chromium,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={profile}",
                    "--no-pdf-header-footer",
                    f"--print-to-pdf={tmp}",
                    html_path.resolve().as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        if proc.returncode != 0 or not Path(tmp).stat().st_size:
            raise RuntimeError(
                f"chromium --print-to-pdf failed ({proc.returncode}): {proc.stderr[-500:]}"
            )

    atomic_write(pdf_path, print_to)
    return pdf_path


@dataclass(frozen=True)
class ReportResult:
    files: ReportFiles
    data: ReportData
    headline: Headline


def build_report(
    serving_db: Path,
    reports_dir: Path,
    *,
    checks: Sequence[CheckResult] | None = None,
    as_of: dt.date | None = None,
    pdf: bool | None = None,
    attention_limit: int = 25,
) -> ReportResult:
    """Read the serving copy, render, write the HTML files and (pdf None = when Chromium is
    installed, True = required, False = never) the PDF beside them."""
    data = load_report_data(serving_db, attention_limit=attention_limit)
    head = compute_headline(data)
    html = render_html(data, checks, headline=head)
    stamp = data.as_of_date or as_of or dt.datetime.now(dt.UTC).date()
    files = write_report(html, reports_dir, stamp)
    pdf_path, note = None, ""
    if pdf is False:
        note = "PDF not requested"
    else:
        try:
            pdf_path = write_pdf(files.html, files.html.with_suffix(".pdf"))
            if pdf_path is None:
                note = "no Chromium installed: PDF skipped"
                if pdf:
                    raise RuntimeError("a PDF was required but no Chromium is installed")
            else:
                shutil.copyfile(pdf_path, files.latest.with_suffix(".pdf"))
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            if pdf:
                raise
            note = f"PDF skipped: {exc}"
    return ReportResult(ReportFiles(files.html, files.latest, pdf_path, note), data, head)


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
        cat = _py(r.get("health_category"))
        health = f"{HEALTH[cat][0]} {HEALTH[cat][3]}" if cat in HEALTH else "–"
        lines.append(
            "| "
            + " | ".join(
                cell(x)
                for x in (
                    _fmt_int(r["attention_rank"]),
                    r["customer_id"],
                    _py(r.get("company_name")) or "",
                    health,
                    _fmt_num(r.get("health_score")),
                    _fmt_signed(r.get("score_change_30d")),
                    _py(r.get("top_negative_driver")) or "–",
                    _fmt_money(r.get("mrr_at_risk"), cur),
                    _py(r.get("reason")) or "",
                )
            )
            + " |"
        )
    return "\n".join(lines)
