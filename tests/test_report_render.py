"""The Pulse report rendered in a real browser: headless Chromium (Debian's `chromium`) opens the
report written from a published serving copy of the demo build, and the test asserts on the
rendered page through the Chrome DevTools Protocol (a websocket, the `websockets` package):
charts drawn with marks inside, the attention table holding the expected customers, no console
error, no request leaving the file. It also saves a full-page screenshot.

Skipped, with the reason, where /usr/bin/chromium is absent (`.ci/run` installs it in CI).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import itertools
import json
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.publish import publish
from orchestration.reports.pulse_report.data import CheckResult
from orchestration.reports.pulse_report.render import CHROMIUM_FLAGS, build_report

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Chromium is not installed (/usr/bin/chromium; `apt-get install chromium`): "
    "the report's browser rendering test needs it",
)


class Browser:
    """Headless Chromium with one page, driven over CDP (flattened sessions, one websocket)."""

    def __init__(self, profile: Path) -> None:
        from websockets.sync.client import connect

        self.proc = subprocess.Popen(
            [
                str(CHROMIUM),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                "--hide-scrollbars",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("Chromium did not open its DevTools port")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self._stack = contextlib.ExitStack()
        self.ws = self._stack.enter_context(
            connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=10)
        )
        self.ids = itertools.count(1)
        self.events: list[dict] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]

    def call(self, method: str, params: dict | None = None, session: bool = False) -> dict:
        msg_id = next(self.ids)
        msg = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv(timeout=60))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def page(self, method: str, params: dict | None = None) -> dict:
        return self.call(method, params, session=True)

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event["method"] == method:
                    return event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(method)
            reply = json.loads(self.ws.recv(timeout=remaining))
            if "method" in reply:
                self.events.append(reply)

    def evaluate(self, expression: str):
        result = self.page("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self) -> None:
        try:
            if getattr(self, "_stack", None) is not None:
                self._stack.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def rendered(demo_build, tmp_path_factory):
    """The report of the demo build, opened in Chromium: (browser, report result, tmp dir)."""
    tmp = tmp_path_factory.mktemp("report_render")
    manifest = json.loads(
        (demo_build["warehouse"].parent / "dbt_target" / "manifest.json").read_text()
    )
    marts = sorted(
        (n["schema"], n["name"])
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and len(n["fqn"]) > 2 and n["fqn"][1] == "marts"
    )
    # read-write: publish ATTACHes the new serving file to the warehouse connection
    con = duckdb.connect(str(demo_build["warehouse"]))
    try:
        publish(
            con, tmp / "serving", marts, "render-test", dt.date.fromisoformat(demo_build["as_of"])
        )
    finally:
        con.close()
    checks = [
        CheckResult("raw/invoices", "gx_raw_quality", False, "WARN", "freshness"),
        CheckResult("fct_nps_monthly", "gx_mart_quality", True),
    ]
    result = build_report(
        tmp / "serving" / "current" / "pulse.duckdb", tmp / "reports", checks=checks, pdf=False
    )
    # A fresh profile under pytest's tmp dir (pytest removes it later): Chromium's helper
    # processes may still write into it for a moment after the browser is closed.
    profile = tmp / "chromium-profile"
    profile.mkdir()
    browser = Browser(profile)
    try:
        browser.page("Page.enable")
        browser.page("Runtime.enable")
        browser.page("Log.enable")
        browser.page("Network.enable")
        browser.page(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
        )
        browser.events.clear()
        browser.page("Page.navigate", {"url": result.files.html.resolve().as_uri()})
        browser.wait_for("Page.loadEventFired")
        yield browser, result, tmp
    finally:
        browser.close()


def test_screenshot(rendered):
    browser, _, tmp = rendered
    size = browser.page("Page.getLayoutMetrics")["cssContentSize"]
    shot = browser.page(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
    )
    png = base64.b64decode(shot["data"])
    path = tmp / "pulse_report.png"
    path.write_bytes(png)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert size["height"] > 2000  # every section laid out, not an empty page
    print(f"screenshot: {path}")


def test_charts_are_drawn_with_marks(rendered):
    browser, _, _ = rendered
    charts = browser.evaluate(
        """[...document.querySelectorAll('svg.chart:not(.sparkline)')].map(s => ({
            name: s.dataset.chart,
            marks: s.querySelectorAll('.mark').length,
            width: s.getBoundingClientRect().width,
            height: s.getBoundingClientRect().height}))"""
    )
    by_name = {c["name"]: c for c in charts}
    expected = {
        "health-distribution",
        "cx-csat",
        "cx-nps",
        "cx-ces",
        "churn-logo",
        "churn-revenue",
        "cohort-logo",
        "cohort-revenue",
        "cac-by-channel",
        "ltv-cac-by-channel",
        "aging-summary",
        "backtest-auc",
        "backtest-churn-by-category",
        "quarantine-by-reason",
    }
    assert expected <= set(by_name), sorted(expected - set(by_name))
    for name in expected:
        chart = by_name[name]
        assert chart["marks"] > 0, f"chart {name} has no marks"
        assert chart["width"] > 100 and chart["height"] > 40, chart
    assert by_name["health-distribution"]["marks"] == 3  # green, yellow and red present
    assert by_name["cohort-logo"]["marks"] > 50  # a triangle of cells
    assert browser.evaluate("document.querySelectorAll('.section-error').length") == 0


def test_attention_table_holds_the_expected_customers(rendered):
    browser, result, tmp = rendered
    con = duckdb.connect(str(tmp / "serving" / "current" / "pulse.duckdb"), read_only=True)
    try:
        # straight from the mart, not through the report's code
        expected = [
            r[0]
            for r in con.execute(
                "select customer_id from rpt_customers_needing_attention"
                " order by attention_rank limit ?",
                [result.data.attention_limit],
            ).fetchall()
        ]
    finally:
        con.close()
    assert expected, "the demo data should have customers needing attention"
    rows = browser.evaluate(
        """[...document.querySelectorAll('#attention-table tbody tr')].map(r => ({
            id: r.dataset.customerId,
            text: r.innerText,
            sparkMarks: r.querySelectorAll('svg.sparkline .mark').length}))"""
    )
    assert [r["id"] for r in rows] == expected
    for row in rows:
        assert any(s in row["text"] for s in ("● healthy", "▲ at risk", "■ unhealthy"))
        assert row["sparkMarks"] > 0, f"no score trend drawn for {row['id']}"


def test_no_console_error_and_no_request_leaves_the_file(rendered):
    browser, result, _ = rendered
    browser.evaluate("1")  # drain pending events
    events = browser.events
    errors = [
        e
        for e in events
        if e["method"] == "Runtime.exceptionThrown"
        or (
            e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert")
        )
        or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
    ]
    assert errors == []
    urls = [
        e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"
    ]
    assert result.files.html.resolve().as_uri() in urls
    leaving = [u for u in urls if not u.startswith(("file://", "data:"))]
    assert leaving == []
    # and nothing in the DOM points elsewhere
    external = browser.evaluate(
        """[...document.querySelectorAll('[src],[href]')]
            .map(e => e.getAttribute('src') || e.getAttribute('href'))
            .filter(u => !(u.startsWith('#') || u.startsWith('data:')))"""
    )
    assert external == []
