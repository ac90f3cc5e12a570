"""The one place that talks to the database: engine, sessions, and whole-world operations."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, delete, event, func, insert, literal, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from . import facts
from .journal import DEFAULT_JOURNAL_RETENTION, Journal
from .models import DATA_TABLES, WORLD_TABLES, Base, World

DEFAULT_DATABASE_URL = "sqlite://"


def _is_memory_sqlite(url: str) -> bool:
    return url.startswith("sqlite") and (url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url)


def make_engine(url: str) -> Engine:
    if _is_memory_sqlite(url):
        return _temporary_file_engine()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": WRITE_LOCK_WAIT})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            dbapi_connection.isolation_level = None  # we say BEGIN ourselves, below

        @event.listens_for(engine, "handle_error")
        def _read_not_upgraded(context):
            connection = context.connection
            if (
                connection is not None
                and connection.get_execution_options().get(READ_ONLY)
                and isinstance(context.original_exception, sqlite3.OperationalError)
                and "locked" in str(context.original_exception)
            ):
                raise WriteInReadTransaction(str(context.original_exception)) from context.original_exception

        @event.listens_for(engine, "begin")
        def _begin(connection):
            if connection.get_execution_options().get(READ_ONLY):
                # A read: a deferred transaction, a snapshot of the WAL; it never takes the write lock.
                connection.connection.dbapi_connection.execute("BEGIN")
                return
            # A write: the lock is taken when the transaction begins, so writers queue for it instead of
            # failing to upgrade a read snapshot that another writer made stale (SQLITE_BUSY_SNAPSHOT).
            _take_write_lock(connection.connection.dbapi_connection)

        return engine
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "before_cursor_execute", _without_nul, retval=True)
    return engine


class WriteInReadTransaction(Exception):
    """A read transaction wrote and SQLite could not make it a write one: another connection wrote since its
    snapshot was taken (SQLITE_BUSY_SNAPSHOT), or held the lock too long. Its work is to be done again in a
    write transaction (the app does so for a request: ``simulator/app.py``)."""


READ_ONLY = "pcsim_read_only"  # execution option of a read session's connections (see Store.open_session)
WRITE_LOCK_WAIT = 30.0  # seconds a transaction waits for SQLite's write lock before "database is locked"
WRITE_LOCK_POLL = 0.0005  # seconds between two tries


def _take_write_lock(dbapi_connection) -> None:
    """``BEGIN IMMEDIATE``, trying again every half millisecond while another connection writes. SQLite's own
    busy handler sleeps 1, 2, 5, 10 ... up to 100 ms between tries: a worker that waits then often wakes after
    the lock went to the next request of the worker that held it, and waits again (p99 of over a second under
    load, with two workers)."""
    deadline = time.monotonic() + WRITE_LOCK_WAIT
    dbapi_connection.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(WRITE_LOCK_POLL)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout = {int(WRITE_LOCK_WAIT * 1000)}")


def _temporary_file_engine() -> Engine:
    """The embedded default database (an in-memory URL): a SQLite file in a directory of its own, removed with the
    engine (or at exit). Not one in-memory connection shared by every thread: that one holds a single transaction
    at a time, so every request of a multi-threaded server would wait for the one before it to end. A file in WAL
    mode gives each thread a connection of its own: reads run side by side on snapshots and only writes take
    turns, as on any SQLite file. Its pages stay in the OS cache and nothing is synced to disk (a temporary
    database need not survive a crash), so it costs about what memory does."""
    directory = tempfile.mkdtemp(prefix="pcsim-")
    engine = make_engine(f"sqlite:///{os.path.join(directory, 'pcsim.db')}")

    @event.listens_for(engine, "connect")
    def _unsynced(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    weakref.finalize(engine, shutil.rmtree, directory, ignore_errors=True)
    return engine


def _no_nul(value):
    return value.replace("\x00", "\ufffd") if isinstance(value, str) and "\x00" in value else value


def _without_nul(_connection, _cursor, statement, parameters, _context, executemany):
    """PostgreSQL text cannot hold a NUL character (psycopg refuses the whole statement): send U+FFFD instead.
    No id holds one, so a lookup still finds nothing; a journal entry or a title keeps the rest of the text."""
    if isinstance(parameters, dict):
        parameters = {k: _no_nul(v) for k, v in parameters.items()}
    elif isinstance(parameters, (list, tuple)):
        parameters = type(parameters)(
            {k: _no_nul(v) for k, v in p.items()} if isinstance(p, dict) else _no_nul(p) for p in parameters
        )
    return statement, parameters


@contextmanager
def indexes_deferred(connection, table) -> Iterator[None]:
    """SQLite: drop ``table``'s secondary indexes for the block and make them again after it, in the same
    transaction (nobody sees them missing; an error rolls the drop back). One sorted build per index instead of
    a B-tree insert per row and index: worth it when the block inserts at least as many rows as the table
    already holds (the rebuild reads them all). Elsewhere: nothing."""
    if connection.dialect.name != "sqlite":
        yield
        return
    indexes = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table.name,)
    ).all()  # without the primary key's own index (its sql is NULL)
    quote = connection.dialect.identifier_preparer.quote_identifier
    for name, _ in indexes:
        connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
    yield
    for _, sql in indexes:
        connection.exec_driver_sql(sql)


@contextmanager
def page_cache(connection, mib: int = 32) -> Iterator[None]:
    """SQLite: a page cache of ``mib`` MiB for the block, the connection's own size again after it. A bulk
    write then sends its pages to the WAL about once, at commit, instead of spilling them again and again as
    the default 2 MB cache fills (a 100,000-ticket world copied to a file: a third faster). Elsewhere:
    nothing."""
    if connection.dialect.name != "sqlite":
        yield
        return
    size = int(connection.exec_driver_sql("PRAGMA cache_size").scalar())
    connection.exec_driver_sql(f"PRAGMA cache_size = {-1024 * mib}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {size}")


class Store:
    """Owns the engine; hands out sessions; creates, copies and deletes worlds."""

    def __init__(self, url: str = DEFAULT_DATABASE_URL, journal_retention: int = DEFAULT_JOURNAL_RETENTION):
        self.url = url
        self.engine = make_engine(url)
        self.facts = facts.FactsCache()
        self.journal = Journal(journal_retention)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info={"facts_cache": self.facts})
        # Read sessions: on SQLite a deferred BEGIN (a snapshot, no write lock); elsewhere the same as a write.
        self._read_sessions = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}),
            expire_on_commit=False,
            info={"facts_cache": self.facts},
        )
        for maker in (self._sessions, self._read_sessions):
            event.listen(maker, "before_flush", facts.before_flush)
            event.listen(maker, "do_orm_execute", facts.do_orm_execute)
        # A single shared in-memory connection cannot hold two transactions at once.
        self._lock = threading.RLock() if isinstance(self.engine.pool, StaticPool) else None
        with self.engine.begin() as connection:
            self.serialize(connection, "schema")  # servers starting at once on one new database
            Base.metadata.create_all(connection)

    def serialize(self, connection, name: str) -> None:
        """Hold the database-wide lock ``name`` until the transaction of ``connection`` (or session) ends.
        PostgreSQL: an advisory lock, so that servers starting at once create the schema and load a template
        one at a time. SQLite needs none: BEGIN IMMEDIATE already serializes every write transaction."""
        if self.engine.dialect.name == "postgresql":
            key = int.from_bytes(hashlib.sha256(f"pcsim:{name}".encode()).digest()[:8], "big", signed=True)
            connection.execute(select(func.pg_advisory_xact_lock(key)))

    @contextmanager
    def session(self, read_only: bool = False) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        if self._lock:
            self._lock.acquire()
        try:
            with (self._read_sessions if read_only else self._sessions)() as session, session.begin():
                yield session
        finally:
            if self._lock:
                self._lock.release()

    def open_session(self, read_only: bool = False) -> Session:
        """A session for a request; ``read_only``: for one that only reads (it never takes SQLite's write
        lock; a write in it would have to upgrade its snapshot, and fails if another writer made it stale)."""
        if self._lock:
            self._lock.acquire()
        return (self._read_sessions if read_only else self._sessions)()

    def close_session(self, session: Session) -> None:
        try:
            session.close()
        finally:
            if self._lock:
                self._lock.release()

    def clone_world(self, session: Session, source_id: str, target_id: str) -> None:
        """Copy the data of ``source_id`` into ``target_id``: one INSERT ... SELECT per table."""
        for table in DATA_TABLES:
            columns = [c for c in table.c if c.name != "world_id"]
            names = ["world_id"] + [c.name for c in columns]
            rows = select(literal(target_id), *columns).where(table.c.world_id == source_id)
            session.execute(insert(table).from_select(names, rows), execution_options={"facts_handled": True})
        facts.facts_changed(session, [target_id])

    def delete_world_rows(self, session: Session, world_id: str, *, data_only: bool = False) -> None:
        """Delete a world's rows: its data only (reset, restore), or everything (journal and faults too)."""
        for table in DATA_TABLES if data_only else WORLD_TABLES:
            session.execute(
                delete(table).where(table.c.world_id == world_id), execution_options={"facts_handled": True}
            )
        facts.facts_changed(session, [world_id])

    def world(self, session: Session, world_id: str) -> World | None:
        return session.get(World, world_id)
