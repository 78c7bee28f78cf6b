"""Compare the health history of two warehouses row for row.

    .venv/bin/python benchmarks/compare_health_history.py BEFORE.duckdb AFTER.duckdb

Prints, for fct_customer_health_daily and the health marts built from it, the rows of each
warehouse that the other does not hold identically (EXCEPT ALL both ways, every column but
config_fingerprint, whose hash composition may change with the engine), and exits 1 when any
differ. Used to show that a change of the health engine leaves the history identical: build
the same landing at the same as-of date with the engine before and after (two checkouts,
`dbt seed` and `dbt run` each), then run this. Result of the last such comparison:
benchmarks/results/health-history-identity.md.
"""

from __future__ import annotations

import sys

import duckdb

TABLES = (
    "fct_customer_health_daily",
    "dim_customer_health",
    "int_health_backtest_base",
    "rpt_health_score_backtest",
    "rpt_customers_needing_attention",
)
IGNORED = {"config_fingerprint"}


def differing_rows(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int, int, int]:
    columns = [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_catalog = 'before' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
        if name not in IGNORED
    ]
    listed = ", ".join(f'"{name}"' for name in columns)

    def only_in(a: str, b: str) -> int:
        return con.execute(
            f"select count(*) from (select {listed} from {a}.main.{table} "
            f"except all select {listed} from {b}.main.{table})"
        ).fetchone()[0]

    rows_before = con.execute(f"select count(*) from before.main.{table}").fetchone()[0]
    rows_after = con.execute(f"select count(*) from after.main.{table}").fetchone()[0]
    return rows_before, rows_after, only_in("before", "after"), only_in("after", "before")


def main(before: str, after: str) -> int:
    con = duckdb.connect()
    con.execute(f"attach '{before}' as before (read_only)")
    con.execute(f"attach '{after}' as after (read_only)")
    failed = False
    print("| table | rows before | rows after | only before | only after |")
    print("|---|---:|---:|---:|---:|")
    for table in TABLES:
        rows_before, rows_after, only_before, only_after = differing_rows(con, table)
        failed |= bool(only_before or only_after)
        print(f"| {table} | {rows_before:,} | {rows_after:,} | {only_before:,} | {only_after:,} |")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
