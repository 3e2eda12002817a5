"""Schema migrations (Alembic), run from code: ``qualbridge db upgrade`` and the tests call this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL

from qualbridge.store.db import parse_url

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(url: str | URL | None = None, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        # ConfigParser interpolation would read a '%' of a URL-encoded password as a directive.
        rendered = parse_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(target: str | URL | Engine | Connection, revision: str = "head") -> None:
    """Bring the database at ``target`` (a URL, an engine or an open connection) to ``revision``."""
    if isinstance(target, Engine):
        with target.begin() as connection:
            command.upgrade(_config(connection=connection), revision)
    elif isinstance(target, Connection):
        command.upgrade(_config(connection=target), revision)
    else:
        command.upgrade(_config(url=target), revision)


def downgrade(target: Engine | Connection, revision: str) -> None:
    if isinstance(target, Engine):
        with target.begin() as connection:
            command.downgrade(_config(connection=connection), revision)
    else:
        command.downgrade(_config(connection=target), revision)


def head() -> str:
    """The newest revision this code knows."""
    found = ScriptDirectory.from_config(_config()).get_current_head()
    assert found is not None, "the migrations folder has no revision"
    return found


def current(connection: Connection) -> str | None:
    """The revision the database is at (None: never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()
