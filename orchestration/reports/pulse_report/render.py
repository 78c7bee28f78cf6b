"""The report page and its files: render_html (templates/report.html with every section),
write_report (the dated and the latest HTML, atomically), write_pdf (headless Chromium
--print-to-pdf) and build_report, which the asset calls."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from orchestration.files import atomic_write, atomic_write_text
from orchestration.reports.pulse_report.data import CheckResult, ReportData, load_report_data
from orchestration.reports.pulse_report.format import (
    HEALTH,
    fmt_int,
    fmt_money,
    fmt_num,
    fmt_pct,
    month_label,
)
from orchestration.reports.pulse_report.headline import Headline, compute_headline
from orchestration.reports.pulse_report.sections import (
    SECTIONS,
    Missing,
    acquisition,
    attention,
    backtest,
    cohorts,
    cx,
    finance,
    health,
    playbooks,
    quality,
    retention,
)
from orchestration.reports.pulse_report.templates import render, template_text

REPORT_NAME = "pulse_report"
# The page's style sheet (templates/report.css), inlined in the page: no file to fetch.
CSS = template_text("report.css")


def _section(sid: str, title: str, body: Callable[[], Markup]) -> dict:
    """One section's id, title and HTML; its note when its mart is missing; the error when
    drawing it failed (one broken section must not cost the whole report)."""
    out: dict = {"id": sid, "title": title, "html": None, "note": None, "error": None}
    try:
        out["html"] = body()
    except Missing as exc:
        out["note"] = str(exc)
    except Exception as exc:  # shown in its section; the others are still drawn
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out


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
    bodies: dict[str, Callable[[], Markup]] = {
        "health": lambda: health.render(data, head),
        "attention": lambda: attention.render(data),
        "cx": lambda: cx.render(data),
        "retention": lambda: retention.render(data),
        "cohorts": lambda: cohorts.render(data),
        "acquisition": lambda: acquisition.render(data),
        "finance": lambda: finance.render(data),
        "playbooks": lambda: playbooks.render(data.playbooks, data.currency),
        "backtest": lambda: backtest.render(data),
        "data-quality": lambda: quality.render(data, checks),
    }
    sections = [_section(sid, title, bodies[sid]) for sid, title in SECTIONS]
    cur = data.currency
    tiles = [
        (f"{HEALTH[c][0]} {HEALTH[c][3]}", fmt_int(getattr(head, c)), HEALTH[c][2])
        for c in ("healthy", "at_risk", "unhealthy")
    ]
    tiles.append(("MRR at risk", fmt_money(head.mrr_at_risk, cur), ""))
    for key, label, fmt in (
        ("nps", "NPS", fmt_num),
        ("csat_pct", "CSAT", fmt_pct),
        ("ces_avg", "CES (1-7)", lambda v: fmt_num(v, 2)),
        ("logo_churn_rate_pct", "Logo churn", lambda v: fmt_pct(v, 2)),
    ):
        month, value = head.metrics.get(key, (None, None))
        tiles.append((label, fmt(value), month_label(month) if month else "no complete month"))
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
    return render(
        "report.html",
        title=f"Pulse report{' ' + as_of.isoformat() if as_of else ''}",
        meta=meta,
        sections=sections,
        tiles=tiles,
        serving_copy=data.db_path.name,
        publish_id=run.get("publish_id"),
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
