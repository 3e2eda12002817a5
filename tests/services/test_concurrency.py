"""Concurrent uploads: 50 at once, many of them duplicates, end with exactly one record of each.

Every thread waits at a barrier and then uploads, each through its own transaction and connection, so
the duplicates really race: on the blob file, on the blob row, on the evidence row and its link, and on
the Idempotency-Key record.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from qualbridge.services import intake, products
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
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
