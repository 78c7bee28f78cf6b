"""One definition per rule: a mart's GX suite holds no expectation that the model's dbt
contract or data tests already state (tools/mart_suite_overlap.py decides, from dbt's
manifest); what stays in GX is what dbt does not say."""

from __future__ import annotations

import json

import pytest

from orchestration.checks.mart_checks import MART_SUITES
from tools.mart_suite_overlap import MANIFEST, models, overlap, stated_by_dbt


def _manifest() -> dict:
    if not MANIFEST.exists():
        pytest.skip("no target/manifest.json: run `.venv/bin/dbt parse` first")
    return json.loads(MANIFEST.read_text())


def test_no_mart_suite_restates_a_dbt_test():
    found = [
        f"{path.parent.name}/{path.name}: {exp['type']}({exp['kwargs'].get('column')}) <- {by}"
        for path, _, exp, by in overlap(_manifest())
    ]
    assert found == [], "stated by dbt already; remove from the suite (--prune): " + str(found)


def test_every_mart_suite_names_a_model_and_keeps_its_file():
    """The table profile runs once per suite file: a suite emptied of rules stays."""
    names = set(models(_manifest()))
    assert len(MART_SUITES) == 32
    assert all(p.stem in names for p in MART_SUITES)


MODEL = {
    "config": {"contract": {"enforced": True}},
    "columns": {"id": {"constraints": []}, "rate": {"constraints": []}},
}


def _test(name: str, column: str | None = None, severity: str = "ERROR", **kwargs) -> dict:
    return {"name": name, "column": column, "kwargs": kwargs, "config": {"severity": severity}}


def _exp(type_: str, severity: str = "error", **kwargs) -> dict:
    return {"type": "expect_" + type_, "kwargs": kwargs, "meta": {"severity": severity}}


@pytest.mark.parametrize(
    ("exp", "tests", "stated"),
    [
        # exactly the contract's columns
        (_exp("table_columns_to_match_set", column_set=["rate", "id"]), [], True),
        (_exp("table_columns_to_match_set", column_set=["id"]), [], False),
        (_exp("column_values_to_not_be_null", column="id"), [_test("not_null", "id")], True),
        # a warn-level dbt test does not block the publish an error rule blocks
        (
            _exp("column_values_to_not_be_null", column="id"),
            [_test("not_null", "id", "warn")],
            False,
        ),
        (_exp("column_values_to_be_unique", column="id"), [_test("unique", "rate")], False),
        (
            _exp("compound_columns_to_be_unique", column_list=["rate", "id"]),
            [_test("unique_combination_of_columns", combination_of_columns=["id", "rate"])],
            True,
        ),
        # dbt's set is narrower: stricter, so it states the GX rule
        (
            _exp("column_values_to_be_in_set", column="id", value_set=["a", "b"]),
            [_test("accepted_values", "id", values=["a"])],
            True,
        ),
        (
            _exp("column_values_to_be_in_set", column="id", value_set=["a"]),
            [_test("accepted_values", "id", values=["a", "b"])],
            False,
        ),
        (
            _exp("column_values_to_be_between", column="rate", min_value=0, max_value=100),
            [_test("accepted_range", "rate", min_value=0, max_value=100)],
            True,
        ),
        # dbt lacks the upper bound, or its lower bound is looser
        (
            _exp("column_values_to_be_between", column="rate", min_value=0, max_value=100),
            [_test("accepted_range", "rate", min_value=0)],
            False,
        ),
        (
            _exp("column_values_to_be_between", column="rate", min_value=1),
            [_test("accepted_range", "rate", min_value=0)],
            False,
        ),
        # a where config reads fewer rows than the suite
        (
            _exp("column_values_to_be_between", column="rate", min_value=0),
            [_test("accepted_range", "rate", min_value=0, where="id = 'a'")],
            False,
        ),
    ],
)
def test_what_counts_as_stated_by_dbt(exp, tests, stated):
    assert (stated_by_dbt(exp, MODEL, tests, None) is not None) is stated
