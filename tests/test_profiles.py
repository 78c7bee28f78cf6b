"""Reader options and source profiles: exports not in the contract's own shape load unmodified.

Expected values are worked out by hand from the files written here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.landing import record_ignored, scan_landing
from orchestration.ingest.profiles import ProfileError, load_catalog, load_profile
from orchestration.ingest.schema import ensure_schema
from orchestration.warehouse import connect_writer
from tests.helpers import PARSE_STATE_AS_OF, WAREHOUSE_NAME, ingest, query, run_dbt

# A Norwegian Excel export: a title row above the header, semicolons, cp1252 (æøå), decimal
# commas with a space or a no-break space between thousands, day.month.year dates and a
# `Sum` footer row.
NORWEGIAN_INVOICES = (
    "Fakturaliste for Ærlig Økonomi AS;;;;;;;\r\n"
    "invoice_id;customer_id;issued_at;due_at;amount;currency;status;kommentar\r\n"
    "F1;C1;31.01.2026;14.02.2026;1 234,50;NOK;open;Blåbærsyltetøy\r\n"
    "F2;C2;01.02.2026;15.02.2026;12\u00a0000;NOK;paid;Søknad\r\n"
    "F3;C3;31.02.2026;15.03.2026;99,00;NOK;open;Ugyldig dato\r\n"
    "F4;C4;05.02.2026;19.02.2026;1.234,50;NOK;open;feil tusenskille\r\n"
    "Sum;;;;13 568,00;;;\r\n"
)

NORWEGIAN_READER = """\
reader:
  delimiter: ";"
  encoding: cp1252
  header_row: 2
  footer_rows_matching: '^Sum'
  decimal: ","
  thousands: " "
  date_format: "%d.%m.%Y"
"""


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def _ledger(warehouse: Path, path: str) -> tuple:
    return query(
        warehouse,
        "select status, error, rows_read, rows_loaded, rows_quarantined, rows_excluded, profile,"
        " source from pulse_meta.load_ledger where file_path = ? order by file_id desc limit 1",
        [path],
    )[0]


def test_norwegian_semicolon_export_loads_with_a_reader_file(tmp_path):
    landing = tmp_path / "landing"
    _write(landing / "invoices" / "faktura.csv", NORWEGIAN_INVOICES, "cp1252")
    warehouse = tmp_path / "wh.duckdb"
    # Dropped before its reader options: rejected in the contract's dialect ...
    ingest(landing, warehouse)
    assert _ledger(warehouse, "invoices/faktura.csv")[0] == "rejected"
    # ... and loaded on the next run once they are declared, the file itself unchanged.
    _write(landing / "invoices" / "_reader.yml", NORWEGIAN_READER)
    ingest(landing, warehouse)

    # 4 data rows + the footer; F3 (31 February) and F4 (a point between thousands where a
    # space is declared) are quarantined; the footer is excluded.
    assert _ledger(warehouse, "invoices/faktura.csv") == (
        "loaded",
        None,
        5,
        2,
        2,
        1,
        None,
        "invoices",
    )
    rows = query(
        warehouse,
        "select invoice_id, issued_at::varchar, due_at::varchar, amount::varchar, status, _extra"
        " from raw.invoices order by invoice_id",
    )
    assert [r[:5] for r in rows] == [
        ("F1", "2026-01-31", "2026-02-14", "1234.5000", "open"),
        ("F2", "2026-02-01", "2026-02-15", "12000.0000", "paid"),
    ]
    assert [json.loads(r[5]) for r in rows] == [
        {"kommentar": "Blåbærsyltetøy"},
        {"kommentar": "Søknad"},
    ]
    quarantined = query(
        warehouse,
        "select row_number, reason_code, reasons, raw_record from pulse_meta.quarantine order by 1",
    )
    # The reasons name the column (never the value).
    assert [r[:3] for r in quarantined] == [
        (3, "invalid_date", "invalid_date(issued_at)"),
        (4, "invalid_number", "invalid_number(amount)"),
    ]
    # The quarantined row is kept as it was read, not as normalised.
    assert json.loads(quarantined[0][3])["issued_at"] == "31.02.2026"
    # The reader file is Pulse's own: never loaded as data.
    assert query(
        warehouse, "select count(*) from pulse_meta.load_ledger where file_path like '%_reader%'"
    ) == [(0,)]
    # A third run with nothing changed loads nothing again.
    ingest(landing, warehouse)
    assert query(warehouse, "select count(*) from pulse_meta.load_ledger") == [(2,)]


def test_dotted_date_without_a_declared_format_rejects_the_file_naming_the_column(tmp_path):
    landing = tmp_path / "landing"
    _write(
        landing / "invoices" / "a.csv",
        "invoice_id,customer_id,issued_at,due_at,amount\n"
        "I1,C1,2026-01-31,2026-02-14,10\n"
        "I2,C2,01.02.2026,2026-02-15,20\n",
    )
    # Another non-ISO date (slashes) is still quarantined row by row.
    _write(
        landing / "payments" / "p.csv",
        "payment_id,invoice_id,paid_at,amount\nP1,I1,02/09/2025,5\nP2,I1,2025-09-03,5\n",
    )
    warehouse = tmp_path / "wh.duckdb"
    ingest(landing, warehouse)

    status, error, read, loaded, *_ = _ledger(warehouse, "invoices/a.csv")
    assert (status, read, loaded) == ("rejected", 0, 0)
    assert "column issued_at" in error and "date_format" in error
    assert "invoices/_reader.yml" in error
    assert "01.02.2026" not in error
    assert query(warehouse, "select count(*) from raw.invoices") == [(0,)]
    assert _ledger(warehouse, "payments/p.csv")[:5] == ("loaded", None, 2, 1, 1)


def test_broken_reader_file_rejects_the_folder_naming_file_and_key(tmp_path):
    landing = tmp_path / "landing"
    _write(landing / "invoices" / "faktura.csv", NORWEGIAN_INVOICES, "cp1252")
    _write(landing / "invoices" / "_reader.yml", NORWEGIAN_READER.replace('";"', '":"'))
    warehouse = tmp_path / "wh.duckdb"
    ingest(landing, warehouse)
    status, error, *_ = _ledger(warehouse, "invoices/faktura.csv")
    assert status == "rejected"
    assert error.startswith("invoices/_reader.yml: key reader.delimiter: not one of")


ACME_PROFILE = """\
profile: acme
system: billing
description: A test-only vendor export.
datasets:
  invoices:
    source: invoices
    reader:
      delimiter: ";"
      decimal: ","
      date_format: "%d.%m.%Y"
    columns:
      invoice_id: '"Nr"'
      customer_id: '"Kunde"'
      issued_at: '"Dato"'
      due_at: 'coalesce(nullif("Forfall", ''''), "Dato")'
      amount: '"Beløp"'
      status: '"Status"'
    value_maps:
      status: {Betalt: paid, Ubetalt: open, Kreditert: void}
    constants:
      currency: NOK
    exclude_when: '"Status" = ''Utkast'''
"""

ACME_EXPORT = (
    "Nr;Kunde;Dato;Forfall;Beløp;Status;Selger\n"
    "A1;C1;31.01.2026;14.02.2026;100,50;Betalt;Kari\n"
    "A2;C2;01.02.2026;;200,00;ubetalt;Ola\n"
    "A3;C3;02.02.2026;16.02.2026;50,00;Utkast;Kari\n"
    "A4;C4;03.02.2026;17.02.2026;-5,00;Betalt;Ola\n"
    "A5;C5;04.02.2026;18.02.2026;10,00;Ukjent;Kari\n"
)


def test_profile_maps_a_vendor_export_onto_the_contract(tmp_path, monkeypatch):
    profiles = tmp_path / "profiles"
    _write(profiles / "acme.yml", ACME_PROFILE)
    monkeypatch.setenv("PULSE_PROFILES_DIR", str(profiles))
    landing = tmp_path / "landing"
    _write(landing / "acme" / "invoices" / "export.csv", ACME_EXPORT)
    # dbt builds on it below: the file name of the session's parse state (another name changes
    # the connection settings, and dbt parses the whole project again)
    warehouse = tmp_path / WAREHOUSE_NAME
    ingest(landing, warehouse)

    # 5 rows read: A3 excluded (a draft), A4 quarantined (negative amount), A5 quarantined
    # (a status the value map does not know), A1 and A2 loaded: 5 = 2 + 2 + 1.
    assert _ledger(warehouse, "acme/invoices/export.csv") == (
        "loaded",
        None,
        5,
        2,
        2,
        1,
        "acme",
        "invoices",
    )
    rows = query(
        warehouse,
        "select invoice_id, customer_id, issued_at::varchar, due_at::varchar, amount::varchar,"
        " currency, status, _extra from raw.invoices order by invoice_id",
    )
    assert [r[:7] for r in rows] == [
        ("A1", "C1", "2026-01-31", "2026-02-14", "100.5000", "NOK", "paid"),
        ("A2", "C2", "2026-02-01", "2026-02-01", "200.0000", "NOK", "open"),
    ]
    # The file's columns the mapping does not use are kept in _extra.
    assert [json.loads(r[7]) for r in rows] == [{"Selger": "Kari"}, {"Selger": "Ola"}]
    # The reasons name the contract column and where it came from: the profile's dataset
    # and the export's own column (never the value).
    assert query(
        warehouse, "select row_number, reason_code, reasons from pulse_meta.quarantine order by 1"
    ) == [
        (4, "negative_amount", 'negative_amount(amount) in acme/invoices column "Beløp"'),
        (5, "invalid_value", 'invalid_value(status) in acme/invoices column "Status"'),
    ]
    # The profile folder is a known landing folder, not an ignored one.
    scan = scan_landing(landing)
    assert scan.profiles == ("acme",) and scan.ignored == ()

    # rpt_load_files names the profile and reconciles with the excluded rows counted. It reads
    # no as-of date: the session parse state's, so dbt re-parses none of the models that do.
    dbt_args = ["build", "--select", "+rpt_load_files", "--exclude", "test_type:singular"]
    run_dbt(dbt_args, warehouse, PARSE_STATE_AS_OF)
    assert query(
        warehouse,
        "select profile_name, source_name, rows_read, rows_loaded, rows_quarantined,"
        " rows_excluded, is_reconciled from rpt_load_files",
    ) == [("acme", "invoices", 5, 2, 2, 1, True)]


def test_broken_profile_names_the_file_and_key(tmp_path, monkeypatch):
    broken = _write(
        tmp_path / "profiles" / "acme.yml",
        ACME_PROFILE.replace("      amount: '\"Beløp\"'", "      amount_nok: '\"Beløp\"'"),
    )
    with pytest.raises(ProfileError) as raised:
        load_profile(broken)
    message = str(raised.value)
    assert str(broken) in message
    assert "datasets.invoices.columns.amount_nok" in message
    assert "not a column of the contract source invoices" in message

    # A broken profile stops only its own folder, which the landing scan reports as ignored.
    monkeypatch.setenv("PULSE_PROFILES_DIR", str(tmp_path / "profiles"))
    assert "acme" in load_catalog().errors
    landing = tmp_path / "landing"
    _write(landing / "acme" / "invoices" / "export.csv", ACME_EXPORT)
    _write(
        landing / "payments" / "p.csv", "payment_id,invoice_id,paid_at,amount\nP1,I1,2025-09-03,5\n"
    )
    scan = scan_landing(landing)
    assert scan.sources == ("payments",)
    [ignored] = scan.ignored
    assert ignored.path == "acme/"
    assert "datasets.invoices.columns.amount_nok" in ignored.reason


def test_profile_missing_a_required_column_is_an_error_naming_it(tmp_path):
    path = _write(
        tmp_path / "acme.yml", ACME_PROFILE.replace("      customer_id: '\"Kunde\"'\n", "")
    )
    with pytest.raises(ProfileError, match="datasets.invoices.columns: .*requires customer_id"):
        load_profile(path)


OLD_LEDGER_DDL = """
create schema pulse_meta;
create sequence pulse_meta.file_id_seq start 2;
create table pulse_meta.load_ledger (
    file_id bigint primary key, run_id varchar, source varchar not null,
    file_path varchar not null, file_format varchar, file_size bigint not null,
    content_hash varchar not null, status varchar not null, error varchar,
    rows_read bigint not null, rows_loaded bigint not null, rows_quarantined bigint not null,
    loaded_at timestamp not null
);
"""


def test_a_ledger_from_before_profiles_is_migrated_and_its_files_not_reloaded(tmp_path):
    landing = tmp_path / "landing"
    body = "payment_id,invoice_id,paid_at,amount\nP1,I1,2025-09-03,5\n"
    _write(landing / "payments" / "p.csv", body)
    warehouse = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute(OLD_LEDGER_DDL)
    con.execute(
        "insert into pulse_meta.load_ledger values (1, 'old', 'payments', 'payments/p.csv',"
        " 'csv', ?, ?, 'loaded', null, 1, 1, 0, now()::timestamp)",
        [len(body), hashlib.sha256(body.encode()).hexdigest()],
    )
    con.close()

    results = ingest(landing, warehouse)
    assert [(r.file_path, r.status) for r in results] == [("payments/p.csv", "skipped")]
    assert query(
        warehouse,
        "select file_id, rows_excluded, profile, reading_hash from pulse_meta.load_ledger",
    ) == [(1, 0, None, None)]


def test_timestamps_in_a_declared_format_and_time_zone_are_stored_in_utc(tmp_path):
    landing = tmp_path / "landing"
    # UTF-16 with a byte-order mark, tab-separated, Oslo local time: +1 in winter, +2 in summer.
    _write(
        landing / "support_tickets" / "saker.csv",
        "ticket_id\tcustomer_id\tcreated_at\tresolved_at\tcategory\tpriority\n"
        "T1\tC1\t31.01.2026 10:00\t01.07.2026 14:30\tbilling\thigh\n"
        "T2\tC2\t2026-01-31 10:00\t\tbilling\tlow\n"
        "T3\tC3\t31.01.2026 25:00\t\tbilling\tlow\n",
        "utf-16",
    )
    _write(
        landing / "support_tickets" / "_reader.yml",
        'reader:\n  delimiter: "\\t"\n  encoding: utf-16\n'
        '  timestamp_format: "%d.%m.%Y %H:%M"\n  timezone: Europe/Oslo\n',
    )
    warehouse = tmp_path / "wh.duckdb"
    ingest(landing, warehouse)
    assert _ledger(warehouse, "support_tickets/saker.csv")[:6] == ("loaded", None, 3, 2, 1, 0)
    assert query(
        warehouse,
        "select ticket_id, created_at::varchar, resolved_at::varchar from raw.support_tickets"
        " order by 1",
    ) == [
        ("T1", "2026-01-31 09:00:00", "2026-07-01 12:30:00"),
        # An ISO value without an offset is read in the declared zone too.
        ("T2", "2026-01-31 09:00:00", None),
    ]
    assert query(warehouse, "select reasons from pulse_meta.quarantine") == [
        ("invalid_timestamp(created_at)",)
    ]


def test_entries_of_a_profile_folder_that_are_no_dataset_are_ignored_with_the_reason(
    tmp_path, monkeypatch
):
    profiles = tmp_path / "profiles"
    _write(profiles / "acme.yml", ACME_PROFILE)
    monkeypatch.setenv("PULSE_PROFILES_DIR", str(profiles))
    landing = tmp_path / "landing"
    _write(landing / "acme" / "invoices" / "export.csv", ACME_EXPORT)
    _write(landing / "acme" / "notes.txt", "hello\n")
    (landing / "acme" / "payments").mkdir()
    warehouse = tmp_path / "wh.duckdb"
    with connect_writer(warehouse) as con:
        ensure_schema(con)
        record_ignored(con, scan_landing(landing), "run-1")
    assert query(
        warehouse,
        "select source, file_path, file_size, status, error from pulse_meta.load_ledger"
        " order by file_path",
    ) == [
        (
            "acme",
            "acme/notes.txt",
            6,
            "ignored",
            "a file that is not a dataset of profile acme: expected invoices/",
        ),
        (
            "acme",
            "acme/payments/",
            0,
            "ignored",
            "a folder that is not a dataset of profile acme: expected invoices/",
        ),
    ]
