"""The landing folder is checked before anything loads.

1. A missing landing folder (a typo in PULSE_LANDING_DIR), or one holding no known source
   folder, fails the run with a message naming the path, and nothing is published: the
   previous serving copy, report and finance workbook stay.
2. What Pulse does not know at the landing root (customer/, Customers/, a dot-file or
   dot-folder, a stray file) is reported: a ledger row with status `ignored` and the reason
   (once per path), a warning in the run's output, and a row in rpt_load_files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance

from orchestration import cli
from orchestration.publish import publish
from tests.conftest import FIXTURES, write_usage_events

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


@pytest.fixture(scope="module")
def stray_run(tmp_path_factory):
    """One whole run over the fixture landing folder plus the strays, through the CLI."""
    root = tmp_path_factory.mktemp("strays")
    landing = root / "landing"
    shutil.copytree(FIXTURES / "landing", landing)
    write_usage_events(landing)
    for name in ("customer", "Customers", ".cache"):
        (landing / name).mkdir()
        (landing / name / "2025-03.csv").write_bytes(STRAY_BYTES)
    (landing / ".DS_Store").write_bytes(STRAY_BYTES)
    (landing / "notes.txt").write_bytes(STRAY_BYTES)
    mp = pytest.MonkeyPatch()
    _set_env(mp, root, landing)
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = cli.main(["run"])
    yield root, code, output.getvalue()
    mp.undo()


def _ledger(warehouse: Path):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select file_path, source, file_format, file_size, content_hash, error,"
            " rows_read, rows_loaded, rows_quarantined"
            " from pulse_meta.load_ledger where status = 'ignored' order by file_path"
        ).fetchall()
    finally:
        con.close()


def test_run_with_strays_succeeds(stray_run):
    _, code, output = stray_run
    assert code == 0, output


def test_strays_get_an_ignored_ledger_row_with_the_reason(stray_run):
    root, _, _ = stray_run
    rows = {row[0]: row[1:] for row in _ledger(root / "wh" / "pulse.duckdb")}
    assert sorted(rows) == sorted(STRAYS)
    for path, (is_folder, reason) in STRAYS.items():
        source, fmt, size, sha, error, read, loaded, quarantined = rows[path]
        assert source == path.rstrip("/")
        assert fmt is None
        assert error == reason
        assert (read, loaded, quarantined) == (0, 0, 0)
        if is_folder:
            assert (size, sha) == (0, "")
        else:
            assert size == len(STRAY_BYTES)
            assert len(sha) == 64
        assert "example.com" not in error  # never the content


def test_the_run_output_warns_about_each_stray(stray_run):
    root, _, output = stray_run
    for path, (_, reason) in STRAYS.items():
        assert f"ignored {path} in {root / 'landing'}: {reason}" in output


def test_strays_show_in_rpt_load_files(stray_run):
    root, _, _ = stray_run
    con = duckdb.connect(str(root / "serving" / "current" / "pulse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select file_path, status, error, is_reconciled from rpt_load_files"
            " where status = 'ignored' order by file_path"
        ).fetchall()
    finally:
        con.close()
    assert rows == sorted((p, "ignored", reason, True) for p, (_, reason) in STRAYS.items())


def test_strays_are_recorded_once_per_path_but_warned_every_run(stray_run):
    from dagster import materialize

    from orchestration.assets.landing import landing_asset
    from orchestration.resources import build_resources

    root, _, _ = stray_run
    mp = pytest.MonkeyPatch()
    _set_env(mp, root, root / "landing")
    try:
        instance = DagsterInstance.ephemeral()
        result = materialize(
            [landing_asset], resources=build_resources(), instance=instance, raise_on_error=True
        )
    finally:
        mp.undo()
    assert len(_ledger(root / "wh" / "pulse.duckdb")) == len(STRAYS)
    metadata = result.asset_materializations_for_node("landing")[0].metadata
    assert metadata["ignored"].value == len(STRAYS)
    assert metadata["ignored_new"].value == 0
    warnings = [
        entry.user_message
        for entry in instance.all_logs(result.run_id)
        if entry.level == 30 and entry.user_message.startswith("ignored ")
    ]
    assert len(warnings) == len(STRAYS)
