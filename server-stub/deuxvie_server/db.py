"""Engine, sessions and migrations for a given database URL (SQLite or PostgreSQL)."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here (the only driver installed), not psycopg2."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite issues its own deferred BEGIN lazily; turn that off and begin in _sqlite_begin
    # (SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL").
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # WAL lets the certificate pages read while a report is written; busy_timeout makes
    # concurrent writers wait for the lock instead of failing with "database is locked".
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # Writers take the lock at BEGIN (IMMEDIATE) so they queue on busy_timeout; a deferred
    # reader upgraded to writer would fail at once with SQLITE_BUSY under WAL.
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


WRITE_OPTION = "deuxvie_write"


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


class WriterQueue:
    """SQLite's one writer at a time, queued in the kernel instead of in SQLite's busy
    handler (which sleeps 1..100 ms between polls: seconds of p99 latency under load).
    A thread lock orders this process's threads; an exclusive flock() on `<db>.writer`
    orders worker processes (gunicorn), and the kernel wakes the next waiter as soon as the
    holder releases. Held around the BEGIN IMMEDIATE transaction (ingest step 3)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        # opened lazily and again after fork(): a flock is shared by descriptors that a
        # fork duplicates, so the workers must each have their own open file
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    def __enter__(self) -> WriterQueue:
        self._thread_lock.acquire()
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()


def writer_queue(engine: Engine) -> AbstractContextManager[Any]:
    """The writer queue of an SQLite database; nothing to queue on for PostgreSQL (row
    locks)."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    db = engine.url.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return threading.Lock()  # no file to lock beside; one process
    return WriterQueue(db + ".writer")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def write_engine(engine: Engine) -> Engine:
    """The same engine, whose transactions take the SQLite write lock up front (BEGIN
    IMMEDIATE, _sqlite_begin); ingest writes through it."""
    return engine.execution_options(**{WRITE_OPTION: True})


@contextmanager
def write_transaction(
    write_sessions: sessionmaker[Session], lock: AbstractContextManager[Any]
) -> Iterator[Session]:
    """A session for a transaction that writes (enrolment, revocation, token creation): it
    queues on the same writer queue as ingest and begins IMMEDIATE on SQLite. A deferred
    transaction that reads then writes fails at once with "database is locked" under WAL
    when another writer committed since its snapshot (busy_timeout cannot help: SQLite
    refuses to upgrade a stale read snapshot); issue 11 item 5 saw 34 of 38 enrolments and
    3 of 4 revocations fail that way under an ingest burst."""
    with lock, write_sessions.begin() as session:
        yield session


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option(
        "script_location", str(resources.files("deuxvie_server").joinpath("migrations"))
    )
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
