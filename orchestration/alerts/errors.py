"""An error as the outbox and the logs record it: its class and its protocol code, never
its message. smtplib's exceptions carry the refused addresses and the server's reply (which
may quote the message), urllib's carry URLs holding webhook tokens: none of that belongs in
the warehouse."""

from __future__ import annotations

import smtplib
import urllib.error


def describe(exc: BaseException) -> str:
    name = type(exc).__name__
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        why = describe(reason) if isinstance(reason, BaseException) else "unreachable"
        return f"URLError: {why}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"{name} {','.join(map(str, codes))}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{name} {exc.smtp_code}"
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"{name} errno {exc.errno}"
    return name


class NotDelivered(Exception):
    """The receiver refused the message or could not be reached: retried by a later run."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class OutcomeUnknown(Exception):
    """The message was handed over but its acceptance never came back: not retried."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error
