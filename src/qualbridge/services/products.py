"""Products and their composition: equipment built from subsystems, each possibly from another vendor.

Evidence recorded on a subsystem is inherited by every product that includes it (see
:func:`qualbridge.services.evidence.product_evidence`); a composition therefore must never be cyclic.
"""

from __future__ import annotations

import uuid
from typing import Literal, TypeVar

from qualbridge.errors import ConflictError, InputError, NotFoundError, at
from qualbridge.services import _checks, audit
from qualbridge.services.actor import Actor
from qualbridge.services.authz import authorize
from qualbridge.services.context import Context
from qualbridge.services.records import ComponentRecord, Page, ProductRecord
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.models import PRODUCT_KINDS, Product, ProductComponent
from qualbridge.store.repos.catalog import ProductRow

ProductKind = Literal["equipment", "subsystem", "component", "material"]
_P = TypeVar("_P", ProductRow, Product)


def product_record(row: Product | ProductRow) -> ProductRecord:
    return ProductRecord.model_validate(row, from_attributes=True)


def visible_product(uow: UnitOfWork, actor: Actor, product_id: uuid.UUID) -> ProductRow:
    """A product the actor may see, its own organization's, or :class:`NotFoundError` (also for another
    organization's id)."""
    return owned(actor, product_id, uow.products.get(product_id))


def owned_product(uow: UnitOfWork, actor: Actor, product_id: uuid.UUID) -> ProductRow:
    """A product of the actor's own organization (what it may change or record evidence on)."""
    return owned(actor, product_id, uow.products.get(product_id))


def owned(actor: Actor, product_id: uuid.UUID, row: _P | None) -> _P:
    """``row``, the product ``product_id`` as read (None: there is none), if it is the actor's own
    organization's; else :class:`NotFoundError` (another organization's product is not named)."""
    if row is None or row.owner_org_id != actor.org_id:
        raise NotFoundError(f"no product {product_id}", at(field="product_id"))
    return row


#: Product owners a process remembers at most; past that it forgets them all and reads them again.
MAX_KNOWN_OWNERS = 100_000


def check_owned(ctx: Context, actor: Actor, product_id: uuid.UUID) -> None:
    """Refuse what :func:`owned_product` refuses, before an upload is copied and parsed.

    A product never changes owner and is never deleted, so the process remembers the owner it read;
    another organization's actor is refused all the same (read again, refused again), and the
    transaction that then records on the product reads it again, as ever."""
    owners = ctx.product_owners
    if owners.get(product_id) == actor.org_id:
        return
    with ctx.transaction() as uow:
        row = owned_product(uow, actor, product_id)
    if len(owners) >= MAX_KNOWN_OWNERS:
        owners.clear()
    owners[product_id] = row.owner_org_id


def create_product(ctx: Context, actor: Actor, *, kind: ProductKind, model: str, name: str) -> ProductRecord:
    authorize(actor, "products.write")
    if kind not in PRODUCT_KINDS:
        raise InputError(
            f"unknown product kind {kind!r}", at(field="kind"), expected=", ".join(PRODUCT_KINDS)
        )
    model = _checks.text(model, "model", max_length=100)
    name = _checks.text(name, "name", max_length=200)

    def work(uow: UnitOfWork) -> ProductRecord:
        if uow.products.by_model(actor.org_id, model) is not None:
            raise ConflictError(f"you have a product {model!r} already", at(field="model"))
        row = Product(
            owner_org_id=actor.org_id,
            kind=kind,
            model=model,
            name=name,
            created_at=ctx.clock(),
            created_by=actor.user_id,
        )
        uow.products.add(row)
        audit.record(uow, actor, "product.create", object_type="product", object_id=row.id, at=row.created_at)
        return product_record(row)

    return ctx.write(work)


def get_product(ctx: Context, actor: Actor, product_id: uuid.UUID) -> ProductRecord:
    authorize(actor, "products.read")
    with ctx.transaction() as uow:
        return product_record(visible_product(uow, actor, product_id))


def list_products(
    ctx: Context, actor: Actor, *, kind: str | None = None, search: str | None = None, limit: int, offset: int
) -> Page[ProductRecord]:
    authorize(actor, "products.read")
    if search is not None:
        search = _checks.text(search, "q", max_length=100, required=False)
    with ctx.transaction() as uow:
        page = uow.products.owned(actor.org_id, kind=kind, search=search, limit=limit, offset=offset)
        return Page(
            items=[product_record(p) for p in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


def attach_component(
    ctx: Context, actor: Actor, parent_id: uuid.UUID, *, child_id: uuid.UUID, quantity: int = 1
) -> ComponentRecord:
    """Record that ``child_id`` is built into ``parent_id``. Attaching it again updates the quantity."""
    authorize(actor, "products.write")
    if quantity < 1:
        raise InputError("the quantity must be at least 1", at(field="quantity"))
    if parent_id == child_id:
        raise ConflictError("a product cannot be a component of itself", at(field="child_id"))

    def work(uow: UnitOfWork) -> ComponentRecord:
        owned_product(uow, actor, parent_id)
        child = visible_product(uow, actor, child_id)
        if parent_id in uow.products.descendants(child_id):
            raise ConflictError(
                f"{child.model} already contains this product: attaching it would make a cycle",
                at(field="child_id"),
            )
        link = uow.products.component(parent_id, child_id)
        if link is None:
            link = ProductComponent(
                parent_id=parent_id, child_id=child_id, quantity=quantity, created_at=ctx.clock()
            )
            uow.products.add(link)
        else:
            link.quantity = quantity
        audit.record(
            uow,
            actor,
            "product.attach",
            object_type="product",
            object_id=parent_id,
            at=ctx.clock(),
            detail={"child": str(child_id), "quantity": quantity},
        )
        return ComponentRecord(product=product_record(child), quantity=quantity)

    return ctx.write(work)


def list_components(ctx: Context, actor: Actor, product_id: uuid.UUID) -> list[ComponentRecord]:
    """The direct components of a product."""
    authorize(actor, "products.read")
    with ctx.transaction() as uow:
        visible_product(uow, actor, product_id)
        return [
            ComponentRecord(product=product_record(child), quantity=link.quantity)
            for link, child in uow.products.components(product_id)
        ]
