"""One delivery run: read the open alerts from the serving copy, write the call list, then
send what is due on each configured channel through the outbox (outbox.py).

The outbox lives in the working warehouse, so a run that has a channel takes the writer lock
(warehouse.connect_writer) for its whole length: DuckDB has one writer per file, and holding
the lock is also what lets a run treat a `sending` row it finds as left by a dead run. The
lock is held over network calls, bounded by PULSE_ALERT_TIMEOUT_SECONDS per operation and
one connection per channel. A run with no channel never opens the warehouse.

A channel that fails (server down, HTTP 500) is recorded and retried on later runs; it
never raises out of here. A configuration error (a malformed URL, an SMTP URL without a
From address) does raise: it is a mistake to fix, not a transient failure.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import duckdb

from orchestration.alerts import email_channel, outbox, selection, webhook_channel
from orchestration.alerts.call_list import write_call_list
from orchestration.alerts.episodes import Alert, read_open_alerts
from orchestration.alerts.errors import NotDelivered, OutcomeUnknown, describe
from orchestration.config import AlertSettings, Settings
from orchestration.publish import current_dir
from orchestration.warehouse import connect_writer

NO_CHANNEL = (
    "no alert channel configured (PULSE_ALERT_SMTP_URL, PULSE_ALERT_WEBHOOK_URL):"
    " alerts are only written to the call list"
)


class Log(Protocol):
    def info(self, msg: str) -> None: ...
    def warning(self, msg: str) -> None: ...


@dataclass
class ChannelResult:
    channel: str
    due: int = 0
    messages: int = 0
    sent: int = 0
    failed: int = 0
    unconfirmed: int = 0
    no_recipient: int = 0  # e-mail: no owner and no PULSE_ALERT_EMAIL_TO


@dataclass
class DeliveryReport:
    alerts_open: int | None  # None: no alerts mart in the serving copy
    alerts_new: int = 0
    call_list: list[Path] = field(default_factory=list)
    channels: list[ChannelResult] = field(default_factory=list)
    recovered: int = 0  # `sending` rows of a dead run, now unconfirmed
    expired: int = 0
    outbox: dict[tuple[str, str], int] = field(default_factory=dict)
    attention: list[tuple] = field(default_factory=list)  # failed and unconfirmed rows

    @property
    def no_recipient(self) -> int:
        return sum(c.no_recipient for c in self.channels)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def channels_from(cfg: AlertSettings) -> list:
    return [c for c in (email_channel.from_settings(cfg), webhook_channel.from_settings(cfg)) if c]


def run(
    cfg: Settings,
    alert_cfg: AlertSettings,
    run_id: str,
    log: Log,
    clock: Callable[[], dt.datetime] = utc_now,
) -> DeliveryReport:
    channels = channels_from(alert_cfg)  # configuration errors before anything happens
    alerts = read_open_alerts(current_dir(cfg.serving_dir) / "pulse.duckdb")
    if alerts is None:
        log.warning("no fct_health_alert_episodes in the serving copy: no alerts to deliver")
        return DeliveryReport(alerts_open=None)
    report = DeliveryReport(
        alerts_open=len(alerts),
        alerts_new=sum(selection.is_new(a, alert_cfg.lookback_days) for a in alerts),
    )
    as_of = max((a.as_of_date for a in alerts), default=cfg.as_of_date)
    report.call_list = write_call_list(cfg.reports_dir, alerts, as_of)
    if not channels:
        log.warning(NO_CHANNEL)
        return report
    with connect_writer(cfg.warehouse) as con:
        outbox.ensure(con)
        report.recovered = outbox.recover_crashed(con)
        if report.recovered:
            log.warning(
                f"{report.recovered} alert deliveries were cut off by a run that ended between"
                " sending and recording: marked unconfirmed, not sent again (see the outbox)"
            )
        report.expired = outbox.expire_closed(con, [a.alert_id for a in alerts])
        for channel in channels:
            result = deliver_channel(con, channel, alerts, alert_cfg.lookback_days, run_id, clock)
            report.channels.append(result)
            log.info(
                f"{channel.name}: {result.sent} of {result.due} alerts sent in"
                f" {result.messages} messages, {result.failed} failed,"
                f" {result.unconfirmed} unconfirmed"
            )
            if result.no_recipient:
                log.warning(
                    f"{result.no_recipient} alerts have no owner and PULSE_ALERT_EMAIL_TO is"
                    " not set: not e-mailed"
                )
        report.outbox = outbox.summary(con)
        report.attention = outbox.attention_rows(con)
    return report


def deliver_channel(
    con: duckdb.DuckDBPyConnection,
    channel,
    alerts: list[Alert],
    lookback_days: int,
    run_id: str,
    clock: Callable[[], dt.datetime] = utc_now,
) -> ChannelResult:
    """Send the alerts due on `channel`, each message recorded as sending before it leaves
    and as sent / failed / unconfirmed after."""
    due = selection.due(alerts, outbox.statuses(con, channel.name), lookback_days)
    batches, nowhere = channel.batches(due)
    result = ChannelResult(channel.name, due=len(due), no_recipient=len(nowhere))
    if not batches:
        return result

    def rows(batch) -> list[tuple[str, str, str]]:
        return [
            (a.alert_id, batch.recipient, outbox.key(a.alert_id, channel.name, batch.recipient))
            for a in batch.alerts
        ]

    with contextlib.ExitStack() as stack:
        try:
            handle = stack.enter_context(channel.session())
        except Exception as exc:  # no connection, TLS or login refused: nothing handed over
            for batch in batches:
                outbox.record_failed_without_sending(
                    con, rows(batch), channel.name, describe(exc), run_id, clock()
                )
                result.failed += len(batch.alerts)
            return result
        for batch in batches:
            batch_rows = rows(batch)
            keys = [k for _, _, k in batch_rows]
            message_id = outbox.key(*sorted(keys))
            ids = [a for a, _, _ in batch_rows]
            outbox.mark_sending(con, batch_rows, channel.name, message_id, run_id, clock())
            result.messages += 1
            try:
                channel.send(handle, batch, message_id, keys)
            except OutcomeUnknown as exc:
                outbox.mark(con, ids, channel.name, outbox.UNCONFIRMED, exc.error, clock())
                result.unconfirmed += len(ids)
            except NotDelivered as exc:
                outbox.mark(con, ids, channel.name, outbox.FAILED, exc.error, clock())
                result.failed += len(ids)
            except Exception as exc:  # a bug before anything left: recorded, retried
                outbox.mark(con, ids, channel.name, outbox.FAILED, describe(exc), clock())
                result.failed += len(ids)
            else:
                outbox.mark(con, ids, channel.name, outbox.SENT, None, clock())
                result.sent += len(ids)
    return result
