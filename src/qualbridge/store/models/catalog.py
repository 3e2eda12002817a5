"""Products (equipment, subsystems, components, materials) and what they are composed of."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qualbridge.store.models.base import Base, one_of, uuid_pk

PRODUCT_KINDS = ("equipment", "subsystem", "component", "material")


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint(one_of("kind", PRODUCT_KINDS), name="kind"),
        UniqueConstraint("owner_org_id", "model"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    owner_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(100), comment="the maker's model designation")
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class ProductComponent(Base):
    """``child`` is built into ``parent``; the child may be another organization's product."""

    __tablename__ = "product_components"
    __table_args__ = (
        CheckConstraint("parent_id <> child_id", name="not_self"),
        CheckConstraint("quantity >= 1", name="quantity"),
    )

    parent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"), primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"), primary_key=True, index=True)
    quantity: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime]
