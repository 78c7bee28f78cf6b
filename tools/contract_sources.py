"""Render the dbt sources YAML of the raw tables from the landing contract.

    python -m tools.contract_sources            (make sources)
    python -m tools.contract_sources --check    exit 1 when a committed file differs

orchestration/contract.py states each source's columns, types and descriptions once; this
writes models/staging/<system>/_<system>__sources.yml from it (one file per exporting
system, the raw tables in contract order, then the loader's lineage columns).
tests/test_contract_statements.py renders them in memory and fails when a committed file
differs, so a contract edit without `make sources` does not pass.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

from orchestration.config import PROJECT_ROOT
from orchestration.contract import SOURCES, SYSTEMS, Source
from orchestration.ingest.schema import LINEAGE_COLUMNS

HEADER = "# generated from orchestration/contract.py by make sources; do not edit\n"
COMMAND = "make sources  (= .venv/bin/python -m tools.contract_sources)"
WIDTH = 100  # the repository's line length

# Contract types and the loader's SQL types as dbt data types (what the raw DDL creates:
# orchestration/ingest/schema.py).
DATA_TYPES = {
    "text": "string",
    "integer": "integer",
    "number": "decimal(18, 4)",
    "date": "date",
    "timestamp": "timestamp",
}
LINEAGE_DATA_TYPES = {"varchar": "string", "bigint": "bigint", "timestamp": "timestamp"}
# The lineage columns' descriptions: doc blocks of models/docs/lineage_and_raw.md.
LINEAGE_DOCS = {
    "_extra": "col_raw_extra",
    "_file_id": "col_raw_file_id",
    "_row_number": "col_raw_row_number",
    "_loaded_at": "col_raw_loaded_at",
}
LANDED = (
    "Landed append-only by orchestration/ingest into raw.<source> (every row version of every"
    " file; staging keeps the latest version). Columns, types and descriptions:"
    " orchestration/contract.py."
)


def _description(text: str, indent: int) -> list[str]:
    """`description:` at `indent` spaces: a doc block single-quoted, a short text
    double-quoted, a long one folded (`>`) at the line length."""
    pad = " " * indent
    if text.startswith("{{ doc(") and "'" not in text:
        return [f"{pad}description: '{text}'"]
    quoted = json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one
    if len(pad) + len("description: ") + len(quoted) <= WIDTH:
        return [f"{pad}description: {quoted}"]
    lines = textwrap.wrap(text, WIDTH - indent - 2, break_long_words=False, break_on_hyphens=False)
    return [f"{pad}description: >", *(f"{pad}  {line}" for line in lines)]


def _column(name: str, data_type: str, description: str) -> list[str]:
    return [
        f"          - name: {name}",
        f"            data_type: {data_type}",
        *_description(description, 12),
    ]


def _table(source: Source) -> list[str]:
    if not source.description:
        raise ValueError(f"{source.name}: the contract has no description")
    lines = [
        f"      - name: {source.name}",
        *_description(source.description, 8),
        "        columns:",
    ]
    for column in source.columns:
        if not column.description:
            raise ValueError(f"{source.name}.{column.name}: the contract has no description")
        lines += _column(column.name, DATA_TYPES[column.type], column.description)
    for name, sql_type in LINEAGE_COLUMNS:
        lines += _column(
            name, LINEAGE_DATA_TYPES[sql_type], '{{ doc("' + LINEAGE_DOCS[name] + '") }}'
        )
    return lines


def render(system: str) -> str:
    """The sources YAML of one exporting system."""
    lines = [
        "version: 2",
        "",
        "sources:",
        f"  - name: {system}",
        *_description(f"{SYSTEMS[system]} {LANDED}", 4),
        "    schema: raw",
        "    config:",
        "      loaded_at_field: _loaded_at  # freshness thresholds: dbt_project.yml",
        "    tables:",
    ]
    for source in SOURCES:
        if source.system == system:
            lines += _table(source)
    return HEADER + "\n".join(lines) + "\n"


def path_of(system: str) -> Path:
    return PROJECT_ROOT / "models" / "staging" / system / f"_{system}__sources.yml"


def rendered() -> dict[Path, str]:
    """Every generated file and its text, one per system of the contract."""
    systems = list(dict.fromkeys(s.system for s in SOURCES))
    unknown = set(systems) - set(SYSTEMS)
    if unknown:
        raise ValueError(f"systems without a description in SYSTEMS: {sorted(unknown)}")
    return {path_of(system): render(system) for system in systems}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.contract_sources", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    stale = []
    for path, text in rendered().items():
        if path.exists() and path.read_text() == text:
            continue
        stale.append(path.relative_to(PROJECT_ROOT))
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'} {path}")
    if args.check and stale:
        print(f"run: {COMMAND}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
