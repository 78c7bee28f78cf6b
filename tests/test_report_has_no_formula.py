"""The report modules only select, format and draw: every metric the Pulse report shows is read
from a mart (the company-wide figures from the fct_*_company_monthly marts, computed by the
same SQL macros as the per-segment marts). These checks read the modules' syntax tree and fail
when a formula comes back: a square root, a power, a normal quantile (1.96), a Wilson or
pooling helper, a spread (std / var), or a low-sample threshold held in Python."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPORTS = Path(__file__).resolve().parents[1] / "orchestration" / "reports"
# every module of the report package (sections included); the charts only draw
MODULES = sorted((REPORTS / "pulse_report").rglob("*.py"))

# function names of the formulas that used to live here (pooling, intervals, z quantiles)
FORMULA_FUNCTION = re.compile(r"wilson|^_?pool|z95|margin_of_error|sqrt|interval", re.IGNORECASE)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(_tree(path)):
        where = f"{path.name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Attribute) and node.attr in {"sqrt", "std", "var", "sem"}:
            found.append(f"{where}: .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in {"sqrt", "Z95", "Z"}:
            found.append(f"{where}: {node.id}")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            found.append(f"{where}: ** (a power)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, float):
            if round(node.value, 2) == 1.96:
                found.append(f"{where}: the normal quantile {node.value}")
        elif isinstance(node, ast.FunctionDef) and FORMULA_FUNCTION.search(node.name):
            found.append(f"{where}: def {node.name}")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and "MIN_RESPONSES" in target.id.upper():
                    found.append(f"{where}: {target.id} (a Python threshold)")
        elif isinstance(node, ast.Compare) and any(
            isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE) for op in node.ops
        ):
            # a low-sample decision made here instead of read from the mart's is_low_sample
            text = ast.unparse(node)
            if "responses" in text:
                found.append(f"{where}: {text}")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(REPORTS)))
def test_report_module_has_no_formula(path):
    assert _offences(path) == []


TEMPLATES = REPORTS / "templates"
JINJA = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}", re.S)
STRING = re.compile(r'"[^"]*"|\'[^\']*\'')


def _template_arithmetic(text: str) -> list[str]:
    """Jinja expressions of a template that compute (+ - * / % **), string literals aside."""
    found = []
    for match in JINJA.finditer(text):
        expr = STRING.sub('""', (match.group(1) or match.group(2)).strip("-+ "))
        if re.search(r"[-+*/%]", expr):
            found.append(expr)
    return found


def test_the_templates_only_print():
    paths = sorted(TEMPLATES.rglob("*.html"))
    assert len(paths) > 10  # the page, the macros and a template per section
    offences = {p.name: _template_arithmetic(p.read_text()) for p in paths}
    assert {name: found for name, found in offences.items() if found} == {}


def test_the_template_check_catches_arithmetic():
    text = '{{ a / b }} {% if "30-day" %}{{ x ** 2 }}{% endif %} {{ "{:,}".format(n) }}'
    assert _template_arithmetic(text) == ["a / b", "x ** 2"]


def test_the_check_catches_the_formulas_that_were_removed(tmp_path):
    """The old pooled NPS margin of error, Wilson interval and low-sample flag are caught."""
    old = """
Z95 = 1.96
DEFAULT_MIN_RESPONSES = 30
def _wilson(successes, n):
    half = z * math.sqrt(p * (1 - p) / n)
def pooled_cx(df, kind, min_responses):
    moe = 1.96 * 100 * math.sqrt(max(0.0, p + d - (p - d) ** 2) / n)
    flag = n < min_responses
"""
    sample = tmp_path / "old_report.py"
    sample.write_text(old)
    text = "\n".join(_offences(sample))
    for expected in ("Z95", "1.96", "DEFAULT_MIN_RESPONSES", "_wilson", "pooled_cx", ".sqrt"):
        assert expected in text, expected
    assert "** (a power)" in text and "n < min_responses" in text


def test_the_report_reads_the_company_marts():
    from orchestration.reports.pulse_report.data import WHOLE_TABLES

    for mart in ("csat", "nps", "ces", "churn"):
        assert f"fct_{mart}_company_monthly" in WHOLE_TABLES
