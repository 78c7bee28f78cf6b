"""The landing-zone contract: what each source folder must hold.

This module is the single source of truth for source names, columns, types, required
columns, primary keys and value rules. Ingestion, the demo-data generator, the dbt sources
and the tests all read it, so a contract change is made here once.

It also holds the prose the dbt sources YAML shows (each system's, table's and column's
description): models/staging/<system>/_<system>__sources.yml is generated from this module
(`make sources`: tools/contract_sources.py) and a test keeps it in sync, so adding a
column is an edit here plus `make sources`.

Types are contract types, not SQL types:
  text, integer, number (decimal amount), date (YYYY-MM-DD), timestamp (ISO 8601, UTC when
  no offset).

Which version of a re-delivered key wins: the one with the newest `updated_at` where the
source has that optional column (RESTATED_SOURCES), else the one from the file loaded last,
then the later row of that file (macros/dedupe_latest.sql). A version without updated_at
loses to one with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "text"
    required: bool = False
    allowed: tuple[str, ...] | None = None  # closed value set, when the contract fixes one
    non_negative: bool = False
    description: str = ""  # the dbt docs' text, or a doc block: _doc("col_raw_...")


@dataclass(frozen=True)
class Source:
    name: str  # landing sub-folder and raw table name
    system: str  # the exporting system: the dbt source name
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    # row rules beyond single columns, as (reason_code, description); implemented in ingest
    row_rules: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    description: str = ""  # the raw table's, in the dbt docs

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, type_: str = "text", *, req: bool = False, **kw) -> Column:
    return Column(name, type_, req, **kw)


def _doc(name: str) -> str:
    """A description shared with other models: a dbt doc block of models/docs/*.md."""
    return '{{ doc("' + name + '") }}'


# The optional column that says when the exporting system last changed a row. Only sources
# whose rows a later export restates (a customer's segment, a subscription's end, an
# invoice's status, a ticket's resolution, a corrected payment, spend or cost) have it; events
# (usage events, survey responses, reminders) are never restated. A file without it loads.
UPDATED_AT = "updated_at"


def _updated_at() -> Column:
    return _c(UPDATED_AT, "timestamp", description=_doc("col_raw_updated_at"))


# The exporting systems (the dbt sources) and what each exports; the generated sources YAML
# adds how the loader lands them.
SYSTEMS = {
    "crm": "CRM export: the customer master.",
    "billing": "Billing system export: subscriptions, invoices, payments and payment reminders.",
    "survey": "Survey tool export: CSAT, NPS and CES responses.",
    "support": "Helpdesk export: support tickets.",
    "product": "Product analytics export: usage events.",
    "marketing": "Marketing export: daily spend per channel and campaign.",
    "accounting": (
        "Accounting export: costs per month, ledger account and department (the general"
        " ledger's cost accounts). Which accounts are acquisition costs:"
        " seeds/cost_account_categories.csv."
    ),
}

# Default scale of each survey type, used when scale_max is empty.
DEFAULT_SCALE_MAX = {"csat": 5, "nps": 10, "ces": 7}

SOURCES: tuple[Source, ...] = (
    Source(
        "customers",
        "crm",
        ("customer_id",),
        (
            _c("customer_id", req=True, description=_doc("col_raw_customer_id")),
            _c(
                "company_name", description="Customer's company name (personal data: staging only)."
            ),
            _c("email", description="Customer contact e-mail (personal data: staging only)."),
            _c(
                "segment",
                req=True,
                description="Customer segment (e.g. smb, mid_market, enterprise). Required.",
            ),
            _c("region", description="Sales region."),
            _c("country", description="Country of the customer."),
            _c(
                "acquisition_channel",
                req=True,
                description="Channel through which the customer was acquired. Required.",
            ),
            _c("created_at", "timestamp", req=True, description=_doc("col_raw_created_at")),
            # routed to by fct_health_alert_episodes; a file without the column loads
            _c(
                "owner",
                description=(
                    "The account owner (customer-success manager): a work e-mail "
                    "address that alerts about the customer are routed to; optional "
                    "(empty or absent = the default recipient)."
                ),
            ),
            _updated_at(),
        ),
        description=(
            "One row per customer account (re-exported whole on every change). "
            "Primary key: customer_id."
        ),
    ),
    Source(
        "subscriptions",
        "billing",
        ("subscription_id",),
        (
            _c(
                "subscription_id",
                req=True,
                description="Subscription identifier (billing key). Required.",
            ),
            _c("customer_id", req=True, description=_doc("col_raw_customer_id")),
            _c("plan", description="Subscribed plan."),
            _c(
                "mrr",
                "number",
                req=True,
                non_negative=True,
                description="Monthly recurring revenue, in the subscription currency. Required.",
            ),
            _c("currency", description=_doc("col_raw_currency")),
            _c(
                "started_at",
                "date",
                req=True,
                description="First day of the subscription. Required.",
            ),
            _c("ended_at", "date", description="Last day of the subscription; null while active."),
            _c(
                "renews_at",
                "date",
                description=(
                    "Next renewal date as the billing system knows it (Stripe: Current "
                    "Period End); optional. Null: rpt_renewal_forecast derives it from "
                    "started_at and billing_interval."
                ),
            ),
            _c(
                "billing_interval",
                allowed=("month", "year"),
                description=(
                    "How often the subscription renews: month or year; optional, empty = month."
                ),
            ),
            _updated_at(),
        ),
        (("ended_before_started", "ended_at is before started_at"),),
        description=(
            "One row per subscription; mrr is in the subscription currency. "
            "Primary key: subscription_id."
        ),
    ),
    Source(
        "survey_responses",
        "survey",
        ("response_id",),
        (
            _c("response_id", req=True, description="Survey response identifier. Required."),
            _c("customer_id", req=True, description=_doc("col_raw_customer_id")),
            _c(
                "survey_type",
                req=True,
                allowed=("csat", "nps", "ces"),
                description="Survey type: csat, nps or ces. Required.",
            ),
            _c(
                "score",
                "integer",
                req=True,
                description=(
                    "Score (0..scale_max for nps, 1..scale_max for csat and ces). Required."
                ),
            ),
            _c(
                "scale_max",
                "integer",
                description="Top of the scale; empty means the survey type default.",
            ),
            _c(
                "responded_at",
                "timestamp",
                req=True,
                description="When the response was submitted (UTC). Required.",
            ),
            _c("channel", description="Channel (e.g. email, in_app, chat, phone, paid_search)."),
            _c("touchpoint", description="Journey touchpoint that triggered the survey."),
            _c("ticket_id", description="Support ticket identifier."),
            _c("comment", description="Free-text comment."),
        ),
        (("score_out_of_scale", "score outside 0..scale_max (1..scale_max for csat and ces)"),),
        description=("One row per survey answer (csat, nps or ces). Primary key: response_id."),
    ),
    Source(
        "support_tickets",
        "support",
        ("ticket_id",),
        (
            _c("ticket_id", req=True, description="Support ticket identifier. Required."),
            _c("customer_id", req=True, description=_doc("col_raw_customer_id")),
            _c("created_at", "timestamp", req=True, description=_doc("col_raw_created_at")),
            _c(
                "resolved_at",
                "timestamp",
                description="When the ticket was resolved (UTC); null while open.",
            ),
            _c("category", req=True, description="Ticket category. Required."),
            _c(
                "priority",
                req=True,
                allowed=("low", "normal", "high", "urgent"),
                description="Ticket priority: low, normal, high or urgent. Required.",
            ),
            _c("channel", description="Channel (e.g. email, in_app, chat, phone, paid_search)."),
            _updated_at(),
        ),
        (("resolved_before_created", "resolved_at is before created_at"),),
        description="One row per support ticket. Primary key: ticket_id.",
    ),
    Source(
        "usage_events",
        "product",
        ("event_id",),
        (
            _c("event_id", req=True, description="Usage event identifier. Required."),
            _c("customer_id", req=True, description=_doc("col_raw_customer_id")),
            _c("user_id", description="Product user who triggered the event."),
            _c("event_type", req=True, description="Kind of usage event. Required."),
            _c("feature", description="Product feature used."),
            _c(
                "occurred_at",
                "timestamp",
                req=True,
                description="When the event happened (UTC). Required.",
            ),
        ),
        description="One row per product usage event. Primary key: event_id.",
    ),
    Source(
        "invoices",
        "billing",
        ("invoice_id",),
        (
            _c("invoice_id", req=True, description=_doc("col_raw_invoice_id")),
            _c("customer_id", req=True, description=_doc("col_raw_customer_id")),
            _c("issued_at", "date", req=True, description="Invoice date. Required."),
            _c("due_at", "date", req=True, description="Invoice due date. Required."),
            _c("amount", "number", req=True, non_negative=True, description=_doc("col_raw_amount")),
            _c("currency", description=_doc("col_raw_currency")),
            _c(
                "status",
                allowed=("open", "paid", "void"),
                description="Invoice status: open, paid or void.",
            ),
            _updated_at(),
        ),
        (("due_before_issued", "due_at is before issued_at"),),
        description=(
            "One row per invoice; amount is in the invoice currency. Primary key: invoice_id."
        ),
    ),
    Source(
        "payments",
        "billing",
        ("payment_id",),
        (
            _c("payment_id", req=True, description="Payment identifier. Required."),
            _c("invoice_id", req=True, description=_doc("col_raw_invoice_id")),
            _c("paid_at", "date", req=True, description="Payment date. Required."),
            _c("amount", "number", req=True, non_negative=True, description=_doc("col_raw_amount")),
            _updated_at(),
        ),
        description=(
            "One row per payment against an invoice; amount is in the invoice "
            "currency (a payment carries no currency of its own). Primary key: "
            "payment_id."
        ),
    ),
    Source(
        "payment_reminders",
        "billing",
        ("reminder_id",),
        (
            _c("reminder_id", req=True, description="Payment reminder identifier. Required."),
            _c("invoice_id", req=True, description=_doc("col_raw_invoice_id")),
            _c(
                "sent_at",
                "timestamp",
                req=True,
                description="When the reminder was sent (UTC). Required.",
            ),
        ),
        description=("One row per dunning reminder sent for an invoice. Primary key: reminder_id."),
    ),
    Source(
        "marketing_spend",
        "marketing",
        ("spend_date", "channel", "campaign"),
        (
            _c("spend_date", "date", req=True, description="Day of the spend. Required."),
            _c(
                "channel",
                req=True,
                description="Channel (e.g. email, in_app, chat, phone, paid_search). Required.",
            ),
            _c("campaign", description="Campaign name; may be empty."),
            _c("amount", "number", req=True, non_negative=True, description=_doc("col_raw_amount")),
            _c("currency", description=_doc("col_raw_currency")),
            _updated_at(),
        ),
        description=(
            "One row per day, channel and campaign with the amount spent. "
            "Primary key: spend_date, channel, campaign."
        ),
    ),
    # The accounting export's costs per month, ledger account and department: what fully
    # loaded CAC adds to the marketing spend (seeds/cost_account_categories.csv says which
    # accounts are acquisition costs). month may be any day of the month (period start or
    # end): staging normalises it to the first day, so both spellings are the same key.
    # amount may be negative: a ledger credit (a correction, a refund from a supplier)
    # lowers the month's costs, so it is loaded, not quarantined.
    Source(
        "costs",
        "accounting",
        ("month", "account", "department"),
        (
            _c(
                "month",
                "date",
                req=True,
                description=(
                    "The accounting month: its first day, or any day of it (a "
                    "period-end date is fine); staging normalises it to the first day, "
                    "so the spellings are one key. Required."
                ),
            ),
            _c(
                "account",
                req=True,
                description=(
                    "Ledger account, as text: its number (e.g. 5000 in the Norwegian "
                    "standard chart NS 4102) or its name. Required."
                ),
            ),
            _c(
                "cost_category",
                description="The export's own category text; informational, optional.",
            ),
            _c(
                "amount",
                "number",
                req=True,
                description=(
                    "Amount booked in the month, in the row currency. Required. May be "
                    "negative: a ledger credit (a correction) lowers the month's costs."
                ),
            ),
            _c("currency", description=_doc("col_raw_currency")),
            _c(
                "department",
                description=(
                    "Department (cost centre) the cost is booked to, e.g. sales, "
                    "marketing; optional. Primary key part."
                ),
            ),
            _updated_at(),
        ),
        description=(
            "One row per month, account and department with the amount booked. "
            "Primary key: month, account, department (an empty department is "
            "its own key part)."
        ),
    ),
)

SOURCES_BY_NAME = {s.name: s for s in SOURCES}

# The sources with the optional updated_at column.
RESTATED_SOURCES = tuple(s.name for s in SOURCES if UPDATED_AT in s.column_names)

# The column that says when a row happened: how fresh a source is, which rows make a day.
EVENT_TIME_COLUMN = {
    "customers": "created_at",
    "subscriptions": "started_at",
    "survey_responses": "responded_at",
    "support_tickets": "created_at",
    "usage_events": "occurred_at",
    "invoices": "issued_at",
    "payments": "paid_at",
    "payment_reminders": "sent_at",
    "marketing_spend": "spend_date",
    "costs": "month",
}

# File endings the landing zone accepts, and the reader each one means.
FILE_FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}

# Reason codes a quarantined row can carry (rpt_quarantine). Documented in the README and in
# models/marts/data_quality/_data_quality__models.yml (accepted values of reason_code). All
# but the last are the loader's (orchestration/ingest/validate.py); unknown_currency is
# decided by dbt at build time (models/intermediate/data_quality/int_held_back_rows.sql).
REASON_CODES = {
    "missing_required": "a required column is empty",
    "invalid_integer": "a value does not parse as an integer",
    "invalid_number": "a value does not parse as a number",
    "invalid_date": "a value is not a YYYY-MM-DD date",
    "invalid_timestamp": "a value is not an ISO 8601 timestamp",
    "invalid_value": (
        "a value is outside the contract's closed set (survey_type, priority, status,"
        " billing_interval)"
    ),
    "negative_amount": "an amount or mrr is negative (costs' amount may be: a ledger credit)",
    "invalid_currency": "a currency is not a three-letter code",
    "score_out_of_scale": "a survey score is outside its scale",
    "due_before_issued": "an invoice's due_at is before its issued_at",
    "ended_before_started": "a subscription's ended_at is before its started_at",
    "resolved_before_created": "a ticket's resolved_at is before its created_at",
    "unknown_currency": (
        "a currency that is neither the reporting currency nor in seeds/exchange_rates.csv"
        " (held back by staging, with the payments of such an invoice, until its rate is added)"
    ),
}
