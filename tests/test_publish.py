"""Write-audit-publish: the serving copy is swapped atomically and readable by DuckDB 1.x."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from orchestration.publish import publish

AS_OF = dt.date(2025, 6, 30)


def _working_warehouse(path: Path, generation: int) -> None:
    """A working warehouse whose two marts both carry the generation that built them."""
    con = duckdb.connect(str(path))
    con.execute(
        f"create or replace table fct_a as select {generation} as gen, range as i from range(1000)"
    )
    con.execute(f"create or replace table fct_b as select {generation} as gen")
    con.close()


def _publish(work: Path, serving: Path, generation: int, **kwargs):
    _working_warehouse(work, generation)
    con = duckdb.connect(str(work))
    tables = [("main", "fct_a"), ("main", "fct_b")]
    try:
        return publish(con, serving, tables, f"run-{generation}", AS_OF, **kwargs)
    finally:
        con.close()


def test_publish_writes_duckdb_and_parquet_and_points_current(tmp_path):
    serving = tmp_path / "serving"
    result = _publish(tmp_path / "work.duckdb", serving, 1)
    current = serving / "current"
    assert current.resolve() == result.path.resolve()
    con = duckdb.connect(str(current / "pulse.duckdb"), read_only=True)
    assert con.execute("select run_id, as_of_date from pulse_run").fetchone() == ("run-1", AS_OF)
    assert con.execute("select count(*), min(gen) from fct_a").fetchone() == (1000, 1)
    con.close()
    parquet = current / "parquet" / "fct_a" / "data.parquet"
    assert duckdb.sql(f"select count(*) from read_parquet('{parquet}')").fetchall() == [(1000,)]
    assert result.tables == {"fct_a": 1000, "fct_b": 1}


def test_failed_publish_leaves_last_good_copy(tmp_path):
    serving = tmp_path / "serving"
    good = _publish(tmp_path / "work.duckdb", serving, 1)
    con = duckdb.connect(str(tmp_path / "work.duckdb"))
    with pytest.raises(duckdb.CatalogException):
        publish(con, serving, [("main", "fct_a"), ("main", "no_such_mart")], "run-2", AS_OF)
    con.close()
    assert (serving / "current").resolve() == good.path.resolve()
    check = duckdb.connect(str(serving / "current" / "pulse.duckdb"), read_only=True)
    assert check.execute("select run_id from pulse_run").fetchone() == ("run-1",)
    check.close()


def test_old_copies_are_pruned_to_the_last_three_after_a_grace_period(tmp_path):
    serving = tmp_path / "serving"
    for generation in range(1, 6):
        last = _publish(tmp_path / "work.duckdb", serving, generation)
    assert len(list((serving / "runs").iterdir())) == 5  # all superseded just now: kept
    last = _publish(tmp_path / "work.duckdb", serving, 6, grace_seconds=0)
    runs = sorted(p.name for p in (serving / "runs").iterdir())
    assert len(runs) == 3 and runs[-1] == last.publish_id


READER = textwrap.dedent(
    """
    import sys, time, duckdb
    path, seconds = sys.argv[1], float(sys.argv[2])
    answered, generations = 0, set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        con = duckdb.connect(path, read_only=True)
        run_id, a, b = con.execute(
            "select (select run_id from pulse_run),"
            " (select min(gen) || '-' || max(gen) from fct_a), (select gen from fct_b)"
        ).fetchone()
        con.close()
        gen = int(run_id.split('-')[1])
        # one consistent run: every table of the copy comes from the run pulse_run names
        assert a == f"{gen}-{gen}" and b == gen, (run_id, a, b)
        generations.add(gen)
        answered += 1
    print(answered, len(generations))
    """
)


def test_reader_in_another_process_never_blocks_nor_sees_a_mix(tmp_path):
    serving = tmp_path / "serving"
    _publish(tmp_path / "work.duckdb", serving, 1)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(serving / "current" / "pulse.duckdb"), "6"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for generation in range(2, 12):
        _publish(tmp_path / "work.duckdb", serving, generation)  # never blocked by the reader
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    answered, generations_seen = map(int, out.split())
    assert answered > 10
    assert generations_seen >= 2  # it saw the swaps happen


def _duckdb_1x_python(tmp_path: Path) -> Path | None:
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    venv = tmp_path / "duckdb15"
    try:
        subprocess.run([uv, "venv", "-q", str(venv)], check=True, timeout=120)
        subprocess.run(
            [
                uv,
                "pip",
                "install",
                "-q",
                "--python",
                str(venv / "bin" / "python"),
                "duckdb>=1.5,<1.6",
                "pytz",
            ],
            check=True,
            timeout=300,
        )
    except (subprocess.SubprocessError, OSError):
        return None
    return venv / "bin" / "python"


def test_serving_copy_opens_in_duckdb_1x(tmp_path):
    serving = tmp_path / "serving"
    _publish(tmp_path / "work.duckdb", serving, 1)
    # a second copy starts from the first one's file and replaces only the changed table: it
    # keeps the storage format DuckDB 1.x reads
    con = duckdb.connect(str(tmp_path / "work.duckdb"))
    con.execute("insert into fct_a select 2, range from range(1000, 1200)")
    con.close()
    assert _publish_as_is(tmp_path / "work.duckdb", serving, "run-2").copied == ("fct_a",)
    python = _duckdb_1x_python(tmp_path)
    if python is None:
        pytest.skip("could not install DuckDB 1.5 from the package registry")
    out = subprocess.run(
        [
            str(python),
            "-c",
            "import sys, duckdb; c = duckdb.connect(sys.argv[1], read_only=True);"
            " print(duckdb.__version__, c.execute('select count(*) from fct_a').fetchone()[0])",
            str(serving / "current" / "pulse.duckdb"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert out.returncode == 0, out.stderr
    version, rows = out.stdout.split()
    assert version.startswith("1.5") and rows == "1200"


def _day_warehouse(path: Path, rows: str) -> None:
    con = duckdb.connect(str(path))
    con.execute(
        "create or replace table fct_days as select * from (values "
        + rows
        + ") as t(customer_id, as_of_date, score)"
    )
    con.close()


def _publish_days(work: Path, serving: Path, run: str):
    con = duckdb.connect(str(work))
    try:
        return publish(
            con, serving, [("main", "fct_days")], run, AS_OF, day_tables={"fct_days": "as_of_date"}
        )
    finally:
        con.close()


def _served(folder: Path) -> tuple[list, list]:
    """Rows of fct_days in the serving DuckDB file and in its Parquet folder, sorted."""
    con = duckdb.connect(str(folder / "pulse.duckdb"), read_only=True)
    table = con.execute("select * from fct_days order by all").fetchall()
    con.close()
    files = f"{folder / 'parquet' / 'fct_days'}/*.parquet"
    parquet = duckdb.sql(f"select * from read_parquet('{files}') order by all").fetchall()
    return table, parquet


def test_day_table_publishes_only_the_changed_days(tmp_path):
    work, serving = tmp_path / "work.duckdb", tmp_path / "serving"
    may_31, jun_1, jun_2 = dt.date(2025, 5, 31), dt.date(2025, 6, 1), dt.date(2025, 6, 2)
    _day_warehouse(
        work,
        "('C1', DATE '2025-05-31', 50.0), ('C2', DATE '2025-05-31', 60.0),"
        " ('C1', DATE '2025-06-01', 51.0)",
    )
    first = _publish_days(work, serving, "run-1")
    assert sorted(p.name for p in (first.path / "parquet" / "fct_days").iterdir()) == [
        "2025-05.parquet",
        "2025-06.parquet",
    ]

    # the next run: June 1st restated (C1's score changed), June 2nd added, May unchanged
    _day_warehouse(
        work,
        "('C1', DATE '2025-05-31', 50.0), ('C2', DATE '2025-05-31', 60.0),"
        " ('C1', DATE '2025-06-01', 41.0), ('C1', DATE '2025-06-02', 42.0)",
    )
    second = _publish_days(work, serving, "run-2")
    expected = [
        ("C1", may_31, 50.0),
        ("C1", jun_1, 41.0),
        ("C1", jun_2, 42.0),
        ("C2", may_31, 60.0),
    ]
    assert _served(second.path) == (expected, expected)
    assert second.tables == {"fct_days": 4}
    # May had no changed day: its file is the first copy's, hard-linked, not rewritten
    may_old = first.path / "parquet" / "fct_days" / "2025-05.parquet"
    may_new = second.path / "parquet" / "fct_days" / "2025-05.parquet"
    assert may_new.stat().st_ino == may_old.stat().st_ino
    june_old = first.path / "parquet" / "fct_days" / "2025-06.parquet"
    june_new = second.path / "parquet" / "fct_days" / "2025-06.parquet"
    assert june_new.stat().st_ino != june_old.stat().st_ino
    # the first copy is untouched (readers of it see the first run)
    first_rows = [("C1", may_31, 50.0), ("C1", jun_1, 51.0), ("C2", may_31, 60.0)]
    assert _served(first.path) == (first_rows, first_rows)

    # a day dropped from the warehouse disappears from the copy too
    _day_warehouse(work, "('C1', DATE '2025-06-02', 42.0)")
    third = _publish_days(work, serving, "run-3")
    assert _served(third.path) == ([("C1", jun_2, 42.0)], [("C1", jun_2, 42.0)])


def test_a_month_duckdb_writes_in_pieces_is_published_as_one_file(tmp_path):
    """DuckDB's partitioned write splits a month into several files when it must flush
    partitions before the end (many months open at once, a low flush threshold): forced here
    with its own settings, the month still becomes one <YYYY-MM>.parquet with every row."""
    work, serving = tmp_path / "work.duckdb", tmp_path / "serving"
    con = duckdb.connect(str(work))
    # 60 days over three months, the days interleaved, 20,000 rows
    con.execute(
        "create table fct_days as select 'C' || (i // 60) as customer_id,"
        " cast(date '2025-01-01' + cast(i % 60 as integer) as date) as as_of_date,"
        " cast(i as double) as score from range(20000) as r(i)"
    )
    con.execute(
        "set threads = 1; set partitioned_write_max_open_files = 1;"
        " set partitioned_write_flush_threshold = 1000"
    )
    try:
        published = publish(
            con,
            serving,
            [("main", "fct_days")],
            "run-1",
            AS_OF,
            day_tables={"fct_days": "as_of_date"},
        )
    finally:
        con.close()
    folder = published.path / "parquet" / "fct_days"
    assert sorted(p.name for p in folder.iterdir()) == [
        "2025-01.parquet",
        "2025-02.parquet",
        "2025-03.parquet",
    ]
    # January has 31 of the 60 days: rows i with i % 60 < 31
    january = duckdb.sql(
        f"select count(*) from read_parquet('{folder / '2025-01.parquet'}')"
    ).fetchall()
    assert january == [(sum(1 for i in range(20000) if i % 60 < 31),)]
    table, parquet = _served(published.path)
    assert len(table) == 20000 and parquet == table


# --- a publish copies only the tables that changed ---------------------------------------------


def _publish_as_is(work: Path, serving: Path, run: str, tables=("fct_a", "fct_b")):
    """Publish the working warehouse as it stands (no rebuild)."""
    con = duckdb.connect(str(work))
    try:
        return publish(con, serving, [("main", t) for t in tables], run, AS_OF)
    finally:
        con.close()


def _rows(database: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(f"select * from {table} order by all").fetchall()
    finally:
        con.close()


def _assert_serving_equals_warehouse(work: Path, copy: Path, tables=("fct_a", "fct_b")) -> None:
    for table in tables:
        expected = _rows(work, table)
        assert _rows(copy / "pulse.duckdb", table) == expected
        parquet = copy / "parquet" / table / "data.parquet"
        assert duckdb.sql(f"select * from read_parquet('{parquet}') order by all").fetchall() == (
            expected
        )


def _inode(copy: Path, table: str) -> int:
    return (copy / "parquet" / table / "data.parquet").stat().st_ino


def test_publish_without_change_copies_no_table(tmp_path):
    work, serving = tmp_path / "work.duckdb", tmp_path / "serving"
    first = _publish(work, serving, 1)
    assert sorted(first.copied) == ["fct_a", "fct_b"]
    second = _publish_as_is(work, serving, "run-1b")
    assert second.copied == ()
    assert second.tables == {"fct_a": 1000, "fct_b": 1}
    assert (serving / "current").resolve() == second.path.resolve()
    assert _rows(second.path / "pulse.duckdb", "pulse_run")[0][0] == "run-1b"
    _assert_serving_equals_warehouse(work, second.path)
    # the Parquet files are the first copy's, linked, not written again
    assert _inode(second.path, "fct_a") == _inode(first.path, "fct_a")
    assert _inode(second.path, "fct_b") == _inode(first.path, "fct_b")


def test_publish_copies_only_the_changed_table(tmp_path):
    work, serving = tmp_path / "work.duckdb", tmp_path / "serving"
    first = _publish(work, serving, 1)
    con = duckdb.connect(str(work))
    con.execute("update fct_a set gen = 2 where i = 999")  # one row of 1000, same count
    con.close()
    second = _publish_as_is(work, serving, "run-2")
    assert second.copied == ("fct_a",)
    _assert_serving_equals_warehouse(work, second.path)
    assert _rows(second.path / "pulse.duckdb", "fct_a")[-1] == (2, 999)
    assert _inode(second.path, "fct_b") == _inode(first.path, "fct_b")
    assert _inode(second.path, "fct_a") != _inode(first.path, "fct_a")
    # the first copy still holds the first run's rows (its readers see no change)
    assert _rows(first.path / "pulse.duckdb", "fct_a")[-1] == (1, 999)


def test_changes_a_row_hash_xor_would_miss_are_copied(tmp_path):
    """Two equal rows replaced by two other equal rows: same count, and an xor of the row
    hashes is 0 both times; a column renamed with the same values: same rows."""
    work, serving = tmp_path / "work.duckdb", tmp_path / "serving"
    con = duckdb.connect(str(work))
    con.execute("create table fct_a as select 1 as gen from range(2)")
    con.execute("create table fct_b as select 1 as gen")
    con.close()
    _publish_as_is(work, serving, "run-1")
    con = duckdb.connect(str(work))
    con.execute("create or replace table fct_a as select 7 as gen from range(2)")
    con.execute("alter table fct_b rename column gen to generation")
    con.close()
    second = _publish_as_is(work, serving, "run-2")
    assert sorted(second.copied) == ["fct_a", "fct_b"]
    _assert_serving_equals_warehouse(work, second.path)
    assert _rows(second.path / "pulse.duckdb", "fct_a") == [(7,), (7,)]


def test_a_mart_dropped_from_the_list_leaves_the_serving_copy(tmp_path):
    work, serving = tmp_path / "work.duckdb", tmp_path / "serving"
    _publish(work, serving, 1)
    second = _publish_as_is(work, serving, "run-2", tables=("fct_a",))
    assert second.copied == ()
    con = duckdb.connect(str(second.path / "pulse.duckdb"), read_only=True)
    tables = con.execute("select table_name from information_schema.tables").fetchall()
    con.close()
    assert {name for (name,) in tables} == {"fct_a", "pulse_run"}
    assert not (second.path / "parquet" / "fct_b").exists()
