"""The outcome of validating rows against a suite, whichever engine evaluated it (GX on a
pandas frame, or a SQL aggregate in DuckDB)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def rule_label(type_: str, kwargs: dict) -> str:
    """The name a rule is reported under, e.g. expect_column_values_to_not_be_null(customer_id):
    its type and the column(s) it reads."""
    columns = kwargs.get("column_list") or [
        kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k)
    ]
    return f"{type_}({','.join(columns)})" if columns else type_


@dataclass(frozen=True)
class RuleResult:
    label: str  # e.g. expect_column_values_to_not_be_null(customer_id)
    severity: str  # error | warn
    passed: bool
    failing_rows: int | None  # None: a rule on the table's shape or a table-level rule

    def as_metadata(self) -> dict[str, Any]:
        return {
            "rule": self.label,
            "severity": self.severity,
            "passed": self.passed,
            "failing_rows": self.failing_rows,
        }


@dataclass
class ValidationSummary:
    suite: str
    evaluated: int
    failed_errors: list[str] = field(default_factory=list)
    failed_warnings: list[str] = field(default_factory=list)
    docs_index: str | None = None
    rules: list[RuleResult] = field(default_factory=list)
    engine: str = "gx_pandas"  # gx_pandas | sql

    @property
    def blocking_failure(self) -> bool:
        return bool(self.failed_errors)

    @classmethod
    def from_rules(
        cls, suite: str, rules: list[RuleResult], engine: str, docs_index: str | None = None
    ) -> ValidationSummary:
        return cls(
            suite=suite,
            evaluated=len(rules),
            failed_errors=[r.label for r in rules if not r.passed and r.severity == "error"],
            failed_warnings=[r.label for r in rules if not r.passed and r.severity != "error"],
            docs_index=docs_index,
            rules=rules,
            engine=engine,
        )
