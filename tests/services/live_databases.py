"""Databases that several threads or processes use at once: a SQLite file, or a fresh PostgreSQL schema.

The ``database`` fixture of ``tests/store/databases.py`` runs each PostgreSQL test inside one rolled-back
transaction on one connection, which concurrent writers cannot share. These tests need real, committed
transactions on separate connections, so each gets a database of its own and drops it afterwards.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from qualbridge.services.context import Context, Limits
from qualbridge.store.blobs import FilesystemBlobStore
from qualbridge.store.db import Database, make_engine
from qualbridge.store.migrate import upgrade
from tests.store.databases import DATABASES, postgres_url


@dataclass(frozen=True)
class LiveDatabase:
    url: str
    blob_dir: Path
    #: The PostgreSQL schema (None: SQLite).
    schema: str | None = None
    connect_args: dict[str, Any] = field(default_factory=dict)

    def context(self, *, pool_size: int = 10) -> Context:
        engine = make_engine(self.url, pool_size=pool_size, connect_args=self.connect_args)
        return Context(
            db=Database(engine),
            blobs=FilesystemBlobStore(self.blob_dir),
            hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
            limits=Limits(max_upload_bytes=4 << 20),
        )


@contextmanager
def live(kind: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[LiveDatabase]:
    """A migrated database of ``kind`` (``sqlite``: a file in ``folder``; ``postgres``: a fresh schema,
    dropped afterwards), for fixtures of any scope."""
    if kind == "sqlite":
        path = folder / "qualbridge.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield LiveDatabase(url=f"sqlite:///{path}", blob_dir=folder / "blobs")
        return
    request.getfixturevalue("postgres_engine")  # skips (or fails in CI) when the server is unreachable
    schema = f"qb_live_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url(), pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    found = LiveDatabase(
        url=postgres_url(),
        blob_dir=folder / "blobs",
        schema=schema,
        connect_args={"options": f"-csearch_path={schema}"},
    )
    engine = make_engine(found.url, pool_size=1, connect_args=found.connect_args)
    try:
        upgrade(engine)
        engine.dispose()
        yield found
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=DATABASES)
def live_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveDatabase]:
    with live(request.param, tmp_path, request) as found:
        yield found


#: How long a child process may take to import QualBridge and reach its stopping point.
CHILD_TIMEOUT_S = 60


def kill_child_at(script: str, config: dict[str, Any]) -> None:
    """Run ``script`` (``python -c``) with ``config`` as JSON; once it prints ``config["point"]``, kill it
    with SIGKILL (no clean-up runs), as a crash would."""
    point = config["point"]
    child = subprocess.Popen(
        [sys.executable, "-c", script, json.dumps(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], CHILD_TIMEOUT_S)
        reached = child.stdout.readline().strip() if ready else ""
        if reached != point:
            child.kill()
            _, err = child.communicate()
            pytest.fail(f"the child did not stop at {point} (said {reached!r}): {err[-2000:]}")
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=CHILD_TIMEOUT_S) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for pipe in (child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()
