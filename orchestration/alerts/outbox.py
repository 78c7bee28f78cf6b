"""The outbox: pulse_meta.alert_outbox, one row per (alert, channel), in the working
warehouse beside the load ledger.

Exactly once, as far as a sender can promise it:
  1. before a message leaves, its alerts' rows are committed as `sending` (attempts + 1);
  2. after the receiver accepted it (SMTP 250 after DATA, HTTP 2xx), they become `sent`;
  3. when the receiver refused it or could not be reached, they become `failed` and are
     retried by later runs while the episode is open (selection.py);
  4. when the outcome is unknown (the connection broke after the message was handed over,
     or the run died between 1 and 2), they become `unconfirmed` and are NOT sent again.

A delivery run holds the warehouse's writer lock from start to end (warehouse.py), so a
`sending` row found when a run starts was left by a run that died: `recover_crashed` turns
it into `unconfirmed`. We choose at-most-once for that case because neither SMTP nor a
Slack/Teams/Mattermost webhook drops a duplicate: resending would alert a person twice.
The message carries idempotency keys (email_channel.py: Message-ID and X-Pulse-Alert-Keys;
webhook_channel.py: the Idempotency-Key header), so an operator who resends unconfirmed rows
(`requeue_unconfirmed`, `python -m orchestration.alerts requeue-unconfirmed`) lets a
receiver that keeps the keys it has seen (a ticketing system, a mail archive, a custom
webhook) drop the second copy; a plain mailbox or chat channel will show it twice.

A failed row whose episode closed before it could be delivered becomes `expired`.
`last_error` holds the error's class and code only (errors.py): never a cell value, never
an address beyond the `recipient` column.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

import duckdb

SENDING, SENT, FAILED, UNCONFIRMED, EXPIRED = "sending", "sent", "failed", "unconfirmed", "expired"
# a row in one of these needs a person's attention (the delivery asset's warning check)
ATTENTION = (FAILED, UNCONFIRMED)

DDL = (
    "create schema if not exists pulse_meta",
    """create table if not exists pulse_meta.alert_outbox (
        alert_id varchar not null,
        channel varchar not null,          -- email | webhook
        recipient varchar not null,        -- email: the address; webhook: 'webhook'
        idempotency_key varchar not null,  -- key(alert_id, channel, recipient)
        message_id varchar,                -- the message of the last attempt (its own key)
        status varchar not null,           -- sending | sent | failed | unconfirmed | expired
        attempts integer not null,
        last_error varchar,                -- class and code only, never a cell value
        first_attempt_at timestamp not null,
        last_attempt_at timestamp not null,
        sent_at timestamp,
        run_id varchar,                    -- the run of the last attempt
        primary key (alert_id, channel)
    )""",
)


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def key(*parts: str) -> str:
    """A stable idempotency key: the first 32 hex digits of sha256 over the parts."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def statuses(con: duckdb.DuckDBPyConnection, channel: str) -> dict[str, str]:
    return dict(
        con.execute(
            "select alert_id, status from pulse_meta.alert_outbox where channel = ?", [channel]
        ).fetchall()
    )


def recover_crashed(con: duckdb.DuckDBPyConnection) -> int:
    """`sending` rows left by a run that died (the caller holds the writer lock, so no live
    run owns them) become `unconfirmed`. Returns how many."""
    return _update(
        con,
        "update pulse_meta.alert_outbox set status = ?,"
        " last_error = 'run ended between sending and recording' where status = ?",
        [UNCONFIRMED, SENDING],
    )


def expire_closed(con: duckdb.DuckDBPyConnection, open_ids: Iterable[str]) -> int:
    """Failed rows of episodes no longer open are not retried: `expired`."""
    return _update(
        con,
        "update pulse_meta.alert_outbox set status = ? where status = ?"
        " and alert_id not in (select unnest(?::varchar[]))",
        [EXPIRED, FAILED, list(open_ids)],
    )


def mark_sending(
    con: duckdb.DuckDBPyConnection,
    rows: list[tuple[str, str, str]],  # (alert_id, recipient, idempotency_key)
    channel: str,
    message_id: str,
    run_id: str,
    now: dt.datetime,
) -> None:
    """Commit the rows as `sending` before the message leaves (one transaction)."""
    con.execute("begin")
    try:
        con.executemany(
            """insert into pulse_meta.alert_outbox (alert_id, channel, recipient,
                idempotency_key, message_id, status, attempts, last_error, first_attempt_at,
                last_attempt_at, sent_at, run_id)
            values (?, ?, ?, ?, ?, ?, 1, null, ?, ?, null, ?)
            on conflict (alert_id, channel) do update set recipient = excluded.recipient,
                idempotency_key = excluded.idempotency_key, message_id = excluded.message_id,
                status = excluded.status, attempts = attempts + 1,
                last_attempt_at = excluded.last_attempt_at, run_id = excluded.run_id""",
            [[a, channel, r, k, message_id, SENDING, now, now, run_id] for a, r, k in rows],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def mark(
    con: duckdb.DuckDBPyConnection,
    alert_ids: list[str],
    channel: str,
    status: str,
    error: str | None,
    now: dt.datetime,
) -> None:
    """Record the outcome of the rows' last attempt: sent, failed or unconfirmed."""
    con.executemany(
        "update pulse_meta.alert_outbox set status = ?, last_error = ?,"
        " sent_at = case when ? = 'sent' then ?::timestamp else sent_at end"
        " where alert_id = ? and channel = ?",
        [[status, error, status, now, a, channel] for a in alert_ids],
    )


def record_failed_without_sending(
    con: duckdb.DuckDBPyConnection,
    rows: list[tuple[str, str, str]],
    channel: str,
    error: str,
    run_id: str,
    now: dt.datetime,
) -> None:
    """An attempt that never reached the receiver (it could not be connected to): counted
    as an attempt, recorded as failed."""
    mark_sending(con, rows, channel, "", run_id, now)
    mark(con, [a for a, _, _ in rows], channel, FAILED, error, now)


def requeue_unconfirmed(con: duckdb.DuckDBPyConnection, channel: str | None = None) -> int:
    """An operator's decision to resend unconfirmed rows (their receiver dedupes, or a
    duplicate is better than a missed alert): they become `failed`, so the next run sends
    them again, with the same idempotency keys."""
    where = " and channel = ?" if channel else ""
    return _update(
        con,
        f"update pulse_meta.alert_outbox set status = ? where status = ?{where}",
        [FAILED, UNCONFIRMED, *([channel] if channel else [])],
    )


def summary(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], int]:
    """Rows per (channel, status)."""
    return {
        (c, s): n
        for c, s, n in con.execute(
            "select channel, status, count(*) from pulse_meta.alert_outbox group by 1, 2"
        ).fetchall()
    }


def attention_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(alert_id, channel, status, attempts, last_error) of the failed and unconfirmed rows."""
    return con.execute(
        "select alert_id, channel, status, attempts, last_error from pulse_meta.alert_outbox"
        " where status in (?, ?) order by channel, alert_id",
        list(ATTENTION),
    ).fetchall()


def _update(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> int:
    return con.execute(sql, params).fetchone()[0]
