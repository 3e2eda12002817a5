"""Organizations get a slug: a short, unique, URL-safe name (``dresden-example-wafer-fab``) by which a
vendor finds and names the fab it shares with.

Existing organizations get one made from their English name, as the service makes it for new ones
(a number is appended when two names give the same slug). The column is added with an empty default so
that it can be NOT NULL on every database without rebuilding the table; PostgreSQL then drops the
default (SQLite cannot alter a column in place, and the service always sets the slug).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _slug(name: str, taken: set[str]) -> str:
    # A copy of the service's rule as it was when this revision was written: a migration must not
    # change when the service's code does.
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:56].strip("-") or "org"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def upgrade() -> None:
    op.add_column(
        "organizations",
        sa.Column(
            "slug", sa.String(length=63), nullable=False, server_default="", comment="unique, URL-safe"
        ),
    )
    organizations = sa.table(
        "organizations",
        sa.column("id", sa.Uuid()),
        sa.column("name_en"),
        sa.column("slug"),
        sa.column("created_at"),
    )
    connection = op.get_bind()
    taken: set[str] = set()
    rows = connection.execute(
        sa.select(organizations.c.id, organizations.c.name_en).order_by(organizations.c.created_at)
    )
    for org_id, name_en in rows.all():
        connection.execute(
            organizations.update().where(organizations.c.id == org_id).values(slug=_slug(name_en, taken))
        )
    op.create_index(op.f("ix_organizations_slug"), "organizations", ["slug"], unique=True)
    if connection.dialect.name != "sqlite":
        op.alter_column("organizations", "slug", server_default=None)


def downgrade() -> None:
    op.drop_index(op.f("ix_organizations_slug"), table_name="organizations")
    op.drop_column("organizations", "slug")
