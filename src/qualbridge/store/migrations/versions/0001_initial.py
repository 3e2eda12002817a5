"""Initial schema: every table of the service, for SQLite and PostgreSQL.

Timestamps are stored as UTC; JSON documents as JSONB on PostgreSQL. This revision creates the whole
schema of the service (accounts, products, evidence, profiles, evaluations, packages, shares, audit,
idempotency) so that later work adds behaviour, not tables.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("digest", sa.String(length=71), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=127), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_blobs_size")),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_blobs")),
    )
    op.create_table(
        "organizations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False, comment="ISO 3166-1 alpha-2"),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("kind IN ('vendor', 'lab', 'fab', 'center')", name=op.f("ck_organizations_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("name_en", name=op.f("uq_organizations_name_en")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column(
            "fingerprint",
            sa.String(length=64),
            nullable=False,
            comment="sha256 of what the request asked for",
        ),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_idempotency_keys_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("org_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"])

    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False, comment="stored lower-case"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True, comment="Argon2id; none: API only"),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("disabled_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint("role IN ('admin', 'engineer', 'viewer')", name=op.f("ck_users_role")),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_users_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("ix_users_org_id"), "users", ["org_id"])

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "token_sha256", sa.String(length=64), nullable=False, comment="the plaintext is never kept"
        ),
        sa.Column(
            "prefix", sa.String(length=16), nullable=False, comment="first characters, to recognise a token"
        ),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.Column("last_used_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint("scope IN ('read', 'write')", name=op.f("ck_api_tokens_scope")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_api_tokens_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_tokens_token_sha256")),
    )
    op.create_index(op.f("ix_api_tokens_org_id"), "api_tokens", ["org_id"])
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("owner_org_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=100), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("detail", JSON_DOCUMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_audit_events_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organizations.id"], name=op.f("fk_audit_events_owner_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audit_events_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_org_at", "audit_events", ["org_id", "at"])
    op.create_index("ix_audit_events_owner_at", "audit_events", ["owner_org_id", "at"])

    op.create_table(
        "evidence",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False, comment="uploaded by"),
        sa.Column(
            "content_id",
            sa.String(length=71),
            nullable=False,
            comment="evidence_id(): sha256 of the canonical document",
        ),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("test_date", sa.Date(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=200), nullable=False),
        sa.Column("document", JSON_DOCUMENT, nullable=False),
        sa.Column("raw_digest", sa.String(length=71), nullable=True),
        sa.Column("raw_filename", sa.String(length=255), nullable=True),
        sa.Column("uploaded_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_evidence_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(["raw_digest"], ["blobs.digest"], name=op.f("fk_evidence_raw_digest_blobs")),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"], name=op.f("fk_evidence_uploaded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("org_id", "content_id", name=op.f("uq_evidence_org_id_content_id")),
    )
    op.create_index("ix_evidence_org_created", "evidence", ["org_id", "created_at"])
    op.create_index("ix_evidence_org_kind", "evidence", ["org_id", "kind"])
    op.create_index(op.f("ix_evidence_raw_digest"), "evidence", ["raw_digest"])

    op.create_table(
        "products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_org_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False, comment="the maker's model designation"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('equipment', 'subsystem', 'component', 'material')", name=op.f("ck_products_kind")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_products_created_by_users")),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organizations.id"], name=op.f("fk_products_owner_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("owner_org_id", "model", name=op.f("uq_products_owner_org_id_model")),
    )
    op.create_index(op.f("ix_products_owner_org_id"), "products", ["owner_org_id"])

    op.create_table(
        "profiles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_org_id", sa.Uuid(), nullable=True),
        sa.Column("profile_id", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("document", JSON_DOCUMENT, nullable=False),
        sa.Column("digest", sa.String(length=71), nullable=False, comment="sha256 of the canonical document"),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("published_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint("status IN ('draft', 'published')", name=op.f("ck_profiles_status")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_profiles_version")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_profiles_created_by_users")),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organizations.id"], name=op.f("fk_profiles_owner_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiles")),
    )
    op.create_index(
        "uq_profiles_owned_version",
        "profiles",
        ["owner_org_id", "profile_id", "version"],
        unique=True,
        postgresql_where=sa.text("owner_org_id IS NOT NULL"),
        sqlite_where=sa.text("owner_org_id IS NOT NULL"),
    )
    op.create_index(
        "uq_profiles_public_version",
        "profiles",
        ["profile_id", "version"],
        unique=True,
        postgresql_where=sa.text("owner_org_id IS NULL"),
        sqlite_where=sa.text("owner_org_id IS NULL"),
    )

    op.create_table(
        "evaluations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column(
            "profile_ref",
            sa.Uuid(),
            nullable=True,
            comment="the stored profile row; empty for a shipped profile",
        ),
        sa.Column("profile_id", sa.String(length=120), nullable=False),
        sa.Column("profile_version", sa.Integer(), nullable=False),
        sa.Column("engine_version", sa.String(length=64), nullable=False),
        sa.Column("overall", sa.String(length=16), nullable=False),
        sa.Column("result", sa.LargeBinary(), nullable=False, comment="RFC 8785 canonical JSON"),
        sa.Column("digest", sa.String(length=71), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("overall IN ('pass', 'fail', 'incomplete')", name=op.f("ck_evaluations_overall")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_evaluations_created_by_users")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_evaluations_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_evaluations_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["profile_ref"], ["profiles.id"], name=op.f("fk_evaluations_profile_ref_profiles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
    )
    op.create_index("ix_evaluations_org_product", "evaluations", ["org_id", "product_id"])

    op.create_table(
        "evidence_links",
        sa.Column("evidence_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("linked_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_evidence_links_evidence_id_evidence")
        ),
        sa.ForeignKeyConstraint(["linked_by"], ["users.id"], name=op.f("fk_evidence_links_linked_by_users")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_evidence_links_product_id_products")
        ),
        sa.PrimaryKeyConstraint("evidence_id", "product_id", name=op.f("pk_evidence_links")),
    )
    op.create_index(op.f("ix_evidence_links_product_id"), "evidence_links", ["product_id"])

    op.create_table(
        "packages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("vendor_org_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_packages_created_by_users")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_packages_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["vendor_org_id"], ["organizations.id"], name=op.f("fk_packages_vendor_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packages")),
    )
    op.create_index(op.f("ix_packages_product_id"), "packages", ["product_id"])
    op.create_index(op.f("ix_packages_vendor_org_id"), "packages", ["vendor_org_id"])

    op.create_table(
        "product_components",
        sa.Column("parent_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("parent_id <> child_id", name=op.f("ck_product_components_not_self")),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_product_components_quantity")),
        sa.ForeignKeyConstraint(
            ["child_id"], ["products.id"], name=op.f("fk_product_components_child_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["products.id"], name=op.f("fk_product_components_parent_id_products")
        ),
        sa.PrimaryKeyConstraint("parent_id", "child_id", name=op.f("pk_product_components")),
    )
    op.create_index(op.f("ix_product_components_child_id"), "product_components", ["child_id"])

    op.create_table(
        "evaluation_inputs",
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("evidence_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_evaluation_inputs_evaluation_id_evaluations")
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_evaluation_inputs_evidence_id_evidence")
        ),
        sa.PrimaryKeyConstraint("evaluation_id", "evidence_id", name=op.f("pk_evaluation_inputs")),
    )
    op.create_index(op.f("ix_evaluation_inputs_evidence_id"), "evaluation_inputs", ["evidence_id"])

    op.create_table(
        "package_evaluations",
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_package_evaluations_evaluation_id_evaluations"),
        ),
        sa.ForeignKeyConstraint(
            ["package_id"], ["packages.id"], name=op.f("fk_package_evaluations_package_id_packages")
        ),
        sa.PrimaryKeyConstraint("package_id", "evaluation_id", name=op.f("pk_package_evaluations")),
    )
    op.create_index(op.f("ix_package_evaluations_evaluation_id"), "package_evaluations", ["evaluation_id"])

    op.create_table(
        "package_evidence",
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.Column("evidence_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_package_evidence_evidence_id_evidence")
        ),
        sa.ForeignKeyConstraint(
            ["package_id"], ["packages.id"], name=op.f("fk_package_evidence_package_id_packages")
        ),
        sa.PrimaryKeyConstraint("package_id", "evidence_id", name=op.f("pk_package_evidence")),
    )
    op.create_index(op.f("ix_package_evidence_evidence_id"), "package_evidence", ["evidence_id"])

    op.create_table(
        "package_profiles",
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.Column("profile_id", sa.String(length=120), nullable=False),
        sa.Column("profile_version", sa.Integer(), nullable=False),
        sa.Column("profile_ref", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["package_id"], ["packages.id"], name=op.f("fk_package_profiles_package_id_packages")
        ),
        sa.ForeignKeyConstraint(
            ["profile_ref"], ["profiles.id"], name=op.f("fk_package_profiles_profile_ref_profiles")
        ),
        sa.PrimaryKeyConstraint(
            "package_id", "profile_id", "profile_version", name=op.f("pk_package_profiles")
        ),
    )
    op.create_table(
        "shares",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("package_id", sa.Uuid(), nullable=False),
        sa.Column("fab_org_id", sa.Uuid(), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_shares_created_by_users")),
        sa.ForeignKeyConstraint(
            ["fab_org_id"], ["organizations.id"], name=op.f("fk_shares_fab_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(["package_id"], ["packages.id"], name=op.f("fk_shares_package_id_packages")),
        sa.ForeignKeyConstraint(["revoked_by"], ["users.id"], name=op.f("fk_shares_revoked_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shares")),
    )
    op.create_index("ix_shares_fab_package", "shares", ["fab_org_id", "package_id"])
    op.create_index(op.f("ix_shares_package_id"), "shares", ["package_id"])


def downgrade() -> None:
    op.drop_table("shares")
    op.drop_table("package_profiles")
    op.drop_table("package_evidence")
    op.drop_table("package_evaluations")
    op.drop_table("evaluation_inputs")
    op.drop_table("product_components")
    op.drop_table("packages")
    op.drop_table("evidence_links")
    op.drop_table("evaluations")
    op.drop_table("profiles")
    op.drop_table("products")
    op.drop_table("evidence")
    op.drop_table("audit_events")
    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("idempotency_keys")
    op.drop_table("organizations")
    op.drop_table("blobs")
