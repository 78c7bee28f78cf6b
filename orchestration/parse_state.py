"""dbt's partial-parse state, shared by the dbt commands of the project.

dbt saves what it parsed in <target>/partial_parse.msgpack and, when the next command finds
that file in its own target folder, re-parses only what changed (seconds instead of a full
parse). Every Pulse dbt command has a target folder of its own (runs never share target/), so
the state is carried between them by hand: a command starts from the project's state
(`seed`), and hands its own back when it is done (`keep`). dbt itself decides whether the
state fits: a changed profile (another warehouse path), --vars or dbt version makes it parse
everything, as it would anyway.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from orchestration.resources import dbt_project

PARTIAL_PARSE = "partial_parse.msgpack"


def project_state() -> Path:
    """The project's state: target/partial_parse.msgpack (what `make parse` writes)."""
    return Path(dbt_project.project_dir) / dbt_project.target_path / PARTIAL_PARSE


def seed(target: Path, state: Path | None = None) -> None:
    """Start the command whose target folder is `target` from `state` (default: the
    project's), unless that folder holds a state of its own already."""
    state = state or project_state()
    if state.exists() and not (target / PARTIAL_PARSE).exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(state, target / PARTIAL_PARSE)


def keep(target: Path) -> None:
    """Hand the state a command saved in `target` back to the project, so the next command
    (the next step of a run, the next run) starts from it. Replaced atomically: runs and
    steps may overlap, and a reader never sees half a file."""
    state = target / PARTIAL_PARSE
    if not state.exists():
        return
    destination = project_state()
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(f".{PARTIAL_PARSE}.{os.getpid()}")
    shutil.copyfile(state, temporary)
    os.replace(temporary, destination)
