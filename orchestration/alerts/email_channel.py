"""The e-mail channel: over SMTP, one plain-text UTF-8 message per recipient per run listing
that recipient's new alerts. The recipient is the customer's owner (its CSM), else
PULSE_ALERT_EMAIL_TO; an alert with neither is undeliverable by e-mail (counted, warned).

PULSE_ALERT_SMTP_URL: smtp://host[:port] (plain, port 25 by default), smtps://host[:port]
(TLS from the first byte, 465), smtp://host:port?starttls=1 (upgraded with STARTTLS).
Certificates are verified. Credentials come from PULSE_ALERT_SMTP_USER and
PULSE_ALERT_SMTP_PASSWORD only: a URL with user:password@ is refused.

Idempotency: the Message-ID is <key@pulse.alerts>, where key is derived from the per-alert
keys in the message (alert id, channel, recipient); the header X-Pulse-Alert-Keys lists the
per-alert keys. Sending the same alerts to the same recipient again yields the same
Message-ID. SMTP servers do not drop duplicates; a receiving system that keeps Message-IDs
(or the per-alert keys) can.

Outcomes (errors.py): refused at MAIL/RCPT/DATA, or no connection -> not delivered (retried);
the connection broke while the message was being handed over -> outcome unknown (not
retried: outbox.py).
"""

from __future__ import annotations

import contextlib
import email.policy
import smtplib
import ssl
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate

from orchestration.alerts import text
from orchestration.alerts.episodes import Alert
from orchestration.alerts.errors import NotDelivered, OutcomeUnknown, describe
from orchestration.config import AlertSettings

NAME = "email"
FOOTER = (
    "Every open alert is on the call list (alerts/call_list.csv in the Pulse reports folder).\n"
    "Sent once per alert by Pulse; replies are not read."
)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool = False  # smtps: TLS from the first byte
    starttls: bool = False
    user: str | None = None
    password: str | None = field(default=None, repr=False)


def parse_smtp_url(url: str) -> SmtpServer:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("PULSE_ALERT_SMTP_URL must start with smtp:// or smtps://")
    if parts.username or parts.password:
        raise ValueError(
            "PULSE_ALERT_SMTP_URL must not hold credentials: set PULSE_ALERT_SMTP_USER and"
            " PULSE_ALERT_SMTP_PASSWORD"
        )
    if not parts.hostname:
        raise ValueError("PULSE_ALERT_SMTP_URL names no host")
    query = urllib.parse.parse_qs(parts.query)
    unknown = set(query) - {"starttls"}
    if unknown:
        raise ValueError(f"PULSE_ALERT_SMTP_URL: unknown option(s) {', '.join(sorted(unknown))}")
    starttls = query.get("starttls", ["0"])[-1].lower() in ("1", "true", "yes")
    tls = parts.scheme == "smtps"
    if tls and starttls:
        raise ValueError("PULSE_ALERT_SMTP_URL: smtps:// is TLS already; drop ?starttls")
    return SmtpServer(parts.hostname, parts.port or (465 if tls else 25), tls, starttls)


@dataclass(frozen=True)
class Batch:
    recipient: str
    alerts: list[Alert]


@dataclass(frozen=True)
class EmailChannel:
    server: SmtpServer
    sender: str
    default_to: str | None
    timeout: float
    name: str = NAME

    def batches(self, alerts: list[Alert]) -> tuple[list[Batch], list[Alert]]:
        """One batch per recipient (in first-seen order), and the alerts with no recipient."""
        by_recipient: dict[str, list[Alert]] = {}
        nowhere = []
        for alert in alerts:
            recipient = alert.owner or self.default_to
            if recipient is None:
                nowhere.append(alert)
            else:
                by_recipient.setdefault(recipient, []).append(alert)
        return [Batch(r, a) for r, a in by_recipient.items()], nowhere

    @contextlib.contextmanager
    def session(self) -> Iterator[smtplib.SMTP]:
        """A logged-in SMTP connection; connection and login errors propagate (nothing was
        handed over)."""
        context = ssl.create_default_context()
        s = self.server
        if s.tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=self.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if s.starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password or "")
            yield smtp
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()

    def compose(self, batch: Batch, message_id: str, keys: list[str]) -> EmailMessage:
        as_of = max(a.as_of_date for a in batch.alerts)
        msg = EmailMessage()
        msg["Subject"] = text.title(len(batch.alerts), as_of)
        msg["From"] = self.sender
        msg["To"] = batch.recipient
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = f"<{message_id}@pulse.alerts>"
        msg["X-Pulse-Alert-Keys"] = ", ".join(keys)
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
        # quoted-printable: 7-bit safe, so the message needs no 8BITMIME from the server
        msg.set_content(
            text.body(batch.alerts, as_of, FOOTER), charset="utf-8", cte="quoted-printable"
        )
        return msg

    def send(self, smtp: smtplib.SMTP, batch: Batch, message_id: str, keys: list[str]) -> None:
        """Hand one message over; NotDelivered or OutcomeUnknown when it was not accepted."""
        try:
            data = self.compose(batch, message_id, keys).as_bytes(policy=email.policy.SMTP)
        except (ValueError, TypeError) as exc:  # e.g. an owner that is no address
            raise NotDelivered(describe(exc)) from None
        try:
            code, _ = smtp.mail(self.sender)
            if code != 250:
                raise NotDelivered(f"MAIL {code}")
            code, _ = smtp.rcpt(batch.recipient)
            if code not in (250, 251):
                raise NotDelivered(f"RCPT {code}")
        except NotDelivered:
            _reset(smtp)
            raise
        except (smtplib.SMTPException, OSError) as exc:
            raise NotDelivered(describe(exc)) from None
        try:
            code, _ = smtp.data(data)  # raises only when DATA itself is refused
        except smtplib.SMTPDataError as exc:  # the server answered: refused
            _reset(smtp)
            raise NotDelivered(describe(exc)) from None
        except (smtplib.SMTPException, OSError) as exc:  # no answer after the message
            raise OutcomeUnknown(describe(exc)) from None
        if code != 250:  # the server answered the message: refused
            _reset(smtp)
            raise NotDelivered(f"DATA {code}")


def _reset(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.rset()


def from_settings(cfg: AlertSettings) -> EmailChannel | None:
    if not cfg.smtp_url:
        return None
    if not cfg.email_from:
        raise ValueError("PULSE_ALERT_SMTP_URL is set: PULSE_ALERT_EMAIL_FROM must be too")
    server = parse_smtp_url(cfg.smtp_url)
    server = SmtpServer(
        server.host, server.port, server.tls, server.starttls, cfg.smtp_user, cfg.smtp_password
    )
    return EmailChannel(server, cfg.email_from, cfg.email_to, cfg.timeout_seconds)
