"""The landing folder is checked before anything loads.

1. A missing landing folder (a typo in PULSE_LANDING_DIR), or one holding no known source
   folder, fails the run with a message naming the path, and nothing is published: the
   previous serving copy, report and finance workbook stay.
2. What Pulse does not know at the landing root (customer/, Customers/, a dot-file or
   dot-folder, a stray file) is reported: a ledger row with status `ignored` and the reason
   (once per path), a warning in the run's output, and a row in rpt_load_files. The strays
   below ride along in tests/test_pipeline.py's one whole run, which checks them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from orchestration import cli
from orchestration.publish import publish

AS_OF = "2025-06-30"
AS_OF_DATE = dt.date(2025, 6, 30)
KNOWN = (
    "customers, subscriptions, survey_responses, support_tickets, usage_events, invoices,"
    " payments, payment_reminders, marketing_spend, costs"
)


def _set_env(monkeypatch, root: Path, landing: Path) -> None:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("PULSE_LANDING_DIR", str(landing))
    monkeypatch.setenv("PULSE_WAREHOUSE", str(root / "wh" / "pulse.duckdb"))
    monkeypatch.setenv("PULSE_SERVING_DIR", str(root / "serving"))
    monkeypatch.setenv("PULSE_REPORTS_DIR", str(root / "reports"))
    monkeypatch.setenv("PULSE_DATA_DOCS_DIR", str(root / "data_docs"))
    monkeypatch.setenv("PULSE_DATA_DOCS", "off")
    monkeypatch.setenv("PULSE_AS_OF_DATE", AS_OF)


def _previous_outputs(root: Path) -> dict[Path, bytes]:
    """What an earlier good run left: a serving copy made current, the report, the workbook."""
    work = duckdb.connect(str(root / "previous_work.duckdb"))
    work.execute("create table fct_previous as select 1 as i")
    published = publish(work, root / "serving", [("main", "fct_previous")], "previous", AS_OF_DATE)
    work.close()
    report = root / "reports" / "pulse_report.html"
    workbook = root / "reports" / "finance" / AS_OF / f"finance_reports_{AS_OF}.xlsx"
    workbook.parent.mkdir(parents=True)
    report.write_text("<html>previous report</html>")
    workbook.write_bytes(b"previous workbook")
    return {path: path.read_bytes() for path in (published.path / "pulse.duckdb", report, workbook)}


def _assert_nothing_published(root: Path, previous: dict[Path, bytes]) -> None:
    copy = next(iter(previous)).parent
    assert (root / "serving" / "current").resolve() == copy
    assert [p.name for p in (root / "serving" / "runs").iterdir()] == [copy.name]
    assert {path: path.read_bytes() for path in previous} == previous
    assert sorted(p.name for p in (root / "reports").rglob("*") if p.is_file()) == [
        f"finance_reports_{AS_OF}.xlsx",
        "pulse_report.html",
    ]


def test_missing_landing_folder_fails_the_run_and_publishes_nothing(tmp_path, monkeypatch, capsys):
    typo = tmp_path / "landnig"  # PULSE_LANDING_DIR misspelt: the folder does not exist
    _set_env(monkeypatch, tmp_path, typo)
    previous = _previous_outputs(tmp_path)
    assert cli.main(["run"]) == 1
    out = capsys.readouterr()
    assert f"landing folder {typo} does not exist" in out.out + out.err
    assert "Traceback" not in out.out
    _assert_nothing_published(tmp_path, previous)


def test_landing_folder_without_a_known_source_fails_the_run(tmp_path, monkeypatch, capsys):
    landing = tmp_path / "landing"
    (landing / "customer").mkdir(parents=True)  # singular: not the contract's customers/
    (landing / "customer" / "2025-01.csv").write_text("customer_id\nC1\n")
    _set_env(monkeypatch, tmp_path, landing)
    previous = _previous_outputs(tmp_path)
    assert cli.main(["run"]) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert f"landing folder {landing} holds no source folder" in text
    assert KNOWN in text
    _assert_nothing_published(tmp_path, previous)


# -- unknown entries at the landing root ------------------------------------------------

STRAYS = {
    # path in the ledger: (is a folder, reason)
    "customer/": (
        True,
        f"unknown source folder: expected one of {KNOWN} (did you mean customers?)",
    ),
    "Customers/": (
        True,
        f"unknown source folder: expected one of {KNOWN} (did you mean customers?)",
    ),
    ".cache/": (True, "hidden folder (its name starts with '.'): not loaded"),
    ".DS_Store": (False, "hidden file (its name starts with '.'): not loaded"),
    "notes.txt": (
        False,
        "a file at the landing root: files load from a source folder, e.g. customers/",
    ),
}
STRAY_BYTES = b"customer_id,email\nC1,someone@example.com\n"
