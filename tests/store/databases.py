"""Database fixtures shared by the store, service and API tests.

Every test that asks for ``database`` runs twice: on SQLite and on PostgreSQL.

- SQLite: the schema is migrated once per session into a template file; each test gets its own copy.
- PostgreSQL: the schema is migrated once per session into a fresh, uniquely named schema; each test runs
  inside one outer transaction that is rolled back at the end (use cases commit savepoints within it).

The server is ``QUALBRIDGE_TEST_POSTGRES_URL`` (default: the local one). Where it cannot be reached the
PostgreSQL variants are skipped with the reason shown, except in CI (``CI`` set) or when the URL was
given explicitly: then an unreachable server fails the tests, so that they can never silently not run.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from qualbridge.services.context import Context, Limits
from qualbridge.store.blobs import FilesystemBlobStore
from qualbridge.store.db import Database, make_engine
from qualbridge.store.migrate import upgrade

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DATABASES = ("sqlite", "postgresql")


def postgres_url() -> str:
    return os.environ.get("QUALBRIDGE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def postgres_required() -> bool:
    return bool(os.environ.get("CI")) or "QUALBRIDGE_TEST_POSTGRES_URL" in os.environ


class TickingClock:
    """A clock that advances a millisecond per reading (so rows keep their order) and on demand."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = start or dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(milliseconds=1)
        return self.now

    def advance(self, delta: dt.timedelta) -> None:
        self.now += delta


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    url = postgres_url()
    probe = make_engine(url, pool_size=1, connect_args={"connect_timeout": 3})
    try:
        with probe.connect():
            pass
    except OperationalError as exc:
        reason = f"PostgreSQL at {url} is not reachable ({type(exc.orig).__name__})"
        if postgres_required():
            pytest.fail(f"{reason}; CI or QUALBRIDGE_TEST_POSTGRES_URL requires it", pytrace=False)
        pytest.skip(reason)
    finally:
        probe.dispose()
    schema = f"qb_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, pool_size=2, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def open_database(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database of ``kind`` (one of ``DATABASES``) for one test."""
    if kind == "sqlite":
        path = tmp_path / "qualbridge.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        db = Database.from_url(f"sqlite:///{path}")
        try:
            yield db
        finally:
            db.dispose()
        return
    engine: Engine = request.getfixturevalue("postgres_engine")
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            yield Database(conn)
        finally:
            outer.rollback()


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with open_database(request.param, request, tmp_path) as db:
        yield db


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def ctx(database: Database, tmp_path: Path, clock: TickingClock) -> Context:
    # The cheapest Argon2id parameters: the tests check behaviour, not the cost of guessing passwords.
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    blobs = FilesystemBlobStore(tmp_path / "blobs")
    return Context(
        db=database, blobs=blobs, clock=clock, hasher=hasher, limits=Limits(max_upload_bytes=256 * 1024)
    )
