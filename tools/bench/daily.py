"""The daily drop: one new day of landing files, written next to a full load.

The demo generator is a simulation of a whole window: generating again with end_date + 1
day shifts every random draw, so its rows for the new day would not continue the landed
history. Instead the new day is derived from the last landed day with DuckDB, per source,
the way a real nightly export looks:

  * event-like sources (usage_events, survey_responses, support_tickets, payment_reminders,
    marketing_spend): the rows of the last day again, one day later, under new keys;
  * customers: the customers of the last day with sign-ups (the demo data has none in its
    final days: its customers need time to subscribe), again as new customers signing up on
    the new day (new ids), each with its first subscription starting that day
    (subscriptions of existing customers are not repeated: that would double their MRR);
  * invoices: the invoices issued on the last day, again under new ids (open), plus a
    re-export of the open invoices paid on the new day, with status `paid`;
  * payments: as many as on the last day, paying open, unpaid invoices in full.

Every file is one new file per source named <source>_<YYYY-MM-DD>.<ending>, in the source's
own format, sorting after the monthly files (latest file wins). Nothing already landed is
touched, so the ingestion's ledger sees exactly one new file per source.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from orchestration.contract import (
    EVENT_TIME_COLUMN,
    FILE_FORMATS,
    SOURCES,
    SOURCES_BY_NAME,
    UPDATED_AT,
    Source,
)

# The column whose day decides which rows are "the last day".
DAY_COLUMN = EVENT_TIME_COLUMN
COPY_OPTIONS = {
    "csv": "format csv, header true",
    "parquet": "format parquet",
    "jsonl": "format json",
}


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _files(landing: Path, source: Source) -> list[Path]:
    folder = landing / source.name
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in FILE_FORMATS)


def _format_of(files: list[Path]) -> str:
    formats = {FILE_FORMATS[p.suffix.lower()] for p in files}
    return sorted(formats)[0] if len(formats) != 1 else formats.pop()


def _reader(files: list[Path], fmt: str, source: Source) -> str:
    """Every landed row of the source, every contract column as text."""
    paths = "[" + ", ".join(_lit(str(p)) for p in files) + "]"
    if fmt == "csv":
        return f"read_csv({paths}, header = true, all_varchar = true, union_by_name = true)"
    if fmt == "parquet":
        cols = ", ".join(f"cast({c} as varchar) as {c}" for c in source.column_names)
        return f"(select {cols} from read_parquet({paths}, union_by_name = true))"
    cols = ", ".join(f"json_extract_string(json, '$.{c}') as {c}" for c in source.column_names)
    return f"(select {cols} from read_ndjson_objects({paths}))"


def _shift(column: str, days: str = "1") -> str:
    """A date / ISO timestamp text `days` days later; anything else unchanged."""
    day = f"try_cast(left({column}, 10) as date)"
    return (
        f"case when {column} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}.*' and {day} is not null"
        f" then strftime({day} + {days}, '%Y-%m-%d') || substr({column}, 11) else {column} end"
    )


def _output(source: Source, fmt: str, present: set[str]) -> str:
    """Column list in contract order; JSON Lines integers as JSON numbers, like the exports.
    An optional column the day's rows lack (the files they copy predate it) is left empty."""
    out = []
    for c in source.columns:
        if c.name == UPDATED_AT or c.name not in present:
            # like the demo's exports, the day's files do not say when a row changed
            out.append(f"null::varchar as {c.name}")
        elif fmt == "jsonl" and c.type == "integer":
            out.append(
                f"case when regexp_full_match({c.name}, '-?[0-9]+')"
                f" then cast({c.name} as json) else to_json({c.name}) end as {c.name}"
            )
        else:
            out.append(c.name)
    return ", ".join(out)


def write_daily_drop(landing: Path, last_day: dt.date) -> dict[str, dict]:
    """Write the files of day last_day + 1 into `landing`. Returns, per source, the file
    written (relative to landing) and its row count; a source with no row that day gets no
    file (a header-only file would be rejected)."""
    new_day = last_day + dt.timedelta(days=1)
    tag = new_day.strftime("%Y%m%d")
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        formats: dict[str, str] = {}
        for source in SOURCES:
            files = _files(landing, source)
            if not files:
                continue
            formats[source.name] = _format_of(files)
            con.execute(
                f"create table landed_{source.name} as select * from"
                f" {_reader(files, formats[source.name], source)}"
            )
        con.execute(f"create macro last_day() as date '{last_day.isoformat()}'")
        con.execute(f"create macro tag() as '{tag}'")
        new_rows = _new_rows_sql(formats)
        for name, sql in new_rows.items():
            con.execute(f"create table new_{name} as {sql}")
        written: dict[str, dict] = {}
        # sources without a day's rule (monthly accounting costs) get no daily file
        for name, fmt in formats.items():
            if name not in new_rows:
                continue
            rows = con.execute(f"select count(*) from new_{name}").fetchone()[0]
            if rows == 0:
                continue
            ending = {"csv": "csv", "parquet": "parquet", "jsonl": "jsonl"}[fmt]
            path = landing / name / f"{name}_{new_day.isoformat()}.{ending}"
            source = SOURCES_BY_NAME[name]
            present = {row[0] for row in con.execute(f"describe new_{name}").fetchall()}
            con.execute(
                f"copy (select {_output(source, fmt, present)} from new_{name})"
                f" to {_lit(str(path))}"
                f" ({COPY_OPTIONS[fmt]})"
            )
            written[name] = {"file": path.relative_to(landing).as_posix(), "rows": rows}
        return written
    finally:
        con.close()


def _on_last_day(source: str, alias: str = "") -> str:
    col = (alias + "." if alias else "") + DAY_COLUMN[source]
    return f"try_cast(left({col}, 10) as date) = last_day()"


def _new_rows_sql(formats: dict[str, str]) -> dict[str, str]:
    """SQL of each source's new rows (text columns, contract names)."""
    have = set(formats)
    sql: dict[str, str] = {}

    def shifted_copy(name: str, key: str, shift: list[str]) -> str:
        cols = []
        for c in SOURCES_BY_NAME[name].column_names:
            if c == key:
                cols.append(f"{c} || '-' || tag() as {c}")
            elif c in shift:
                cols.append(f"{_shift(c)} as {c}")
            else:
                cols.append(c)
        return f"select {', '.join(cols)} from landed_{name} where {_on_last_day(name)}"

    if "customers" in have:
        # the latest day with sign-ups, up to the last day
        sql["_signup_day"] = """
            select max(try_cast(left(created_at, 10) as date)) as day from landed_customers
            where try_cast(left(created_at, 10) as date) <= last_day()"""
        sql["_signups"] = """
            select distinct on (customer_id) * from landed_customers
            where customer_id is not null
              and try_cast(left(created_at, 10) as date) = (select day from new__signup_day)"""
        offset = "cast(last_day() + 1 - (select day from new__signup_day) as integer)"
        sql["customers"] = f"""
            select customer_id || '-' || tag() as customer_id, company_name, email, segment,
                   region, country, acquisition_channel,
                   {_shift("created_at", offset)} as created_at
            from new__signups"""
    if "subscriptions" in have and "customers" in have:
        sql["subscriptions"] = """
            select distinct on (s.customer_id)
                   s.subscription_id || '-' || tag() as subscription_id,
                   s.customer_id || '-' || tag() as customer_id, s.plan, s.mrr, s.currency,
                   strftime(last_day() + 1, '%Y-%m-%d') as started_at,
                   null::varchar as ended_at
            from landed_subscriptions s
            where s.customer_id in (select customer_id from new__signups)
              and try_cast(s.started_at as date) is not null
              and try_cast(s.mrr as decimal(18, 2)) >= 0
            order by s.customer_id, try_cast(s.started_at as date), s.subscription_id"""
    if "usage_events" in have:
        sql["usage_events"] = shifted_copy("usage_events", "event_id", ["occurred_at"])
    if "survey_responses" in have:
        sql["survey_responses"] = shifted_copy("survey_responses", "response_id", ["responded_at"])
    if "support_tickets" in have:
        sql["support_tickets"] = shifted_copy(
            "support_tickets", "ticket_id", ["created_at", "resolved_at"]
        )
    if "marketing_spend" in have:
        sql["marketing_spend"] = shifted_copy("marketing_spend", "", ["spend_date"])
    if "invoices" in have and "payments" in have:
        # open invoices nobody paid yet (no paid / void version, no payment), oldest due first
        # with a deterministic tie-break; as many get paid as were paid on the last day
        sql["_to_pay"] = f"""
            select invoice_id, customer_id, issued_at, due_at, amount, currency
            from (select distinct on (invoice_id) * from landed_invoices
                  where invoice_id is not null order by invoice_id, status)
            where status = 'open' and try_cast(issued_at as date) <= last_day()
              and try_cast(amount as decimal(18, 2)) > 0
              and invoice_id not in (select invoice_id from landed_invoices
                                     where status in ('paid', 'void'))
              and invoice_id not in (select invoice_id from landed_payments
                                     where invoice_id is not null)
            order by try_cast(due_at as date), hash(invoice_id)
            limit (select count(*) from landed_payments where {_on_last_day("payments")})"""
        sql["payments"] = """
            select 'pay_' || invoice_id || '-' || tag() as payment_id, invoice_id,
                   strftime(last_day() + 1, '%Y-%m-%d') as paid_at, amount
            from new__to_pay"""
        sql["invoices"] = f"""
            select invoice_id || '-' || tag() as invoice_id, customer_id,
                   {_shift("issued_at")} as issued_at, {_shift("due_at")} as due_at, amount,
                   currency, 'open' as status
            from landed_invoices where {_on_last_day("invoices")} and status = 'open'
            union all
            select invoice_id, customer_id, issued_at, due_at, amount, currency,
                   'paid' as status
            from new__to_pay"""
    if "payment_reminders" in have:
        paying = "select invoice_id from new__to_pay" if "_to_pay" in sql else "select null"
        sql["payment_reminders"] = (
            shifted_copy("payment_reminders", "reminder_id", ["sent_at"])
            + f" and invoice_id not in ({paying})"
        )
    return sql
