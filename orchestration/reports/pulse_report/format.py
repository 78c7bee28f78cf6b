"""Figures as the report prints them (plain text: the templates escape it) and the health badge.

A missing value prints as an en dash (–)."""

from __future__ import annotations

from markupsafe import Markup

from orchestration.reports import charts
from orchestration.reports.pulse_report.values import date, num, py

HEALTH = {
    # category: (symbol, fill colour, colour word, label)
    "healthy": ("●", charts.GREEN, "green", "healthy"),
    "at_risk": ("▲", charts.YELLOW, "yellow", "at risk"),
    "unhealthy": ("■", charts.VERMILLION, "red", "unhealthy"),
}
# darker tones for lines and small marks on white (the light yellow is for fills with text)
HEALTH_LINE = {"healthy": charts.GREEN, "at_risk": "#B58900", "unhealthy": charts.VERMILLION}
TREND = {"improving": "↑", "stable": "→", "declining": "↓", "new": "✱"}
LOW_SAMPLE_MARK = "†"
NONE = "–"


def fmt_pct(v: object, digits: int = 1) -> str:
    x = num(v)
    return NONE if x is None else f"{x:.{digits}f}%"


def fmt_num(v: object, digits: int = 1) -> str:
    x = num(v)
    return NONE if x is None else f"{x:,.{digits}f}"


def fmt_int(v: object) -> str:
    x = num(v)
    return NONE if x is None else f"{round(x):,}"


def fmt_signed(v: object, digits: int = 1) -> str:
    x = num(v)
    return NONE if x is None else f"{x:+.{digits}f}"


def fmt_money(v: object, currency: str, digits: int = 0) -> str:
    x = num(v)
    if x is None:
        return NONE
    return f"{x:,.{digits}f}" + (f" {currency}" if currency else "")


def month_label(d: object) -> str:
    day = date(d)
    return day.strftime("%Y-%m") if day else "?"


def health_badge(category: object) -> Markup:
    """The category as symbol and word on its colour (colour never alone)."""
    cat = py(category)
    if cat not in HEALTH:
        return Markup('<span class="badge badge-none">– no score</span>')
    symbol, _, colour, label = HEALTH[cat]
    return Markup(
        '<span class="badge badge-{0}" data-health="{0}" title="{1}">'
        '<span class="sym" aria-hidden="true">{2}</span> {3}</span>'
    ).format(cat, colour, symbol, label)
