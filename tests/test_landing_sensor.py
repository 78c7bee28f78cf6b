"""The landing sensor, driven by Dagster's sensor testing API: a new file starts no run while
it is younger than the stable time, one run once it has been unchanged that long, and no
second run for the same files; a change starts the wait again."""

from __future__ import annotations

import os
import re
import time

from dagster import DagsterInstance, build_sensor_context

from orchestration.sensors import landing_sensor

STABLE = 60


def _tick(instance, cursor):
    context = build_sensor_context(instance=instance, cursor=cursor)
    result = landing_sensor(context)
    return result.run_requests or [], result.skip_reason, result.cursor


def _more(skip) -> int:
    """The seconds still to wait, from the skip reason '... (<n>s more)'."""
    return int(re.search(r"\((\d+)s more\)", skip.skip_message).group(1))


def _age(path, seconds):
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_a_run_once_new_files_are_stable_and_never_twice(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    (landing / "customers").mkdir(parents=True)
    monkeypatch.setenv("PULSE_LANDING_DIR", str(landing))
    monkeypatch.setenv("PULSE_SENSOR_STABLE_SECONDS", str(STABLE))
    instance = DagsterInstance.ephemeral()

    old = landing / "customers" / "2025-01.csv"
    old.write_text("customer_id\nC1\n")
    _age(old, 3600)
    requests, _, cursor = _tick(instance, None)
    assert len(requests) == 1  # files that have been there an hour: a run at once
    first_key = requests[0].run_key

    requests, skip, cursor = _tick(instance, cursor)
    assert requests == []
    assert "no new or changed landing files" in skip.skip_message

    new = landing / "customers" / "2025-02.csv"
    new.write_text("customer_id\nC2\n")  # arriving now: younger than the stable time
    requests, skip, cursor = _tick(instance, cursor)
    assert requests == []
    assert f"unchanged for {STABLE}s" in skip.skip_message

    _age(new, STABLE - 10)  # written 50 s ago: still not stable
    requests, _, cursor = _tick(instance, cursor)
    assert requests == []

    _age(new, STABLE + 5)  # unchanged for longer than the stable time
    requests, _, cursor = _tick(instance, cursor)
    assert len(requests) == 1
    assert requests[0].run_key != first_key

    requests, _, cursor = _tick(instance, cursor)  # the same files: no second run
    assert requests == []


def test_a_file_still_growing_restarts_the_wait(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    (landing / "invoices").mkdir(parents=True)
    monkeypatch.setenv("PULSE_LANDING_DIR", str(landing))
    monkeypatch.setenv("PULSE_SENSOR_STABLE_SECONDS", str(STABLE))
    instance = DagsterInstance.ephemeral()
    part = landing / "invoices" / "2025-03.csv"
    part.write_text("invoice_id\n")
    _age(part, 50)  # last written 50 s ago: 10 s to go
    requests, skip, cursor = _tick(instance, None)
    assert requests == []
    assert 5 <= _more(skip) <= 10  # (a tick takes a moment)
    with part.open("a") as fh:  # the writer appends: size and time change
        fh.write("I1\n")
    _age(part, 20)  # the append, 20 s ago: the wait starts again from it
    requests, skip, cursor = _tick(instance, cursor)
    assert requests == []
    assert 35 <= _more(skip) <= 40


def test_hidden_files_and_a_missing_folder_start_nothing(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    (landing / "customers").mkdir(parents=True)
    monkeypatch.setenv("PULSE_LANDING_DIR", str(landing))
    instance = DagsterInstance.ephemeral()
    _, _, cursor = _tick(instance, None)  # the empty landing folder: its run request
    partial = landing / "customers" / ".2025-01.csv.part"  # a copy tool's temporary file
    partial.write_text("customer_id\n")
    _age(partial, 3600)
    requests, _, _ = _tick(instance, cursor)
    assert requests == []
    monkeypatch.setenv("PULSE_LANDING_DIR", str(tmp_path / "nowhere"))
    requests, skip, _ = _tick(instance, cursor)
    assert requests == []
    assert "does not exist" in skip.skip_message
