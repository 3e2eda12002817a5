"""Where a route runs: an ``async`` route runs on the event loop's thread, where a write transaction is
refused (it could wait for a lock and hold up every request of the worker); a synchronous route runs in
a worker thread and may write."""

from fastapi import FastAPI

from qualbridge.services import products
from qualbridge.services.context import Context
from tests.api.client import TestClient
from tests.services.samples import new_org


def test_an_async_route_cannot_write_and_a_sync_route_can(app: FastAPI, ctx: Context) -> None:
    vendor = new_org(ctx)

    def write() -> str:
        return str(products.create_product(ctx, vendor, kind="equipment", model="M", name="N").id)

    @app.get("/test/async-write")
    async def on_the_loop() -> str:
        return write()

    @app.get("/test/sync-write")
    def in_a_thread() -> str:
        return write()

    with TestClient(app, raise_server_exceptions=False) as client:
        refused = client.get("/test/async-write")
        assert refused.status_code == 500
        assert products.list_products(ctx, vendor, limit=10, offset=0).total == 0
        made = client.get("/test/sync-write")
        assert made.status_code == 200, made.text
    assert [str(p.id) for p in products.list_products(ctx, vendor, limit=10, offset=0).items] == [made.json()]
