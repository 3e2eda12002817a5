"""Organizations, their users, and API tokens."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from qualbridge.store.models.base import Base, one_of, uuid_pk

ORG_KINDS = ("vendor", "lab", "fab", "center")
ROLES = ("admin", "engineer", "viewer")
#: A token's scope: ``write`` includes ``read``.
SCOPES = ("read", "write")


class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = (CheckConstraint(one_of("kind", ORG_KINDS), name="kind"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    kind: Mapped[str] = mapped_column(String(16))
    name_en: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(63), index=True, unique=True, comment="unique, URL-safe")
    name_zh: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), comment="ISO 3166-1 alpha-2")
    created_at: Mapped[dt.datetime]


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(one_of("role", ROLES), name="role"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, comment="stored lower-case")
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255), comment="Argon2id; none: API only")
    created_at: Mapped[dt.datetime]
    disabled_at: Mapped[dt.datetime | None]


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint(one_of("scope", SCOPES), name="scope"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, comment="the plaintext is never kept")
    prefix: Mapped[str] = mapped_column(String(16), comment="first characters, to recognise a token")
    scope: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
