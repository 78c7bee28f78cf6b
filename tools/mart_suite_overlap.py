"""Which mart GX expectations restate what dbt already states on the same model.

A mart's columns, keys, value sets and ranges are dbt's to declare (enforced contract, data
tests); a mart suite (expectations/marts/<family>/<mart>.json) keeps only what dbt does not
say. `stated_by_dbt(expectation, model, tests, suite_where)` names the dbt contract or test
that states an expectation at least as strictly, or None. A test counts only when it blocks
as the GX rule does (severity error, or warn for a warn rule), fails on its first failing row
(no error_if/warn_if threshold), and reads at least the rows the suite validates (no `where`
config; a run-window test only for a suite that validates its latest day).

    .venv/bin/python -m tools.mart_suite_overlap           # list the duplicates
    .venv/bin/python -m tools.mart_suite_overlap --prune   # and remove them from the suites

Run `.venv/bin/dbt parse` first: it reads target/manifest.json.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from orchestration.config import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "target" / "manifest.json"
MART_SUITES = PROJECT_ROOT / "expectations" / "marts"


def mart_tests(manifest: dict) -> dict[str, list[dict]]:
    """dbt generic data tests per model name: {name, kwargs, column, severity, config}."""
    by_model: dict[str, list[dict]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or "test_metadata" not in node:
            continue
        model = node.get("attached_node") or ""
        if not model.startswith("model."):
            continue
        meta = node["test_metadata"]
        by_model.setdefault(model.split(".")[-1], []).append(
            {
                "name": meta["name"],
                "kwargs": meta.get("kwargs", {}),
                "column": node.get("column_name"),
                "config": node["config"],
                "id": node["unique_id"],
            }
        )
    return by_model


def models(manifest: dict) -> dict[str, dict]:
    return {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"].get("enabled", True)
    }


def _blocks_like(test: dict, severity: str, suite_where: str | None) -> bool:
    cfg = test["config"]
    if str(cfg.get("severity", "error")).lower() != "error" and severity != "warn":
        return False
    # a threshold lets failing rows through; a where config reads fewer rows
    if str(cfg.get("error_if", "!= 0")).replace(" ", "") != "!=0":
        return False
    if str(cfg.get("warn_if", "!= 0")).replace(" ", "") != "!=0":
        return False
    if cfg.get("where") or test["kwargs"].get("where"):
        return False
    window = test["kwargs"].get("run_window_column")
    # the run window always includes the as-of date: it covers a suite of the latest day only
    return window is None or bool(suite_where and f"max({window})" in suite_where)


def _number(value) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _range_within(test: dict, kw: dict) -> bool:
    """The accepted_range is as strict as the GX between (each GX bound at least as tight in
    dbt; a GX bound dbt lacks, or a strict GX bound dbt states inclusively, is not)."""
    t = test["kwargs"]
    inclusive = t.get("inclusive", True) in (True, "true", "True")
    for side, sign in (("min", 1), ("max", -1)):
        gx = _number(kw.get(f"{side}_value"))
        if kw.get(f"{side}_value") is not None and gx is None:
            return False  # a parameter or a date: not compared
        if gx is None:
            continue
        dbt_bound = _number(t.get(f"{side}_value"))
        if dbt_bound is None:
            return False
        gx_strict = bool(kw.get(f"strict_{side}"))
        if sign * (dbt_bound - gx) < 0:
            return False
        if sign * (dbt_bound - gx) == 0 and gx_strict and inclusive:
            return False
    return True


def stated_by_dbt(exp: dict, model: dict, tests: list[dict], where: str | None) -> str | None:
    """The dbt contract or test that states `exp` on `model` at least as strictly, or None."""
    kind, kw = exp["type"], exp["kwargs"]
    severity = exp.get("meta", {}).get("severity", "error")
    if kw.get("mostly") not in (None, 1, 1.0):
        return None  # keep the exception simple: a tolerance is GX's to state
    if kind == "expect_table_columns_to_match_set":
        enforced = model["config"].get("contract", {}).get("enforced")
        if (
            enforced
            and kw.get("exact_match", True)
            and set(model["columns"]) == set(kw["column_set"])
        ):
            return "contract: enforced (column names and types)"
        return None
    ok = [t for t in tests if _blocks_like(t, severity, where)]
    col = kw.get("column")
    if kind == "expect_column_values_to_not_be_null":
        constraints = model["columns"].get(col, {}).get("constraints", [])
        if model["config"].get("contract", {}).get("enforced") and any(
            c.get("type") == "not_null" for c in constraints
        ):
            return "contract constraint not_null"
        if any(t["name"] == "not_null" and t["column"] == col for t in ok):
            return "not_null"
        return None
    if kind == "expect_column_values_to_be_unique":
        if any(t["name"] == "unique" and t["column"] == col for t in ok):
            return "unique"
        if any(
            t["name"] == "unique_combination_of_columns"
            and list(t["kwargs"].get("combination_of_columns", [])) == [col]
            for t in ok
        ):
            return "unique_combination_of_columns"
        return None
    if kind == "expect_compound_columns_to_be_unique":
        # dbt counts rows with nulls as duplicates too (group by): at least as strict
        wanted = set(kw["column_list"])
        if any(
            t["name"] == "unique_combination_of_columns"
            and set(t["kwargs"].get("combination_of_columns", [])) == wanted
            for t in ok
        ):
            return "unique_combination_of_columns"
        return None
    if kind == "expect_column_values_to_be_in_set":
        wanted = {str(v) for v in kw["value_set"]}
        for t in ok:
            values = {str(v) for v in t["kwargs"].get("values", [])}
            if t["name"] == "accepted_values" and t["column"] == col and values <= wanted:
                return "accepted_values"
        return None
    if kind == "expect_column_values_to_be_between":
        for t in ok:
            if t["name"] == "accepted_range" and t["column"] == col and _range_within(t, kw):
                return "accepted_range"
        return None
    return None


def suites() -> list[Path]:
    return sorted(MART_SUITES.glob("*/*.json"))


def overlap(manifest: dict) -> list[tuple[Path, int, dict, str]]:
    """(suite, index, expectation, what dbt states it with) of every duplicated rule."""
    by_name, tests = models(manifest), mart_tests(manifest)
    out = []
    for path in suites():
        suite = json.loads(path.read_text())
        model = by_name[path.stem]
        where = suite.get("meta", {}).get("where")
        for i, exp in enumerate(suite["expectations"]):
            by = stated_by_dbt(exp, model, tests.get(path.stem, []), where)
            if by:
                out.append((path, i, exp, by))
    return out


def main(argv: list[str]) -> None:
    manifest = json.loads(MANIFEST.read_text())
    found = overlap(manifest)
    total = Counter()
    for path in suites():
        for exp in json.loads(path.read_text())["expectations"]:
            total[exp["type"]] += 1
    dup = Counter(exp["type"] for _, _, exp, _ in found)
    for kind in sorted(total):
        print(f"{kind}: {total[kind]} in the suites, {dup[kind]} stated by dbt")
    for path, _, exp, by in found:
        kw = {k: v for k, v in exp["kwargs"].items() if k != "column_set"}
        print(f"  {path.relative_to(MART_SUITES)}\t{exp['type']}\t{kw}\t<- {by}")
    if "--prune" in argv:
        drop: dict[Path, set[int]] = {}
        for path, i, _, _ in found:
            drop.setdefault(path, set()).add(i)
        for path, idx in drop.items():
            suite = json.loads(path.read_text())
            suite["expectations"] = [e for i, e in enumerate(suite["expectations"]) if i not in idx]
            path.write_text(json.dumps(suite, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
