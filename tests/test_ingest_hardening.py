"""Hostile landing files: globbing names, content that returns to an earlier version, faults
mid-load, odd JSON keys, files that must not leak their content into error messages, and
CSV files a person exported the wrong way."""

from __future__ import annotations

import errno
import json
import logging
import os
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest import loader
from orchestration.ingest.loader import load_source
from orchestration.warehouse import connect_writer

HEADER = "payment_id,invoice_id,paid_at,amount"


def _csv_row(key: str, amount: str = "10") -> str:
    return f"{key},I001,2025-02-01,{amount}"


def _write(path: Path, fmt: str, keys: list[str]) -> None:
    """One payment per key, written as csv, parquet or JSON Lines. Parquet is written under a
    plain name and renamed, so the writer never sees the (possibly glob-like) target name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        path.write_text("\n".join([HEADER, *(_csv_row(k) for k in keys)]) + "\n")
    elif fmt == "jsonl":
        objs = [
            {"payment_id": k, "invoice_id": "I001", "paid_at": "2025-02-01", "amount": "10"}
            for k in keys
        ]
        path.write_text("".join(json.dumps(o) + "\n" for o in objs))
    else:
        plain = path.parent / "plain.tmp"
        values = ", ".join(f"('{k}', 'I001', '2025-02-01', '10')" for k in keys)
        duckdb.sql(
            f"copy (select * from (values {values}) as t(payment_id, invoice_id, paid_at, amount))"
            f" to '{plain}' (format parquet)"
        )
        os.replace(plain, path)


def _load(landing: Path, warehouse: Path, run_id: str = "run-1", con=None):
    if con is not None:
        return {r.file_path: r for r in load_source(con, landing, "payments", run_id)}
    with connect_writer(warehouse) as c:
        return {r.file_path: r for r in load_source(c, landing, "payments", run_id)}


def _query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _keys_by_file(warehouse: Path) -> dict[str, set[str]]:
    rows = _query(
        warehouse,
        "select l.file_path, r.payment_id from raw.payments r"
        " join pulse_meta.load_ledger l on l.file_id = r._file_id",
    )
    out: dict[str, set[str]] = {}
    for path, key in rows:
        out.setdefault(path, set()).add(key)
    return out


def _ledger_errors(warehouse: Path) -> list[str]:
    return [
        r[0]
        for r in _query(warehouse, "select error from pulse_meta.load_ledger")
        if r[0] is not None
    ]


@pytest.fixture
def land(tmp_path: Path) -> Path:
    (tmp_path / "landing" / "payments").mkdir(parents=True)
    return tmp_path / "landing"


@pytest.fixture
def wh(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "pulse.duckdb"


# --- file names are never glob patterns --------------------------------------------------------

GLOB_NAMES = {  # file stem -> the one key it holds; each glob-like name has a plain look-alike
    "a*": "PA_STAR",
    "ax": "PA_X",
    "b?": "PB_QM",
    "b1": "PB_1",
    "c[1]": "PC_BRACKET",
    "c1": "PC_1",
    "d{1,2}": "PD_BRACE",
    "d1": "PD_1",
    "e[!x]": "PE_BANG",
    "ey": "PE_Y",
}


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_each_file_reads_exactly_itself_whatever_its_name(land, wh, fmt):
    for stem, key in GLOB_NAMES.items():
        _write(land / "payments" / f"{stem}.{fmt}", fmt, [key])
    results = _load(land, wh)
    expected = {f"payments/{stem}.{fmt}": {key} for stem, key in GLOB_NAMES.items()}
    assert {p: r.status for p, r in results.items()} == dict.fromkeys(expected, "loaded")
    assert _keys_by_file(wh) == expected
    assert {p: r.rows_loaded for p, r in results.items()} == dict.fromkeys(expected, 1)


def test_glob_characters_in_folder_names_do_not_glob(land, wh):
    _write(land / "payments" / "[2025]" / "x.csv", "csv", ["PF_BRACKET"])
    _write(land / "payments" / "2" / "x.csv", "csv", ["PF_2"])
    _write(land / "payments" / "*" / "y.csv", "csv", ["PF_STAR"])
    _load(land, wh)
    assert _keys_by_file(wh) == {
        "payments/[2025]/x.csv": {"PF_BRACKET"},
        "payments/2/x.csv": {"PF_2"},
        "payments/*/y.csv": {"PF_STAR"},
    }


# --- a file returning to an earlier content is a new version ---------------------------------


def test_content_returning_to_an_earlier_version_is_loaded_again(land, wh):
    path = land / "payments" / "2025-02.csv"
    version_a = f"{HEADER}\n{_csv_row('P1', '10')}\n"
    version_b = f"{HEADER}\n{_csv_row('P1', '20')}\n"
    ids = []
    for run, content in enumerate([version_a, version_b, version_a], start=1):
        path.write_text(content)
        result = _load(land, wh, f"run-{run}")["payments/2025-02.csv"]
        assert result.status == "loaded"
        ids.append(result.file_id)
    assert ids == sorted(set(ids))  # three versions, each with a new, larger id
    # latest wins (the staging rule): the row of the largest file id is version A's
    latest = _query(
        wh, "select amount from raw.payments where payment_id = 'P1' order by _file_id desc"
    )
    assert [float(r[0]) for r in latest] == [10.0, 20.0, 10.0]


def test_unchanged_file_is_still_skipped_after_a_round_trip(land, wh):
    path = land / "payments" / "2025-02.csv"
    path.write_text(f"{HEADER}\n{_csv_row('P1', '10')}\n")
    _load(land, wh, "run-1")
    assert _load(land, wh, "run-2")["payments/2025-02.csv"].status == "skipped"


# --- an unchanged file (same size and modification time) is not read again ---------------------

HOUR_NS = 3600 * 10**9


def _count_hashes(monkeypatch) -> list[str]:
    """Spy on the loader's file hash; returns the names of the files it hashes, in order."""
    original = loader.file_sha256
    hashed: list[str] = []

    def spy(path: Path) -> str:
        hashed.append(path.name)
        return original(path)

    monkeypatch.setattr(loader, "file_sha256", spy)
    return hashed


def _set_mtime(path: Path, hours_ago: int) -> int:
    """Give `path` a modification time `hours_ago` in the past (far from 'just written')."""
    mtime_ns = os.stat(path).st_mtime_ns - hours_ago * HOUR_NS
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return mtime_ns


def test_unchanged_files_are_not_hashed_again_and_a_touched_one_once(land, wh, monkeypatch):
    for name, key in [("a.csv", "P1"), ("b.csv", "P2"), ("c.csv", "P3")]:
        _write(land / "payments" / name, "csv", [key])
        _set_mtime(land / "payments" / name, 2)
    hashed = _count_hashes(monkeypatch)
    assert {r.status for r in _load(land, wh, "run-1").values()} == {"loaded"}
    assert sorted(hashed) == ["a.csv", "b.csv", "c.csv"]

    hashed.clear()
    second = _load(land, wh, "run-2")
    assert hashed == []  # size and time as recorded: no file is read
    assert {r.status for r in second.values()} == {"skipped"}

    # a touch: a new time, the same bytes: hashed once, still the same version
    touched = _set_mtime(land / "payments" / "b.csv", 1)
    third = _load(land, wh, "run-3")
    assert hashed == ["b.csv"]
    assert third["payments/b.csv"].status == "skipped"
    assert _query(
        wh, "select file_mtime_ns from pulse_meta.load_ledger where file_path = 'payments/b.csv'"
    ) == [(touched,)]
    hashed.clear()
    _load(land, wh, "run-4")
    assert hashed == []  # the touched file's new time was recorded
    assert _query(wh, "select count(*) from pulse_meta.load_ledger") == [(3,)]


def test_same_size_edit_with_a_new_time_is_hashed_and_loaded(land, wh, monkeypatch):
    path = land / "payments" / "2025-02.csv"
    path.write_text(f"{HEADER}\n{_csv_row('P1', '10')}\n")
    _set_mtime(path, 3)
    _load(land, wh, "run-1")
    path.write_text(f"{HEADER}\n{_csv_row('P1', '20')}\n")  # same size, other bytes
    _set_mtime(path, 2)
    hashed = _count_hashes(monkeypatch)
    assert _load(land, wh, "run-2")["payments/2025-02.csv"].status == "loaded"
    assert hashed == ["2025-02.csv"]
    amounts = _query(wh, "select amount from raw.payments order by _file_id")
    assert [float(a) for (a,) in amounts] == [10.0, 20.0]


def test_a_file_written_just_before_its_hash_is_hashed_again(land, wh, monkeypatch):
    """Its time is not trusted (a write in the same clock tick would keep it): the ledger
    holds no time, so the next run reads the file again, and records the time once it is
    old enough."""
    path = land / "payments" / "a.csv"
    _write(path, "csv", ["P1"])
    hashed = _count_hashes(monkeypatch)
    _load(land, wh, "run-1")
    assert _query(wh, "select file_mtime_ns from pulse_meta.load_ledger") == [(None,)]
    assert _load(land, wh, "run-2")["payments/a.csv"].status == "skipped"
    assert hashed == ["a.csv", "a.csv"]
    settled = _set_mtime(path, 1)
    _load(land, wh, "run-3")
    _load(land, wh, "run-4")
    assert hashed == ["a.csv", "a.csv", "a.csv"]
    assert _query(wh, "select file_mtime_ns from pulse_meta.load_ledger") == [(settled,)]


class _LedgerTimeUnwritable:
    """A connection whose ledger refuses the recorded time (a lock, a full disk)."""

    def __init__(self, con):
        self._con = con

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, sql, *args):
        if sql.startswith("update pulse_meta.load_ledger set file_mtime_ns"):
            raise duckdb.IOException("IO Error: could not write")
        return self._con.execute(sql, *args)


def test_a_time_the_ledger_cannot_take_leaves_the_file_skipped(land, wh, monkeypatch):
    path = land / "payments" / "a.csv"
    _write(path, "csv", ["P1"])
    _set_mtime(path, 2)
    _load(land, wh, "run-1")
    touched = _set_mtime(path, 1)
    hashed = _count_hashes(monkeypatch)
    with connect_writer(wh) as con:
        result = _load(land, wh, "run-2", con=_LedgerTimeUnwritable(con))
    assert result["payments/a.csv"].status == "skipped"  # the same version: not failed
    assert _query(wh, "select count(*) from pulse_meta.load_ledger") == [(1,)]
    _load(land, wh, "run-3")  # hashed once more; this time the time is recorded
    assert hashed == ["a.csv", "a.csv"]
    assert _query(wh, "select file_mtime_ns from pulse_meta.load_ledger") == [(touched,)]


OLD_LEDGER_DDL = """
create schema pulse_meta;
create sequence pulse_meta.file_id_seq start 2;
create table pulse_meta.load_ledger (
    file_id bigint primary key, run_id varchar, source varchar not null,
    file_path varchar not null, file_format varchar, file_size bigint not null,
    content_hash varchar not null, status varchar not null, error varchar,
    rows_read bigint not null, rows_loaded bigint not null, rows_quarantined bigint not null,
    loaded_at timestamp not null, rows_excluded bigint default 0, profile varchar,
    reading_hash varchar
);
"""


def test_a_ledger_without_file_times_is_migrated_in_place(land, wh, monkeypatch):
    path = land / "payments" / "a.csv"
    _write(path, "csv", ["P1"])
    mtime_ns = _set_mtime(path, 2)
    wh.parent.mkdir(parents=True)
    con = duckdb.connect(str(wh))
    con.execute(OLD_LEDGER_DDL)
    con.execute(
        "insert into pulse_meta.load_ledger values (1, 'old', 'payments', 'payments/a.csv',"
        " 'csv', ?, ?, 'loaded', null, 1, 1, 0, now()::timestamp, 0, null, null)",
        [path.stat().st_size, loader.file_sha256(path)],
    )
    con.close()
    hashed = _count_hashes(monkeypatch)
    # the ledger gains the column, its row kept; the file is hashed once to fill in its time
    assert _load(land, wh, "run-1")["payments/a.csv"].status == "skipped"
    assert _query(wh, "select file_id, run_id, file_mtime_ns from pulse_meta.load_ledger") == [
        (1, "old", mtime_ns)
    ]
    assert _load(land, wh, "run-2")["payments/a.csv"].status == "skipped"
    assert hashed == ["a.csv"]


# --- transient failures are retried; a rejection is not ---------------------------------------

TRANSIENT = [
    duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate data of size 64.0 MiB"),
    duckdb.IOException('IO Error: Could not set lock on file "/x/pulse.duckdb"'),
    OSError(errno.EIO, "Input/output error"),
]


def _fail_once(monkeypatch, name: str, exc: BaseException) -> list[int]:
    """Make loader.<name> raise `exc` on its first call only; returns the call counter."""
    original = getattr(loader, name)
    calls = [0]

    def flaky(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 1:
            raise exc
        return original(*args, **kwargs)

    monkeypatch.setattr(loader, name, flaky)
    return calls


@pytest.mark.parametrize("exc", TRANSIENT, ids=lambda e: type(e).__name__)
def test_transient_failure_is_recorded_as_failed_and_retried(land, wh, monkeypatch, exc):
    _write(land / "payments" / "a.csv", "csv", ["P1"])
    _write(land / "payments" / "b.csv", "csv", ["P2"])
    _fail_once(monkeypatch, "_load_checked_rows", exc)
    first = _load(land, wh)
    assert first["payments/a.csv"].status == "failed"
    assert "retried" in first["payments/a.csv"].error
    assert first["payments/b.csv"].status == "loaded"  # the other file still loads
    assert _query(wh, "select status from pulse_meta.load_ledger order by file_id") == [
        ("failed",),
        ("loaded",),
    ]
    second = _load(land, wh, "run-2")
    assert second["payments/a.csv"].status == "loaded"
    assert second["payments/b.csv"].status == "skipped"
    assert _keys_by_file(wh) == {"payments/a.csv": {"P1"}, "payments/b.csv": {"P2"}}


def test_failure_while_reading_the_landing_file_is_retried(land, wh, monkeypatch):
    _write(land / "payments" / "a.csv", "csv", ["P1"])
    _fail_once(monkeypatch, "file_sha256", OSError(errno.EIO, "Input/output error"))
    assert _load(land, wh)["payments/a.csv"].status == "failed"
    assert _load(land, wh, "run-2")["payments/a.csv"].status == "loaded"


def test_rejected_file_is_not_retried_until_it_changes(land, wh):
    path = land / "payments" / "a.csv"
    path.write_text("payment_id\nP1\n")
    assert _load(land, wh)["payments/a.csv"].status == "rejected"
    assert _load(land, wh, "run-2")["payments/a.csv"].status == "skipped"
    _write(path, "csv", ["P1"])
    assert _load(land, wh, "run-3")["payments/a.csv"].status == "loaded"


class _RollbackRaises:
    """A connection whose ROLLBACK rolls back, then reports an error (as DuckDB does when the
    disk is full or the database was invalidated)."""

    def __init__(self, con):
        self._con = con

    def execute(self, sql, *args):
        if sql.strip().lower() == "rollback":
            self._con.execute(sql)
            raise duckdb.TransactionException("TransactionContext Error: cannot rollback")
        return self._con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._con, name)


DISK_FULL = [
    duckdb.IOException(
        'IO Error: Could not write file "/x/pulse.duckdb.wal": No space left on device'
    ),
    OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
]


@pytest.mark.parametrize("exc", DISK_FULL, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("rollback_raises", [False, True], ids=["rollback-ok", "rollback-raises"])
def test_disk_full_is_named_even_when_rollback_fails(
    land, wh, monkeypatch, caplog, exc, rollback_raises
):
    _write(land / "payments" / "a.csv", "csv", ["P1"])
    _write(land / "payments" / "b.csv", "csv", ["P2"])
    _fail_once(monkeypatch, "_load_checked_rows", exc)
    caplog.set_level(logging.INFO)
    with connect_writer(wh) as con:
        results = _load(land, wh, con=_RollbackRaises(con) if rollback_raises else con)
    failed = results["payments/a.csv"]
    assert failed.status == "failed"
    assert "no space left on device" in failed.error
    assert results["payments/b.csv"].status == "loaded"
    ((error,),) = _query(
        wh, "select error from pulse_meta.load_ledger where file_path = 'payments/a.csv'"
    )
    assert "no space left on device" in error
    logged = [r.getMessage() for r in caplog.records if "payments/a.csv" in r.getMessage()]
    assert any("no space left on device" in m for m in logged)
    assert _load(land, wh, "run-2")["payments/a.csv"].status == "loaded"


def test_ingestion_asset_fails_naming_the_failed_file_and_the_next_run_retries(
    land, wh, monkeypatch
):
    from dagster import materialize

    from orchestration.assets.ingestion import ingestion_assets
    from orchestration.resources import PulseSettings

    (asset,) = [a for a in ingestion_assets if a.key.path == ["raw", "payments"]]
    _write(land / "payments" / "a.csv", "csv", ["P1"])
    _write(land / "payments" / "b.csv", "csv", ["P2"])
    monkeypatch.setenv("PULSE_LANDING_DIR", str(land))
    monkeypatch.setenv("PULSE_WAREHOUSE", str(wh))
    _fail_once(monkeypatch, "_load_checked_rows", DISK_FULL[0])
    first = materialize([asset], resources={"pulse": PulseSettings()}, raise_on_error=False)
    assert not first.success
    (failure,) = first.get_step_failure_events()
    message = failure.event_specific_data.error.message
    assert "payments/a.csv" in message
    assert "no space left on device" in message
    assert "retried" in message
    assert "payments/b.csv" not in message
    assert _keys_by_file(wh) == {"payments/b.csv": {"P2"}}  # the other file still loaded
    second = materialize([asset], resources={"pulse": PulseSettings()})
    assert second.success
    assert _keys_by_file(wh) == {"payments/a.csv": {"P1"}, "payments/b.csv": {"P2"}}


# --- JSON keys keep their values whatever their names -----------------------------------------

ODD_KEYS = ["a.b", "a$b", "a[0]", "a]b", 'a"b', "a'b", "a/b", "a~b", "~1", "$", "a b", "é"]


def test_json_keys_with_path_characters_keep_their_values(land, wh):
    obj = {"payment_id": "P1", "invoice_id": "I001", "paid_at": "2025-02-01", "amount": "10"}
    extras = {k: f"value {i}" for i, k in enumerate(ODD_KEYS)}
    (land / "payments" / "a.jsonl").write_text(json.dumps({**obj, **extras}) + "\n")
    assert _load(land, wh)["payments/a.jsonl"].status == "loaded"
    ((extra,),) = _query(wh, "select _extra from raw.payments")
    assert json.loads(extra) == extras


def test_json_contract_key_with_odd_neighbours_reads_its_own_value(land, wh):
    # '$.amount' must not be confused with a key spelled 'amount' under another path
    obj = {"payment_id": "P1", "invoice_id": "I001", "paid_at": "2025-02-01", "amount": "10"}
    obj["amount.x"] = "99"
    (land / "payments" / "a.jsonl").write_text(json.dumps(obj) + "\n")
    _load(land, wh)
    ((amount, extra),) = _query(wh, "select amount, _extra from raw.payments")
    assert (float(amount), json.loads(extra)) == (10.0, {"amount.x": "99"})


# --- rejection messages never quote file content ----------------------------------------------

SECRET_EMAIL = "alice.secret@example.com"
SECRET_PASSWORD = "password=hunter2-s3cret"


def _assert_no_secret(warehouse: Path, caplog, *secrets: str) -> None:
    texts = _ledger_errors(warehouse) + [r.getMessage() for r in caplog.records]
    for secret in secrets:
        leaks = [t for t in texts if secret in t]
        assert leaks == [], f"{secret!r} leaked into: {leaks}"


def test_headerless_csv_names_contract_columns_only(land, wh, caplog):
    caplog.set_level(logging.INFO)
    (land / "payments" / "a.csv").write_text(
        f"P1,I001,2025-02-01,{SECRET_EMAIL}\nP2,I002,2025-02-02,5\n"
    )
    result = _load(land, wh)["payments/a.csv"]
    assert result.status == "rejected"
    _assert_no_secret(wh, caplog, SECRET_EMAIL, "I001", "2025-02-01")
    assert "missing required column(s) payment_id, invoice_id, paid_at, amount" in result.error
    assert "4 other column(s)" in result.error
    assert "header row missing" in result.error
    assert any(
        "payments/a.csv" in r.getMessage() and "missing required" in r.getMessage()
        for r in caplog.records
    )


def test_missing_column_message_lists_found_contract_columns_and_counts_others(land, wh):
    (land / "payments" / "a.csv").write_text(f"payment_id,invoice_id,{SECRET_EMAIL}\nP1,I1,x\n")
    error = _load(land, wh)["payments/a.csv"].error
    assert SECRET_EMAIL not in error
    assert "missing required column(s) paid_at, amount" in error
    assert "found payment_id, invoice_id" in error
    assert "1 other column(s)" in error


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        (  # too few fields on line 3; the next line holds a secret
            f"{HEADER}\n{_csv_row('P1')}\nP2,{SECRET_EMAIL}\nP3,{SECRET_EMAIL},2025-01-01,1\n",
            3,
            "2 fields where the header has 4",
        ),
        (  # too many fields on line 2
            f"{HEADER}\nP1,{SECRET_EMAIL},2025-01-01,1,{SECRET_EMAIL}\n",
            2,
            "5 fields where the header has 4",
        ),
        (  # a quote opened on line 2 never closes: DuckDB quotes every following row
            f'{HEADER}\nP1,"I1,2025-01-01,1\nP2,{SECRET_EMAIL},2025-01-01,1\n',
            2,
            "unterminated quote",
        ),
    ],
    ids=["too-few", "too-many", "unterminated-quote"],
)
def test_csv_parse_error_names_line_and_reason_without_values(
    land, wh, caplog, content, line, reason
):
    caplog.set_level(logging.INFO)
    (land / "payments" / "a.csv").write_text(content)
    result = _load(land, wh)["payments/a.csv"]
    assert result.status == "rejected"
    assert f"line {line}" in result.error
    assert reason in result.error
    _assert_no_secret(wh, caplog, SECRET_EMAIL, "P1", "I1")


def test_symlink_to_a_file_outside_the_landing_folder_is_refused_unread(land, wh, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    outside = tmp_path / "elsewhere" / "secrets.csv"
    outside.parent.mkdir()
    outside.write_text(f"{SECRET_PASSWORD}\n")
    (land / "payments" / "link.csv").symlink_to(outside)
    _write(land / "payments" / "ok.csv", "csv", ["P1"])
    hashed: list[Path] = []
    original = loader.file_sha256
    monkey = pytest.MonkeyPatch()
    monkey.setattr(loader, "file_sha256", lambda p: hashed.append(Path(p)) or original(p))
    try:
        results = _load(land, wh)
    finally:
        monkey.undo()
    link = results["payments/link.csv"]
    assert link.status == "rejected"
    assert "outside the landing folder" in link.error
    assert outside.resolve() not in [p.resolve() for p in hashed]  # never read, not even hashed
    assert results["payments/ok.csv"].status == "loaded"
    _assert_no_secret(wh, caplog, SECRET_PASSWORD, "hunter2")
    # refused once; the next run skips it until the link changes
    assert _load(land, wh, "run-2")["payments/link.csv"].status == "skipped"


def test_symlink_to_a_folder_outside_the_landing_folder_is_refused(land, wh, tmp_path):
    outside = tmp_path / "elsewhere"
    _write(outside / "x.csv", "csv", ["P_OUTSIDE"])
    (land / "payments" / "linked").symlink_to(outside, target_is_directory=True)
    results = _load(land, wh)
    assert results["payments/linked"].status == "rejected"
    assert "outside the landing folder" in results["payments/linked"].error
    assert _query(wh, "select count(*) from raw.payments") == [(0,)]


def test_source_folder_linked_outside_the_landing_folder_is_refused(tmp_path, wh):
    land = tmp_path / "landing"
    land.mkdir()
    outside = tmp_path / "elsewhere"
    _write(outside / "x.csv", "csv", ["P_OUTSIDE"])
    (land / "payments").symlink_to(outside, target_is_directory=True)
    results = _load(land, wh)
    assert list(results) == ["payments"]
    assert results["payments"].status == "rejected"
    assert "outside the landing folder" in results["payments"].error
    assert _query(wh, "select count(*) from raw.payments") == [(0,)]


def test_broken_symlink_is_rejected_not_ignored(land, wh):
    (land / "payments" / "gone.csv").symlink_to(land / "payments" / "missing.csv")
    result = _load(land, wh)["payments/gone.csv"]
    assert result.status == "rejected"
    assert "broken symbolic link" in result.error
    # once its target exists, the link is a new version and loads
    _write(land / "payments" / "missing.csv", "csv", ["P1"])
    again = _load(land, wh, "run-2")
    assert again["payments/gone.csv"].status == "loaded"


def test_symlink_inside_the_landing_folder_is_followed(land, wh):
    _write(land / "archive" / "x.csv", "csv", ["P_LINKED"])
    (land / "payments" / "x.csv").symlink_to(land / "archive" / "x.csv")
    assert _load(land, wh)["payments/x.csv"].status == "loaded"
    assert _keys_by_file(wh) == {"payments/x.csv": {"P_LINKED"}}


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["GOOD", f'{{"payment_id": "{SECRET_EMAIL}"', "GOOD"], "line 2 is not valid JSON"),
        (["GOOD", "", "  ", f"not json {SECRET_EMAIL}"], "line 4 is not valid JSON"),
        (["GOOD", "", f'["{SECRET_EMAIL}"]', "oops"], "line 3 is not a JSON object"),
        (["", f'{{"a": "{SECRET_EMAIL}", "a": "x"}}'], "line 2 repeats a key"),
    ],
    ids=["truncated", "after-blank-lines", "array", "repeated-key"],
)
def test_malformed_json_line_is_named_without_its_content(land, wh, caplog, lines, expected):
    caplog.set_level(logging.INFO)
    good = {"payment_id": "P1", "invoice_id": "I001", "paid_at": "2025-02-01", "amount": "10"}
    text = "".join((json.dumps(good) if ln == "GOOD" else ln) + "\n" for ln in lines)
    (land / "payments" / "a.jsonl").write_text(text)
    result = _load(land, wh)["payments/a.jsonl"]
    assert result.status == "rejected"
    assert expected in result.error  # the file's line, blank lines counted
    _assert_no_secret(wh, caplog, SECRET_EMAIL)


# --- a CSV exported the wrong way gets a reason a person understands ----------------------------


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (
            b"payment_id;invoice_id;paid_at;amount\nP1;I1;2025-01-01;10\n",
            ["semicolon-delimited", "comma-separated", "re-export"],
        ),
        (
            b"payment_id\tinvoice_id\tpaid_at\tamount\nP1\tI1\t2025-01-01\t10\n",
            ["tab-delimited", "comma-separated"],
        ),
        (
            b"payment_id|invoice_id|paid_at|amount\nP1|I1|2025-01-01|10\n",
            ["pipe-delimited", "comma-separated"],
        ),
        (
            b"payment_id;invoice_id;paid_at;amount\nP1;I1;2025-01-01;10,50\n",
            ["semicolon-delimited", "decimal comma"],
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", ["not a CSV file: binary content"]),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", ["not a CSV file: binary content"]),
        (
            "payment_id,invoice_id,paid_at,amount\nP1,Ié1,2025-01-01,10\n".encode("latin-1"),
            ["not UTF-8 text", "save it as UTF-8", "line 2"],
        ),
    ],
    ids=["semicolon", "tab", "pipe", "decimal-comma", "png", "zip", "latin-1"],
)
def test_unreadable_csv_gets_a_one_line_reason(land, wh, content, fragments):
    (land / "payments" / "a.csv").write_bytes(content)
    result = _load(land, wh)["payments/a.csv"]
    assert result.status == "rejected"
    for fragment in fragments:
        assert fragment in result.error
    assert "\n" not in result.error
    assert "I1" not in result.error and "2025-01-01" not in result.error


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("payment_id,invoice_id,paid_at,amount", ","),
        ("payment_id;invoice_id;paid_at;amount", ";"),
        ("payment_id\tinvoice_id\tpaid_at\tamount", "\t"),
        ("payment_id|invoice_id|paid_at|amount", "|"),
        ('"a;b",c', ","),  # a delimiter inside a quoted name does not count
        ("payment_id", None),
    ],
)
def test_detect_delimiter_reads_the_header_line(header, expected):
    from orchestration.ingest.reader import detect_delimiter

    assert detect_delimiter(header) == expected
