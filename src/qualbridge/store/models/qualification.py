"""Requirement profiles authored in the service, evaluations, qualification packages and their shares."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from qualbridge.store.models.base import Base, JsonDocument, digest_column, one_of, uuid_pk

PROFILE_STATUSES = ("draft", "published")
VERDICTS = ("pass", "fail", "incomplete")


class Profile(Base):
    """One version of a requirement profile; a published version is never changed again.

    ``owner_org_id`` is empty for a public profile (the shipped catalog), else the fab that authored it.
    """

    __tablename__ = "profiles"
    __table_args__ = (
        CheckConstraint(one_of("status", PROFILE_STATUSES), name="status"),
        CheckConstraint("version >= 1", name="version"),
        Index(
            "uq_profiles_owned_version",
            "owner_org_id",
            "profile_id",
            "version",
            unique=True,
            postgresql_where=text("owner_org_id IS NOT NULL"),
            sqlite_where=text("owner_org_id IS NOT NULL"),
        ),
        Index(
            "uq_profiles_public_version",
            "profile_id",
            "version",
            unique=True,
            postgresql_where=text("owner_org_id IS NULL"),
            sqlite_where=text("owner_org_id IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    owner_org_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id"))
    profile_id: Mapped[str] = mapped_column(String(120))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    digest: Mapped[str] = digest_column(comment="sha256 of the canonical document")
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime]
    published_at: Mapped[dt.datetime | None]


class Evaluation(Base):
    """A stored evaluation result: canonical JSON bytes, kept byte for byte, with their digest."""

    __tablename__ = "evaluations"
    __table_args__ = (
        CheckConstraint(one_of("overall", VERDICTS), name="overall"),
        Index("ix_evaluations_org_product", "org_id", "product_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    profile_ref: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("profiles.id"), comment="the stored profile row; empty for a shipped profile"
    )
    profile_id: Mapped[str] = mapped_column(String(120))
    profile_version: Mapped[int]
    engine_version: Mapped[str] = mapped_column(String(64))
    overall: Mapped[str] = mapped_column(String(16))
    result: Mapped[bytes] = mapped_column(LargeBinary, comment="RFC 8785 canonical JSON")
    digest: Mapped[str] = digest_column()
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime]


class EvaluationInput(Base):
    """The evidence an evaluation considered (own and inherited)."""

    __tablename__ = "evaluation_inputs"

    evaluation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evaluations.id"), primary_key=True)
    evidence_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evidence.id"), primary_key=True, index=True)


class Package(Base):
    """A vendor's qualification package: a product, target profiles, chosen evidence and evaluations."""

    __tablename__ = "packages"

    id: Mapped[uuid.UUID] = uuid_pk()
    vendor_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime]


class PackageProfile(Base):
    __tablename__ = "package_profiles"

    package_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("packages.id"), primary_key=True)
    profile_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    profile_version: Mapped[int] = mapped_column(primary_key=True)
    profile_ref: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("profiles.id"))


class PackageEvidence(Base):
    __tablename__ = "package_evidence"

    package_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("packages.id"), primary_key=True)
    evidence_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evidence.id"), primary_key=True, index=True)


class PackageEvaluation(Base):
    __tablename__ = "package_evaluations"

    package_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("packages.id"), primary_key=True)
    evaluation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evaluations.id"), primary_key=True, index=True
    )


class Share(Base):
    """A grant: a fab may read a package until ``expires_at``, unless revoked earlier."""

    __tablename__ = "shares"
    __table_args__ = (Index("ix_shares_fab_package", "fab_org_id", "package_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    package_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("packages.id"), index=True)
    fab_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime]
