"""dbt's partial-parse state travels between the project's dbt commands: each starts from the
project's state and hands its own back (orchestration/parse_state.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration import parse_state


@pytest.fixture
def project_state(tmp_path, monkeypatch) -> Path:
    state = tmp_path / "project" / "target" / parse_state.PARTIAL_PARSE
    monkeypatch.setattr(parse_state, "project_state", lambda: state)
    return state


def test_a_command_starts_from_the_project_state(project_state, tmp_path):
    project_state.parent.mkdir(parents=True)
    project_state.write_bytes(b"state of make parse")
    command = tmp_path / "run" / "target"
    parse_state.seed(command)
    assert (command / parse_state.PARTIAL_PARSE).read_bytes() == b"state of make parse"


def test_a_command_keeps_a_state_of_its_own(project_state, tmp_path):
    project_state.parent.mkdir(parents=True)
    project_state.write_bytes(b"state of make parse")
    command = tmp_path / "run" / "target"
    command.mkdir(parents=True)
    (command / parse_state.PARTIAL_PARSE).write_bytes(b"its own")
    parse_state.seed(command)
    assert (command / parse_state.PARTIAL_PARSE).read_bytes() == b"its own"


def test_no_project_state_seeds_nothing(project_state, tmp_path):
    command = tmp_path / "run" / "target"
    parse_state.seed(command)
    assert not (command / parse_state.PARTIAL_PARSE).exists()


def test_a_command_hands_its_state_back(project_state, tmp_path):
    command = tmp_path / "freshness" / "target"
    command.mkdir(parents=True)
    (command / parse_state.PARTIAL_PARSE).write_bytes(b"parsed with the run's profile")
    parse_state.keep(command)
    assert project_state.read_bytes() == b"parsed with the run's profile"
    # replaced whole, through a temporary file that does not stay behind
    assert [p.name for p in project_state.parent.iterdir()] == [parse_state.PARTIAL_PARSE]


def test_a_command_that_saved_nothing_leaves_the_project_state(project_state, tmp_path):
    project_state.parent.mkdir(parents=True)
    project_state.write_bytes(b"state of make parse")
    parse_state.keep(tmp_path / "failed" / "target")
    assert project_state.read_bytes() == b"state of make parse"
