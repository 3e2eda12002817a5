"""Concurrent uploads: 50 at once, many of them duplicates, end with exactly one record of each; a
document's raw file uploaded many times at once is signed once, and never after a racing withdrawal.

Every thread waits at a barrier and then uploads, each through its own transaction and connection, so
the duplicates really race: on the blob file, on the blob row, on the evidence row and its link, and on
the Idempotency-Key record.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from qualbridge.services import attestations, intake, products, transparency
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
from qualbridge.services.uow import UnitOfWork
from tests.services.live_databases import LiveDatabase, live_database
from tests.services.log_checks import assert_log_consistent
from tests.services.samples import PARTICLE_CSV, PARTICLE_META, new_org, stored, stream
from tests.store.databases import postgres_engine, sqlite_template

__all__ = ["live_database", "postgres_engine", "sqlite_template"]

UPLOADS = 50
CONTENTS = 10  # distinct files; each is uploaded 5 times
NAMES = 2  # under two names: the same bytes (one blob) as two evidence documents


def _content(k: int) -> bytes:
    # Cumulative counts stay cumulative: only the ≥ 0.3 µm count of the first sample changes.
    return PARTICLE_CSV.replace(b"OK,120,35,10,1", f"OK,{120 + k},35,10,1".encode())


def _plan(i: int) -> tuple[int, str, str | None]:
    """Upload ``i``: which content, under which name, with which Idempotency-Key (or none)."""
    content = i % CONTENTS
    name = f"survey-{(i // CONTENTS) % NAMES}.csv"
    # The uploads of content 0 are retries of one request each: same key, same request.
    key = f"upload-{name}" if content == 0 else None
    return content, name, key


def _upload(
    ctx: Context, actor: Actor, product: uuid.UUID, barrier: threading.Barrier, i: int
) -> intake.Intake:
    content, name, key = _plan(i)
    barrier.wait()
    return intake.ingest_file(
        ctx,
        actor,
        product_id=product,
        stream=stream(_content(content)),
        filename=name,
        meta=PARTICLE_META,
        idempotency_key=key,
    )


def test_fifty_simultaneous_uploads_store_each_evidence_and_blob_once(live_database: LiveDatabase) -> None:
    ctx = live_database.context(pool_size=10)
    try:
        vendor = new_org(ctx)
        product = products.create_product(ctx, vendor, kind="equipment", model="VX-200", name="Chamber").id
        barrier = threading.Barrier(UPLOADS)
        with ThreadPoolExecutor(max_workers=UPLOADS) as pool:
            results = list(pool.map(lambda i: _upload(ctx, vendor, product, barrier, i), range(UPLOADS)))
        counts = stored(ctx)
        # One signed statement per evidence, appended by racing writers without a fork or a gap.
        assert assert_log_consistent(ctx) == counts["evidence"]
    finally:
        ctx.db.dispose()

    distinct = {(c, n) for c, n, _ in map(_plan, range(UPLOADS))}
    assert len(distinct) == CONTENTS * NAMES
    # Each distinct (bytes, name) is one evidence with one link; each distinct content one blob file.
    assert counts == {
        "evidence": len(distinct),
        "links": len(distinct),
        "blobs": CONTENTS,
        "blob_files": CONTENTS,
        "keys": NAMES,
    }
    ids_by_upload: dict[tuple[int, str], set[str]] = {(c, n): set() for c, n in distinct}
    for i, result in enumerate(results):
        content, name, _ = _plan(i)
        ids_by_upload[(content, name)].add(result.ingested.evidence.id)
    # Every upload of the same thing got the same id, and different things different ids.
    assert all(len(ids) == 1 for ids in ids_by_upload.values())
    assert len({next(iter(ids)) for ids in ids_by_upload.values()}) == len(distinct)
    # Exactly one upload of each created it (a replayed retry repeats that answer, marked as replayed).
    created = Counter(r.ingested.evidence.id for r in results if r.status == 201 and not r.replayed)
    assert sorted(created.values()) == [1] * len(distinct)
    assert all(r.status in (200, 201) for r in results)


def _statements(ctx: Context, vendor: Actor, evidence_id: str) -> tuple[list[int], list[int]]:
    """Log indices of the evidence's statements and of its status changes."""
    with ctx.transaction() as uow:
        row = uow.evidence.get(vendor.org_id, evidence_id)
        assert row is not None
        made = [a.log_index for a in attestations.evidence_statements(uow, row)]
        changed = [a.log_index for a in attestations.status_changes(uow, row)]
        return made, changed


def _document_first(ctx: Context) -> tuple[Actor, uuid.UUID, str]:
    """A vendor, its product and evidence stored as a document that names its raw file by its digest,
    without the bytes. Another organization has uploaded that file, so its blob is stored already and
    uploads of it do not queue on the blob's row."""
    other = new_org(ctx)
    theirs = products.create_product(ctx, other, kind="equipment", model="X-1", name="Their tool").id
    intake.ingest_file(
        ctx, other, product_id=theirs, stream=stream(PARTICLE_CSV), filename="s.csv", meta=PARTICLE_META
    )
    vendor = new_org(ctx)
    product = products.create_product(ctx, vendor, kind="equipment", model="VX-200", name="Chamber").id
    parsed = intake.preview_file(
        ctx, vendor, product_id=product, stream=stream(PARTICLE_CSV), filename="s.csv", meta=PARTICLE_META
    )
    stored = intake.ingest_document(ctx, vendor, product_id=product, document=parsed.model_dump(mode="json"))
    assert stored.ingested.evidence.raw is None
    return vendor, product, stored.ingested.evidence.id


def _upload_raw(ctx: Context, vendor: Actor, product: uuid.UUID, barrier: threading.Barrier) -> intake.Intake:
    barrier.wait()
    return intake.ingest_file(
        ctx, vendor, product_id=product, stream=stream(PARTICLE_CSV), filename="s.csv", meta=PARTICLE_META
    )


def test_a_documents_raw_file_uploaded_at_once_many_times_is_signed_once(
    live_database: LiveDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = live_database.context(pool_size=10)
    racers = 8
    try:
        vendor, product, evidence_id = _document_first(ctx)
        if ctx.db.dialect == "postgresql":
            # Every racer reads the row (no raw file yet) before any takes the log's lock: the widest
            # race. (SQLite runs each write transaction whole, one at a time: its racers cannot overlap.)
            gathered = threading.Barrier(racers, timeout=30)
            locked = transparency.begin

            def begin_together(uow: UnitOfWork) -> None:
                if not uow.trust.log._locked:  # the first time in the transaction
                    gathered.wait()
                locked(uow)

            monkeypatch.setattr(transparency, "begin", begin_together)
        barrier = threading.Barrier(racers)
        with ThreadPoolExecutor(max_workers=racers) as pool:
            results = list(pool.map(lambda _: _upload_raw(ctx, vendor, product, barrier), range(racers)))
        made, _ = _statements(ctx, vendor, evidence_id)
        assert_log_consistent(ctx)
    finally:
        ctx.db.dispose()
    assert {r.ingested.evidence.id for r in results} == {evidence_id}
    assert all(r.ingested.evidence.raw is not None for r in results)
    # The document's statement, then exactly one naming its raw file: the racers after the first found
    # the bytes there already.
    assert len(made) == 2


def test_a_withdrawal_racing_the_raw_file_is_never_followed_by_its_statement(
    live_database: LiveDatabase,
) -> None:
    ctx = live_database.context(pool_size=10)
    try:
        vendor, product, evidence_id = _document_first(ctx)
        barrier = threading.Barrier(2)

        def withdraw() -> None:
            barrier.wait()
            attestations.change_status(ctx, vendor, evidence_id, status="withdrawn", reason="wrong unit")

        with ThreadPoolExecutor(max_workers=2) as pool:
            racing = [pool.submit(_upload_raw, ctx, vendor, product, barrier), pool.submit(withdraw)]
            for done in racing:
                done.result()
        made, changed = _statements(ctx, vendor, evidence_id)
        assert_log_consistent(ctx)
    finally:
        ctx.db.dispose()
    (withdrawn,) = changed
    # Withdrawn evidence signs nothing more: a statement naming the raw file, if the upload won, comes
    # before the withdrawal in the log.
    assert all(index < withdrawn for index in made)
