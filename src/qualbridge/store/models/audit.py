"""The audit trail and the record of idempotent requests."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from qualbridge.store.models.base import Base, JsonDocument


class AuditEvent(Base):
    """Who (organization and user) did what to which object, and when. Append-only.

    ``owner_org_id`` is the organization whose data was touched, so that a vendor can read every access
    a fab made to what was shared with it.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_org_at", "org_id", "at"),
        Index("ix_audit_events_owner_at", "owner_org_id", "at"),
    )

    # An integer sequence gives the trail a total order; SQLite needs INTEGER to auto-increment it.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    owner_org_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime]
    detail: Mapped[dict[str, Any]] = mapped_column(JsonDocument)


class IdempotencyKey(Base):
    """The first response to a request made with an ``Idempotency-Key``, replayed to its retries."""

    __tablename__ = "idempotency_keys"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), comment="sha256 of what the request asked for")
    status: Mapped[int]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
