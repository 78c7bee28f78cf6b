"""The finance workbook in LibreOffice: it opens with the aging summary, and every sheet
prints one page wide. LibreOffice (headless `soffice`) converts the workbook to ODF and to
PDF; the test reads what LibreOffice made of it, not what the file asks for (that is
tests/test_finance_workbook.py). Skips without LibreOffice (CI installs it: .ci/run)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from orchestration.reports.finance_workbook import SUMMARY_SHEET, write_finance_reports
from tests.test_finance_workbook import AS_OF, _aging, _delay, _summary_from_mart

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


def _convert(workbooks: list[Path], to: str, out: Path) -> list[Path]:
    """`soffice --convert-to <to>` of the workbooks in one start of LibreOffice (a start costs
    seconds); its own profile folder, so a desktop LibreOffice that is open does not take
    the job."""
    out.mkdir(parents=True, exist_ok=True)
    profile = (out / "profile").as_uri()
    cmd = [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--norestore"]
    cmd += ["--convert-to", to, "--outdir", str(out), *map(str, workbooks)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    converted = [out / f"{workbook.stem}.{to}" for workbook in workbooks]
    assert all(c.exists() for c in converted), proc.stdout + proc.stderr
    return converted


def _pdf_pages(pdf: Path) -> int:
    # a page object's dictionary (/Type /Page, not the page tree's /Pages) is never compressed
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes()))


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lo_workbook")
    files = write_finance_reports(
        _aging(), _delay(), out, as_of_date=AS_OF, summary=_summary_from_mart()
    )
    return files.workbook


def test_it_opens_with_the_aging_summary_first(workbook, tmp_path):
    (ods,) = _convert([workbook], "ods", tmp_path / "ods")
    content = zipfile.ZipFile(ods).read("content.xml").decode()
    sheets = re.findall(r'<table:table table:name="([^"]+)"', content)
    assert sheets[:4] == [SUMMARY_SHEET, "Invoice aging", "Payment delay", "About"]
    summary = content[content.index(f'table:name="{SUMMARY_SHEET}"') :]
    summary = summary[: summary.index("</table:table>")]
    # the all-segments total, by hand from the three invoices: 100 + 30 + 1234.50
    assert "All segments" in summary
    assert 'office:value="1364.5"' in summary


def test_every_sheet_prints_one_page_wide(workbook, tmp_path):
    """The small workbook fits one page per sheet once each is scaled to the page's width:
    four sheets, four pages. The same workbook without the fit-to-width setting prints its
    16- and 22-column sheets over more pages, so the count proves the scaling."""
    sheets = len(load_workbook(workbook).sheetnames)
    unscaled = tmp_path / f"{workbook.stem}_unscaled.xlsx"
    wb = load_workbook(workbook)
    for ws in wb:
        ws.sheet_properties.pageSetUpPr.fitToPage = False
    wb.save(unscaled)
    fit, plain = _convert([workbook, unscaled], "pdf", tmp_path / "pdf")
    assert _pdf_pages(fit) == sheets
    assert _pdf_pages(plain) > sheets
