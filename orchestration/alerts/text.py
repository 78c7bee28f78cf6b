"""How alerts read in words, the same in an e-mail and in a chat message."""

from __future__ import annotations

import datetime as dt

from orchestration.alerts.episodes import Alert


def title(count: int, as_of: dt.date) -> str:
    return f"Pulse: {count} new customer alert{'' if count == 1 else 's'} ({as_of.isoformat()})"


def alert_lines(alert: Alert) -> list[str]:
    """Two lines: who and why, then the facts; the alert id last, to quote in a reply."""
    name = alert.company_name or alert.customer_id
    facts = [f"rule {alert.rule}", f"opened {alert.opened_on.isoformat()}"]
    if alert.score_at_opening is not None:
        facts.append(f"score at opening {alert.score_at_opening:.1f}")
    if alert.current_mrr is not None:
        facts.append(f"MRR {alert.current_mrr:,.2f}")
    facts.append(f"alert {alert.alert_id}")
    headline = f"- {name} ({alert.customer_id}): {alert.reason or alert.rule}"
    return [headline, "  " + ", ".join(facts)]


def body(alerts: list[Alert], as_of: dt.date, footer: str) -> str:
    lines = [title(len(alerts), as_of), ""]
    for alert in alerts:
        lines += alert_lines(alert)
    return "\n".join([*lines, "", footer])
