"""`pulse run`'s progress on an interactive terminal: the same step lines as in plain mode,
printed above a live display (the running step, dbt's models done / total as a bar), which
stops however the run ends; anything not interactive gets exactly the plain lines."""

from __future__ import annotations

import io
import re
import sys

import pytest
from dagster import (
    DagsterInstance,
    Definitions,
    Failure,
    MaterializeResult,
    asset,
    define_asset_job,
)
from rich.console import Console

from orchestration import progress
from orchestration.progress import (
    PLAIN_ENV,
    LiveProgress,
    ProgressHandler,
    live_progress_for,
    progress_logger,
    run_output_to,
)

SHOW_CURSOR, HIDE_CURSOR = "\x1b[?25h", "\x1b[?25l"


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal_env(monkeypatch):
    monkeypatch.delenv(PLAIN_ENV, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR"):  # rich reads these
        monkeypatch.delenv(name, raising=False)


def _run_a_small_refresh(tmp_path) -> None:
    """Three steps in order: an ingestion step with rows, a dbt-like step logging dbt's
    progress message (12 of 40), and a step that fails."""

    @asset(key=["raw", "customers"])
    def raw_customers():
        return MaterializeResult(
            metadata={"files_new": 1, "rows_loaded": 50, "rows_quarantined": 0}
        )

    @asset(deps=[raw_customers])
    def dbt_models(context):
        context.log.info(
            f"{progress.DBT_PROGRESS_PREFIX}12/40 models and seeds built"
            " (slowest so far: fct_orders 1.5s)"
        )

    @asset(deps=[dbt_models])
    def serving():
        raise Failure(description="the serving copy could not be written")

    defs = Definitions(
        assets=[raw_customers, dbt_models, serving],
        jobs=[define_asset_job("refresh")],
        loggers={"pulse_progress": progress_logger},
    )
    with run_output_to(tmp_path / "logs" / "run.log"):
        defs.resolve_job_def("refresh").execute_in_process(
            run_config={"loggers": {"pulse_progress": {}}},
            instance=DagsterInstance.ephemeral(),
            raise_on_error=False,
        )


# the step lines of _run_a_small_refresh, after each line's "HH:MM:SS " (seconds vary)
EXPECTED_LINES = [
    r"start raw__customers",
    r"done   raw__customers \(\d+\.\ds\): 1 new file\(s\), 50 rows loaded, 0 quarantined,"
    r" 0 file\(s\) rejected",
    r"start dbt_models",
    r"dbt: 12/40 models and seeds built \(slowest so far: fct_orders 1\.5s\)",
    r"done   dbt_models \(\d+\.\ds\): 0 dbt models and seeds, 0 checks so far",
    r"start serving",
    r"FAILED serving \(\d+\.\ds\)",
]


def test_a_stream_that_is_not_a_terminal_gets_exactly_the_plain_lines(
    tmp_path, monkeypatch, terminal_env
):
    stdout = io.StringIO()  # CI, a pipe, a log file
    monkeypatch.setattr(sys, "stdout", stdout)
    _run_a_small_refresh(tmp_path)
    lines = stdout.getvalue().splitlines()
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d .*", line) for line in lines)
    assert len(lines) == len(EXPECTED_LINES)
    for line, expected in zip(lines, EXPECTED_LINES, strict=True):
        assert re.fullmatch(expected, line[9:]), line
    assert "\x1b" not in stdout.getvalue()  # no escape codes, no display


def test_an_interactive_terminal_gets_the_lines_above_a_live_display(
    tmp_path, monkeypatch, terminal_env
):
    stdout = FakeTTY()
    monkeypatch.setattr(sys, "stdout", stdout)
    _run_a_small_refresh(tmp_path)
    out = stdout.getvalue()
    for expected in EXPECTED_LINES:
        assert re.search(r"\d\d:\d\d:\d\d " + expected, out), expected
    # the display showed the running step and dbt's bar, 12 of 40
    assert "running serving" in out
    assert re.search(r"dbt models and seeds .*━.* 12/40", out)
    # and stopped when the run ended: the cursor is back, the module holds no display
    assert out.rindex(SHOW_CURSOR) > out.rindex(HIDE_CURSOR)
    assert progress._live is None and progress._terminal is None
    # dbt's echoed log lines (standard output during the run) still go to the file only
    assert (tmp_path / "logs" / "run.log").exists()


def test_the_live_display_stops_when_the_run_raises(tmp_path, monkeypatch, terminal_env):
    stdout = FakeTTY()
    monkeypatch.setattr(sys, "stdout", stdout)
    with pytest.raises(KeyboardInterrupt), run_output_to(tmp_path / "run.log"):
        ProgressHandler()._print("start landing")
        raise KeyboardInterrupt
    out = stdout.getvalue()
    assert "start landing" in out
    assert out.rindex(SHOW_CURSOR) > out.rindex(HIDE_CURSOR)
    assert sys.stdout is stdout and progress._live is None


def test_the_handler_moves_the_dbt_bar_from_its_progress_messages():
    """Driven by hand: a console that is a terminal, dbt's messages 10/40 then 12/40."""
    screen = io.StringIO()
    live = LiveProgress(Console(file=screen, force_terminal=True, width=100))
    handler = ProgressHandler(dbt_total=40, live=live)
    live.start()
    try:
        for done in (10, 12):
            handler.emit(_message(f"{progress.DBT_PROGRESS_PREFIX}{done}/40 models and seeds"))
        task = live.progress.tasks[live.dbt]
        assert (task.completed, task.total) == (12, 40)
    finally:
        live.stop()
    out = screen.getvalue()
    assert re.search(r"\d\d:\d\d:\d\d dbt: 12/40 models and seeds", out)
    assert re.search(r"dbt models and seeds .* 12/40", out)


def test_plain_unless_a_terminal_that_can_redraw(monkeypatch, terminal_env):
    assert live_progress_for(io.StringIO()) is None
    # a rich console that is not forced to be a terminal is not one either
    assert live_progress_for(Console(file=io.StringIO()).file) is None
    assert isinstance(live_progress_for(FakeTTY()), LiveProgress)
    monkeypatch.setenv("TERM", "dumb")
    assert live_progress_for(FakeTTY()) is None
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv(PLAIN_ENV, "1")
    assert live_progress_for(FakeTTY()) is None
    monkeypatch.setenv(PLAIN_ENV, "0")
    assert isinstance(live_progress_for(FakeTTY()), LiveProgress)


def _message(text: str):
    import logging

    record = logging.LogRecord("pulse_progress", logging.INFO, __file__, 0, text, None, None)
    record.dagster_meta = {"orig_message": text, "dagster_event": None}
    return record
