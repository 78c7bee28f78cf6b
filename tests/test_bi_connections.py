"""The BI paths documented in docs/bi.md work against a published serving copy."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
import sqlalchemy as sa

from orchestration.publish import publish


@pytest.fixture
def serving(tmp_path):
    work = tmp_path / "work.duckdb"
    con = duckdb.connect(str(work))
    con.execute(
        "create table fct_nps_monthly as select date '2025-05-01' as month, 'smb' as segment,"
        " 40 as responses, 25.0 as nps"
    )
    publish(con, tmp_path / "serving", [("main", "fct_nps_monthly")], "run-1", dt.date(2025, 6, 30))
    con.close()
    return tmp_path / "serving" / "current"


def test_superset_sqlalchemy_uri_reads_the_serving_copy_read_only(serving):
    # The exact URI form of docs/bi.md: duckdb:/// + absolute path + ?access_mode=read_only
    engine = sa.create_engine(f"duckdb:///{serving / 'pulse.duckdb'}?access_mode=read_only")
    with engine.connect() as con:
        rows = con.execute(
            sa.text("select month, segment, responses, nps from fct_nps_monthly")
        ).fetchall()
        assert rows == [(dt.date(2025, 5, 1), "smb", 40, 25.0)]
        assert con.execute(sa.text("select run_id from pulse_run")).scalar() == "run-1"
        with pytest.raises(sa.exc.DBAPIError, match="read-only"):
            con.execute(sa.text("create table sneaky as select 1"))
    engine.dispose()


def test_parquet_folder_per_mart(serving):
    folder = serving / "parquet" / "fct_nps_monthly"
    rows = duckdb.sql(f"select segment, nps from read_parquet('{folder}/*.parquet')").fetchall()
    assert rows == [("smb", 25.0)]
