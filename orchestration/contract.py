"""The landing-zone contract: what each source folder must hold.

This module is the single source of truth for source names, columns, types, required
columns, primary keys and value rules. Ingestion, the demo-data generator, the dbt sources
and the tests all read it, so a contract change is made here once.

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


@dataclass(frozen=True)
class Source:
    name: str  # landing sub-folder and raw table name
    system: str  # the exporting system: the dbt source name
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    # row rules beyond single columns, as (reason_code, description); implemented in ingest
    row_rules: tuple[tuple[str, str], ...] = field(default_factory=tuple)

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


# The optional column that says when the exporting system last changed a row. Only sources
# whose rows a later export restates (a customer's segment, a subscription's end, an
# invoice's status, a ticket's resolution, a corrected payment, spend or cost) have it; events
# (usage events, survey responses, reminders) are never restated. A file without it loads.
UPDATED_AT = "updated_at"


def _updated_at() -> Column:
    return _c(UPDATED_AT, "timestamp")


# Default scale of each survey type, used when scale_max is empty.
DEFAULT_SCALE_MAX = {"csat": 5, "nps": 10, "ces": 7}

SOURCES: tuple[Source, ...] = (
    Source(
        "customers",
        "crm",
        ("customer_id",),
        (
            _c("customer_id", req=True),
            _c("company_name"),
            _c("email"),
            _c("segment", req=True),
            _c("region"),
            _c("country"),
            _c("acquisition_channel", req=True),
            _c("created_at", "timestamp", req=True),
            # The account's customer-success manager: the work e-mail address alerts about
            # this customer are routed to (fct_health_alert_episodes); empty = the default
            # recipient. Optional: a file without it loads.
            _c("owner"),
            _updated_at(),
        ),
    ),
    Source(
        "subscriptions",
        "billing",
        ("subscription_id",),
        (
            _c("subscription_id", req=True),
            _c("customer_id", req=True),
            _c("plan"),
            _c("mrr", "number", req=True, non_negative=True),
            _c("currency"),
            _c("started_at", "date", req=True),
            _c("ended_at", "date"),
            # The next renewal date as the billing system knows it (Stripe: Current Period
            # End); optional. Without it rpt_renewal_forecast derives the renewal from
            # started_at and billing_interval.
            _c("renews_at", "date"),
            # How often the subscription renews: month or year; optional, empty = month.
            _c("billing_interval", allowed=("month", "year")),
            _updated_at(),
        ),
        (("ended_before_started", "ended_at is before started_at"),),
    ),
    Source(
        "survey_responses",
        "survey",
        ("response_id",),
        (
            _c("response_id", req=True),
            _c("customer_id", req=True),
            _c("survey_type", req=True, allowed=("csat", "nps", "ces")),
            _c("score", "integer", req=True),
            _c("scale_max", "integer"),
            _c("responded_at", "timestamp", req=True),
            _c("channel"),
            _c("touchpoint"),
            _c("ticket_id"),
            _c("comment"),
        ),
        (("score_out_of_scale", "score outside 0..scale_max (1..scale_max for csat and ces)"),),
    ),
    Source(
        "support_tickets",
        "support",
        ("ticket_id",),
        (
            _c("ticket_id", req=True),
            _c("customer_id", req=True),
            _c("created_at", "timestamp", req=True),
            _c("resolved_at", "timestamp"),
            _c("category", req=True),
            _c("priority", req=True, allowed=("low", "normal", "high", "urgent")),
            _c("channel"),
            _updated_at(),
        ),
        (("resolved_before_created", "resolved_at is before created_at"),),
    ),
    Source(
        "usage_events",
        "product",
        ("event_id",),
        (
            _c("event_id", req=True),
            _c("customer_id", req=True),
            _c("user_id"),
            _c("event_type", req=True),
            _c("feature"),
            _c("occurred_at", "timestamp", req=True),
        ),
    ),
    Source(
        "invoices",
        "billing",
        ("invoice_id",),
        (
            _c("invoice_id", req=True),
            _c("customer_id", req=True),
            _c("issued_at", "date", req=True),
            _c("due_at", "date", req=True),
            _c("amount", "number", req=True, non_negative=True),
            _c("currency"),
            _c("status", allowed=("open", "paid", "void")),
            _updated_at(),
        ),
        (("due_before_issued", "due_at is before issued_at"),),
    ),
    Source(
        "payments",
        "billing",
        ("payment_id",),
        (
            _c("payment_id", req=True),
            _c("invoice_id", req=True),
            _c("paid_at", "date", req=True),
            _c("amount", "number", req=True, non_negative=True),
            _updated_at(),
        ),
    ),
    Source(
        "payment_reminders",
        "billing",
        ("reminder_id",),
        (
            _c("reminder_id", req=True),
            _c("invoice_id", req=True),
            _c("sent_at", "timestamp", req=True),
        ),
    ),
    Source(
        "marketing_spend",
        "marketing",
        ("spend_date", "channel", "campaign"),
        (
            _c("spend_date", "date", req=True),
            _c("channel", req=True),
            _c("campaign"),
            _c("amount", "number", req=True, non_negative=True),
            _c("currency"),
            _updated_at(),
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
            _c("month", "date", req=True),
            _c("account", req=True),
            _c("cost_category"),
            _c("amount", "number", req=True),
            _c("currency"),
            _c("department"),
            _updated_at(),
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
