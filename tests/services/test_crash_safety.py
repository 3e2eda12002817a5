"""A process killed in the middle of an ingest (SIGKILL: no clean-up runs) leaves no half-written evidence.

A child process ingests a particle export and stops at one point of the intake, announcing it; the test
then kills it with SIGKILL and checks what is left: no evidence row without its blob row and its verified
bytes, no link or audit row without its evidence, a database that passes its own integrity check. Then
the upload is retried, as a client would, and must succeed as if the first attempt had never happened.
The transparency log is checked too: no entry without its evidence, no evidence without its entry, and
every checkpoint matches the stored leaves.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, text
from sqlalchemy import select as sql_select

from qualbridge.services import intake, products
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
from qualbridge.store.blobs import WORKSPACE_PREFIX, FilesystemBlobStore
from qualbridge.store.models import AuditEvent, Blob, Evidence, EvidenceLink
from tests.services.live_databases import LiveDatabase, kill_child_at, live_database
from tests.services.log_checks import assert_log_consistent
from tests.services.samples import PARTICLE_CSV, PARTICLE_META, new_org, stream
from tests.store.databases import postgres_engine, sqlite_template

__all__ = ["live_database", "postgres_engine", "sqlite_template"]

# The child: the intake of services/intake.py, with one function wrapped to stop at the chosen point.
CHILD = r"""
import json, os, sys, time, uuid
from pathlib import Path

from qualbridge.services import audit, intake
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
from qualbridge.store.blobs import FilesystemBlobStore
from qualbridge.store.db import Database, make_engine

cfg = json.loads(sys.argv[1])
point = cfg["point"]


def stop(name):
    print(name, flush=True)
    time.sleep(120)  # killed here


def after(function, name):
    def wrapped(*args, **kwargs):
        result = function(*args, **kwargs)
        stop(name)
        return result
    return wrapped


if point == "upload-streamed":
    intake.copy_hashing = after(intake.copy_hashing, point)
elif point == "blob-before-rename":
    replace = os.replace
    def renaming(source, target):
        if ".incoming-" in str(source):
            stop(point)
        replace(source, target)
    os.replace = renaming
elif point == "blob-stored":
    FilesystemBlobStore.adopt = after(FilesystemBlobStore.adopt, point)
elif point == "rows-written-uncommitted":
    audit.record = after(audit.record, point)

ctx = Context(
    db=Database(make_engine(cfg["url"], pool_size=1, connect_args=cfg["connect_args"])),
    blobs=FilesystemBlobStore(Path(cfg["blob_dir"])),
)
actor = Actor(uuid.UUID(cfg["org"]), "vendor", uuid.UUID(cfg["user"]), "admin", "write")
with open(cfg["file"], "rb") as upload:
    intake.ingest_file(
        ctx, actor, product_id=uuid.UUID(cfg["product"]), stream=upload, filename="survey.csv",
        meta=cfg["meta"], idempotency_key="upload-1",
    )
stop("committed")
"""

POINTS = ("upload-streamed", "blob-before-rename", "blob-stored", "rows-written-uncommitted", "committed")


def _kill_at(point: str, live: LiveDatabase, vendor: Actor, product: uuid.UUID, file: Path) -> None:
    config = {
        "point": point,
        "url": live.url,
        "connect_args": live.connect_args,
        "blob_dir": str(live.blob_dir),
        "org": str(vendor.org_id),
        "user": str(vendor.user_id),
        "product": str(product),
        "file": str(file),
        "meta": PARTICLE_META,
    }
    kill_child_at(CHILD, config)


def _assert_consistent(ctx: Context) -> int:
    """No row names what is not there; returns how many evidence rows there are."""
    assert isinstance(ctx.blobs, FilesystemBlobStore)
    with ctx.transaction() as uow:
        session = uow.session
        if ctx.db.dialect == "sqlite":
            assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert session.execute(text("PRAGMA foreign_key_check")).all() == []
        rows = session.scalars(sql_select(Evidence)).all()
        for row in rows:
            assert row.raw_digest is not None
            assert session.get(Blob, row.raw_digest) is not None
            ctx.blobs.open_verified(row.raw_digest)  # the bytes are whole and match their digest
        links = session.scalar(sql_select(func.count()).select_from(EvidenceLink))
        uploads = session.scalar(
            sql_select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "evidence.upload")
        )
        assert links == uploads == len(rows)
        blob_rows = session.scalars(sql_select(Blob.digest)).all()
    # The evidence's statement is logged in its transaction: never a row without its entry, or the reverse.
    assert assert_log_consistent(ctx) == len(rows)
    # A blob row is written in the evidence's transaction, after its bytes: never a row without a file.
    for digest in blob_rows:
        ctx.blobs.open_verified(digest)
    return len(rows)


@pytest.mark.parametrize("point", POINTS)
def test_a_killed_ingest_leaves_no_half_written_evidence(
    point: str, live_database: LiveDatabase, tmp_path: Path
) -> None:
    ctx = live_database.context(pool_size=2)
    try:
        vendor = new_org(ctx)
        product = products.create_product(ctx, vendor, kind="equipment", model="VX-200", name="Chamber").id
        file = tmp_path / "survey.csv"
        file.write_bytes(PARTICLE_CSV)

        _kill_at(point, live_database, vendor, product, file)

        assert _assert_consistent(ctx) == (1 if point == "committed" else 0)
        # The client retries: the upload succeeds once, whatever the killed attempt left behind.
        retried = intake.ingest_file(
            ctx,
            vendor,
            product_id=product,
            stream=stream(PARTICLE_CSV),
            filename="survey.csv",
            meta=PARTICLE_META,
            idempotency_key="upload-1",
        )
        assert retried.replayed == (point == "committed")
        assert retried.ingested.evidence.raw is not None
        assert _assert_consistent(ctx) == 1
        # What the killed process was still receiving is discarded (here at once); no blob goes with it.
        assert isinstance(ctx.blobs, FilesystemBlobStore)
        ctx.blobs.discard_abandoned(dt.timedelta(0))
        assert list(ctx.blobs.root.glob(WORKSPACE_PREFIX + "*")) == []
        assert _assert_consistent(ctx) == 1
    finally:
        ctx.db.dispose()
