"""The transparency log, logged attestations and signing keys, for SQLite and PostgreSQL.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "log_entries",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False, comment="RFC 8785 log entry (trust.entry)"),
        sa.CheckConstraint("idx >= 0", name=op.f("ck_log_entries_idx")),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_log_entries")),
    )
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.CheckConstraint("level >= 0 AND level < 64 AND idx >= 0", name=op.f("ck_log_nodes_position")),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_log_nodes")),
    )
    op.create_table(
        "log_checkpoints",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=False, comment="C2SP signed note, log signature only"),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("tree_size >= 0", name=op.f("ck_log_checkpoints_tree_size")),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_log_checkpoints")),
    )
    op.create_table(
        "log_cosignatures",
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("witness", sa.String(length=255), nullable=False, comment="the witness key's name"),
        sa.Column("line", sa.Text(), nullable=False, comment="the signature line, as the witness wrote it"),
        sa.Column("timestamp", sa.BigInteger(), nullable=False, comment="the cosignature's POSIX time"),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["tree_size"],
            ["log_checkpoints.tree_size"],
            name=op.f("fk_log_cosignatures_tree_size_log_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("tree_size", "witness", name=op.f("pk_log_cosignatures")),
    )
    op.create_table(
        "attestations",
        sa.Column("log_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("statement_digest", sa.String(length=64), nullable=False),
        sa.Column("predicate_type", sa.String(length=120), nullable=False),
        sa.Column("envelope", sa.LargeBinary(), nullable=False, comment="DSSE envelope JSON"),
        sa.Column("keyid", sa.String(length=64), nullable=False, comment="the signing key"),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=100), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=True, comment="the issuing organization; empty: the center"),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["log_index"], ["log_entries.idx"], name=op.f("fk_attestations_log_index_log_entries")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_attestations_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("log_index", name=op.f("pk_attestations")),
    )
    op.create_index("ix_attestations_object", "attestations", ["object_type", "object_id"])
    op.create_index(op.f("ix_attestations_statement_digest"), "attestations", ["statement_digest"])
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("keyid", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=True),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("pem", sa.LargeBinary(), nullable=False, comment="encrypted PKCS#8 PEM"),
        sa.Column("not_before", TIMESTAMP, nullable=False),
        sa.Column("not_after", TIMESTAMP, nullable=True),
        sa.Column("certificate", sa.LargeBinary(), nullable=True),
        sa.Column("retired_at", TIMESTAMP, nullable=True, comment="rotated out or revoked"),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.Column("revocation", sa.LargeBinary(), nullable=True, comment="center-signed KeyRevocation"),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "purpose IN ('center', 'log', 'attestation')", name=op.f("ck_signing_keys_purpose")
        ),
        sa.CheckConstraint(
            "(purpose = 'attestation') = (org_id IS NOT NULL)", name=op.f("ck_signing_keys_owner")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_signing_keys_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint("keyid", name=op.f("uq_signing_keys_keyid")),
    )
    op.create_index(op.f("ix_signing_keys_org_id"), "signing_keys", ["org_id"])
    op.create_index(
        "uq_signing_keys_current",
        "signing_keys",
        ["purpose", "org_id"],
        unique=True,
        postgresql_where=sa.text("retired_at IS NULL"),
        sqlite_where=sa.text("retired_at IS NULL"),
    )
    op.create_index(
        "uq_signing_keys_current_service",
        "signing_keys",
        ["purpose"],
        unique=True,
        postgresql_where=sa.text("retired_at IS NULL AND org_id IS NULL"),
        sqlite_where=sa.text("retired_at IS NULL AND org_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("signing_keys")
    op.drop_table("attestations")
    op.drop_table("log_cosignatures")
    op.drop_table("log_checkpoints")
    op.drop_table("log_nodes")
    op.drop_table("log_entries")
