"""The chat-webhook channel: a POST of JSON {"text": ...}, which Slack and Mattermost
incoming webhooks and Teams' incoming-webhook connectors all accept. One POST per run
listing the new alerts, split into batches of BATCH_SIZE so a first run with many alerts
stays readable and under chat size limits.

The URL (PULSE_ALERT_WEBHOOK_URL, http:// or https://) holds the webhook's secret token: it
never reaches a log or the outbox. Idempotency: every POST carries the header
`Idempotency-Key: <key>`, derived from the per-alert keys in it (alert id, channel); the
same alerts posted again carry the same key. Slack, Teams and Mattermost ignore it; a
receiver of your own can drop a POST whose key it has seen. Nothing else is added to the
JSON, which chat services validate.

Outcomes: an HTTP error status or no connection -> not delivered (retried by a later run;
the receiver that answered 5xx after acting on the POST gets it again, with the same key);
no response after the request was sent (a timeout, a dropped connection) -> outcome unknown
(not retried: outbox.py).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field

from orchestration.alerts import text
from orchestration.alerts.episodes import Alert
from orchestration.alerts.errors import NotDelivered, OutcomeUnknown, describe
from orchestration.config import AlertSettings

NAME = "webhook"
RECIPIENT = "webhook"  # the outbox's recipient column: the URL itself is a secret
BATCH_SIZE = 20
FOOTER = "Every open alert is on the call list (alerts/call_list.csv in the Pulse reports folder)."


@dataclass(frozen=True)
class Batch:
    recipient: str
    alerts: list[Alert]


@dataclass(frozen=True)
class WebhookChannel:
    url: str = field(repr=False)
    timeout: float = 10.0
    name: str = NAME

    def batches(self, alerts: list[Alert]) -> tuple[list[Batch], list[Alert]]:
        return [
            Batch(RECIPIENT, alerts[i : i + BATCH_SIZE]) for i in range(0, len(alerts), BATCH_SIZE)
        ], []

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        yield None  # one request per batch, no connection kept

    def payload(self, batch: Batch) -> bytes:
        as_of = max(a.as_of_date for a in batch.alerts)
        message = text.body(batch.alerts, as_of, FOOTER)
        return json.dumps({"text": message}, ensure_ascii=False).encode("utf-8")

    def send(self, _session: None, batch: Batch, message_id: str, keys: list[str]) -> None:
        request = urllib.request.Request(
            self.url,
            data=self.payload(batch),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": message_id,
                "User-Agent": "pulse-alerts",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:  # the receiver answered, not with 2xx
            raise NotDelivered(describe(exc)) from None
        except urllib.error.URLError as exc:  # no connection: the request never arrived
            raise NotDelivered(describe(exc)) from None
        except (http.client.HTTPException, OSError) as exc:  # sent, no answer
            raise OutcomeUnknown(describe(exc)) from None


def from_settings(cfg: AlertSettings) -> WebhookChannel | None:
    if not cfg.webhook_url:
        return None
    scheme = urllib.parse.urlsplit(cfg.webhook_url).scheme
    if scheme not in ("http", "https"):
        raise ValueError("PULSE_ALERT_WEBHOOK_URL must start with http:// or https://")
    return WebhookChannel(cfg.webhook_url, cfg.timeout_seconds)
