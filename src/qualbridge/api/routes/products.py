"""``/products``: the caller's products, their components, and their evidence (own and inherited)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from qualbridge.api.deps import ActorDep, ContextDep, PageDep
from qualbridge.api.errors import COMMON, responses
from qualbridge.api.schemas import (
    NO_CONTROL,
    ComponentIn,
    ComponentOut,
    IsoDate,
    PageOut,
    ProductEvidenceOut,
    ProductIn,
    ProductKind,
    ProductOut,
)
from qualbridge.evidence.models import EvidenceKind
from qualbridge.services import evidence, products

router = APIRouter(prefix="/products", tags=["products"], responses=responses(*COMMON))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProductOut, responses=responses(409))
def create(body: ProductIn, ctx: ContextDep, actor: ActorDep) -> ProductOut:
    """Register a product: equipment, a subsystem, a component or a material."""
    record = products.create_product(ctx, actor, kind=body.kind, model=body.model, name=body.name)
    return ProductOut.model_validate(record)


@router.get("", response_model=PageOut[ProductOut])
async def list_products(
    ctx: ContextDep,
    actor: ActorDep,
    page: PageDep,
    kind: ProductKind | None = None,
    q: Annotated[
        str | None, Query(max_length=100, pattern=NO_CONTROL, description="Text in the model or name.")
    ] = None,
) -> PageOut[ProductOut]:
    found = products.list_products(ctx, actor, kind=kind, search=q, limit=page.limit, offset=page.offset)
    return PageOut[ProductOut].model_validate(found, from_attributes=True)


@router.get("/{product_id}", response_model=ProductOut, responses=responses(404))
async def get(product_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> ProductOut:
    return ProductOut.model_validate(products.get_product(ctx, actor, product_id))


@router.get("/{product_id}/components", response_model=list[ComponentOut], responses=responses(404))
async def components(product_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> list[ComponentOut]:
    """The subsystems and components built directly into the product."""
    return [ComponentOut.model_validate(c) for c in products.list_components(ctx, actor, product_id)]


@router.put(
    "/{product_id}/components/{child_id}",
    response_model=ComponentOut,
    responses=responses(404, 409),
)
def attach(
    product_id: uuid.UUID,
    child_id: uuid.UUID,
    ctx: ContextDep,
    actor: ActorDep,
    body: ComponentIn | None = None,
) -> ComponentOut:
    """Build ``child_id`` into the product (again: sets the quantity). Its evidence is then inherited."""
    quantity = (body or ComponentIn()).quantity
    record = products.attach_component(ctx, actor, product_id, child_id=child_id, quantity=quantity)
    return ComponentOut.model_validate(record)


@router.get("/{product_id}/evidence", response_model=PageOut[ProductEvidenceOut], responses=responses(404))
async def product_evidence(
    product_id: uuid.UUID,
    ctx: ContextDep,
    actor: ActorDep,
    page: PageDep,
    kind: EvidenceKind | None = None,
    issuer: Annotated[str | None, Query(max_length=200, pattern=NO_CONTROL)] = None,
    tested_from: IsoDate | None = None,
    tested_to: IsoDate | None = None,
) -> PageOut[ProductEvidenceOut]:
    """The product's evidence: its own first, then what it inherits from its subsystems at any depth."""
    filters = evidence.EvidenceFilter(kind=kind, issuer=issuer, tested_from=tested_from, tested_to=tested_to)
    found = evidence.product_evidence(ctx, actor, product_id, filters, limit=page.limit, offset=page.offset)
    return PageOut[ProductEvidenceOut].model_validate(found, from_attributes=True)
