"""The report's Jinja2 environment: templates in orchestration/reports/templates/, every
value escaped (autoescape), None printed as nothing. Python hands the templates plain values
(escaped there) or Markup it built itself (charts, badges: their own values escaped inside)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

ENV = Environment(
    loader=PackageLoader("orchestration.reports", "templates"),
    autoescape=True,
    undefined=StrictUndefined,  # a misspelt name fails the section, not prints nothing
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=lambda v: "" if v is None else v,
    keep_trailing_newline=True,
)


def template_text(name: str) -> str:
    """A file of the templates folder as text (e.g. report.css)."""
    return resources.files("orchestration.reports").joinpath("templates", name).read_text()


def render(name: str, **context: object) -> Markup:
    return Markup(ENV.get_template(name).render(**context))


@dataclass
class Cell:
    content: object  # text (escaped by the template) or Markup
    attrs: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Row:
    cells: list[Cell]
    attrs: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Table:
    headers: Sequence[str]
    rows: list[Row]
    cls: str = ""
    tid: str = ""


def table(headers: Sequence[str], rows: Sequence[object], cls: str = "", tid: str = "") -> Table:
    """rows: lists of cells, or (cells, row attributes); a cell is a value or (value, attrs)."""
    out = []
    for row in rows:
        attrs: Mapping[str, str] = {}
        if isinstance(row, tuple) and len(row) == 2 and isinstance(row[1], Mapping):
            row, attrs = row
        cells = [Cell(*c) if isinstance(c, tuple) else Cell(c) for c in row]
        out.append(Row(cells, attrs))
    return Table(headers, out, cls, tid)
