"""Engines: SQLite set up for a small server, its writers queued at one gate; timestamps always come back
as aware UTC."""

import datetime as dt
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError
from sqlalchemy.orm import Session

from qualbridge.errors import InputError
from qualbridge.store.db import SQLITE_BUSY_TIMEOUT_MS, WRITE_OPTION, Database, make_engine, parse_url
from qualbridge.store.models import AuditEvent, Organization, User
from qualbridge.store.models.base import UuidText
from qualbridge.store.repos._rows import insert_row


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'q.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
    finally:
        engine.dispose()
    assert (tmp_path / "sub" / "q.db").is_file(), "the database's folder is created"


def test_a_sqlite_file_keeps_as_many_connections_as_the_pool_size(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'q.db'}", pool_size=7)
    opened = []
    event.listen(engine, "connect", lambda dbapi_connection, _record: opened.append(dbapi_connection))
    try:
        for _ in range(2):  # seven requests at once, twice: the second seven reuse the first's connections
            connections = [engine.connect() for _ in range(7)]
            for conn in connections:
                conn.close()
    finally:
        engine.dispose()
    assert len(opened) == 7


def test_urls_are_checked_and_postgres_uses_psycopg() -> None:
    assert parse_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert parse_url("sqlite:///./var/q.db").drivername == "sqlite"
    with pytest.raises(InputError, match="unsupported database 'mysql'"):
        parse_url("mysql://u@h/db")
    with pytest.raises(InputError, match="not a database URL"):
        parse_url("not a url")


def _org(name: str, created_at: dt.datetime) -> Organization:
    slug = name.lower().replace(" ", "-")
    return Organization(
        kind="fab", name_en=name, slug=slug, name_zh="晶圆厂", country="DE", created_at=created_at
    )


def test_timestamps_round_trip_as_aware_utc(database: Database) -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    written = dt.datetime(2026, 3, 2, 16, 30, tzinfo=shanghai)
    with database.session() as session, session.begin():
        org = _org("Dresden Fab", written)
        session.add(org)
    with database.session() as session:
        read = session.get(Organization, org.id)
        assert read is not None
        assert read.created_at == written
        assert read.created_at.tzinfo == dt.UTC
        assert read.created_at.hour == 8


def test_a_uuid_column_as_text_is_spelled_as_python_spells_the_uuid(database: Database) -> None:
    """``UuidText`` joins a text column that names a row (an attestation's ``object_id``) to the row."""
    orgs = [_org(f"Fab {n}", dt.datetime.now(dt.UTC)) for n in range(3)]
    with database.session() as session, session.begin():
        session.add_all(orgs)
    with database.session() as session:
        ids = [org.id for org in orgs]
        spelling = select(Organization.id, UuidText(Organization.id)).where(Organization.id.in_(ids))
        spelled = dict(session.execute(spelling).all())
        assert spelled == {org.id: str(org.id) for org in orgs}
        named = select(Organization.name_en).where(UuidText(Organization.id) == str(orgs[1].id))
        assert session.scalars(named).all() == ["Fab 1"]


def test_naive_timestamps_are_refused(database: Database) -> None:
    with database.session() as session:
        session.add(_org("Naive Fab", dt.datetime(2026, 3, 2, 8, 0)))
        with pytest.raises(StatementError, match="naive datetime"):
            session.flush()


def test_foreign_keys_and_checks_are_enforced(database: Database) -> None:
    now = dt.datetime.now(dt.UTC)
    with database.session() as session:
        session.add(User(org_id=uuid.uuid4(), email="x@y.example", name="X", role="admin", created_at=now))
        with pytest.raises(IntegrityError):
            session.flush()
    with database.session() as session, pytest.raises(IntegrityError):
        session.execute(
            text("INSERT INTO organizations (id, kind, name_en, name_zh, country, created_at) "
                 "VALUES (:id, 'bank', 'B', 'B', 'CN', :now)"),
            {"id": uuid.uuid4().hex, "now": now.replace(tzinfo=None)},
        )  # fmt: skip


def test_a_row_inserted_in_one_statement_is_stored_as_given(database: Database) -> None:
    """``insert_row`` writes the attributes given, leaves the rest to the columns' defaults (an
    autoincremented id), keeps the object out of the session, and checks constraints like a flush."""
    now = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    org = _org("Wuxi Air", now)
    org.id = uuid.uuid4()
    first = AuditEvent(
        org_id=org.id,
        owner_org_id=org.id,
        action="a.b",
        object_type="x",
        object_id="1",
        at=now,
        detail={"k": 1},
    )
    with database.session() as session, session.begin():
        session.add(org)  # pending: the session flushes it before the row that refers to it
        insert_row(session, first)
        insert_row(session, AuditEvent(**{**_audit_fields(first), "object_id": "2"}))
        assert first not in session
    with database.session() as session:
        stored = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.object_id, e.detail, e.at, e.user_id) for e in stored] == [
            ("1", {"k": 1}, now, None),
            ("2", {"k": 1}, now, None),
        ]
        assert stored[0].id < stored[1].id
    with database.session() as session, pytest.raises(IntegrityError):
        insert_row(session, AuditEvent(**{**_audit_fields(first), "org_id": uuid.uuid4()}))


def _audit_fields(event: AuditEvent) -> dict[str, object]:
    return {
        k: getattr(event, k)
        for k in ("org_id", "owner_org_id", "action", "object_type", "object_id", "at", "detail")
    }


# A process that holds the writer gate of the database named on its command line until told to let go.
_HOLDER = """
import sys
from qualbridge.store.db import Database
db = Database.from_url(sys.argv[1])
with db.writing():
    print("held", flush=True)
    sys.stdin.readline()
db.dispose()
"""


def test_sqlite_writers_of_all_processes_queue_at_one_lock_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    db = Database.from_url(url)
    entered = threading.Event()

    def write() -> None:
        with db.writing():
            entered.set()

    writer = threading.Thread(target=write)
    command = [sys.executable, "-c", _HOLDER, url]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdin is not None
        assert holder.stdout is not None
        try:
            assert holder.stdout.readline() == "held\n"
            assert (tmp_path / "q.db-writer.lock").is_file()
            writer.start()
            assert not entered.wait(0.5), "a second process's writer waits while the first holds the gate"
            holder.stdin.write("go\n")
            holder.stdin.flush()
            assert entered.wait(30), "and goes on once the first lets go"
        finally:
            holder.kill()
    writer.join(30)
    db.dispose()


def test_a_write_transaction_inside_another_on_one_thread_is_refused(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path / 'q.db'}")
    try:
        with db.writing(), pytest.raises(RuntimeError, match="inside another one"), db.writing():
            pass
        with db.writing():  # the gate was let go: the next writer gets it
            pass
    finally:
        db.dispose()


def test_threads_take_the_gate_one_at_a_time(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path / 'q.db'}")
    inside, most = 0, 0
    count = threading.Lock()

    def write() -> None:
        nonlocal inside, most
        for _ in range(50):
            with db.writing():
                with count:
                    inside += 1
                    most = max(most, inside)
                time.sleep(0.0005)
                with count:
                    inside -= 1

    threads = [threading.Thread(target=write) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        db.dispose()
    assert most == 1


def _kill_pooled_connection(engine: Engine, admin: Engine) -> None:
    """Terminate, from another session, the server process behind the pool's (one) idle connection."""
    with engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with admin.connect() as other:
        assert other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})").scalar() is True


def test_a_postgres_connection_closed_while_idle_is_replaced_before_use(postgres_engine: Engine) -> None:
    url = postgres_engine.url
    admin = make_engine(url, pool_size=1)
    engine = make_engine(url, pool_size=1, ping_after_idle=0)  # every checkout after a checkin is checked
    try:
        _kill_pooled_connection(engine, admin)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()
        admin.dispose()


def test_a_postgres_connection_used_again_at_once_is_not_pinged(postgres_engine: Engine) -> None:
    url = postgres_engine.url
    admin = make_engine(url, pool_size=1)
    engine = make_engine(url, pool_size=1, ping_after_idle=3600)
    try:
        _kill_pooled_connection(engine, admin)
        # Not checked, so the closed connection is used and fails; the pool then drops it …
        with pytest.raises(OperationalError), engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        with engine.connect() as conn:  # … and the next request gets a new one
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()
        admin.dispose()


def test_postgres_reads_run_in_autocommit_and_writes_stay_atomic(postgres_engine: Engine) -> None:
    """A read transaction on a PostgreSQL engine sends no BEGIN and COMMIT (under READ COMMITTED each
    statement reads its own snapshot anyway); a write transaction on the same pooled connections is still
    all or nothing."""
    db = Database(postgres_engine)
    for _ in range(3):  # every connection of the pool (two) has served a read
        with db.session() as session, session.begin():
            connection = session.connection(execution_options=db.read_options())
            assert connection.connection.dbapi_connection.autocommit is True  # type: ignore[union-attr]
            assert session.execute(text("SELECT 1")).scalar() == 1
    org = _org("atomic", dt.datetime(2026, 3, 2, tzinfo=dt.UTC))

    def fails_after_an_insert() -> None:
        with db.session() as session, session.begin():
            connection = session.connection(execution_options=db.write_options())
            assert connection.connection.dbapi_connection.autocommit is False  # type: ignore[union-attr]
            session.add(org)
            session.flush()
            raise RuntimeError("after the insert")

    with pytest.raises(RuntimeError, match="after the insert"):
        fails_after_an_insert()
    with db.session() as session:
        assert session.get(Organization, org.id) is None


def test_a_sqlite_write_that_cannot_begin_fails_as_sqlalchemy_says(tmp_path: Path) -> None:
    """BEGIN goes straight to the driver; its failure still comes out as SQLAlchemy's OperationalError
    (here another program holds the write lock past the busy timeout), and the connection recovers."""
    path = tmp_path / "q.db"
    engine = make_engine(f"sqlite:///{path}")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA busy_timeout=20")
            conn.commit()
            holder.execute("BEGIN IMMEDIATE")
            writing = conn.execution_options(**{WRITE_OPTION: True})
            with pytest.raises(OperationalError, match="database is locked"):
                writing.begin()
            holder.execute("COMMIT")
            with writing.begin():
                assert writing.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        holder.close()
        engine.dispose()


@contextmanager
def _write(db: Database) -> Iterator[Session]:
    """A write transaction as the use cases run one: its work pipelined, then its COMMIT."""
    with db.session() as session, session.begin():
        session.connection(execution_options=db.write_options())
        with db.pipelined(session):
            yield session
            session.flush()


def _count_waits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Where psycopg waits for the server in pipeline mode: a sync, or leaving the pipeline."""
    waits: list[str] = []
    sync, leave = psycopg.Pipeline.sync, psycopg.Pipeline.__exit__

    def counted_sync(pipeline: psycopg.Pipeline) -> None:
        waits.append("sync")
        sync(pipeline)

    def counted_leave(pipeline: psycopg.Pipeline, *exc: Any) -> None:
        waits.append("leave")
        leave(pipeline, *exc)

    monkeypatch.setattr(psycopg.Pipeline, "sync", counted_sync)
    monkeypatch.setattr(psycopg.Pipeline, "__exit__", counted_leave)
    return waits


def test_a_postgres_write_waits_for_the_server_only_where_it_reads_an_answer(
    postgres_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a write transaction, INSERTs go to the server without waiting for it: the next statement whose
    answer is read waits once for them all (and sees their rows), the end of the work once more."""
    db = Database(postgres_engine)
    waits = _count_waits(monkeypatch)
    created = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    count = text("SELECT count(*) FROM organizations WHERE name_en LIKE 'Pipelined fab %'")
    try:
        with _write(db) as session:
            for n in range(3):
                insert_row(session, _org(f"Pipelined fab {n}", created))
            assert waits == []
            assert session.execute(count).scalar() == 3
            assert waits == ["sync"]
            insert_row(session, _org("Pipelined fab 3", created))
        assert waits == ["sync", "leave"]
        with db.session() as session:
            assert session.execute(count).scalar() == 4
    finally:
        _delete_orgs(db, "Pipelined fab %")


def _delete_orgs(db: Database, like: str) -> None:
    """Remove what a test committed to the module's PostgreSQL schema (other tests read it)."""
    with db.session() as session, session.begin():
        session.execute(text("DELETE FROM organizations WHERE name_en LIKE :like"), {"like": like})


@pytest.mark.parametrize("then", ["a read", "the end of the work"])
def test_a_postgres_inserts_error_comes_with_the_next_answer_and_leaves_the_pool_sound(
    postgres_engine: Engine, then: str
) -> None:
    """An INSERT's error is raised where the transaction next waits for the server, as SQLAlchemy's
    IntegrityError (which the use cases' retry looks for); nothing of the transaction stays, and its
    connection goes back to the pool out of pipeline mode, ready for the next one."""
    db = Database(postgres_engine)
    created = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    first, second = f"First fab ({then})", f"Second fab ({then})"
    with _write(db) as session:
        insert_row(session, _org(first, created))

    def duplicate() -> None:
        with _write(db) as session:
            insert_row(session, _org(second, created))
            insert_row(session, _org(first, created))  # the same name: refused, but not yet said
            if then == "a read":
                session.execute(text("SELECT 1")).scalar()
                pytest.fail("the read should have raised the INSERT's error")

    with pytest.raises(IntegrityError, match="duplicate key"):
        duplicate()
    names = text("SELECT name_en FROM organizations WHERE name_en LIKE :like")
    try:
        for _ in range(3):  # every connection of the pool (two), one of them the failed transaction's
            with db.session() as session:
                driver = session.connection().connection.driver_connection
                assert isinstance(driver, psycopg.Connection)
                assert driver.pgconn.pipeline_status == psycopg.pq.PipelineStatus.OFF
            with _write(db) as session:
                assert session.execute(names, {"like": f"%({then})"}).scalars().all() == [first]
    finally:
        _delete_orgs(db, f"%({then})")
