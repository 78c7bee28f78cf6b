"""A sensor on the landing folder: a refresh run once new or changed files have arrived and
have stopped changing, so no run reads a half-written file.

Each tick fingerprints the files the loader would read (path, size, modification time:
ingest.landing.landing_fingerprint). The cursor holds the fingerprint last seen, since when
it has been unchanged, and the one a run was last requested for. A run is requested when the
fingerprint differs from the last requested one and has been unchanged for
PULSE_SENSOR_STABLE_SECONDS (default 60). "Unchanged since" starts at the newest file's
modification time when a fingerprint is first seen (files copied in long ago are stable at
once), and any change of a size or a time restarts it. Off by default, like the schedule.
"""

from __future__ import annotations

import json
import os
import time

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from orchestration.config import settings
from orchestration.ingest.landing import LandingError, LandingFingerprint, landing_fingerprint
from orchestration.jobs import refresh_job

TICK_SECONDS = 30


def stable_seconds() -> float:
    return float(os.environ.get("PULSE_SENSOR_STABLE_SECONDS") or 60)


def decide(
    fingerprint: LandingFingerprint, cursor: dict, now: float, stable: float
) -> tuple[RunRequest | SkipReason, dict]:
    """What one tick does, and the next cursor."""
    digest = fingerprint.digest
    if digest == cursor.get("requested"):
        return SkipReason("no new or changed landing files since the last run request"), cursor
    if digest != cursor.get("seen"):
        since = min(now, fingerprint.newest_mtime_ns / 1e9)
        cursor = {**cursor, "seen": digest, "since": since}
    waited = now - cursor["since"]
    if waited < stable:
        return (
            SkipReason(
                f"new or changed landing files: waiting until they are unchanged for"
                f" {stable:.0f}s ({stable - waited:.0f}s more)"
            ),
            cursor,
        )
    request = RunRequest(run_key=digest, tags={"pulse/landing_fingerprint": digest[:16]})
    return request, {**cursor, "requested": digest}


@sensor(
    job=refresh_job,
    minimum_interval_seconds=TICK_SECONDS,
    default_status=DefaultSensorStatus.STOPPED,
    description="Starts pulse_refresh when new or changed files in the landing folder have been"
    " unchanged for PULSE_SENSOR_STABLE_SECONDS (default 60).",
)
def landing_sensor(context: SensorEvaluationContext) -> SensorResult:
    cursor = json.loads(context.cursor) if context.cursor else {}
    try:
        fingerprint = landing_fingerprint(settings().landing_dir)
    except LandingError as exc:
        return SensorResult(skip_reason=SkipReason(str(exc)), cursor=context.cursor)
    outcome, cursor = decide(fingerprint, cursor, time.time(), stable_seconds())
    text = json.dumps(cursor, sort_keys=True)
    if isinstance(outcome, SkipReason):
        return SensorResult(skip_reason=outcome, cursor=text)
    return SensorResult(run_requests=[outcome], cursor=text)
