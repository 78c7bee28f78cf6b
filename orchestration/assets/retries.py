"""A writing step whose warehouse stayed busy is retried later, within the same run.

A busy warehouse (another Pulse run, or a duckdb CLI or notebook holding the file open past
PULSE_LOCK_TIMEOUT: orchestration/warehouse.py) is the one failure of a writing step that
goes away by itself. The step asks Dagster to run it again after PULSE_BUSY_RETRY_SECONDS
(default 300), up to PULSE_BUSY_RETRIES times (default 2; 0 = fail at once). Only
WarehouseBusy is retried: a Dagster RetryPolicy on the assets would also retry a rejected
landing folder, a failed file or a failing dbt test, which fail the same way again (and a
dbt retry rebuilds every model). When the retries are used up the step fails as before, with
WarehouseBusy and the holder in its message.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from dagster import Failure, RetryRequested

from orchestration.warehouse import WarehouseBusy


def busy_retries() -> int:
    retries = int(os.environ.get("PULSE_BUSY_RETRIES") or 2)
    if retries < 0:
        raise ValueError(f"PULSE_BUSY_RETRIES must be 0 or more, got {retries}")
    return retries


def busy_retry_seconds() -> float:
    return float(os.environ.get("PULSE_BUSY_RETRY_SECONDS") or 300)


@contextlib.contextmanager
def retry_when_busy(context) -> Iterator[None]:
    """WarehouseBusy inside the block -> a retry request while retries are left (the step's
    `context.retry_number` counts them), then a Failure naming the holder."""
    try:
        yield
    except WarehouseBusy as exc:
        retries = busy_retries()
        if context.retry_number < retries:
            wait = busy_retry_seconds()
            context.log.warning(
                f"warehouse busy; retry {context.retry_number + 1} of {retries} in {wait:.0f}s:"
                f" {exc}"
            )
            raise RetryRequested(max_retries=retries, seconds_to_wait=wait) from exc
        raise Failure(description=f"WarehouseBusy: {exc}", allow_retries=False) from None
