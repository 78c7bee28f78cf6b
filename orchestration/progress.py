"""Progress lines for `pulse run`: one line per step as it starts and ends, derived from
Dagster's event stream through a run logger (`pulse_progress`, enabled by `pulse run`'s run
config). Ingestion steps end with their rows, dbt prints models done / total with the slowest
so far (every tenth), failed checks are named at once, and dbt's full log file is named.

On an interactive terminal the same lines are printed above a live display (rich, which comes
with Dagster): a spinner with the running step(s) and the run's elapsed time, and a bar of dbt's
models and seeds done / total. Not a terminal (CI, a log file), TERM=dumb, PULSE_PLAIN_PROGRESS=1
or `pulse run --plain`: the plain lines alone."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dagster import AssetMaterialization, Output, logger
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

DBT_LOG_PREFIX = "dbt's full log: "
# The dbt step's own progress messages: it hands its materializations to Dagster only when dbt
# exits (orchestration/assets/dbt_metadata.py), so it logs the models done while dbt runs.
DBT_PROGRESS_PREFIX = "dbt progress: "

PLAIN_ENV = "PULSE_PLAIN_PROGRESS"
_DONE_OF_TOTAL = re.compile(r"(\d+)(?:/(\d+))?")

# Where progress lines go while the rest of a run's printed output is kept in a file
# (run_output_to); None: standard output.
_terminal = None
# The live display of the run executing in this process (run_output_to), when interactive.
_live: LiveProgress | None = None


def interactive(stream) -> bool:
    """Whether `stream` is a terminal a live display can redraw: a TTY, TERM not `dumb`, and
    no PULSE_PLAIN_PROGRESS=1 (which `pulse run --plain` sets)."""
    if os.environ.get(PLAIN_ENV, "").strip() not in ("", "0"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    return _isatty(stream)


class _BarWhenTotal(BarColumn):
    """A bar only for a task with a known total (dbt's models), none on the steps' line."""

    def render(self, task):
        return super().render(task) if task.total is not None else Text("")


class LiveProgress:
    """The live display under the progress lines: the running step(s) with the run's elapsed
    time, and dbt's models and seeds done / total as a bar. Lines go above it (print)."""

    def __init__(self, console: Console):
        self.console = console
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),  # step keys may hold [ ]
            _BarWhenTotal(),
            TextColumn("{task.fields[count]}", markup=False),
            TimeElapsedColumn(),
            console=console,
            transient=True,  # gone when the run ends: the summary follows the step lines
            # standard output is the run's output file (run_output_to): never shown here;
            # warnings on standard error (Dagster's console logger) go above the display
            redirect_stdout=False,
            redirect_stderr=_isatty(sys.stderr),
        )
        self.steps = self.progress.add_task("starting the run", total=None, count="")
        self.dbt = None
        self.running: list[str] = []

    def start(self) -> None:
        self.progress.start()

    def stop(self) -> None:
        self.progress.stop()

    def print(self, line: str) -> None:
        self.console.print(line, markup=False, highlight=False, emoji=False, soft_wrap=True)

    def step_started(self, step: str) -> None:
        if step not in self.running:
            self.running.append(step)
        self._show_steps()

    def step_ended(self, step: str) -> None:
        if step in self.running:
            self.running.remove(step)
        self._show_steps()

    def dbt_built(self, done: int, total: int | None) -> None:
        count = f"{done}/{total}" if total else str(done)
        if self.dbt is None:
            self.dbt = self.progress.add_task("dbt models and seeds", total=total, count=count)
        self.progress.update(self.dbt, completed=done, total=total, count=count)
        self.progress.refresh()

    def _show_steps(self) -> None:
        shown = ", ".join(self.running[:3]) + (
            f" and {len(self.running) - 3} more" if len(self.running) > 3 else ""
        )
        self.progress.update(self.steps, description=f"running {shown}" if shown else "next step")
        self.progress.refresh()


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def live_progress_for(stream) -> LiveProgress | None:
    """A live display on `stream` when it is interactive, else None (plain lines)."""
    if not interactive(stream):
        return None
    return LiveProgress(Console(file=stream, force_terminal=True))


@contextlib.contextmanager
def run_output_to(path: Path) -> Iterator[None]:
    """While a run executes in this process: progress lines to the terminal (above a live
    display when it is interactive), everything else it prints to `path` (dagster-dbt echoes
    every line of dbt's log to standard output: the same lines as dbt's own log file, whose
    path the progress lines name). The live display stops however the run ends, before
    anything else is printed."""
    global _terminal, _live
    path.parent.mkdir(parents=True, exist_ok=True)
    _terminal = sys.stdout
    _live = live_progress_for(_terminal)
    try:
        with path.open("a", encoding="utf-8") as out, contextlib.redirect_stdout(out):
            if _live is not None:
                _live.start()
            try:
                yield
            finally:
                if _live is not None:
                    _live.stop()
    finally:
        _terminal = None
        _live = None


class ProgressHandler(logging.Handler):
    def __init__(self, stream=None, dbt_total: int | None = None, live: LiveProgress | None = None):
        super().__init__(logging.DEBUG)
        self.stream = stream
        self._live = live  # None: the running run's live display (run_output_to), if any
        self.dbt_total = dbt_total
        self.started: dict[str, float] = {}
        self.metadata: dict[str, dict] = {}
        self.dbt_done = 0
        self.slowest: tuple[float, str] | None = None
        self.checks = 0
        self.dbt_live = False  # the dbt step logged its progress as dbt ran

    @property
    def live(self) -> LiveProgress | None:
        return self._live if self._live is not None else _live

    def _print(self, text: str) -> None:
        # the one place a progress line is formatted: the live display prints the same lines
        line = f"{time.strftime('%H:%M:%S')} {text}"
        if self.live is not None:
            self.live.print(line)
        else:
            print(line, file=self.stream or _terminal or sys.stdout, flush=True)

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        message = str(meta.get("orig_message") or "")
        if event is None:
            if message.startswith(DBT_LOG_PREFIX):
                self._print(message)
            elif message.startswith(DBT_PROGRESS_PREFIX):
                self.dbt_live = True
                progress = message.removeprefix(DBT_PROGRESS_PREFIX)
                self._print("dbt: " + progress)
                counted = _DONE_OF_TOTAL.match(progress)
                if self.live is not None and counted:
                    total = int(counted[2]) if counted[2] else self.dbt_total
                    self.live.dbt_built(int(counted[1]), total)
            return
        kind, step = event.event_type_value, event.step_key
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            self._print(f"start {step}")
            if self.live is not None:
                self.live.step_started(step)
                if _is_dbt_step(step):  # the bar from 0 of the total, with dbt's own clock
                    self.live.dbt_built(0, self.dbt_total)
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            seconds = time.monotonic() - self.started.get(step, time.monotonic())
            word = "done  " if kind == "STEP_SUCCESS" else "FAILED"
            self._print(f"{word} {step} ({seconds:.1f}s){self._rows(step)}")
            if self.live is not None:
                self.live.step_ended(step)
        elif kind == "ASSET_MATERIALIZATION":
            self._materialized(step, event.event_specific_data.materialization)
        elif kind == "ASSET_CHECK_EVALUATION":
            self.checks += 1
            evaluation = event.event_specific_data
            if not evaluation.passed:
                self._print(
                    f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()}"
                    f" failed ({evaluation.severity.value})"
                )

    def _materialized(self, step: str, materialization) -> None:
        metadata = {k: v.value for k, v in materialization.metadata.items()}
        if "Execution Duration" not in metadata:  # not a dbt node: Pulse's own asset
            self.metadata[step] = metadata
            return
        self.dbt_done += 1
        name = materialization.asset_key.to_user_string()
        seconds = float(metadata["Execution Duration"] or 0)
        if self.slowest is None or seconds > self.slowest[0]:
            self.slowest = (seconds, name)
        total = self.dbt_total or 0
        if self.dbt_live:  # already printed while dbt ran: these arrive together at its end
            return
        if self.live is not None:
            self.live.dbt_built(self.dbt_done, self.dbt_total)
        if self.dbt_done % 10 == 0 or self.dbt_done == total:
            of = f"/{total}" if total else ""
            self._print(
                f"dbt: {self.dbt_done}{of} models and seeds built"
                f" (slowest so far: {self.slowest[1]} {self.slowest[0]:.1f}s)"
            )

    def _rows(self, step: str) -> str:
        metadata = self.metadata.get(step, {})
        if "rows_loaded" in metadata:
            return (
                f": {metadata.get('files_new', 0)} new file(s), {metadata['rows_loaded']:,} rows"
                f" loaded, {metadata.get('rows_quarantined', 0):,} quarantined,"
                f" {metadata.get('files_rejected', 0)} file(s) rejected"
            )
        if _is_dbt_step(step):
            return f": {self.dbt_done} dbt models and seeds, {self.checks} checks so far"
        return ""


def _is_dbt_step(step: str) -> bool:
    return step.startswith("pulse_dbt_models") or "dbt" in step


def dbt_progress(log: Any, total: int | None) -> Callable[[Any], None]:
    """A callback for each dbt event as dbt emits it: every tenth model or seed built (and the
    last), a progress message that the pulse_progress logger prints as the line it prints for
    materializations ("dbt: 10/120 models and seeds built (slowest so far: ...)")."""
    built = 0
    slowest: tuple[float, str] | None = None

    def on_event(event: Any) -> None:
        nonlocal built, slowest
        if not isinstance(event, (Output, AssetMaterialization)):
            return
        built += 1
        duration = event.metadata.get("Execution Duration")
        seconds = float(duration.value or 0) if duration is not None else 0.0
        unique_id = event.metadata.get("unique_id")
        name = str(unique_id.value).rsplit(".", 1)[-1] if unique_id is not None else "?"
        if slowest is None or seconds > slowest[0]:
            slowest = (seconds, name)
        if built % 10 == 0 or built == total:
            of = f"/{total}" if total else ""
            log.info(
                f"{DBT_PROGRESS_PREFIX}{built}{of} models and seeds built"
                f" (slowest so far: {slowest[1]} {slowest[0]:.1f}s)"
            )

    return on_event


def _dbt_total() -> int | None:
    try:
        from orchestration.assets.dbt import pulse_dbt_models

        return len(pulse_dbt_models.keys)
    except Exception:  # a count is a nicety: never fail a run for it
        return None


@logger(description="One line per step for `pulse run` (plain lines for terminals and logs)")
def progress_logger(_init_context) -> logging.Logger:
    log = logging.getLogger("pulse_progress")
    log.setLevel(logging.DEBUG)
    log.handlers = [ProgressHandler(dbt_total=_dbt_total())]
    log.propagate = False
    return log
