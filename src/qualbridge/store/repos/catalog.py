"""Products and their composition (which subsystems and components each is built from)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import CTE, Row, Uuid, bindparam, inspect, literal, select
from sqlalchemy.orm import Session

from qualbridge.store.models import Product, ProductComponent
from qualbridge.store.repos._paging import Page, escape_like, paginate
from qualbridge.store.repos._rows import read_rows

#: A product's columns as a plain row (read far more often than changed: every upload, every product
#: page), by a statement built once; the row reads like the model (``row.model``, ``row.owner_org_id``).
ProductRow = Row[*tuple[Any, ...]]
#: The columns of a :data:`ProductRow`, for every statement that reads products as rows.
PRODUCT_COLUMNS = tuple(getattr(Product, c.key) for c in inspect(Product).column_attrs)
_PRODUCT = select(*PRODUCT_COLUMNS).where(Product.id == bindparam("id"))


class ProductRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: Product | ProductComponent) -> None:
        self.session.add(row)
        self.session.flush()

    def get(self, product_id: uuid.UUID) -> ProductRow | None:
        return read_rows(self.session, _PRODUCT, {"id": product_id}).first()

    def by_model(self, owner_org_id: uuid.UUID, model: str) -> Product | None:
        return self.session.scalar(
            select(Product).where(Product.owner_org_id == owner_org_id, Product.model == model)
        )

    def owned(
        self, owner_org_id: uuid.UUID, *, kind: str | None, search: str | None, limit: int, offset: int
    ) -> Page[Product]:
        query = select(Product).where(Product.owner_org_id == owner_org_id)
        if kind is not None:
            query = query.where(Product.kind == kind)
        if search:
            pattern = f"%{escape_like(search.lower())}%"
            query = query.where(
                Product.model.ilike(pattern, escape="\\") | Product.name.ilike(pattern, escape="\\")
            )
        page = paginate(self.session, query.order_by(Product.model, Product.id), limit=limit, offset=offset)
        return Page(items=[row[0] for row in page.items], total=page.total, limit=limit, offset=offset)

    def component(self, parent_id: uuid.UUID, child_id: uuid.UUID) -> ProductComponent | None:
        return self.session.get(ProductComponent, (parent_id, child_id))

    def components(self, parent_id: uuid.UUID) -> Sequence[tuple[ProductComponent, Product]]:
        rows = self.session.execute(
            select(ProductComponent, Product)
            .join(Product, Product.id == ProductComponent.child_id)
            .where(ProductComponent.parent_id == parent_id)
            .order_by(Product.model, Product.id)
        ).all()
        return [(row[0], row[1]) for row in rows]

    def descendants(self, product_id: uuid.UUID) -> dict[uuid.UUID, int]:
        """Every product built into ``product_id``, at any depth, with its shallowest depth (1 = a
        direct component)."""
        rows = self.session.execute(select(tree_of(product_id, include_root=False))).all()
        depths: dict[uuid.UUID, int] = {}
        for child_id, depth in rows:
            depths[child_id] = min(depth, depths.get(child_id, depth))
        return depths


#: Deeper than any real bill of materials; bounds the walk should a cycle ever be stored.
MAX_DEPTH = 32


def tree_of(product_id: uuid.UUID, *, include_root: bool) -> CTE:
    """A recursive CTE of ``(product_id, depth)``: the product itself at depth 0 if asked, and every
    product built into it, at each depth it occurs (a diamond-shaped composition yields a product at
    several depths; callers keep the shallowest)."""
    if include_root:
        anchor = select(
            literal(product_id, type_=Uuid(as_uuid=True)).label("product_id"), literal(0).label("depth")
        )
    else:
        anchor = select(ProductComponent.child_id.label("product_id"), literal(1).label("depth")).where(
            ProductComponent.parent_id == product_id
        )
    tree = anchor.cte("tree", recursive=True)
    below = select(ProductComponent.child_id, tree.c.depth + 1).join(
        tree, ProductComponent.parent_id == tree.c.product_id
    )
    # UNION drops repeated (product, depth) rows; the depth bound ends the walk even on a cycle.
    return tree.union(below.where(tree.c.depth < MAX_DEPTH))
