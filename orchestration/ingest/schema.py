"""DDL of the raw layer and of Pulse's bookkeeping tables.

raw.<source>: append-only; every loaded row version with its lineage (_file_id, _row_number).
Staging de-duplicates (the latest version wins), so a re-export never double counts.
pulse_meta.load_ledger: one row per file version seen (loaded, rejected or failed) and per
ignored landing entry.
pulse_meta.quarantine: one row per input row that broke the contract.
"""

from __future__ import annotations

import duckdb

from orchestration.contract import SOURCES, Source

SQL_TYPES = {
    "text": "varchar",
    "integer": "integer",
    "number": "decimal(18, 4)",
    "date": "date",
    "timestamp": "timestamp",  # UTC, without zone: portable to every engine
}

LINEAGE_COLUMNS = (
    ("_extra", "varchar"),  # JSON object of the columns beyond the contract, null when none
    ("_file_id", "bigint"),
    ("_row_number", "bigint"),  # 1-based data row within the file
    ("_loaded_at", "timestamp"),
)


def _raw_columns(source: Source) -> list[tuple[str, str]]:
    """(name, SQL type) of raw.<source>, in table order: the contract's, then lineage."""
    return [(c.name, SQL_TYPES[c.type]) for c in source.columns] + list(LINEAGE_COLUMNS)


def raw_table_ddl(source: Source) -> str:
    cols = [f"{name} {type_}" for name, type_ in _raw_columns(source)]
    return f"create table if not exists raw.{source.name} (\n  " + ",\n  ".join(cols) + "\n)"


META_DDL = (
    "create schema if not exists raw",
    "create schema if not exists pulse_meta",
    "create sequence if not exists pulse_meta.file_id_seq start 1",
    """create table if not exists pulse_meta.load_ledger (
        file_id bigint primary key,
        run_id varchar,
        source varchar not null,
        file_path varchar not null,      -- relative to the landing folder
        file_format varchar,
        file_size bigint not null,
        content_hash varchar not null,  -- sha256 of the bytes
        status varchar not null,         -- loaded | rejected | failed (retried next run) | ignored
        error varchar,                   -- why it was rejected or failed; never a cell value
        rows_read bigint not null,
        rows_loaded bigint not null,
        rows_quarantined bigint not null,
        loaded_at timestamp not null,
        rows_excluded bigint default 0,  -- footer rows and rows a profile's exclude_when drops
        profile varchar,                 -- the source profile the file loaded through; null
                                         -- for the contract's own source folders
        reading_hash varchar,            -- fingerprint of the reader options and profile the
                                         -- file was read with; null: the contract's dialect
        file_mtime_ns bigint             -- the file's modification time (ns) when its bytes
                                         -- were last hashed and found to be this version;
                                         -- null: not trusted (written too recently), hash again
    )""",
    # Ledgers created before profiles gain the two columns at their end; rows are inserted
    # by column name, so the position does not matter.
    "alter table pulse_meta.load_ledger add column if not exists rows_excluded bigint default 0",
    "alter table pulse_meta.load_ledger add column if not exists profile varchar",
    "alter table pulse_meta.load_ledger add column if not exists reading_hash varchar",
    # Ledgers created before the size-and-time check: null, so their files are hashed once
    # more and the time is filled in then.
    "alter table pulse_meta.load_ledger add column if not exists file_mtime_ns bigint",
    """create table if not exists pulse_meta.quarantine (
        source varchar not null,
        file_id bigint not null,
        file_path varchar not null,
        row_number bigint not null,
        primary_key varchar,             -- the row's key as text, when it has one
        reason_code varchar not null,    -- first failing rule, see contract.REASON_CODES
        reasons varchar not null,        -- every failing rule with its column, comma
                                         -- separated: invalid_date(issued_at),...; through
                                         -- a profile also the export's column(s): ... in
                                         -- stripe/invoices column "Amount Due"
        raw_record varchar not null,     -- the row as read, JSON
        quarantined_at timestamp not null,
        resolved_by_file_id bigint,      -- a later file delivered this key validly
        resolved_at timestamp
    )""",
    """create table if not exists pulse_meta.check_history (
        run_id varchar not null,
        table_name varchar not null,
        row_count bigint not null,
        passed boolean not null,         -- the baseline for the next run is the last passed one
        checked_at timestamp not null
    )""",
)


def add_missing_columns(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """A raw table created before the contract gained a column (an optional one, such as
    updated_at) gets it, null in the rows loaded before. The table is rebuilt in the column
    order of raw_table_ddl rather than altered with ADD COLUMN, which would append the column
    after the lineage columns: the loader inserts by position. One transaction: a crash
    leaves the old table."""
    have = {
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'raw' and table_name = ?",
            [source.name],
        ).fetchall()
    }
    if all(name in have for name, _ in _raw_columns(source)):
        return
    select = ", ".join(
        name if name in have else f"cast(null as {type_}) as {name}"
        for name, type_ in _raw_columns(source)
    )
    con.execute("begin transaction")
    try:
        con.execute(f"alter table raw.{source.name} rename to {source.name}__before_migration")
        con.execute(raw_table_ddl(source))
        con.execute(
            f"insert into raw.{source.name}"
            f" select {select} from raw.{source.name}__before_migration"
        )
        con.execute(f"drop table raw.{source.name}__before_migration")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in META_DDL:
        con.execute(stmt)
    for source in SOURCES:
        con.execute(raw_table_ddl(source))
        add_missing_columns(con, source)
