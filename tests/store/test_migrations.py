"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from collections.abc import Iterator
from contextlib import contextmanager

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from qualbridge.store import migrate
from qualbridge.store.db import Database
from qualbridge.store.models import Base

EVERY_TABLE = {
    "organizations", "users", "api_tokens", "products", "product_components", "blobs", "evidence",
    "evidence_links", "profiles", "evaluations", "evaluation_inputs", "packages", "package_profiles",
    "package_evidence", "package_evaluations", "shares", "audit_events", "idempotency_keys",
    "log_entries", "log_nodes", "log_checkpoints", "log_cosignatures", "attestations", "signing_keys",
}  # fmt: skip


@contextmanager
def connection(database: Database) -> Iterator[Connection]:
    """A connection in a transaction of its own (on PostgreSQL: a savepoint of the test's transaction)."""
    with database.session() as session:
        yield session.connection()
        session.commit()


def test_migrated_schema_matches_the_models(database: Database) -> None:
    with connection(database) as conn:
        assert migrate.current(conn) == migrate.head()
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    assert diff == []
    assert tables - {"alembic_version"} == EVERY_TABLE == set(Base.metadata.tables)


def test_downgrade_and_upgrade_again(database: Database) -> None:
    with connection(database) as conn:
        migrate.downgrade(conn, "base")
        assert migrate.current(conn) is None
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(conn)
        assert migrate.current(conn) == migrate.head()
        assert set(inspect(conn).get_table_names()) >= EVERY_TABLE
