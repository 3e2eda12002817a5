"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, DateTime, Uuid, column, insert, inspect, select, table

from qualbridge.services import accounts
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


def test_revision_0002_gives_existing_organizations_unique_slugs(database: Database) -> None:
    orgs = table("organizations", column("id", Uuid()), column("kind"), column("name_en"), column("name_zh"),
                 column("country"), column("created_at", DateTime()), column("slug"))  # fmt: skip
    names = ["Dresden Wafer Fab", "Dresden wafer-fab", "Düsseldorf Fab", "上海"]
    with connection(database) as conn:
        migrate.downgrade(conn, "0001")
        for n, name in enumerate(names):
            row = {"id": uuid.uuid4(), "kind": "fab", "name_en": name, "name_zh": name, "country": "DE"}
            conn.execute(insert(orgs).values(**row, created_at=dt.datetime(2026, 1, 1 + n)))
        migrate.upgrade(conn)
        found = dict(conn.execute(select(orgs.c.name_en, orgs.c.slug)).all())
    # Made as the service makes them; the second name giving the same slug gets a number.
    assert found == {
        "Dresden Wafer Fab": "dresden-wafer-fab",
        "Dresden wafer-fab": "dresden-wafer-fab-2",
        "Düsseldorf Fab": "dusseldorf-fab",
        "上海": "org",
    }
    assert [accounts.slug_of(name) for name in names] == ["dresden-wafer-fab"] * 2 + ["dusseldorf-fab", "org"]
