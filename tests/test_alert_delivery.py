"""Alert delivery (orchestration/alerts/): real SMTP and HTTP receivers on 127.0.0.1.

The alerts mart is made here by hand, in a serving copy of its own, with the columns of
fct_health_alert_episodes. As of 2026-06-30 with the default 7-day lookback:
    A1 C001 Ærø Øl A/S    anna  opened 06-30 open  MRR 1200  new
    A2 C002 Bølge & Co     anna  opened 06-25 open  MRR  800  new
    A3 C003 Café Ünïcode   -     opened 06-23 open  MRR  300  new (exactly 7 days)
    A4 C004 Old Problem    bo    opened 06-22 open  MRR 2000  not new: call list only
    A5 C005 Recovered      -     opened 06-26 closed          neither
    A6 C006 =Evil Corp     -     opened 06-29 open  MRR   50  new
So e-mail sends two messages (anna: A1 A2; the default ops@: A3 A6), the webhook one POST
with A1 A2 A3 A6, and the call list holds A1 (new today), then A4 A2 A3 A6 by MRR.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from orchestration.alerts import deliver, outbox
from orchestration.alerts.email_channel import parse_smtp_url
from orchestration.config import alert_settings, settings
from tests.alert_receivers import HookServer, SmtpServer, closed_port, start

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-06-30"
ANNA, BO, OPS = "anna@example.com", "bo@example.com", "ops@example.com"

EPISODES = f"""
create table fct_health_alert_episodes as select * from (values
    ('A1', 'C001', 'Ærø Øl A/S',   '{ANNA}', 'below_floor',      'health score 42 is below the floor of 50',
     date '2026-06-30', null::date,         true,  0, 42.0, 1200.0, date '{AS_OF}'),
    ('A2', 'C002', 'Bølge & Co',    '{ANNA}', 'score_drop',       'score fell 25 points in 30 days',
     date '2026-06-25', null::date,         true,  5, 61.0, 800.0,  date '{AS_OF}'),
    ('A3', 'C003', 'Café Ünïcode',  null,     'invoice_overdue',  'an invoice is 75 days overdue',
     date '2026-06-23', null::date,         true,  7, 55.0, 300.0,  date '{AS_OF}'),
    ('A4', 'C004', 'Old Problem',   '{BO}',   'below_floor',      'health score 30 is below the floor of 50',
     date '2026-06-22', null::date,         true,  8, 30.0, 2000.0, date '{AS_OF}'),
    ('A5', 'C005', 'Recovered',     null,     'below_floor',      'health score 45 is below the floor of 50',
     date '2026-06-26', date '2026-06-29',  false, 3, 45.0, 100.0,  date '{AS_OF}'),
    ('A6', 'C006', '=Evil Corp',    null,     'turned_unhealthy', 'category turned unhealthy',
     date '2026-06-29', null::date,         true,  1, 20.0, 50.0,   date '{AS_OF}')
) as t(alert_id, customer_id, company_name, owner, rule, reason, opened_on, closed_on,
       is_open, days_open, score_at_opening, current_mrr, as_of_date)
"""  # noqa: E501


class ListLog:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, msg: str) -> None:
        self.lines.append(("info", msg))

    def warning(self, msg: str) -> None:
        self.lines.append(("warning", msg))


@pytest.fixture
def pulse_env(tmp_path, monkeypatch) -> Path:
    """A serving copy holding the episodes above, and the variables pointing at it; no
    alert channel until a test sets one."""
    current = tmp_path / "serving" / "current"
    current.mkdir(parents=True)
    con = duckdb.connect(str(current / "pulse.duckdb"))
    con.execute(EPISODES)
    con.close()
    for name in list(os.environ):
        if name.startswith("PULSE_ALERT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PULSE_SERVING_DIR", str(tmp_path / "serving"))
    monkeypatch.setenv("PULSE_WAREHOUSE", str(tmp_path / "wh" / "pulse.duckdb"))
    monkeypatch.setenv("PULSE_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("PULSE_AS_OF_DATE", AS_OF)
    monkeypatch.setenv("PULSE_LOCK_TIMEOUT", "5")
    return tmp_path


@pytest.fixture
def smtp():
    server = SmtpServer()
    start(server)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def hook():
    server = HookServer()
    start(server)
    yield server
    server.shutdown()
    server.server_close()


def use_email(monkeypatch, url: str) -> None:
    monkeypatch.setenv("PULSE_ALERT_SMTP_URL", url)
    monkeypatch.setenv("PULSE_ALERT_EMAIL_FROM", "pulse@example.com")
    monkeypatch.setenv("PULSE_ALERT_EMAIL_TO", OPS)
    monkeypatch.setenv("PULSE_ALERT_TIMEOUT_SECONDS", "3")


def use_webhook(monkeypatch, url: str) -> None:
    monkeypatch.setenv("PULSE_ALERT_WEBHOOK_URL", url)
    monkeypatch.setenv("PULSE_ALERT_TIMEOUT_SECONDS", "3")


def run(run_id: str = "r1") -> tuple[deliver.DeliveryReport, ListLog]:
    log = ListLog()
    return deliver.run(settings(), alert_settings(), run_id, log), log


def outbox_rows(root: Path) -> list[tuple]:
    con = duckdb.connect(str(root / "wh" / "pulse.duckdb"), read_only=True)
    try:
        return con.execute(
            "select alert_id, channel, recipient, status, attempts, last_error"
            " from pulse_meta.alert_outbox order by channel, alert_id"
        ).fetchall()
    finally:
        con.close()


def mailed(smtp: SmtpServer) -> dict[str, list[str]]:
    """Recipient -> the alert ids its message lists, in order."""
    out = {}
    for item in smtp.received:
        body = item.message.get_body().get_content()
        out[item.recipients[0]] = [w for w in body.split() if w.rstrip(",") in IDS]
    return {r: [w.rstrip(",") for w in ids] for r, ids in out.items()}


IDS = {"A1", "A2", "A3", "A4", "A5", "A6"}


def posted_ids(post) -> list[str]:
    return [w.rstrip(",") for w in post.json["text"].split() if w.rstrip(",") in IDS]


# --- the whole flow -----------------------------------------------------------------------


def test_two_runs_deliver_each_new_alert_once_per_channel(pulse_env, monkeypatch, smtp, hook):
    use_email(monkeypatch, smtp.url)
    use_webhook(monkeypatch, hook.url)
    report, _ = run("r1")
    assert mailed(smtp) == {ANNA: ["A1", "A2"], OPS: ["A3", "A6"]}  # owner, else the default
    assert len(hook.received) == 1 and posted_ids(hook.received[0]) == ["A1", "A2", "A3", "A6"]
    assert [(c.channel, c.sent, c.messages) for c in report.channels] == [
        ("email", 4, 2),
        ("webhook", 4, 1),
    ]

    again, _ = run("r2")
    assert len(smtp.received) == 2 and len(hook.received) == 1  # nothing sent twice
    assert [(c.channel, c.due, c.sent) for c in again.channels] == [
        ("email", 0, 0),
        ("webhook", 0, 0),
    ]
    assert outbox_rows(pulse_env) == [
        ("A1", "email", ANNA, "sent", 1, None),
        ("A2", "email", ANNA, "sent", 1, None),
        ("A3", "email", OPS, "sent", 1, None),
        ("A6", "email", OPS, "sent", 1, None),
        ("A1", "webhook", "webhook", "sent", 1, None),
        ("A2", "webhook", "webhook", "sent", 1, None),
        ("A3", "webhook", "webhook", "sent", 1, None),
        ("A6", "webhook", "webhook", "sent", 1, None),
    ]


def test_the_email_is_utf8_plain_text_with_its_idempotency_keys(pulse_env, monkeypatch, smtp):
    use_email(monkeypatch, smtp.url)
    run()
    anna = next(r for r in smtp.received if r.recipients == [ANNA])
    msg = anna.message
    assert msg["From"] == "pulse@example.com" and msg["To"] == ANNA
    assert msg["Subject"] == "Pulse: 2 new customer alerts (2026-06-30)"
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    assert all(b < 128 for b in anna.data)  # quoted-printable: no 8BITMIME needed
    body = msg.get_content()
    assert "Ærø Øl A/S (C001): health score 42 is below the floor of 50" in body
    assert "Bølge & Co (C002)" in body
    keys = [outbox.key(a, "email", ANNA) for a in ("A1", "A2")]
    # a long header is folded; unfolded it is the keys, comma separated
    assert " ".join(msg["X-Pulse-Alert-Keys"].split()) == ", ".join(keys)
    assert msg["Message-ID"] == f"<{outbox.key(*sorted(keys))}@pulse.alerts>"


def test_the_webhook_posts_only_text_with_an_idempotency_key_header(pulse_env, monkeypatch, hook):
    use_webhook(monkeypatch, hook.url)
    run()
    (post,) = hook.received
    assert list(post.json) == ["text"]  # chat services reject unknown shapes
    assert post.json["text"].startswith("Pulse: 4 new customer alerts (2026-06-30)\n")
    assert "Café Ünïcode (C003)" in post.json["text"]
    assert post.headers["Content-Type"] == "application/json; charset=utf-8"
    keys = sorted(outbox.key(a, "webhook", "webhook") for a in ("A1", "A2", "A3", "A6"))
    assert post.headers["Idempotency-Key"] == outbox.key(*keys)


def test_the_lookback_decides_what_is_new(pulse_env, monkeypatch, hook):
    use_webhook(monkeypatch, hook.url)
    monkeypatch.setenv("PULSE_ALERT_LOOKBACK_DAYS", "0")  # opened on the as-of date only
    run("r1")
    assert [posted_ids(p) for p in hook.received] == [["A1"]]
    monkeypatch.setenv("PULSE_ALERT_LOOKBACK_DAYS", "8")  # now A4 (8 days) too; never A5
    run("r2")
    # most MRR first
    assert [posted_ids(p) for p in hook.received] == [["A1"], ["A4", "A2", "A3", "A6"]]


# --- failures and retries -----------------------------------------------------------------


def test_receivers_down_or_failing_get_the_alerts_on_the_next_run(
    pulse_env, monkeypatch, smtp, hook
):
    use_email(monkeypatch, f"smtp://127.0.0.1:{closed_port()}")  # the mail server is down
    use_webhook(monkeypatch, hook.url)
    hook.behaviour = "error"  # the webhook answers 500
    report, _ = run("r1")
    assert not smtp.received and not hook.received
    assert [(c.channel, c.failed) for c in report.channels] == [("email", 4), ("webhook", 4)]
    rows = outbox_rows(pulse_env)
    assert {(r[1], r[3], r[4], r[5]) for r in rows} == {
        ("email", "failed", 1, "ConnectionRefusedError errno 111"),
        ("webhook", "failed", 1, "HTTP 500"),
    }
    assert len(report.attention) == 8  # the warning check's rows

    use_email(monkeypatch, smtp.url)  # both back
    hook.behaviour = "ok"
    report, _ = run("r2")
    assert mailed(smtp) == {ANNA: ["A1", "A2"], OPS: ["A3", "A6"]}
    assert [posted_ids(p) for p in hook.received] == [["A1", "A2", "A3", "A6"]]
    assert {(r[3], r[4], r[5]) for r in outbox_rows(pulse_env)} == {("sent", 2, None)}
    assert report.attention == []

    run("r3")
    assert len(smtp.received) == 2 and len(hook.received) == 1


def test_a_refused_message_is_retried_and_its_error_holds_no_address(pulse_env, monkeypatch, smtp):
    use_email(monkeypatch, smtp.url)
    smtp.behaviour = "refuse_data"
    run("r1")
    monkeypatch.setenv("PULSE_ALERT_EMAIL_TO", "refuse-me@example.com")  # a bad default
    smtp.behaviour = "ok"
    run("r2")
    rows = outbox_rows(pulse_env)
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows] == [
        ("A1", ANNA, "sent", 2, None),
        ("A2", ANNA, "sent", 2, None),
        ("A3", "refuse-me@example.com", "failed", 2, "RCPT 550"),
        ("A6", "refuse-me@example.com", "failed", 2, "RCPT 550"),
    ]
    assert mailed(smtp) == {ANNA: ["A1", "A2"]}


def test_a_failed_alert_expires_when_its_episode_closes(pulse_env, monkeypatch, hook):
    use_webhook(monkeypatch, hook.url)
    hook.behaviour = "error"
    run("r1")
    con = duckdb.connect(str(pulse_env / "serving" / "current" / "pulse.duckdb"))
    con.execute("update fct_health_alert_episodes set is_open = false where alert_id = 'A6'")
    con.close()
    hook.behaviour = "ok"
    report, _ = run("r2")
    assert report.expired == 1
    assert [posted_ids(p) for p in hook.received] == [["A1", "A2", "A3"]]
    assert ("A6", "webhook", "webhook", "expired", 1, "HTTP 500") in outbox_rows(pulse_env)


# --- a crash between sending and recording ------------------------------------------------

CRASHING_RUN = textwrap.dedent(
    """
    import os
    from orchestration.alerts import deliver, outbox
    from orchestration.config import alert_settings, settings

    real_mark = outbox.mark

    def mark(con, ids, channel, status, error, now):
        if status == outbox.SENT:
            os._exit(9)  # killed after the receiver accepted, before the outbox says so
        real_mark(con, ids, channel, status, error, now)

    outbox.mark = mark

    class Log:
        def info(self, msg): pass
        def warning(self, msg): pass

    deliver.run(settings(), alert_settings(), "crashing", Log())
    """
)


def test_a_run_killed_after_sending_does_not_send_again(pulse_env, monkeypatch, smtp):
    """At-most-once: the message that left before the kill stays the only copy; the rows
    are unconfirmed and warned about; an operator's requeue resends them with the same
    Message-ID, the key a deduplicating receiver drops the copy by."""
    use_email(monkeypatch, smtp.url)
    killed = subprocess.run(
        [sys.executable, "-c", CRASHING_RUN], cwd=ROOT, env=os.environ.copy(), timeout=60
    )
    assert killed.returncode == 9
    assert mailed(smtp) == {ANNA: ["A1", "A2"]}  # anna's message left, ops' never started
    first_id = smtp.received[0].message["Message-ID"]
    assert [r[3] for r in outbox_rows(pulse_env)] == ["sending", "sending"]

    report, log = run("after")
    assert report.recovered == 2
    assert mailed(smtp) == {ANNA: ["A1", "A2"], OPS: ["A3", "A6"]}  # anna's not again
    assert len(smtp.received) == 2
    assert [(r[0], r[3]) for r in outbox_rows(pulse_env)] == [
        ("A1", "unconfirmed"),
        ("A2", "unconfirmed"),
        ("A3", "sent"),
        ("A6", "sent"),
    ]
    assert [a[0] for a in report.attention] == ["A1", "A2"]
    assert sum("cut off by a run that ended" in m for _, m in log.lines) == 1

    con = duckdb.connect(str(pulse_env / "wh" / "pulse.duckdb"))
    assert outbox.requeue_unconfirmed(con) == 2
    con.close()
    run("requeued")
    assert len(smtp.received) == 3
    assert smtp.received[2].message["Message-ID"] == first_id


def test_a_connection_lost_after_handing_over_is_unconfirmed_not_resent(
    pulse_env, monkeypatch, smtp, hook
):
    use_email(monkeypatch, smtp.url)
    use_webhook(monkeypatch, hook.url)
    smtp.behaviour = "drop_after_data"
    hook.behaviour = "drop"
    report, _ = run("r1")
    # anna's message was handed over, then the connection dropped: unconfirmed; ops' found
    # the connection gone before anything was sent: failed
    assert [(c.channel, c.unconfirmed, c.failed) for c in report.channels] == [
        ("email", 2, 2),
        ("webhook", 4, 0),
    ]
    smtp.behaviour = hook.behaviour = "ok"
    run("r2")
    assert mailed(smtp) == {OPS: ["A3", "A6"]}  # anna's may have arrived: not sent again
    assert not hook.received
    assert [(r[0], r[1], r[3]) for r in outbox_rows(pulse_env)] == [
        ("A1", "email", "unconfirmed"),
        ("A2", "email", "unconfirmed"),
        ("A3", "email", "sent"),
        ("A6", "email", "sent"),
        ("A1", "webhook", "unconfirmed"),
        ("A2", "webhook", "unconfirmed"),
        ("A3", "webhook", "unconfirmed"),
        ("A6", "webhook", "unconfirmed"),
    ]


# --- no channel, the call list -------------------------------------------------------------


def test_no_channel_writes_only_the_call_list_and_says_so_once(pulse_env):
    report, log = run()
    assert report.channels == []
    assert log.lines == [("warning", deliver.NO_CHANNEL)]
    assert not (pulse_env / "wh").exists()  # the warehouse is not even opened
    folder = pulse_env / "reports" / "alerts"
    assert sorted(p.name for p in folder.iterdir()) == [
        "call_list.csv",
        "call_list_2026-06-30.csv",
    ]
    with open(folder / "call_list.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:5] == ["new_today", "alert_id", "customer_id", "company_name", "owner"]
    assert [(r[0], r[1], r[3], r[4]) for r in rows[1:]] == [
        ("True", "A1", "Ærø Øl A/S", ANNA),
        ("False", "A4", "Old Problem", BO),
        ("False", "A2", "Bølge & Co", ANNA),
        ("False", "A3", "Café Ünïcode", ""),
        ("False", "A6", "'=Evil Corp", ""),  # not evaluated by a spreadsheet
    ]


def test_alerts_without_owner_or_default_are_counted_not_sent(pulse_env, monkeypatch, smtp):
    use_email(monkeypatch, smtp.url)
    monkeypatch.delenv("PULSE_ALERT_EMAIL_TO")
    report, log = run()
    assert mailed(smtp) == {ANNA: ["A1", "A2"]}
    assert report.no_recipient == 2
    assert any("no owner and PULSE_ALERT_EMAIL_TO" in m for level, m in log.lines)


def test_no_alerts_mart_is_not_an_error(pulse_env, monkeypatch, hook):
    use_webhook(monkeypatch, hook.url)
    con = duckdb.connect(str(pulse_env / "serving" / "current" / "pulse.duckdb"))
    con.execute("drop table fct_health_alert_episodes")
    con.close()
    report, _ = run()
    assert report.alerts_open is None and not hook.received


# --- the Dagster asset and its warning check ----------------------------------------------


def test_the_asset_warns_while_a_channel_fails_and_passes_once_delivered(
    pulse_env, monkeypatch, hook
):
    from dagster import AssetCheckSeverity, DagsterInstance, materialize

    from orchestration.assets.alert_delivery import alert_delivery
    from orchestration.resources import PulseSettings

    use_webhook(monkeypatch, hook.url)
    hook.behaviour = "error"
    instance = DagsterInstance.ephemeral()
    first = materialize([alert_delivery], resources={"pulse": PulseSettings()}, instance=instance)
    assert first.success  # a failing channel never fails the run
    (check,) = first.get_asset_check_evaluations()
    assert (check.passed, check.severity) == (False, AssetCheckSeverity.WARN)
    assert check.metadata["failed"].value == 4
    assert "example.com" not in str(check.metadata)

    hook.behaviour = "ok"
    second = materialize([alert_delivery], resources={"pulse": PulseSettings()}, instance=instance)
    (check,) = second.get_asset_check_evaluations()
    assert check.passed
    assert [posted_ids(p) for p in hook.received] == [["A1", "A2", "A3", "A6"]]
    mat = second.asset_materializations_for_node("alert_delivery")[0]
    assert mat.metadata["webhook_sent"].value == 4


# --- configuration -------------------------------------------------------------------------


def test_smtp_urls():
    assert parse_smtp_url("smtp://127.0.0.1:8025") == parse_smtp_url("smtp://127.0.0.1:8025")
    plain = parse_smtp_url("smtp://mail.example.com")
    assert (plain.port, plain.tls, plain.starttls) == (25, False, False)
    tls = parse_smtp_url("smtps://mail.example.com")
    assert (tls.port, tls.tls, tls.starttls) == (465, True, False)
    upgraded = parse_smtp_url("smtp://mail.example.com:587?starttls=1")
    assert (upgraded.port, upgraded.tls, upgraded.starttls) == (587, False, True)
    for bad in (
        "smtp://u:secret@mail.example.com",
        "http://x",
        "smtps://x?starttls=1",
        "smtp://x?y=1",
    ):
        with pytest.raises(ValueError) as err:
            parse_smtp_url(bad)
        assert "secret" not in str(err.value)
