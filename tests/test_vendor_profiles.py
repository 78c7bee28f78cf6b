"""The shipped vendor profiles load their vendor's export, unmodified, into the raw contract.

Each fixture under tests/fixtures/vendor_exports/<profile>/<dataset>/ is shaped like the
vendor's own export (tests/fixtures/vendor_exports/README.md says which documentation or
public sample each one mirrors). The expected rows below are worked out by hand from the
fixture: keys, amounts in major units, ISO dates, MRR arithmetic, mapped statuses, and which
rows are excluded or quarantined.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from tests.helpers import ingest, query

# The profile engine (orchestration/ingest/profiles.py) applies these profiles; without it
# a profile folder is not a landing folder the loader knows.
pytest.importorskip("orchestration.ingest.profiles")

# Short names for the expected rows.
d, ts, n = dt.date, dt.datetime, Decimal

VENDOR_EXPORTS = Path(__file__).parent / "fixtures" / "vendor_exports"


SHIPPED_PROFILES = Path(__file__).resolve().parents[1] / "profiles"


def test_every_shipped_profile_is_valid_and_has_a_fixture_per_dataset():
    from orchestration.ingest.profiles import load_catalog

    catalog = load_catalog([SHIPPED_PROFILES])
    assert catalog.errors == {}
    assert set(catalog.profiles) == {p.stem for p in SHIPPED_PROFILES.glob("*.yml")}
    for name, profile in catalog.profiles.items():
        for dataset in profile.datasets:
            folder = VENDOR_EXPORTS / name / dataset
            assert folder.is_dir() and any(folder.iterdir()), f"{name}/{dataset}"


def _landing_with(tmp_path: Path, profile: str) -> Path:
    """A landing folder holding every dataset fixture of one profile, laid out as
    <landing>/<profile>/<dataset>/<file>."""
    landing = tmp_path / "landing"
    shutil.copytree(VENDOR_EXPORTS / profile, landing / profile)
    return landing


def _load(tmp_path: Path, profile: str) -> Path:
    warehouse = tmp_path / "warehouse.duckdb"
    ingest(_landing_with(tmp_path, profile), warehouse)
    return warehouse


def _ledger(warehouse: Path, source: str) -> tuple:
    """(status, rows_loaded, rows_quarantined, profile) of the one file loaded for `source`."""
    rows = query(
        warehouse,
        "select status, rows_loaded, rows_quarantined, profile"
        " from pulse_meta.load_ledger where source = ?",
        [source],
    )
    assert len(rows) == 1, rows
    return rows[0]


def _quarantined(warehouse: Path, source: str) -> list[tuple]:
    """(primary_key, reason_code, reasons) of the quarantined rows, in file order. The reasons
    name the profile's dataset and the export's own column(s) (docs/profiles.md)."""
    return query(
        warehouse,
        "select primary_key, reason_code, reasons from pulse_meta.quarantine"
        " where source = ? order by row_number",
        [source],
    )


def _excluded(warehouse: Path, source: str) -> int:
    """Rows the profile left out (exclude_when) or dropped as footer rows, as the ledger
    counts them."""
    (n,) = query(
        warehouse, "select rows_excluded from pulse_meta.load_ledger where source = ?", [source]
    )[0]
    return n


# --- Tripletex: customer ledger, open items -------------------------------------------------


@pytest.fixture(scope="module")
def tripletex(tmp_path_factory) -> Path:
    return _load(tmp_path_factory.mktemp("tripletex"), "tripletex")


def test_tripletex_open_items_load_as_open_invoices(tripletex):
    # Semicolons, Windows-1252, dd.mm.yyyy, decimal comma with space and no-break-space
    # thousands separators; the open remainder (Restbeløp) is the amount; NOK when the
    # currency cell is empty.
    rows = query(
        tripletex,
        "select invoice_id, customer_id, issued_at, due_at, amount, currency, status"
        " from raw.invoices order by invoice_id",
    )
    assert rows == [
        ("2026101", "10001", d(2026, 1, 15), d(2026, 1, 29), n("12500.00"), "NOK", "open"),
        ("2026102", "10002", d(2026, 1, 20), d(2026, 2, 3), n("2000.25"), "NOK", "open"),
        ("2026105", "10005", d(2026, 1, 31), d(2026, 2, 14), n("1234567.89"), "EUR", "open"),
        ("2026106", "10006", d(2026, 2, 1), d(2026, 2, 15), n("850.00"), "NOK", "open"),
    ]


def test_tripletex_names_survive_windows_1252_and_quoting(tripletex):
    # æøå decoded from cp1252; a quoted name holding the delimiter stays one cell; the
    # invoice total the mapping does not use stays in _extra as the export wrote it.
    extra = dict(
        query(tripletex, "select invoice_id, _extra from raw.invoices order by invoice_id")
    )
    assert json.loads(extra["2026102"])["Kundenavn"] == "Ærlig Økonomi & Sønn AS"
    assert json.loads(extra["2026102"])["Beløp"] == "5 000,50"
    assert json.loads(extra["2026106"])["Kundenavn"] == "Skjærgården Kafé; Drift AS"


def test_tripletex_counts(tripletex):
    # 6 data rows: 4 loaded, 1 quarantined (2026103 has no due date), 1 credit note
    # excluded (2026104), plus the Sum footer row dropped.
    assert _ledger(tripletex, "invoices") == ("loaded", 4, 1, "tripletex")
    assert _quarantined(tripletex, "invoices") == [
        (
            "2026103",
            "missing_required",
            'missing_required(due_at) in tripletex/kundereskontro column "Forfallsdato"',
        )
    ]
    assert _excluded(tripletex, "invoices") == 2


# --- Stripe: Dashboard exports ----------------------------------------------------------------


@pytest.fixture(scope="module")
def stripe(tmp_path_factory) -> Path:
    return _load(tmp_path_factory.mktemp("stripe"), "stripe")


def test_stripe_invoices(stripe):
    # Amount Due in major units; due date = issue date for auto-charged invoices without
    # one; uncollectible is still owed (open); the draft is excluded; upper-case currency.
    rows = query(
        stripe,
        "select invoice_id, customer_id, issued_at, due_at, amount, currency, status"
        " from raw.invoices order by invoice_id",
    )
    assert rows == [
        (
            "in_1QaAlpha0001",
            "cus_PAlpha0001",
            d(2026, 1, 5),
            d(2026, 1, 5),
            n("49.00"),
            "USD",
            "paid",
        ),
        (
            "in_1QbBeta00001",
            "cus_PBeta00001",
            d(2026, 1, 5),
            d(2026, 2, 4),
            n("1200.00"),
            "EUR",
            "open",
        ),
        (
            "in_1QcGamma0001",
            "cus_PGamma0001",
            d(2026, 1, 6),
            d(2026, 1, 20),
            n("300.00"),
            "USD",
            "void",
        ),
        (
            "in_1QdDelta0001",
            "cus_PDelta0001",
            d(2025, 12, 8),
            d(2025, 12, 8),
            n("75.50"),
            "GBP",
            "open",
        ),
        # Total 100.00 less a 20.00 credit balance: 80.00 due.
        (
            "in_1QfEpsilon01",
            "cus_PEpsil0001",
            d(2026, 1, 31),
            d(2026, 1, 31),
            n("80.00"),
            "USD",
            "paid",
        ),
    ]
    assert _ledger(stripe, "invoices") == ("loaded", 5, 0, "stripe")
    assert _excluded(stripe, "invoices") == 1


def test_stripe_subscriptions_mrr(stripe):
    # MRR = Amount x Quantity per month: 49 x 1; 1200 x 3 / 12 = 300; 10 x 52 / 12 = 43.33;
    # 2 x 2 x 365 / 12 = 121.67; a trial 0. incomplete_expired never started: excluded.
    rows = query(
        stripe,
        "select subscription_id, customer_id, plan, mrr, currency, started_at, ended_at"
        " from raw.subscriptions order by subscription_id",
    )
    assert rows == [
        (
            "sub_1QaAlpha0001",
            "cus_PAlpha0001",
            "price_1MonthlyBasic",
            n("49.00"),
            "USD",
            d(2025, 11, 5),
            None,
        ),
        (
            "sub_1QbBeta00001",
            "cus_PBeta00001",
            "price_1YearlyTeam",
            n("300.00"),
            "EUR",
            d(2026, 1, 5),
            None,
        ),
        (
            "sub_1QdDelta0001",
            "cus_PDelta0001",
            "price_1WeeklyLite",
            n("43.33"),
            "GBP",
            d(2025, 10, 1),
            None,
        ),
        (
            "sub_1QgZeta00001",
            "cus_PZeta00001",
            "price_1DailyPass",
            n("121.67"),
            "USD",
            d(2025, 12, 20),
            d(2026, 1, 20),
        ),
        (
            "sub_1QhEta000001",
            "cus_PEta000001",
            "price_1MonthlyPro",
            n("0.00"),
            "USD",
            d(2026, 1, 25),
            None,
        ),
    ]
    assert _ledger(stripe, "subscriptions") == ("loaded", 5, 0, "stripe")
    assert _excluded(stripe, "subscriptions") == 1


def test_stripe_subscriptions_renewal(stripe):
    # renews_at = the date part of Current Period End; billing_interval only month or year
    # (the weekly and daily prices load without one).
    rows = query(
        stripe,
        "select subscription_id, renews_at, billing_interval"
        " from raw.subscriptions order by subscription_id",
    )
    assert rows == [
        ("sub_1QaAlpha0001", d(2026, 2, 5), "month"),
        ("sub_1QbBeta00001", d(2027, 1, 5), "year"),
        ("sub_1QdDelta0001", d(2026, 2, 2), None),
        ("sub_1QgZeta00001", d(2026, 1, 20), None),
        ("sub_1QhEta000001", d(2026, 2, 8), "month"),
    ]


def test_stripe_payments_net_of_refunds_without_failed_charges(stripe):
    # Amount less Amount Refunded (Stripe's Converted Amount is ignored); the refunded charge
    # loads as 0; the failed charge is excluded; the charge without an invoice is
    # quarantined (a Pulse payment settles an invoice).
    rows = query(
        stripe,
        "select payment_id, invoice_id, paid_at, amount from raw.payments order by payment_id",
    )
    assert rows == [
        ("ch_3QaAlpha0001", "in_1QaAlpha0001", d(2026, 1, 5), n("49.00")),
        ("ch_3QbBeta00001", "in_1QbBeta00001", d(2026, 1, 20), n("1000.00")),
        ("ch_3QcGamma0001", "in_1QcGamma0001", d(2026, 1, 7), n("0.00")),
    ]
    assert _ledger(stripe, "payments") == ("loaded", 3, 1, "stripe")
    assert _quarantined(stripe, "payments") == [
        (
            "ch_3QeOneOff001",
            "missing_required",
            'missing_required(invoice_id) in stripe/payments column "Invoice ID"',
        )
    ]
    assert _excluded(stripe, "payments") == 1


def test_stripe_customers(stripe):
    # Stripe has no segment or acquisition channel: "unknown" until the CRM's rows resolve
    # the customer; the name falls back to the description; the country code upper-case.
    rows = query(
        stripe,
        "select customer_id, company_name, segment, country, acquisition_channel, created_at"
        " from raw.customers order by customer_id",
    )
    assert rows == [
        (
            "cus_PAlpha0001",
            "Alpha Fjellbyrå AS",
            "unknown",
            "NO",
            "unknown",
            ts(2025, 11, 5, 9, 12),
        ),
        (
            "cus_PBeta00001",
            "Beta Analyse, Nord AS",
            "unknown",
            "SE",
            "unknown",
            ts(2026, 1, 5, 10, 58),
        ),
        ("cus_PDelta0001", None, "unknown", "GB", "unknown", ts(2025, 10, 1, 3, 9)),
    ]
    assert _ledger(stripe, "customers") == ("loaded", 3, 0, "stripe")


# --- HubSpot: companies -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hubspot(tmp_path_factory) -> Path:
    return _load(tmp_path_factory.mktemp("hubspot"), "hubspot")


def test_hubspot_companies_segment_and_channel(hubspot):
    # Employee bands: < 100 smb, 100..999 mid_market, >= 1000 enterprise (both boundaries in
    # the fixture), empty -> unknown. Source categories in either case onto Pulse's channel
    # names; an empty source -> unknown.
    rows = query(
        hubspot,
        "select customer_id, company_name, country, segment, acquisition_channel, created_at"
        " from raw.customers order by customer_id",
    )
    assert rows == [
        ("18533216001", "Fjordlys Bakeri AS", "Norway", "smb", "organic", ts(2025, 3, 4, 9, 15)),
        (
            "18533216002",
            "Nordavind Logistikk AS",
            "Norway",
            "mid_market",
            "paid_search",
            ts(2025, 4, 11, 14, 2),
        ),
        (
            "18533216003",
            "Globex Example, Inc.",
            "United States",
            "enterprise",
            "paid_social",
            ts(2025, 5, 20, 8, 30),
        ),
        ("18533216004", "Ærlig Økonomi AS", "Norway", "unknown", "referral", ts(2025, 6, 1, 12, 0)),
        ("18533216005", "Blåbær Studio", "Sweden", "smb", "direct", ts(2025, 6, 15, 16, 45)),
        (
            "18533216006",
            "Havgløtt Rederi AS",
            "Norway",
            "mid_market",
            "offline",
            ts(2025, 7, 1, 7, 5),
        ),
        (
            "18533216007",
            "Skjærgården Kafé",
            "Denmark",
            "enterprise",
            "unknown",
            ts(2025, 8, 9, 10, 10),
        ),
        ("18533216008", "Sørlandet Media AS", "Norway", "smb", "email", ts(2025, 9, 30, 23, 59)),
    ]
    assert _ledger(hubspot, "customers") == ("loaded", 8, 0, "hubspot")


def test_hubspot_domain_kept_for_identity_resolution(hubspot):
    # The profile's identity block: the companies are the customer master, with their domain
    # and normalised name for the other systems' rows to match (test_identity_resolution.py).
    extra = dict(
        query(hubspot, "select customer_id, _extra from raw.customers order by customer_id")
    )
    identity = json.loads(extra["18533216003"])["_pulse_identity"]
    assert identity["master"] is True
    assert identity["domain"] == "globex.example.org"
    assert identity["name"] == "globex example, inc."


# --- Google Ads and Meta Ads: marketing spend -------------------------------------------------


@pytest.fixture(scope="module")
def ads(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("ads")
    landing = tmp / "landing"
    for profile in ("google_ads", "meta_ads"):
        shutil.copytree(VENDOR_EXPORTS / profile, landing / profile)
    warehouse = tmp / "warehouse.duckdb"
    ingest(landing, warehouse)
    return warehouse


def test_google_ads_and_meta_ads_spend(ads):
    # Google Ads: title and date-range lines above the header, "1,234.50" thousands
    # commas, four "Total: ..." rows dropped; all of it paid_search. Meta: the currency from
    # the spend column's header; paid_social; the no-delivery day excluded.
    rows = query(
        ads,
        "select spend_date, channel, campaign, amount, currency"
        " from raw.marketing_spend order by channel, spend_date, campaign",
    )
    assert rows == [
        (d(2026, 1, 1), "paid_search", "Konkurrenter NO", n("98.40"), "NOK"),
        (d(2026, 1, 1), "paid_search", "Merkevare NO", n("1234.50"), "NOK"),
        (d(2026, 1, 2), "paid_search", "Display remarketing, Q1", n("0.00"), "NOK"),
        (d(2026, 1, 2), "paid_search", "Merkevare NO", n("1010.00"), "NOK"),
        (d(2026, 1, 1), "paid_social", 'Retargeting "Prøv gratis"', n("310.20"), "NOK"),
        (d(2026, 1, 1), "paid_social", "Vinterkampanje – Lookalike NO", n("1250.75"), "NOK"),
        (d(2026, 1, 2), "paid_social", "Vinterkampanje – Lookalike NO", n("1198.05"), "NOK"),
    ]
    ledger = query(
        ads,
        "select profile, rows_loaded, rows_quarantined, rows_excluded"
        " from pulse_meta.load_ledger where source = 'marketing_spend' order by profile",
    )
    assert ledger == [("google_ads", 4, 0, 4), ("meta_ads", 3, 0, 1)]


# --- Zendesk: tickets and their satisfaction ratings --------------------------------------------


@pytest.fixture(scope="module")
def zendesk(tmp_path_factory) -> Path:
    return _load(tmp_path_factory.mktemp("zendesk"), "zendesk")


def test_zendesk_tickets(zendesk):
    # Times with an offset into UTC (23:30 -05:00 is 04:30 UTC the next day); no priority ->
    # normal; no ticket type -> unspecified; Via onto Pulse's channels; the ticket without
    # an organization quarantined.
    rows = query(
        zendesk,
        "select ticket_id, customer_id, created_at, resolved_at, category, priority, channel"
        " from raw.support_tickets order by ticket_id",
    )
    assert rows == [
        (
            "4101",
            "Fjordlys Bakeri AS",
            ts(2026, 1, 5, 7, 12),
            ts(2026, 1, 5, 13, 12),
            "incident",
            "high",
            "email",
        ),
        (
            "4102",
            "Nordavind Logistikk AS",
            ts(2026, 1, 6, 9, 0),
            ts(2026, 1, 8, 15, 30),
            "question",
            "normal",
            "web",
        ),
        (
            "4103",
            "Globex Example, Inc.",
            ts(2026, 1, 11, 4, 30),
            None,
            "unspecified",
            "normal",
            "chat",
        ),
    ]
    assert _ledger(zendesk, "support_tickets") == ("loaded", 3, 1, "zendesk")
    assert _quarantined(zendesk, "support_tickets") == [
        (
            "4104",
            "missing_required",
            'missing_required(customer_id) in zendesk/tickets column "Organization"',
        )
    ]


def test_zendesk_satisfaction_as_two_point_csat(zendesk):
    # Good = 2, Bad = 1 out of 2; answered at the solve time; Offered and Unoffered excluded.
    rows = query(
        zendesk,
        "select response_id, customer_id, survey_type, score, scale_max, responded_at,"
        " ticket_id, touchpoint from raw.survey_responses order by response_id",
    )
    assert rows == [
        (
            "zendesk-csat-4101",
            "Fjordlys Bakeri AS",
            "csat",
            2,
            2,
            ts(2026, 1, 5, 13, 12),
            "4101",
            "support_ticket",
        ),
        (
            "zendesk-csat-4102",
            "Nordavind Logistikk AS",
            "csat",
            1,
            2,
            ts(2026, 1, 8, 15, 30),
            "4102",
            "support_ticket",
        ),
    ]
    assert _ledger(zendesk, "survey_responses") == ("loaded", 2, 0, "zendesk")
    assert _excluded(zendesk, "survey_responses") == 2


# --- Typeform: NPS responses ------------------------------------------------------------------


@pytest.fixture(scope="module")
def typeform(tmp_path_factory) -> Path:
    return _load(tmp_path_factory.mktemp("typeform"), "typeform")


def test_typeform_nps_responses(typeform):
    # The score from the column named by the question; the account from the hidden field;
    # the partial response excluded; the response without an account quarantined.
    rows = query(
        typeform,
        "select response_id, customer_id, survey_type, score, scale_max, responded_at, comment"
        " from raw.survey_responses order by responded_at",
    )
    assert rows == [
        (
            "k2x9m1a7q3w8e5r0t6y4u2i1o9p7a5s3",
            "18533216001",
            "nps",
            9,
            10,
            ts(2026, 1, 20, 10, 1, 12),
            "Rask og hyggelig support, takk!",
        ),
        (
            "b7n3v9c1x5z2l8k4j6h0g1f3d5s7a9q2",
            "18533216002",
            "nps",
            0,
            10,
            ts(2026, 1, 21, 8, 17, 40),
            'For dyrt, og "rapportene" mangler',
        ),
        (
            "p0o9i8u7y6t5r4e3w2q1a2s3d4f5g6h7",
            "18533216003",
            "nps",
            10,
            10,
            ts(2026, 1, 22, 23, 0, 30),
            None,
        ),
    ]
    assert _ledger(typeform, "survey_responses") == ("loaded", 3, 1, "typeform")
    assert _quarantined(typeform, "survey_responses") == [
        (
            "q9w8e7r6t5y4u3i2o1p0a9s8d7f6g5h4",
            "missing_required",
            'missing_required(customer_id) in typeform/responses column "account_id"',
        )
    ]
    assert _excluded(typeform, "survey_responses") == 1


# --- Segment: track calls as usage events -------------------------------------------------------


@pytest.fixture(scope="module")
def segment(tmp_path_factory) -> Path:
    return _load(tmp_path_factory.mktemp("segment"), "segment")


def test_segment_tracks_as_usage_events(segment):
    # The account from context.groupId, the feature from properties.feature, the time in
    # UTC; identify and page calls excluded; the anonymous track call (no group) quarantined.
    rows = query(
        segment,
        "select event_id, customer_id, user_id, event_type, feature, occurred_at"
        " from raw.usage_events order by occurred_at",
    )
    assert rows == [
        (
            "ajs-next-1737367200000-a1",
            "18533216001",
            "u_1001",
            "Signed In",
            None,
            ts(2026, 1, 20, 10, 0, 0, 932000),
        ),
        (
            "ajs-next-1737367260000-a2",
            "18533216001",
            "u_1001",
            "Report Created",
            "reports",
            ts(2026, 1, 20, 10, 1, 0, 200000),
        ),
        (
            "api-2b7e4c1d-9f0a-4e3b-8c2d-1a0b9c8d7e6f",
            "18533216002",
            "u_2002",
            "Export Downloaded",
            "exports",
            ts(2026, 1, 21, 22, 59, 59),
        ),
    ]
    assert _ledger(segment, "usage_events") == ("loaded", 3, 1, "segment")
    assert _quarantined(segment, "usage_events") == [
        # The file column holding the JSON the expression reads context.groupId from.
        (
            "ajs-next-1737370060000-b2",
            "missing_required",
            'missing_required(customer_id) in segment/tracks column "context" at $.groupId',
        )
    ]
    assert _excluded(segment, "usage_events") == 2
