"""Uploads take turns within a worker: ``QUALBRIDGE_INGEST_SLOTS`` of them are parsed and stored at once,
the others wait for a slot without holding one of the threads other requests run in."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from anyio import CapacityLimiter

from qualbridge.api import create_app
from qualbridge.services import intake
from qualbridge.services.context import Context
from qualbridge.settings import Settings
from tests.api.client import TestClient, bearer
from tests.api.conftest import MAX_BODY
from tests.services.live_databases import LiveDatabase, live_database
from tests.services.samples import PARTICLE_CSV, PARTICLE_META, new_org
from tests.store.databases import postgres_engine, sqlite_template

__all__ = ["live_database", "postgres_engine", "sqlite_template"]

REAL_INGEST = intake.ingest_file


@pytest.fixture
def ctx(live_database: LiveDatabase) -> Iterator[Context]:
    """Committed transactions on connections of their own: uploads stored at once need them."""
    context = live_database.context()
    yield context
    context.db.dispose()


@contextmanager
def _serving(ctx: Context, **settings: Any) -> Iterator[TestClient]:
    config = Settings(max_upload_bytes=ctx.limits.max_upload_bytes, max_body_bytes=MAX_BODY, **settings)
    with TestClient(create_app(config, context=ctx)) as client:
        yield client


def _uploads(client: TestClient, ctx: Context, count: int) -> Callable[[int], Any]:
    """A function that uploads the ``n``-th of ``count`` different particle surveys."""
    headers = bearer(ctx, new_org(ctx))
    product = client.post(
        "/api/v1/products", headers=headers, json={"kind": "equipment", "model": "VX", "name": "C"}
    ).json()["id"]

    def upload(n: int) -> Any:
        data = PARTICLE_CSV.replace(b"\n", f"\n# upload {n} of {count}\n".encode(), 1)
        form = {"product_id": product, "meta": json.dumps(PARTICLE_META)}
        files = {"file": (f"survey-{n}.csv", data, "text/csv")}
        return client.post("/api/v1/evidence", headers=headers, data=form, files=files)

    return upload


def _stored_at_once(ctx: Context, *, slots: int, count: int) -> None:
    """``count`` uploads sent at once to a worker with ``slots``; each must be stored."""
    with _serving(ctx, ingest_slots=slots) as client, ThreadPoolExecutor(count) as pool:
        answers = list(pool.map(_uploads(client, ctx, count), range(count)))
    assert [a.status_code for a in answers] == [201] * count, [a.text for a in answers]


def test_one_slot_stores_one_upload_at_a_time(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    lock, running, peak = threading.Lock(), [0], [0]

    def counted(*args: Any, **kwargs: Any) -> intake.Intake:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            time.sleep(0.05)  # long enough for the other requests to arrive meanwhile
            return REAL_INGEST(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(intake, "ingest_file", counted)
    _stored_at_once(ctx, slots=1, count=4)
    assert peak == [1]


def test_as_many_uploads_at_once_as_slots(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    together = threading.Barrier(3, timeout=20)  # broken (a 500) unless three are stored at once

    def met(*args: Any, **kwargs: Any) -> intake.Intake:
        together.wait()
        return REAL_INGEST(*args, **kwargs)

    monkeypatch.setattr(intake, "ingest_file", met)
    _stored_at_once(ctx, slots=3, count=3)


def test_uploads_waiting_for_a_slot_leave_the_threads_to_other_requests(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = threading.Event(), threading.Event()

    def first_holds_on(*args: Any, **kwargs: Any) -> intake.Intake:
        if not entered.is_set():
            entered.set()
            assert release.wait(timeout=20)
        return REAL_INGEST(*args, **kwargs)

    monkeypatch.setattr(intake, "ingest_file", first_holds_on)
    # One thread for every other request (the pool size bounds the thread pool), one upload slot.
    with _serving(ctx, ingest_slots=1, db_pool_size=1) as client, ThreadPoolExecutor(3) as pool:
        upload = _uploads(client, ctx, 3)
        slots: CapacityLimiter = client.app.state.ingests  # type: ignore[attr-defined]
        headers = bearer(ctx, new_org(ctx))
        pending = [pool.submit(upload, n) for n in range(3)]
        assert entered.wait(timeout=20)
        deadline = time.monotonic() + 20
        while slots.statistics().tasks_waiting < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert slots.statistics().tasks_waiting == 2  # two uploads wait while one holds the slot
        keys = client.get("/api/v1/orgs/me/keys", headers=headers)  # a route that runs in a thread
        assert keys.status_code == 200, keys.text
        assert all(not p.done() for p in pending)
        release.set()
        answers = [p.result(timeout=60) for p in pending]
    assert [a.status_code for a in answers] == [201] * 3, [a.text for a in answers]
