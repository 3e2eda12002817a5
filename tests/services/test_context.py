"""Transactions: one per use case, all or nothing, run again once after losing a race."""

import contextvars
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from qualbridge.errors import ConflictError
from qualbridge.services import products
from qualbridge.services.context import Context, serving_on_event_loop
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.models import ProductComponent
from tests.services.samples import new_org


def test_a_failing_use_case_leaves_nothing_behind(ctx: Context) -> None:
    vendor = new_org(ctx)

    def half_done(uow: UnitOfWork) -> None:
        uow.session.add(
            ProductComponent(parent_id=uuid.uuid4(), child_id=uuid.uuid4(), created_at=ctx.clock())
        )
        raise RuntimeError("crash after the first write")

    with pytest.raises(RuntimeError):
        ctx.write(half_done)
    with ctx.transaction() as uow:
        assert uow.session.query(ProductComponent).count() == 0
    assert products.list_products(ctx, vendor, limit=10, offset=0).total == 0


def test_a_lost_race_is_run_again_once(ctx: Context) -> None:
    vendor = new_org(ctx)
    a = products.create_product(ctx, vendor, kind="equipment", model="A", name="A").id
    b = products.create_product(ctx, vendor, kind="subsystem", model="B", name="B").id
    products.attach_component(ctx, vendor, a, child_id=b)

    def insert_the_same_row(uow: UnitOfWork) -> None:
        # What a concurrent request that committed first looks like: the unique row exists already.
        uow.session.add(ProductComponent(parent_id=a, child_id=b, quantity=1, created_at=ctx.clock()))
        uow.session.flush()

    attempts: list[int] = []

    def loses_once(uow: UnitOfWork) -> int:
        attempts.append(1)
        if len(attempts) == 1:
            insert_the_same_row(uow)
        return len(attempts)

    assert ctx.write(loses_once) == 2
    with pytest.raises(ConflictError, match="concurrent request"):
        ctx.write(insert_the_same_row)
    assert len(products.list_components(ctx, vendor, a)) == 1


def test_a_write_transaction_is_refused_on_the_event_loops_thread_and_a_read_is_not(ctx: Context) -> None:
    vendor = new_org(ctx)
    with serving_on_event_loop():
        with pytest.raises(RuntimeError, match="event loop"):
            products.create_product(ctx, vendor, kind="equipment", model="A", name="A")
        assert products.list_products(ctx, vendor, limit=10, offset=0).total == 0
        # A worker thread the request hands work to inherits the mark, and may write.
        with ThreadPoolExecutor(1) as pool:
            made = pool.submit(
                contextvars.copy_context().run,
                products.create_product,
                ctx,
                vendor,
                kind="equipment",
                model="A",
                name="A",
            ).result()
    assert products.list_products(ctx, vendor, limit=10, offset=0).items[0].id == made.id
    products.create_product(ctx, vendor, kind="equipment", model="B", name="B")  # unmarked: fine
