"""One customer across systems: vendor rows resolve to the CRM's customer_id by readable rules.

The landing (tests/fixtures/identity_exports/) holds vendor exports only, in the shipped
profiles' layouts: five HubSpot companies (the master), six Stripe customers with their
subscriptions and two invoices, five Zendesk tickets and four Typeform NPS responses. Every
expected value below is worked out by hand from those files and the identity map written in
`IDENTITY_MAP` (docs/profiles.md, "One customer across systems"):

    HubSpot Record ID  company                 domain                 employees  channel
    18533216101        Fjordlys Bakeri AS      fjordlys.example.org   12         Organic search
    18533216102        Nordavind Logistikk AS  https://www.nordavind.example.org/ 250 Paid search
    18533216103        Globex Example, Inc.    globex.example.org     5000       Paid social
    18533216104        Globex Europe AB        globex.example.org     40         Referrals
    18533216105        Blåbær Studio           blabaer.example.org    99         Direct Traffic

    Stripe customer  e-mail / name                                  -> rule
    cus_IdA…         billing@fjordlys.example.org                   email_domain -> 101
    cus_IdB…         ap@globex.example.org (103 and 104 share it)   ambiguous_domain (unmatched,
                     although its name is 103's exactly: never a guess)
    cus_IdC…         Nordavind.AP@Gmail.com, "  Nordavind  Logistikk AS "  exact_name -> 102
    cus_IdD…         owner@hotmail.com                              free_mail_no_map
    cus_IdE…         post@zeta.example.org                          no_match
    cus_IdF…         finance@fjordlys.example.org, mapped to 103    identity_map beats domain

    Zendesk organization (tickets)  requesters                      -> rule
    Fjordlys Bakeri AS (5001, 5002) fjordlys.example.org, gmail.com email_domain -> 101
    Blabaer (5003)                  lise.blabaer@gmail.com, mapped  identity_map -> 105
    Ukjent Org AS (5004)            gmail.com                       free_mail_no_map (pseudonym)
    Nordavind Logistikk AS (5005)   nordavind.example.org           email_domain -> 102

    Typeform account_id (key crm_id), score, e-mail                 -> rule
    18533216101, 9                                                  crm_id -> 101
    18533216102, 6                                                  crm_id -> 102
    acct-77, 10, eva@blabaer.example.org                            email_domain -> 105
    999, 8, x@outlook.com                                           free_mail_no_map
"""

from __future__ import annotations

import hashlib
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.config import PROJECT_ROOT
from orchestration.manifest import copy_project
from tests.helpers import ingest, query, run_dbt

FIXTURES = Path(__file__).parent / "fixtures" / "identity_exports"
AS_OF = "2026-01-31"

# What a user writes into seeds/identity_map.csv: Stripe's cus_IdF… belongs to Globex
# Example (its billing e-mail is on Fjordlys's domain), and the Zendesk requester on
# gmail.com, written with capitals and spaces, is Blåbær Studio.
IDENTITY_MAP = (
    "source_system,external_id,email,customer_id\n"
    "stripe,cus_IdF0000001,,18533216103\n"
    "zendesk,, Lise.Blabaer@Gmail.com ,18533216105\n"
)

FJORDLYS, NORDAVIND, GLOBEX, GLOBEX_EU, BLABAER = (f"185332161{i:02d}" for i in range(1, 6))
# An unmatched Zendesk organization loads under zendesk-<md5 of its name>, never the name.
UKJENT_PSEUDONYM = "zendesk-" + hashlib.md5(b"Ukjent Org AS").hexdigest()


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _copy_project(target: Path) -> Path:
    """The dbt project with the test's identity map in place of the shipped (empty) one."""
    copy_project(target)
    (target / "seeds" / "identity_map.csv").write_text(IDENTITY_MAP, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    """The vendor exports ingested (raw only)."""
    tmp = tmp_path_factory.mktemp("identity")
    landing = tmp / "landing"
    shutil.copytree(FIXTURES, landing)
    warehouse = tmp / "warehouse.duckdb"
    results = ingest(landing, warehouse)
    assert {(r.source, r.status, r.rows_quarantined) for r in results} == {
        (s, "loaded", 0)
        for s in ("customers", "subscriptions", "invoices", "support_tickets", "survey_responses")
    }
    return warehouse


@pytest.fixture(scope="module")
def built(loaded, tmp_path_factory) -> Path:
    """The whole project built (every model and data test) on the vendor-only landing: every
    mart is searched for addresses below. dbt's unit tests read no warehouse data and run in
    the shared demo build (run_dbt leaves them out); run_dbt's parse state applies to the
    project copy, so only the test's identity map and the as-of date's files are parsed."""
    warehouse = tmp_path_factory.mktemp("identity_built") / "pulse.duckdb"
    shutil.copy(loaded, warehouse)
    project = _copy_project(warehouse.parent / "project")
    run_dbt(["build"], warehouse, AS_OF, project_dir=project)
    return warehouse


# --- at load: the profile's identity block -----------------------------------------------------


def _identity(warehouse: Path, table: str, key: str, key_value: str) -> dict:
    (extra,) = query(warehouse, f"select _extra from raw.{table} where {key} = ?", [key_value])[0]
    return json.loads(extra)["_pulse_identity"]


def test_an_address_is_stored_as_its_domain_and_hash_only(loaded):
    ticket = _identity(loaded, "support_tickets", "ticket_id", "5003")
    assert ticket == {
        "profile": "zendesk",
        "dataset": "tickets",
        "key": "name",
        "master": False,
        "email_domain": "gmail.com",
        "email_hash": _md5("lise.blabaer@gmail.com"),
        "name": "blabaer",
    }
    # The identity columns the profiles read (Requester email, Customer Email, the Typeform
    # hidden field) are not kept in raw: no address anywhere in these tables' rows.
    for table in ("support_tickets", "subscriptions", "invoices", "survey_responses"):
        rows = query(loaded, f"select count(*) from raw.{table} where _extra like '%@%'")
        assert rows == [(0,)], table


def test_the_crm_domain_and_name_are_normalised(loaded):
    nordavind = _identity(loaded, "customers", "customer_id", NORDAVIND)
    # "https://www.nordavind.example.org/" loses its scheme, www. and path.
    assert nordavind["domain"] == "nordavind.example.org"
    assert nordavind["master"] is True
    # A Stripe name with doubled and surrounding spaces, lower-cased.
    stripe_c = _identity(loaded, "customers", "customer_id", "cus_IdC0000001")
    assert stripe_c["name"] == "nordavind logistikk as"
    assert stripe_c["email_domain"] == "gmail.com"
    assert stripe_c["email_hash"] == _md5("nordavind.ap@gmail.com")


# --- in dbt: the resolution ---------------------------------------------------------------------


def test_each_key_resolves_by_the_first_rule_that_decides(built):
    rows = query(
        built,
        "select source_system, external_id, customer_id, match_rule, unmatched_reason"
        " from base_identity__resolution order by source_system, external_id",
    )
    crm = [("hubspot", c, c, "crm_record", None) for c in (FJORDLYS, NORDAVIND, GLOBEX)]
    crm += [("hubspot", c, c, "crm_record", None) for c in (GLOBEX_EU, BLABAER)]
    assert rows == [
        *crm,
        ("stripe", "cus_IdA0000001", FJORDLYS, "email_domain", None),
        ("stripe", "cus_IdB0000001", "cus_IdB0000001", None, "ambiguous_domain"),
        ("stripe", "cus_IdC0000001", NORDAVIND, "exact_name", None),
        ("stripe", "cus_IdD0000001", "cus_IdD0000001", None, "free_mail_no_map"),
        ("stripe", "cus_IdE0000001", "cus_IdE0000001", None, "no_match"),
        ("stripe", "cus_IdF0000001", GLOBEX, "identity_map", None),
        ("typeform", FJORDLYS, FJORDLYS, "crm_id", None),
        ("typeform", NORDAVIND, NORDAVIND, "crm_id", None),
        ("typeform", "999", "999", None, "free_mail_no_map"),
        ("typeform", "acct-77", BLABAER, "email_domain", None),
        ("zendesk", "Blabaer", BLABAER, "identity_map", None),
        ("zendesk", "Fjordlys Bakeri AS", FJORDLYS, "email_domain", None),
        ("zendesk", "Nordavind Logistikk AS", NORDAVIND, "email_domain", None),
        ("zendesk", "Ukjent Org AS", UKJENT_PSEUDONYM, None, "free_mail_no_map"),
    ]


def test_unmatched_keys_are_reported_without_addresses_or_names(built):
    rows = query(
        built,
        "select source_system, dataset, external_id, external_id_hash, loaded_as_customer_id,"
        " reason, email_domains, raw_rows from rpt_unmatched_identities"
        " order by source_system, dataset, external_id_hash",
    )
    expected = [
        ("stripe", "customers", "cus_IdB0000001", "ambiguous_domain", "globex.example.org"),
        ("stripe", "customers", "cus_IdD0000001", "free_mail_no_map", None),
        ("stripe", "customers", "cus_IdE0000001", "no_match", "zeta.example.org"),
        ("stripe", "subscriptions", "cus_IdB0000001", "ambiguous_domain", "globex.example.org"),
        ("stripe", "subscriptions", "cus_IdE0000001", "no_match", "zeta.example.org"),
        ("typeform", "responses", "999", "free_mail_no_map", None),
    ]
    rows_expected = [
        (system, dataset, key, _md5(key), key, reason, domains, 1)
        for system, dataset, key, reason, domains in expected
    ]
    # The Zendesk organization is a name: its hash only, and the pseudonym it loads under.
    rows_expected.append(
        (
            "zendesk",
            "tickets",
            None,
            _md5("Ukjent Org AS"),
            UKJENT_PSEUDONYM,
            "free_mail_no_map",
            None,
            1,
        )
    )
    key = lambda r: (r[0], r[1], r[3])  # noqa: E731
    assert sorted(rows, key=key) == sorted(rows_expected, key=key)


def _mart_tables() -> list[str]:
    return sorted(p.stem for p in (PROJECT_ROOT / "models" / "marts").rglob("*.sql"))


def _text_hits(warehouse: Path, table: str, pattern: str) -> int:
    """Rows of `table` where any column, as lower-cased text, matches `pattern`."""
    columns = [c for (c,) in query(warehouse, f"select column_name from (describe {table})")]
    text = " || '|' || ".join(f"coalesce(cast({c} as varchar), '')" for c in columns)
    sql = f"select count(*) from {table} where regexp_matches(lower({text}), ?)"
    return query(warehouse, sql, [pattern])[0][0]


def test_no_address_in_any_mart_and_no_name_in_the_report(built):
    # Every mart table, every column as text: no "@" (no e-mail address), and no Zendesk
    # organization name that matched no customer or matched only through the map (their
    # keys are names: pseudonymised or replaced). CRM company names are in some reports by
    # design (rpt_payment_delay_by_customer.company_name), so only these are searched.
    sql = "select table_name from information_schema.tables where table_type = 'BASE TABLE'"
    tables = {t for (t,) in query(built, sql)}
    marts = [t for t in _mart_tables() if t in tables]
    assert "rpt_unmatched_identities" in marts and "dim_customer_clv" in marts
    for table in marts:
        assert _text_hits(built, table, "@|ukjent org|blabaer") == 0, table
    # The report of unmatched keys names no account at all (Stripe's names included).
    names = "ukjent|zeta verksted|globex example|globex nordic|fjordlys bakeri|nordavind log"
    assert _text_hits(built, "rpt_unmatched_identities", names) == 0


# --- the marts, by hand -------------------------------------------------------------------------


def test_customers_carry_the_crm_segment_and_channel(built):
    rows = query(
        built,
        "select customer_id, segment, acquisition_channel, is_known_to_crm"
        " from int_customers order by customer_id",
    )
    assert rows == [
        (FJORDLYS, "smb", "organic", True),
        (NORDAVIND, "mid_market", "paid_search", True),
        (GLOBEX, "enterprise", "paid_social", True),
        (GLOBEX_EU, "smb", "referral", True),
        (BLABAER, "smb", "direct", True),
        # The Typeform account no rule matched, under its own key.
        ("999", "unknown", "unknown", False),
        # Unmatched Stripe customers stay customers of their own (their Stripe record).
        ("cus_IdB0000001", "unknown", "unknown", True),
        ("cus_IdD0000001", "unknown", "unknown", True),
        ("cus_IdE0000001", "unknown", "unknown", True),
        (UKJENT_PSEUDONYM, "unknown", "unknown", False),
    ]


def test_mrr_per_customer(built):
    # Monthly: 49 x 1 (A), 99 x 2 (C -> Nordavind), 25 (F -> Globex by the map),
    # 1200 a year / 12 = 100 (B, unmatched), 10 (E, unmatched); all in USD.
    rows = query(
        built,
        "select customer_id, segment, acquisition_channel, current_mrr"
        " from dim_customer_clv order by customer_id",
    )
    assert rows == [
        (FJORDLYS, "smb", "organic", Decimal("49")),
        (NORDAVIND, "mid_market", "paid_search", Decimal("198")),
        (GLOBEX, "enterprise", "paid_social", Decimal("25")),
        ("cus_IdB0000001", "unknown", "unknown", Decimal("100")),
        ("cus_IdE0000001", "unknown", "unknown", Decimal("10")),
    ]


def test_invoices_and_tickets_per_customer(built):
    assert query(
        built, "select invoice_id, customer_id from stg_billing__invoices order by invoice_id"
    ) == [("in_IdA0000001", FJORDLYS), ("in_IdC0000001", NORDAVIND)]
    assert query(
        built,
        "select customer_id, count(*) from stg_support__support_tickets"
        " group by customer_id order by customer_id",
    ) == [(FJORDLYS, 2), (NORDAVIND, 1), (BLABAER, 1), (UKJENT_PSEUDONYM, 1)]


def test_nps_by_segment(built):
    # smb: 9 (Fjordlys) and 10 (Blåbær by domain): 2 promoters, NPS 100; mid_market: 6
    # (Nordavind), a detractor, -100; unknown: 8 (account 999), a passive, 0.
    rows = query(
        built,
        "select month, segment, responses, promoters, passives, detractors, nps"
        " from fct_nps_monthly order by segment",
    )
    jan = rows[0][0]
    assert str(jan) == "2026-01-01"
    assert rows == [
        (jan, "mid_market", 1, 0, 0, 1, -100.0),
        (jan, "smb", 2, 2, 0, 0, 100.0),
        (jan, "unknown", 1, 0, 1, 0, 0.0),
    ]


def test_without_the_map_the_gmail_requester_is_unmatched(built, tmp_path):
    # The shipped, empty identity map: the gmail.com requester of "Blabaer" matches neither
    # by domain (free mail) nor by name, and cus_IdF… falls back to its domain (Fjordlys).
    warehouse = tmp_path / "pulse.duckdb"
    shutil.copy(built, warehouse)
    select = ["--select", "identity_map", "base_identity__resolution", "rpt_unmatched_identities"]
    run_dbt(["build", *select], warehouse, AS_OF)
    rows = query(
        warehouse,
        "select source_system, external_id, customer_id, match_rule, unmatched_reason"
        " from base_identity__resolution where external_id in ('Blabaer', 'cus_IdF0000001')"
        " order by source_system",
    )
    assert rows == [
        ("stripe", "cus_IdF0000001", FJORDLYS, "email_domain", None),
        ("zendesk", "Blabaer", "zendesk-" + _md5("Blabaer"), None, "free_mail_no_map"),
    ]
    assert query(
        warehouse,
        "select reason from rpt_unmatched_identities where external_id_hash = ?",
        [_md5("Blabaer")],
    ) == [("free_mail_no_map",)]


# --- the profile's identity block ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("identity", "message"),
    [
        ("identity: {mail: '\"E\"'}", "key datasets.d.identity.mail: unknown key"),
        ("identity: {key: account}", "key datasets.d.identity.key: expected one of id, name"),
        ("identity: {master: yes please}", "key datasets.d.identity.master: expected true"),
        ("identity: {master: true}", "only a dataset feeding customers can be the master"),
    ],
)
def test_a_broken_identity_block_is_refused_naming_the_key(tmp_path, identity, message):
    from orchestration.ingest.profiles import ProfileError, load_profile

    path = tmp_path / "acme.yml"
    path.write_text(
        "profile: acme\ndatasets:\n  d:\n    source: support_tickets\n    columns:\n"
        "      ticket_id: '\"Id\"'\n      customer_id: '\"Org\"'\n"
        "      created_at: '\"Created\"'\n      category: '\"Type\"'\n"
        "      priority: '\"Priority\"'\n"
        f"    {identity}\n",
        encoding="utf-8",
    )
    with pytest.raises(ProfileError, match=message.replace("(", r"\(")):
        load_profile(path)


def test_an_identity_block_on_a_source_that_is_not_resolved_is_refused(tmp_path):
    from orchestration.ingest.profiles import ProfileError, load_profile

    path = tmp_path / "acme.yml"
    path.write_text(
        "profile: acme\ndatasets:\n  d:\n    source: usage_events\n    columns:\n"
        "      event_id: '\"Id\"'\n      customer_id: '\"Org\"'\n"
        "      event_type: '\"Type\"'\n      occurred_at: '\"At\"'\n"
        "    identity: {email: '\"E\"'}\n",
        encoding="utf-8",
    )
    with pytest.raises(ProfileError, match="key datasets.d.identity: customers are resolved"):
        load_profile(path)
