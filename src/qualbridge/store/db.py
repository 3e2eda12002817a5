"""Engines and sessions for SQLite (embedded default) and PostgreSQL (multi-user deployment).

Nothing here runs at import time: the service builds one :class:`Database` at start-up from its settings.

SQLite is configured for a small multi-threaded server: write-ahead logging (readers never block the
writer), foreign keys enforced, and a busy timeout instead of immediate "database is locked" errors.
QualBridge emits BEGIN itself: ``BEGIN IMMEDIATE`` for a write transaction takes the write lock up
front, so two writers queue instead of deadlocking on a lock upgrade.

SQLite's busy timeout is a poll: a writer that finds the lock taken sleeps, for longer each time
(up to 100 ms), and tries again, so under load the lock sits free while the next writer sleeps. Writers
of a file database therefore queue first at its :class:`WriteGate`, a lock file beside the database
that the kernel hands to the next waiter the moment it is released. The gate only orders writers: the
database's own lock still guarantees correctness for a process that does not use it (the
``sqlite3`` shell, say).

A PostgreSQL write transaction runs in psycopg's pipeline mode (:meth:`Database.pipelined`): a statement
whose answer the transaction does not need at once (an INSERT without RETURNING, say) is sent without
waiting for it, and goes to the server with the next statement that must be answered, or at the end
of the transaction's work, before its COMMIT. An upload's transaction then waits for the server 5 times
instead of 19.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from qualbridge.errors import InputError, at

try:
    import fcntl
except ImportError:  # Windows has no flock: writers there wait on SQLite's busy timeout alone
    fcntl = None  # type: ignore[assignment]

#: Execution option marking a connection that will write (SQLite: ``BEGIN IMMEDIATE``).
WRITE_OPTION = "qualbridge_write"
#: Execution option marking a connection that must not write (see :func:`_refuse_writes`).
READ_OPTION = "qualbridge_read"
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Execution option marking a statement whose result nobody reads: in a pipelined transaction it does not
#: wait for the server (see :func:`_answer_now`).
NO_RESULT_OPTION = "qualbridge_no_result"
#: Where a connection in a pipelined transaction keeps its psycopg pipeline (``Connection.info``).
_PIPELINE = "qualbridge_pipeline"
#: A pooled PostgreSQL connection idle this long is checked before use (see :func:`_ping_when_idle`).
PING_AFTER_IDLE_SECONDS = 10.0
_IDLE_SINCE = "qualbridge_idle_since"


def parse_url(url: str | URL) -> URL:
    try:
        parsed = make_url(url)
    except Exception as exc:  # SQLAlchemy raises ArgumentError or ValueError for a malformed URL
        raise InputError(f"not a database URL: {exc}", at(field="QUALBRIDGE_DATABASE_URL")) from exc
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise InputError(
            f"unsupported database {parsed.get_backend_name()!r}",
            at(field="QUALBRIDGE_DATABASE_URL"),
            expected="sqlite:///PATH or postgresql+psycopg://USER@HOST/DB",
        )
    if parsed.drivername == "postgresql":
        # Without a driver SQLAlchemy would pick psycopg2; QualBridge ships psycopg 3.
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(
    url: str | URL,
    *,
    pool_size: int = 10,
    connect_args: dict[str, Any] | None = None,
    ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created if needed."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed, connect_args or {}, pool_size=pool_size)
    else:
        engine = create_engine(
            parsed, pool_size=pool_size, max_overflow=pool_size, connect_args=connect_args or {}
        )
        _ping_when_idle(engine, ping_after_idle)
        event.listen(engine, "after_cursor_execute", _answer_now)
    event.listen(engine, "before_cursor_execute", _refuse_writes)
    return engine


def _answer_now(
    conn: Connection, cursor: Any, _statement: str, _parameters: Any, context: Any, _executemany: bool
) -> None:
    """In a pipelined transaction, wait for a statement's answer (and those of the statements queued
    before it) unless it is an INSERT without RETURNING or marked :data:`NO_RESULT_OPTION`.

    SQLAlchemy reads a statement's result description right after executing it: a query's rows must be
    there by then, and so must an UPDATE's or a DELETE's row count, which the ORM checks. An INSERT's
    answer carries nothing the service reads; its error, if any (a unique row a concurrent request
    wrote first, say), comes with the next answer waited for, at the latest when the pipelined work
    ends (:meth:`Database.pipelined`), still inside the transaction that
    :meth:`qualbridge.services.context.Context.write` retries."""
    pipeline = conn.info.get(_PIPELINE)
    if pipeline is None:
        return
    if context is not None and (
        (context.isinsert and not context.compiled.effective_returning)
        or context.execution_options.get(NO_RESULT_OPTION, False)
    ):
        return
    pipeline.sync()


def _refuse_writes(
    conn: Connection, _cursor: Any, statement: str, _parameters: Any, context: Any, _executemany: bool
) -> None:
    """Fail a statement that writes or locks rows in a transaction opened for reading.

    A read transaction takes no write lock first (SQLite) and, on PostgreSQL, runs in autocommit (see
    :meth:`Database.read_options`): a write in it would slip past the writers' queue, or be committed
    statement by statement. Statements the ORM or SQLAlchemy Core compiled are checked (``text()`` is
    not)."""
    if context is None or not conn.get_execution_options().get(READ_OPTION, False):
        return
    if context.isinsert or context.isupdate or context.isdelete or " FOR UPDATE" in statement:
        raise RuntimeError(f"a write in a read transaction (use a write transaction): {statement[:80]}")


def _ping_when_idle(engine: Engine, seconds: float) -> None:
    """Check a pooled PostgreSQL connection before use if it sat idle for ``seconds`` or more.

    A server restart or an idle timeout on the way closes connections the pool still holds; the first
    request to take one would fail. A ping on every checkout (SQLAlchemy's ``pool_pre_ping``) prevents
    that at the price of a round trip per transaction, beside the one or two of a short read. Under
    load connections come back to the pool within milliseconds and are used again unchecked; after a
    pause, the first use pays the ping. A connection broken while busy fails its request, and SQLAlchemy
    then discards the pool's other connections from before the break."""

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _taken(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < seconds:
            return  # new, or back in the pool moments ago
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as exc:
            # The pool discards this connection and hands out another (a new one if need be).
            raise DisconnectionError(f"a pooled connection was closed while idle: {exc}") from exc


def _sqlite_engine(url: URL, connect_args: dict[str, Any], *, pool_size: int) -> Engine:
    options: dict[str, Any] = {}
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # A file database is pooled as PostgreSQL is, so that a connection is opened and set up (the
        # PRAGMAs below) once, not for every request beyond SQLAlchemy's default of five.
        options = {"pool_size": pool_size, "max_overflow": pool_size}
    engine = create_engine(url, connect_args={"check_same_thread": False, **connect_args}, **options)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (see the "begin" hook) and set the connection up.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        statement = "BEGIN IMMEDIATE" if write else "BEGIN"
        # Straight to the driver: the statement has no parameters and no result, and every request
        # begins a transaction (SQLAlchemy's execution of it cost as much as a small query). Its
        # errors are SQLAlchemy's all the same ("database is locked": an OperationalError).
        driver = connection.connection.driver_connection
        assert driver is not None  # a connection being begun is open
        try:
            driver.execute(statement)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc

    return engine


class WriteGate:
    """The queue of a SQLite file database's writers: an exclusive ``flock`` on ``PATH-writer.lock``,
    taken for each write transaction, behind a thread lock (``flock`` orders processes, not threads).

    A waiter sleeps in the kernel until the holder lets go, so the lock passes on at once. A writer that
    hangs holds SQLite's own lock too: the others would fail after the busy timeout without the gate, and
    wait for it with the gate; a writer that dies lets go of both."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + "-writer.lock")
        self._threads = threading.Lock()
        self._holder: int | None = None
        self._fd: int | None = None
        self._pid = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        if self._holder == threading.get_ident():
            # It would wait for itself; without the gate, for SQLite's busy timeout.
            raise RuntimeError("a write transaction inside another one on the same thread")
        with self._threads:
            fd = self._open()
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._holder = threading.get_ident()
            try:
                yield
            finally:
                self._holder = None
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _open(self) -> int:
        # One descriptor per process: a forked child must not take the lock through its parent's
        # descriptor (one lock, shared, excluding neither).
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    def close(self) -> None:
        with self._threads:
            if self._fd is not None and self._pid == os.getpid():
                os.close(self._fd)
            self._fd = None


def _sqlite_file(bind: Engine | Connection) -> Path | None:
    url = bind.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    if url.database.startswith("file:"):
        return None
    return Path(url.database)


class Database:
    """An engine and the factory of its sessions."""

    def __init__(self, engine: Engine | Connection) -> None:
        self.bind = engine
        file = _sqlite_file(engine) if isinstance(engine, Engine) and fcntl is not None else None
        self._gate = WriteGate(file) if file is not None else None
        # A connection as bind (tests): each session works in a savepoint of the connection's transaction.
        if isinstance(engine, Connection):
            self._sessions = sessionmaker(
                bind=engine, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
        else:
            self._sessions = sessionmaker(bind=engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str | URL, *, pool_size: int = 10) -> Database:
        return cls(make_engine(url, pool_size=pool_size))

    @property
    def dialect(self) -> str:
        return self.bind.dialect.name

    def session(self) -> Session:
        return self._sessions()

    def read_options(self) -> dict[str, Any]:
        """Execution options of a read transaction's connection.

        On a PostgreSQL engine it runs in autocommit. Under PostgreSQL's READ COMMITTED every statement
        reads its own snapshot, inside BEGIN … COMMIT or not, so the two would cost two round trips per
        read and buy no consistency. (SQLite's BEGIN does buy it: one snapshot from the first read to
        the end, and costs no round trip.) A connection as bind (tests) stays in its transaction."""
        if self.dialect == "postgresql" and isinstance(self.bind, Engine):
            return {READ_OPTION: True, WRITE_OPTION: False, "isolation_level": "AUTOCOMMIT"}
        return {READ_OPTION: True, WRITE_OPTION: False}

    def write_options(self) -> dict[str, Any]:
        """Execution options of a write transaction's connection (SQLite: ``BEGIN IMMEDIATE``)."""
        return {WRITE_OPTION: True, READ_OPTION: False}

    def writing(self) -> AbstractContextManager[None]:
        """Held around a write transaction, from before its BEGIN to after its COMMIT or ROLLBACK: the
        queue of a SQLite file's writers (see :class:`WriteGate`); nothing for PostgreSQL, whose
        writers wait on the rows they lock."""
        return self._gate.held() if self._gate is not None else nullcontext()

    @contextmanager
    def pipelined(self, session: Session) -> Iterator[None]:
        """The block, a part of ``session``'s write transaction, in psycopg's pipeline mode on
        PostgreSQL (see the module's docstring); nothing on SQLite. Leaving it waits for every statement
        sent in it: the session's own pending rows must be flushed before then, and the transaction
        ended after it (a session that ends its transaction hands its connection back to the pool,
        where it must not arrive in pipeline mode)."""
        connection = session.connection()
        driver = connection.connection.driver_connection
        if self.dialect != "postgresql" or driver is None:
            yield
            return
        info = connection.info  # the pooled connection's: it outlives the session
        try:
            with driver.pipeline() as pipeline:  # leaving it waits for the answers still due
                info[_PIPELINE] = pipeline
                try:
                    yield
                except BaseException:
                    # The statements after a failed one were not run: collect their answers (which
                    # only say so) before the error that counts goes on to roll the transaction back.
                    with suppress(Exception):
                        pipeline.sync()
                    raise
                finally:
                    del info[_PIPELINE]
        except psycopg.Error as exc:
            # An INSERT's error, waited for only on leaving: as SQLAlchemy would have raised it.
            raise DBAPIError.instance(None, None, exc, psycopg.Error, dialect=connection.dialect) from exc

    def dispose(self) -> None:
        if isinstance(self.bind, Engine):
            self.bind.dispose()
        if self._gate is not None:
            self._gate.close()
