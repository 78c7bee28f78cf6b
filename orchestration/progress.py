"""Progress lines for `pulse run`: one line per step as it starts and ends, derived from
Dagster's event stream through a run logger (`pulse_progress`, enabled by `pulse run`'s run
config). Ingestion steps end with their rows, dbt prints models done / total with the slowest
so far (every tenth), failed checks are named at once, and dbt's full log file is named."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dagster import AssetMaterialization, Output, logger

DBT_LOG_PREFIX = "dbt's full log: "
# The dbt step's own progress messages: it hands its materializations to Dagster only when dbt
# exits (orchestration/assets/dbt_metadata.py), so it logs the models done while dbt runs.
DBT_PROGRESS_PREFIX = "dbt progress: "

# Where progress lines go while the rest of a run's printed output is kept in a file
# (run_output_to); None: standard output.
_terminal = None


@contextlib.contextmanager
def run_output_to(path: Path) -> Iterator[None]:
    """While a run executes in this process: progress lines to the terminal, everything else
    it prints to `path` (dagster-dbt echoes every line of dbt's log to standard output: the
    same lines as dbt's own log file, whose path the progress lines name)."""
    global _terminal
    path.parent.mkdir(parents=True, exist_ok=True)
    _terminal = sys.stdout
    try:
        with path.open("a", encoding="utf-8") as out, contextlib.redirect_stdout(out):
            yield
    finally:
        _terminal = None


class ProgressHandler(logging.Handler):
    def __init__(self, stream=None, dbt_total: int | None = None):
        super().__init__(logging.DEBUG)
        self.stream = stream
        self.dbt_total = dbt_total
        self.started: dict[str, float] = {}
        self.metadata: dict[str, dict] = {}
        self.dbt_done = 0
        self.slowest: tuple[float, str] | None = None
        self.checks = 0
        self.dbt_live = False  # the dbt step logged its progress as dbt ran

    def _print(self, text: str) -> None:
        stream = self.stream or _terminal or sys.stdout
        print(f"{time.strftime('%H:%M:%S')} {text}", file=stream, flush=True)

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        message = str(meta.get("orig_message") or "")
        if event is None:
            if message.startswith(DBT_LOG_PREFIX):
                self._print(message)
            elif message.startswith(DBT_PROGRESS_PREFIX):
                self.dbt_live = True
                self._print("dbt: " + message.removeprefix(DBT_PROGRESS_PREFIX))
            return
        kind, step = event.event_type_value, event.step_key
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            self._print(f"start {step}")
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            seconds = time.monotonic() - self.started.get(step, time.monotonic())
            word = "done  " if kind == "STEP_SUCCESS" else "FAILED"
            self._print(f"{word} {step} ({seconds:.1f}s){self._rows(step)}")
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
        if step.startswith("pulse_dbt_models") or "dbt" in step:
            return f": {self.dbt_done} dbt models and seeds, {self.checks} checks so far"
        return ""


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
