"""Files for people are safe to open and readable only as the umask allows.

1. Spreadsheet formula injection: a company name such as =HYPERLINK(...) is text in the
   finance workbook (never a formula; a segment name on the aging summary too) and
   neutralised in its CSVs (OWASP: a leading single quote), while numbers, negative ones
   included, stay numbers. The HTML report escapes text.
2. Output files (serving copy, finance workbook and CSVs, the HTML report) follow the process
   umask instead of being forced world-readable.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import stat
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from orchestration.assets.finance_reports import AGING_SUMMARY_SQL
from orchestration.publish import publish
from orchestration.reports.finance_workbook import (
    AGING_CSV,
    AGING_SHEET,
    DELAY_CSV,
    DELAY_SHEET,
    SUMMARY_SHEET,
    write_finance_reports,
)
from orchestration.reports.pulse_report.data import load_report_data
from orchestration.reports.pulse_report.render import render_html, write_report
from tests.test_finance_workbook import _aging, _delay

AS_OF = dt.date(2025, 6, 30)

HYPERLINK = '=HYPERLINK("http://x", "y")'
# Each leading character OWASP lists for CSV injection, in a text column.
DANGEROUS = [HYPERLINK, "+SUM(1,2)", "-2+3", "@SUM(1)", "\tTAB=1", "\rCR=1"]


def _hostile_reports():
    """The small hand-made reports with hostile text in company_name and segment, and a
    negative amount (a credit note) on the first invoice."""
    aging = _aging()
    aging["company_name"] = [HYPERLINK, "+SUM(1,2)", "Acme GmbH"]
    aging["segment"] = ["-2+3", "@SUM(1)", "smb"]
    aging["amount_local"] = [-12.5, 2200.0, 50.0]
    delay = _delay()
    delay["company_name"] = ["\tTAB=1", "\rCR=1", HYPERLINK]
    return aging, delay


@pytest.fixture
def hostile(tmp_path):
    aging, delay = _hostile_reports()
    return write_finance_reports(aging, delay, tmp_path / "finance", as_of_date=AS_OF)


def _text(value):
    """A string cell's text as Excel shows it: the file escapes control characters such as a
    carriage return as _xHHHH_ (ECMA-376's ST_Xstring), which openpyxl leaves as they are."""
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m[1], 16)), value)


def _column(ws, header: str) -> list:
    headers = [c.value for c in ws[1]]
    index = headers.index(header)
    return [row[index] for row in ws.iter_rows(min_row=2)]


def test_workbook_writes_formula_like_text_as_text(hostile):
    wb = load_workbook(hostile.workbook)
    cells = _column(wb[AGING_SHEET], "Company") + _column(wb[AGING_SHEET], "Segment")
    cells += _column(wb[DELAY_SHEET], "Company")
    hostile_cells = [c for c in cells if _text(c.value) in DANGEROUS]
    # every dangerous text arrives once per cell it was written to, unchanged, as a string
    assert sorted(_text(c.value) for c in hostile_cells) == sorted(
        [HYPERLINK, "+SUM(1,2)", "-2+3", "@SUM(1)", "\tTAB=1", "\rCR=1", HYPERLINK]
    )
    for cell in hostile_cells:
        assert cell.data_type == "s", (cell.coordinate, cell.value)
        assert cell.quotePrefix, cell.coordinate  # Excel keeps it text when edited too


# Text shaped like XlsxWriter's own rich-text XML: written into the sheet unescaped, it would
# close its cell and add one holding a formula.
XML_SHAPED = (
    '<r><t>a</t></r></is></c><c r="Z2"><f>HYPERLINK("http://x","y")</f></c>'
    '<c r="Z3" t="inlineStr"><is><r><t>b</t></r>'
)


def test_workbook_text_shaped_like_cell_xml_stays_one_text_cell(tmp_path):
    aging, delay = _hostile_reports()
    aging["company_name"] = [XML_SHAPED, "<r>", "Acme GmbH"]
    files = write_finance_reports(aging, delay, tmp_path, as_of_date=AS_OF)
    wb = load_workbook(files.workbook)
    ws = wb[AGING_SHEET]
    assert ws.max_column == 16  # Status + the 15 columns: no cell added
    companies = [_text(c.value) for c in _column(ws, "Company")]
    assert sorted(companies) == sorted([XML_SHAPED, "<r>", "Acme GmbH"])
    for sheet in wb:
        for row in sheet.iter_rows():
            assert all(c.data_type != "f" for c in row), sheet.title


def test_aging_summary_writes_formula_like_segments_as_text(tmp_path):
    aging, delay = _hostile_reports()
    con = duckdb.connect()
    con.register("invoices", aging)
    con.execute(
        "create table rpt_aging_summary as select aging_bucket, segment, bucket_order,"
        " 1 as invoices, open_amount from invoices"
    )
    summary = con.execute(AGING_SUMMARY_SQL).df()
    con.close()
    files = write_finance_reports(aging, delay, tmp_path, as_of_date=AS_OF, summary=summary)
    cells = _column(load_workbook(files.workbook)[SUMMARY_SHEET], "Segment")
    hostile_cells = [c for c in cells if c.value in ("-2+3", "@SUM(1)")]
    assert len(hostile_cells) == 2
    for cell in hostile_cells:
        assert cell.data_type == "s", (cell.coordinate, cell.value)
        assert cell.quotePrefix, cell.coordinate


def test_workbook_keeps_numbers_numeric(hostile):
    ws = load_workbook(hostile.workbook)[AGING_SHEET]
    local = _column(ws, "Amount in invoice currency")
    assert sorted(c.value for c in local) == [-12.5, 50.0, 2200.0]
    assert {c.data_type for c in local} == {"n"}


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_csv_neutralises_text_cells_only(hostile):
    aging = _csv_rows(hostile.folder / AGING_CSV)
    by_invoice = {r["invoice_id"]: r for r in aging}
    assert by_invoice["INV-CUR"]["company_name"] == "'" + HYPERLINK
    assert by_invoice["INV-OLD"]["company_name"] == "'+SUM(1,2)"
    assert by_invoice["INV-CUR"]["segment"] == "'-2+3"
    assert by_invoice["INV-OLD"]["segment"] == "'@SUM(1)"
    assert by_invoice["INV-1D"]["company_name"] == "Acme GmbH"  # harmless text as is
    # a negative amount is a number, not text: no quote
    assert by_invoice["INV-CUR"]["amount_local"] == "-12.5"
    delay = {r["customer_id"]: r for r in _csv_rows(hostile.folder / DELAY_CSV)}
    assert delay["C1"]["company_name"] == "'\tTAB=1"
    assert delay["C2"]["company_name"] == "'\rCR=1"
    assert delay["C3"]["company_name"] == "'" + HYPERLINK
    assert delay["C1"]["invoices"] == "5"


REPORT_SQL = """
create table pulse_run as select 'run-1' as run_id, date '2025-06-30' as as_of_date;
create table rpt_customers_needing_attention as select * from (values
    (1, 'C3', '<img src=x onerror=alert(1)>', 'smb', date '2025-06-30', 31.0, 'unhealthy',
     'red', null, 'new', 'payments', 900.0, 900.0, true, false, true, '<b>why</b>')
) as t(attention_rank, customer_id, company_name, segment, as_of_date, health_score,
    health_category, health_color, score_change_30d, trend, top_negative_driver, current_mrr,
    mrr_at_risk, is_unhealthy, has_dropped, is_below_floor, reason);
create table rpt_load_files as select * from (values
    (1, 'inv<script>', 'inv<script>/a.csv', 'csv', 1, 'rejected', '<script>x</script>',
     0, 0, 0, 0, true),
    (2, '<i>x', '<i>x/', null, 0, 'ignored', 'unknown source folder <u>', 0, 0, 0, 0, true)
) as t(file_id, source_name, file_path, file_format, file_size_bytes, status, error,
    rows_read, rows_loaded, rows_quarantined, rows_quarantined_resolved, is_reconciled);
"""


def test_html_report_escapes_text(tmp_path):
    db = tmp_path / "serving.duckdb"
    con = duckdb.connect(str(db))
    con.execute(REPORT_SQL)
    con.close()
    html = render_html(load_report_data(db), None)
    for raw in ("<img src=x", "<script>", "<b>why", "<i>x", "<u>"):
        assert raw not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "&lt;i&gt;x/" in html and "unknown source folder &lt;u&gt;" in html


# -- umask ------------------------------------------------------------------------------


@pytest.fixture
def umask():
    """Set the process umask for one test; the previous one comes back afterwards."""
    previous = os.umask(0o022)
    os.umask(previous)

    def _set(mask: int) -> None:
        os.umask(mask)

    yield _set
    os.umask(previous)


def _modes(root: Path) -> dict[str, int]:
    """Permission bits of every file and folder under root (symlinks not followed)."""
    found = {}
    for path in [root, *root.rglob("*")]:
        info = path.lstat()
        if not stat.S_ISLNK(info.st_mode):
            found[str(path.relative_to(root.parent))] = stat.S_IMODE(info.st_mode)
    return found


def _produce_outputs(root: Path) -> list[Path]:
    """A serving copy, the finance files and the HTML report under root; returns the folders
    that hold them."""
    work = root / "work.duckdb"
    con = duckdb.connect(str(work))
    con.execute("create table fct_a as select range as i from range(10)")
    publish(con, root / "serving", [("main", "fct_a")], "run-1", AS_OF)
    con.close()
    write_finance_reports(_aging(), _delay(), root / "finance", as_of_date=AS_OF)
    write_report("<html></html>", root / "reports", AS_OF)
    return [root / "serving", root / "finance", root / "reports"]


@pytest.mark.parametrize(
    ("mask", "file_mode", "dir_mode"), [(0o077, 0o600, 0o700), (0o022, 0o644, 0o755)]
)
def test_outputs_follow_the_umask(tmp_path, umask, mask, file_mode, dir_mode):
    umask(mask)
    folders = _produce_outputs(tmp_path)
    for folder in folders:
        modes = _modes(folder)
        files = {p: m for p, m in modes.items() if (tmp_path / p).is_file()}
        dirs = {p: m for p, m in modes.items() if (tmp_path / p).is_dir()}
        assert files and dirs
        assert files == dict.fromkeys(files, file_mode), folder
        assert dirs == dict.fromkeys(dirs, dir_mode), folder
