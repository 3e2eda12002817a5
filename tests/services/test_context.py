"""Transactions: one per use case, all or nothing, run again once after losing a race."""

import contextvars
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import update

from qualbridge.errors import ConflictError
from qualbridge.services import products
from qualbridge.services.context import Context, serving_on_event_loop
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.models import Product, ProductComponent
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


def _read(ctx: Context, work: Callable[[UnitOfWork], object]) -> None:
    with ctx.transaction() as uow:
        work(uow)


def test_a_read_transaction_refuses_to_write_or_to_take_the_logs_lock(ctx: Context) -> None:
    """A read transaction takes no write lock first (SQLite) and runs in autocommit (PostgreSQL): a
    write in it would bypass the writers' queue or commit statement by statement, so it fails."""
    vendor = new_org(ctx)
    made = products.create_product(ctx, vendor, kind="equipment", model="A", name="A")

    def insert(uow: UnitOfWork) -> None:
        uow.session.add(ProductComponent(parent_id=made.id, child_id=made.id, created_at=ctx.clock()))
        uow.session.flush()

    def rename(uow: UnitOfWork) -> None:
        uow.session.execute(update(Product).where(Product.id == made.id).values(name="B"))

    def lock_the_log(uow: UnitOfWork) -> None:
        uow.trust.log.lock()

    for work, error in (
        (insert, "a write in a read transaction"),
        (rename, "a write in a read transaction"),
        (lock_the_log, "the log's write lock in a read transaction"),
    ):
        with pytest.raises(RuntimeError, match=error):
            _read(ctx, work)
    assert products.get_product(ctx, vendor, made.id).name == "A"
    assert products.list_components(ctx, vendor, made.id) == []
    # The same statements in a write transaction are fine.
    ctx.write(lambda uow: (lock_the_log(uow), rename(uow)))
    assert products.get_product(ctx, vendor, made.id).name == "B"
