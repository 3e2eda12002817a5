"""The transparency log and the keys that sign into it.

- ``log_entries``, ``log_nodes``, ``log_checkpoints``: the append-only RFC 6962 log of
  :mod:`qualbridge.trust.log` (entries; the hash of every complete subtree ``(level, idx)``; the signed
  checkpoints). Rows are only ever inserted.
- ``log_cosignatures``: witness cosignature lines collected for a checkpoint.
- ``attestations``: one row per log entry: the DSSE envelope, its statement digest and the service
  object it attests.
- ``signing_keys``: Ed25519 keys (the center's, the log's, each organization's attestation keys),
  private halves encrypted at rest, with their certificates, validity and revocation.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from qualbridge.store.models.base import Base, one_of, uuid_pk

KEY_PURPOSES = ("center", "log", "attestation")
#: The longest predicate type URI QualBridge writes, with room to spare.
_URI = 120


class LogEntry(Base):
    __tablename__ = "log_entries"
    __table_args__ = (CheckConstraint("idx >= 0", name="idx"),)

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry: Mapped[bytes] = mapped_column(LargeBinary, comment="RFC 8785 log entry (trust.entry)")


class LogNode(Base):
    """Hash of the complete subtree covering entries ``[idx·2^level, (idx+1)·2^level)``."""

    __tablename__ = "log_nodes"
    __table_args__ = (CheckConstraint("level >= 0 AND level < 64 AND idx >= 0", name="position"),)

    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogCheckpoint(Base):
    """A signed checkpoint note; at most one per tree size (the log never re-signs a size)."""

    __tablename__ = "log_checkpoints"
    __table_args__ = (CheckConstraint("tree_size >= 0", name="tree_size"),)

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    note: Mapped[bytes] = mapped_column(LargeBinary, comment="C2SP signed note, log signature only")
    created_at: Mapped[dt.datetime]


class LogCosignature(Base):
    """One witness's cosignature/v1 line on one checkpoint (the latest one it sent is kept)."""

    __tablename__ = "log_cosignatures"

    tree_size: Mapped[int] = mapped_column(ForeignKey("log_checkpoints.tree_size"), primary_key=True)
    witness: Mapped[str] = mapped_column(String(255), primary_key=True, comment="the witness key's name")
    line: Mapped[str] = mapped_column(Text, comment="the signature line, as the witness wrote it")
    timestamp: Mapped[int] = mapped_column(BigInteger, comment="the cosignature's POSIX time")
    received_at: Mapped[dt.datetime]


class Attestation(Base):
    """A logged DSSE envelope and what it attests (``object_type``/``object_id`` in the service): one row
    per log entry. Two records may carry the same statement (an evaluation re-run within the second it
    was first run is the same bytes); each still has an entry of its own."""

    __tablename__ = "attestations"
    __table_args__ = (Index("ix_attestations_object", "object_type", "object_id"),)

    log_index: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("log_entries.idx"), primary_key=True, autoincrement=False
    )
    statement_digest: Mapped[str] = mapped_column(String(64), index=True)
    predicate_type: Mapped[str] = mapped_column(String(_URI))
    envelope: Mapped[bytes] = mapped_column(LargeBinary, comment="DSSE envelope JSON")
    keyid: Mapped[str] = mapped_column(String(64), comment="the signing key")
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(100))
    org_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id"), comment="the issuing organization; empty: the center"
    )
    created_at: Mapped[dt.datetime]


class SigningKey(Base):
    """An Ed25519 key. ``pem`` is encrypted PKCS#8 (never the clear key); ``certificate`` is the
    center-signed DSSE certificate of an attestation key (the latest one issued for it)."""

    __tablename__ = "signing_keys"
    __table_args__ = (
        CheckConstraint(one_of("purpose", KEY_PURPOSES), name="purpose"),
        CheckConstraint("(purpose = 'attestation') = (org_id IS NOT NULL)", name="owner"),
        # One current key per organization, and one for the center and the log: a race to create it
        # fails on this index and the loser reads the winner's key.
        Index(
            "uq_signing_keys_current",
            "purpose",
            "org_id",
            unique=True,
            postgresql_where=text("retired_at IS NULL"),
            sqlite_where=text("retired_at IS NULL"),
        ),
        Index(
            "uq_signing_keys_current_service",
            "purpose",
            unique=True,
            postgresql_where=text("retired_at IS NULL AND org_id IS NULL"),
            sqlite_where=text("retired_at IS NULL AND org_id IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    keyid: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    org_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    pem: Mapped[bytes] = mapped_column(LargeBinary, comment="encrypted PKCS#8 PEM")
    not_before: Mapped[dt.datetime]
    not_after: Mapped[dt.datetime | None]
    certificate: Mapped[bytes | None] = mapped_column(LargeBinary)
    retired_at: Mapped[dt.datetime | None] = mapped_column(comment="rotated out or revoked")
    revoked_at: Mapped[dt.datetime | None]
    revocation: Mapped[bytes | None] = mapped_column(LargeBinary, comment="center-signed KeyRevocation")
    created_at: Mapped[dt.datetime]
