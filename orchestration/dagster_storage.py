"""Dagster's default SQLite storage, with each database's SQLAlchemy engine kept for the process.

$DAGSTER_HOME/dagster.yaml names this class (orchestration/dagster.yaml); the files and their
layout are Dagster's own (history/, history/runs/<run id>.db, history/runs/index.db,
schedules/), so an instance written with the default storage reads the same.

Why: Dagster's SqliteEventLogStorage creates a new engine, without a connection pool, for every
statement it runs, and so also loses SQLAlchemy's cache of compiled statements each time. That
is cheap for a run of a few events, not for Pulse's: every dbt test is an asset check, and each
check is three events (planned when the run is created, then its output and evaluation), about
3,000 events a run, with up to five connections each. Measured on this machine, 1,659 events
of a job of 50 assets and 500 checks: 13.1 s with the default storage, 4.2 s with one pooled
engine per database file (benchmarks/README.md has the pipeline's numbers).

What stays the same: a statement still runs in its own transaction, under the storage's lock,
and commits before the call returns, so other processes (the webserver, the daemon, a run
worker) see each event as before. SQLite's WAL journal (which Dagster sets) lets them read
while a pooled connection is open; an idle pooled connection holds no lock. Engines of at most
MAX_ENGINES databases are kept (the index and the most recently used runs'); the others are
disposed of, as are all of them before the run files are wiped.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine

# The index database, the run being executed, and a few runs the webserver reads at a time.
MAX_ENGINES = 8


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage whose connections come from one pooled engine per database file."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, created (and its database initialised) on first use. Called
        under self._db_lock."""
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                # the storage's lock lets one statement run at a time: one connection is kept;
                # initialising a database opens a second one for a moment (closed on return)
                pool_size=1,
                max_overflow=2,
                # the pooled connection may serve the webserver's watcher thread too; the lock
                # keeps two threads from using it at once
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine  # the most recently used last
        while len(self._engines) > MAX_ENGINES:
            _, oldest = self._engines.popitem(last=False)
            oldest.dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                _, engine = self._engines.popitem()
                engine.dispose()

    def wipe(self) -> None:
        # the run databases are deleted: no pooled connection may keep the old files open
        self._dispose_engines()
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()


class PulseSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage (runs, event log, schedules under base_dir) with the pooled
    event log storage above. Configured in dagster.yaml under `storage: custom:`."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        super().__init__(base_dir, inst_data)
        self._event_log_storage = PooledSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value):  # ty: ignore[invalid-method-override]
        # the parent's returns a DagsterSqliteStorage whatever the class it is called on
        return cls.from_local(inst_data=inst_data, **config_value)
