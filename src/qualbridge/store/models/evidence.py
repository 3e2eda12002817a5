"""Raw files (content-addressed blobs) and the evidence documents parsed from them.

Evidence is immutable: a row is written once and never updated. Its ``content_id`` is the evidence's
``evidence_id()`` (sha256 of its canonical JSON), so the same document uploaded twice is the same row.
Each organization keeps its own record of a document, so that one organization's upload never reveals
another's.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qualbridge.store.models.base import Base, JsonDocument, digest_column, uuid_pk


class Blob(Base):
    """The bytes themselves live in the blob store, under their digest."""

    __tablename__ = "blobs"
    __table_args__ = (CheckConstraint("size >= 0", name="size"),)

    digest: Mapped[str] = digest_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(127))
    created_at: Mapped[dt.datetime]


class Evidence(Base):
    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("org_id", "content_id"),
        Index("ix_evidence_org_kind", "org_id", "kind"),
        Index("ix_evidence_org_created", "org_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), comment="uploaded by")
    content_id: Mapped[str] = digest_column(comment="evidence_id(): sha256 of the canonical document")
    kind: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str] = mapped_column(String(200))
    test_date: Mapped[dt.date]
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(200))
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    raw_digest: Mapped[str | None] = digest_column(ForeignKey("blobs.digest"), index=True)
    raw_filename: Mapped[str | None] = mapped_column(String(255))
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime]


class EvidenceLink(Base):
    """Evidence recorded on a product (inherited by every product that includes it)."""

    __tablename__ = "evidence_links"

    evidence_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evidence.id"), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"), primary_key=True, index=True)
    linked_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime]
