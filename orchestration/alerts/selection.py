"""Which alerts are sent.

An alert is *new* when its episode is open on the as-of date and opened at most
`lookback_days` days before it (opened_on >= as_of_date - lookback_days; 0 = opened on the
as-of date only). The lookback keeps a first run over a long history, or a run after a week
without runs, from sending episodes that opened long ago: those are on the call list, not in
anyone's inbox.

An alert is *due* on a channel when it is new and the channel's outbox has no row for it, or
when the outbox holds a failed attempt and the episode is still open (a failure is retried
while the alert is open, even once it is older than the lookback: the lookback is about
history, not about giving up). Sent, unconfirmed and expired rows are never sent again by a
run (outbox.py says why for unconfirmed).
"""

from __future__ import annotations

import datetime as dt

from orchestration.alerts.episodes import Alert

RETRIED = "failed"


def is_new(alert: Alert, lookback_days: int) -> bool:
    return alert.opened_on >= alert.as_of_date - dt.timedelta(days=lookback_days)


def due(alerts: list[Alert], statuses: dict[str, str], lookback_days: int) -> list[Alert]:
    """The open `alerts` to send on one channel, given that channel's outbox status per
    alert id."""
    return [
        a
        for a in alerts
        if (a.alert_id not in statuses and is_new(a, lookback_days))
        or statuses.get(a.alert_id) == RETRIED
    ]
