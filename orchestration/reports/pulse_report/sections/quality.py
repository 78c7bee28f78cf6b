"""Data quality: the landing files loaded, rejected, failed and ignored (rpt_load_files), the
quarantined rows by reason (rpt_quarantine) and this run's asset checks."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from markupsafe import Markup

from orchestration.reports import charts
from orchestration.reports.pulse_report.data import CheckResult, ReportData
from orchestration.reports.pulse_report.format import fmt_int
from orchestration.reports.pulse_report.templates import Table, table
from orchestration.reports.pulse_report.templates import render as render_template
from orchestration.reports.pulse_report.values import num, py


def _tiles(files: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(label, value, sub) of the files' tiles."""
    loaded = files[files["status"] == "loaded"]
    # rejected: the content breaks the contract; failed: could not be processed this time
    # (disk full, memory) and retried on the next run, so listed apart
    rejected = files[files["status"] != "loaded"]
    failed = files[files["status"] == "failed"]
    tiles = [
        ("Files loaded", fmt_int(len(loaded)), ""),
        ("Files rejected", fmt_int(len(rejected) - len(failed)), ""),
    ]
    if len(failed):
        tiles.append(("Files failed", fmt_int(len(failed)), "retried on the next run"))
    tiles += [
        ("Rows read", fmt_int(files["rows_read"].sum()), ""),
        ("Rows loaded", fmt_int(files["rows_loaded"].sum()), ""),
        (
            "Rows quarantined",
            fmt_int(files["rows_quarantined"].sum()),
            f"{fmt_int(files['rows_quarantined_resolved'].sum())} fixed by a later file"
            if "rows_quarantined_resolved" in files
            else "",
        ),
    ]
    if "is_reconciled" in files:
        reconciled = files["is_reconciled"].fillna(False)
        tiles.append(
            (
                "Reconciled",
                "✓ every file" if bool(reconciled.all()) else f"✗ {int((~reconciled).sum())} files",
                "read = loaded + quarantined",
            )
        )
    return tiles


def _by_source(files: pd.DataFrame) -> Table:
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
    return table(
        ["Source", "Files", "Rejected", "Rows read", "Loaded", "Quarantined"],
        [
            [
                r["source_name"],
                fmt_int(r["files"]),
                ("✗ " if r["rejected"] else "") + fmt_int(r["rejected"]),
                fmt_int(r["rows_read"]),
                fmt_int(r["rows_loaded"]),
                fmt_int(r["rows_quarantined"]),
            ]
            for _, r in by_source.iterrows()
        ],
        cls="num",
        tid="files-table",
    )


def _checks(checks: Sequence[CheckResult]) -> dict:
    failed = [c for c in checks if not c.passed]
    errors = [c for c in failed if c.severity.upper() == "ERROR"]
    return {
        "passed": sum(1 for c in checks if c.passed),
        "failed": len(failed),
        "errors": len(errors),
        "warnings": len(failed) - len(errors),
        "failed_table": table(
            ["Result", "Asset", "Check", "Detail"],
            [
                [
                    "✗ error" if c.severity.upper() == "ERROR" else "⚠ warning",
                    c.asset,
                    c.check,
                    c.description,
                ]
                for c in sorted(failed, key=lambda c: (c.severity, c.asset, c.check))
            ],
            tid="failed-checks-table",
        ),
        "all_table": table(
            ["Result", "Asset", "Check"],
            [
                ["✓ passed" if c.passed else "✗ failed", c.asset, c.check]
                for c in sorted(checks, key=lambda c: (c.passed, c.asset, c.check))
            ],
            tid="checks-table",
        ),
        "total": len(checks),
    }


def render(data: ReportData, checks: Sequence[CheckResult] | None) -> Markup:
    files = data.get("rpt_load_files")
    ignored = None
    if files is not None:
        # entries at the landing root Pulse does not load: listed apart, not counted as files
        is_ignored = files["status"] == "ignored"
        files, ignored = files[~is_ignored], files[is_ignored]
    context: dict = {
        "files": None if files is None else len(files),
        "tiles": [],
        "by_source": None,
        "rejected": None,
        "ignored": None,
        "quarantine": None,
        "quarantined": None,
        "checks": None if checks is None else (_checks(checks) if checks else {}),
    }
    if files is not None and len(files):
        context["tiles"] = _tiles(files)
        context["by_source"] = _by_source(files)
        rejected = files[files["status"] != "loaded"]
        if len(rejected):
            context["rejected"] = table(
                ["Source", "File", "Status", "Why"],
                [
                    [r["source_name"], r["file_path"], r["status"], py(r.get("error")) or ""]
                    for _, r in rejected.sort_values("file_id").iterrows()
                ],
                tid="rejected-table",
            )
    if ignored is not None and len(ignored):
        context["ignored"] = table(
            ["Path", "Why"],
            [
                [r["file_path"], py(r.get("error")) or ""]
                for _, r in ignored.sort_values("file_path").iterrows()
            ],
            tid="ignored-table",
        )
    q = data.quarantine_by_reason
    context["quarantined"] = None if q is None else len(q)
    if q is not None and len(q):
        context["quarantine"] = Markup(
            charts.bar_chart(
                "quarantine-by-reason",
                "Quarantined rows by reason code",
                [
                    charts.Bar(
                        str(py(r["reason_code"]) or "(none)"),
                        num(r["rows"]),
                        charts.ORANGE,
                        text=f"{int(r['rows']):,} ({int(r['resolved']):,} fixed later)",
                    )
                    for _, r in q.iterrows()
                ],
                label_width=170,
            )
        )
    return render_template("sections/quality.html", **context)
