"""A vendor row that cannot be mapped is quarantined with a reason naming the profile's dataset
and the vendor's own column(s), never a value; the other rows load and the counts add up.

Each file is shaped like the vendor's export (the header of the shipped fixture under
tests/fixtures/vendor_exports/, unmodified) with a few rows written here. The expected reasons
are written out by hand from the profiles (profiles/*.yml) and the rows.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from orchestration.ingest.profiles import load_profile
from tests.helpers import ingest, query

VENDOR_EXPORTS = Path(__file__).parent / "fixtures" / "vendor_exports"


def _vendor_csv(fixture: str, rows: list[dict[str, str]]) -> str:
    """A CSV file with the fixture's header and, per row, the fixture's first data row with
    the given cells replaced: the vendor's shape, with the cells under test changed."""
    with (VENDOR_EXPORTS / fixture).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, first = reader.fieldnames, next(reader)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        assert set(row) <= set(header), set(row) - set(header)
        writer.writerow({**first, **row})
    return out.getvalue()


def _write(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))


def _ledger(warehouse: Path, path: str) -> tuple:
    """(status, rows_read, rows_loaded, rows_quarantined, rows_excluded, profile)."""
    return query(
        warehouse,
        "select status, rows_read, rows_loaded, rows_quarantined, rows_excluded, profile"
        " from pulse_meta.load_ledger where file_path = ?",
        [path],
    )[0]


def _quarantine(warehouse: Path) -> list[tuple]:
    return query(
        warehouse,
        "select file_path, row_number, primary_key, reason_code, reasons"
        " from pulse_meta.quarantine order by file_path, row_number",
    )


def test_stripe_invoices_reasons_name_the_dashboard_columns(tmp_path):
    rel = "stripe/invoices/invoices.csv"
    landing = tmp_path / "landing"
    _write(
        landing / rel,
        _vendor_csv(
            "stripe/invoices/invoices.csv",
            [
                {"id": "in_ok1"},
                {"id": "in_ok2", "Amount Due": "1200.00"},
                # A file re-saved by a spreadsheet with a thousands separator.
                {"id": "in_bad_amount", "Amount Due": "1,200.00"},
                # A status the profile's value map does not know.
                {"id": "in_bad_status", "Status": "paid_out_of_band"},
                # Due before it was issued: due_at reads two columns, issued_at one of them.
                {"id": "in_bad_due", "Due Date (UTC)": "2026-01-01 09:00"},
            ],
        ),
    )
    warehouse = tmp_path / "wh.duckdb"
    ingest(landing, warehouse)

    # 5 rows read = 2 loaded + 3 quarantined; none excluded.
    assert _ledger(warehouse, rel) == ("loaded", 5, 2, 3, 0, "stripe")
    assert query(warehouse, "select invoice_id from raw.invoices order by 1") == [
        ("in_ok1",),
        ("in_ok2",),
    ]
    assert _quarantine(warehouse) == [
        (
            rel,
            3,
            "in_bad_amount",
            "invalid_number",
            'invalid_number(amount) in stripe/invoices column "Amount Due"',
        ),
        (
            rel,
            4,
            "in_bad_status",
            "invalid_value",
            'invalid_value(status) in stripe/invoices column "Status"',
        ),
        (
            rel,
            5,
            "in_bad_due",
            "due_before_issued",
            "due_before_issued(due_at) in stripe/invoices"
            ' columns "Due Date (UTC)" and "Date (UTC)"',
        ),
    ]


TRIPLETEX_OPEN_ITEMS = (
    "Kundenummer;Kundenavn;Organisasjonsnummer;Fakturanummer;Fakturadato;Forfallsdato;KID;"
    "Valuta;Beløp;Restbeløp\r\n"
    "10001;Fjordlys Bakeri AS;912345678;2026101;15.01.2026;29.01.2026;0100011;NOK;"
    "12 500,00;12 500,00\r\n"
    # 31 February: no such day.
    "10002;Ærlig Økonomi & Sønn AS;923456789;2026102;31.02.2026;03.03.2026;;NOK;"
    "5 000,50;2 000,25\r\n"
    "10003;Blåbær på Åsen SA;934567890;2026103;22.01.2026;05.02.2026;;;1 000,00;1 000,00\r\n"
    # A point between thousands where the Norwegian export writes a space.
    "10005;Havgløtt Rederi AS;956789012;2026105;31.01.2026;14.02.2026;;EUR;"
    "1.234,50;1.234,50\r\n"
    "Sum;;;;;;;;;\r\n"
)


def test_tripletex_reasons_name_the_norwegian_columns(tmp_path):
    rel = "tripletex/kundereskontro/apne_poster.csv"
    landing = tmp_path / "landing"
    _write(landing / rel, TRIPLETEX_OPEN_ITEMS, "cp1252")
    warehouse = tmp_path / "wh.duckdb"
    ingest(landing, warehouse)

    # 4 data rows and the Sum row: 5 read = 2 loaded + 2 quarantined + 1 excluded (footer).
    assert _ledger(warehouse, rel) == ("loaded", 5, 2, 2, 1, "tripletex")
    assert query(warehouse, "select invoice_id from raw.invoices order by 1") == [
        ("2026101",),
        ("2026103",),
    ]
    assert _quarantine(warehouse) == [
        (
            rel,
            2,
            "2026102",
            "invalid_date",
            'invalid_date(issued_at) in tripletex/kundereskontro column "Fakturadato"',
        ),
        (
            rel,
            4,
            "2026105",
            "invalid_number",
            'invalid_number(amount) in tripletex/kundereskontro column "Restbeløp"',
        ),
    ]


def test_zendesk_ticket_reasons_name_the_export_columns(tmp_path):
    rel = "zendesk/tickets/export-tickets.csv"
    landing = tmp_path / "landing"
    _write(
        landing / rel,
        _vendor_csv(
            "zendesk/tickets/export-2026-01-31-1200-tickets.csv",
            [
                {"Id": "5001"},
                # A time re-saved by a spreadsheet in its own format.
                {"Id": "5002", "Created at": "05/01/2026 08:12"},
                # A priority Zendesk does not have (a custom field's value pasted in).
                {"Id": "5003", "Priority": "Critical"},
            ],
        ),
    )
    warehouse = tmp_path / "wh.duckdb"
    ingest(landing, warehouse)

    # 3 rows read = 1 loaded + 2 quarantined.
    assert _ledger(warehouse, rel) == ("loaded", 3, 1, 2, 0, "zendesk")
    assert query(warehouse, "select ticket_id from raw.support_tickets") == [("5001",)]
    assert _quarantine(warehouse) == [
        (
            rel,
            2,
            "5002",
            "invalid_timestamp",
            'invalid_timestamp(created_at) in zendesk/tickets column "Created at"',
        ),
        (
            rel,
            3,
            "5003",
            "invalid_value",
            'invalid_value(priority) in zendesk/tickets column "Priority"',
        ),
    ]


def test_segment_reasons_name_the_json_path_inside_the_column(tmp_path):
    """JSON Lines nest the account in an object: the reason names the file column and the
    path read inside it (profiles/segment.yml: customer_id is context.groupId)."""
    rel = "segment/tracks/2026-01-21.jsonl"
    landing = tmp_path / "landing"
    grouped = {
        "messageId": "m1",
        "type": "track",
        "event": "Signed In",
        "userId": "u_1",
        "context": {"groupId": "G1"},
        "properties": {},
        "timestamp": "2026-01-20T10:00:00.932Z",
    }
    # an anonymous visitor's track call: no group, so no customer to attribute it to
    anonymous = {**grouped, "messageId": "m2", "context": {"locale": "nb-NO"}}
    _write(landing / rel, "\n".join(json.dumps(m) for m in (grouped, anonymous)) + "\n")
    warehouse = tmp_path / "wh.duckdb"
    ingest(landing, warehouse)

    # 2 rows read = 1 loaded + 1 quarantined.
    assert _ledger(warehouse, rel) == ("loaded", 2, 1, 1, 0, "segment")
    assert _quarantine(warehouse) == [
        (
            rel,
            2,
            "m2",
            "missing_required",
            'missing_required(customer_id) in segment/tracks column "context" at $.groupId',
        )
    ]


ACME_PROFILE = """\
profile: acme
datasets:
  invoices:
    source: invoices
    reader:
      delimiter: ";"
    columns:
      invoice_id: '"Nr"'
      customer_id: '"Kunde"'
      issued_at: '"Dato"'
      due_at: 'coalesce(nullif("Forfall", ''''), "Dato")'
      amount: 'try_cast("Netto" as decimal(18, 2)) + try_cast("MVA" as decimal(18, 2))'
      status: "'open'"
    constants:
      currency: NOKK
"""


def test_a_constant_or_a_column_free_expression_is_named_as_such(tmp_path, monkeypatch):
    profiles = tmp_path / "profiles"
    _write(profiles / "acme.yml", ACME_PROFILE)
    dataset = load_profile(profiles / "acme.yml").datasets["invoices"]
    # Several columns, each once, as the profile spells them; a quoted literal is no column.
    assert dataset.origin(("amount",)) == 'acme/invoices columns "Netto" and "MVA"'
    assert dataset.origin(("due_at", "issued_at")) == 'acme/invoices columns "Forfall" and "Dato"'
    assert dataset.origin(("status",)) == "acme/invoices (an expression naming no file column)"
    assert dataset.origin(("currency",)) == "acme/invoices (the profile's constant)"
    assert dataset.origin(("updated_at",)) == "acme/invoices (not mapped by the profile)"

    # A constant the contract refuses quarantines every row, naming the constant.
    monkeypatch.setenv("PULSE_PROFILES_DIR", str(profiles))
    landing = tmp_path / "landing"
    _write(
        landing / "acme/invoices/a.csv",
        "Nr;Kunde;Dato;Forfall;Netto;MVA\nA1;C1;2026-02-01;;100;25\n",
    )
    warehouse = tmp_path / "wh.duckdb"
    ingest(landing, warehouse)
    assert _ledger(warehouse, "acme/invoices/a.csv") == ("loaded", 1, 0, 1, 0, "acme")
    assert _quarantine(warehouse) == [
        (
            "acme/invoices/a.csv",
            1,
            "A1",
            "invalid_currency",
            "invalid_currency(currency) in acme/invoices (the profile's constant)",
        )
    ]


def test_an_undeclared_dotted_date_rejection_names_the_vendor_column(tmp_path, monkeypatch):
    profiles = tmp_path / "profiles"
    _write(profiles / "acme.yml", ACME_PROFILE.replace("NOKK", "NOK"))
    monkeypatch.setenv("PULSE_PROFILES_DIR", str(profiles))
    landing = tmp_path / "landing"
    _write(
        landing / "acme/invoices/a.csv",
        "Nr;Kunde;Dato;Forfall;Netto;MVA\nA1;C1;01.02.2026;;100;25\n",
    )
    warehouse = tmp_path / "wh.duckdb"
    ingest(landing, warehouse)
    (error,) = query(
        warehouse,
        "select error from pulse_meta.load_ledger where file_path = 'acme/invoices/a.csv'",
    )[0]
    # The first contract date column holding a dotted date, with the vendor column it reads.
    assert error.startswith('column issued_at (acme/invoices column "Dato"): dates written')
    assert "01.02.2026" not in error


def test_a_missing_vendor_column_is_named_as_the_profile_spells_it(tmp_path):
    # A Stripe invoices export without its "Amount Due" column (columns picked by hand).
    rel = "stripe/invoices/invoices.csv"
    landing = tmp_path / "landing"
    text = _vendor_csv("stripe/invoices/invoices.csv", [{"id": "in_ok1"}])
    header, row = (line.split(",") for line in text.splitlines())
    drop = header.index("Amount Due")
    _write(
        landing / rel,
        "\n".join(",".join(c for i, c in enumerate(r) if i != drop) for r in (header, row)),
    )
    warehouse = tmp_path / "wh.duckdb"
    ingest(landing, warehouse)
    (status, error) = query(
        warehouse, "select status, error from pulse_meta.load_ledger where file_path = ?", [rel]
    )[0]
    assert status == "rejected"
    assert error.startswith('the file lacks column(s) "Amount Due" that profile ')
    assert error.endswith(
        "stripe.yml (dataset invoices) maps; check the export, header_row and delimiter"
    )
