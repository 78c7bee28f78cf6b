"""Compare two versions of the same table row for row: same keys, same values.

Floating-point columns match within a relative tolerance (parallel aggregation sums in a
different order each run, so bit-identical floats are not a fair bar); everything else must
be equal (nulls equal nulls). Used to prove a backfill reproduces the original run, and to
compare the marts of two engines.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


@dataclass(frozen=True)
class TableComparison:
    table: str
    left_rows: int
    right_rows: int
    differing_rows: int  # keys on one side only, plus keys whose values differ

    @property
    def identical(self) -> bool:
        return self.differing_rows == 0 and self.left_rows == self.right_rows


def primary_keys(manifest: dict) -> dict[str, list[str]]:
    """Each model's primary key, read from its unique / unique_combination_of_columns test."""
    keys: dict[str, list[str]] = {}
    names = {
        uid: n["name"] for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"
    }
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        parents = node.get("depends_on", {}).get("nodes", [])
        if node["resource_type"] != "test" or len(parents) != 1 or parents[0] not in names:
            continue
        model = names[parents[0]]
        if meta.get("name") == "unique_combination_of_columns":
            keys[model] = list(meta["kwargs"]["combination_of_columns"])
        elif meta.get("name") == "unique" and model not in keys:
            keys[model] = [node["column_name"]]
    return keys


def compare_table(
    con: duckdb.DuckDBPyConnection,
    left: str,
    right: str,
    key: list[str],
    where: str = "",
    rel_tol: float = 1e-9,
) -> TableComparison:
    """Compare relation `left` with `right` (qualified names usable in `con`)."""
    columns = con.execute(f"describe select * from {left}").fetchall()
    filt = f" where {where}" if where else ""
    on = " and ".join(f"l.{k} is not distinct from r.{k}" for k in key)
    checks = []
    for name, type_, *_ in columns:
        if name in key:
            continue
        if type_.upper() in FLOAT_TYPES or type_.upper().startswith("DECIMAL"):
            checks.append(
                f"not (l.{name} is null and r.{name} is null or abs(l.{name} - r.{name})"
                f" <= {rel_tol} * greatest(1, abs(l.{name}), abs(r.{name})))"
            )
        else:
            checks.append(f"l.{name} is distinct from r.{name}")
    present = f"l.{key[0]} is null or r.{key[0]} is null"  # a key on one side only
    differs = " or ".join([present, *[f"coalesce({c}, true)" for c in checks]])
    left_rows, right_rows, differing = con.execute(
        f"""
        with l as (select * from {left}{filt}), r as (select * from {right}{filt})
        select (select count(*) from l), (select count(*) from r),
               count(*) filter (where {differs})
        from l full outer join r on {on}
        """
    ).fetchone()
    return TableComparison(left.split(".")[-1], left_rows, right_rows, differing)
