"""Alert delivery: send each newly opened alert episode once per channel, and write the
call list.

One module, one job:
    episodes.py         read the open alert episodes from the serving copy
    selection.py        which open alerts are new enough to send, and which are due on a channel
    outbox.py           pulse_meta.alert_outbox: what was sent where, and the crash rules
    errors.py           an error as the outbox records it (no cell values, no addresses)
    email_channel.py    the e-mail channel: one message per recipient per run, over SMTP
    webhook_channel.py  the chat-webhook channel: one POST per batch of alerts
    call_list.py        the call-list CSV of every open alert, in the reports folder
    deliver.py          one delivery run: the channels in turn, each through the outbox

The Dagster asset is orchestration/assets/alert_delivery.py; the README's "Alerts: delivery"
section and docs/decisions.md say what is sent when and what the idempotency keys promise.
"""
