"""``qualbridge db upgrade|current|create-org``: the service's database.

The database and service modules are imported inside the commands: they take seconds to import, and
every other command of the CLI would pay for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from qualbridge.cli._output import JsonOption, console, emit
from qualbridge.errors import InputError, at
from qualbridge.services.actor import ORG_KINDS, OrgKind, as_org_kind
from qualbridge.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from qualbridge.services.context import Context

db_app = typer.Typer(help="The service's database: migrations and first set-up.", no_args_is_help=True)

DatabaseUrlOption = typer.Option(
    None,
    "--database-url",
    help="Database URL (default: $QUALBRIDGE_DATABASE_URL, else sqlite:///./var/qualbridge.db).",
)


def shown(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


def schema_state(engine: Engine, url: str) -> str | None:
    """The database's revision; a clear error when the database cannot be reached."""
    from sqlalchemy.exc import OperationalError

    from qualbridge.store import migrate

    try:
        with engine.connect() as conn:
            return migrate.current(conn)
    except OperationalError as exc:
        raise InputError(
            f"cannot connect to the database: {exc.orig}",
            at(field="QUALBRIDGE_DATABASE_URL"),
            expected=shown(url),
        ) from exc


@contextmanager
def local_context(database_url: str | None, *, needed_by: str) -> Iterator[tuple[Settings, Context]]:
    """The service's context on the local database, which must be migrated to the latest revision."""
    from sqlalchemy import Engine

    from qualbridge.services.context import Context
    from qualbridge.store import migrate

    settings = Settings.from_env(database_url=database_url)
    ctx = Context.from_settings(settings)
    try:
        assert isinstance(ctx.db.bind, Engine), "a database built from a URL has an engine"
        revision = schema_state(ctx.db.bind, settings.database_url)
        if revision != migrate.head():
            raise InputError(
                f"the database is at revision {revision or 'none'}, {needed_by} needs {migrate.head()}",
                at(field="QUALBRIDGE_DATABASE_URL"),
                expected="run 'qualbridge db upgrade' first",
            )
        yield settings, ctx
    finally:
        ctx.db.dispose()


@db_app.command("upgrade")
def upgrade(
    database_url: str | None = DatabaseUrlOption,
    revision: str = typer.Option("head", "--revision", help="Target revision."),
    as_json: bool = JsonOption,
) -> None:
    """Create or migrate the database schema (safe to run again)."""
    from qualbridge.store import migrate
    from qualbridge.store.db import make_engine

    settings = Settings.from_env(database_url=database_url)
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        before = schema_state(engine, settings.database_url)
        migrate.upgrade(engine, revision)
        after = schema_state(engine, settings.database_url)
    finally:
        engine.dispose()
    data = {"database": shown(settings.database_url), "from": before, "to": after}

    def render() -> None:
        if before == after:
            console.print(f"{data['database']} is at revision {after} already")
        else:
            console.print(f"[green]migrated[/] {data['database']} from {before or 'empty'} to {after}")

    emit(data, as_json=as_json, render=render)


@db_app.command("current")
def current(database_url: str | None = DatabaseUrlOption, as_json: bool = JsonOption) -> None:
    """The database's schema revision and the newest this version of QualBridge knows."""
    from qualbridge.store import migrate
    from qualbridge.store.db import make_engine

    settings = Settings.from_env(database_url=database_url)
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        revision = schema_state(engine, settings.database_url)
    finally:
        engine.dispose()
    data = {"database": shown(settings.database_url), "revision": revision, "head": migrate.head()}

    def render() -> None:
        state = (
            "up to date"
            if revision == data["head"]
            else f"behind: run 'qualbridge db upgrade' ({data['head']})"
        )
        console.print(f"{data['database']}: revision {revision or 'none'}, {state}")

    emit(data, as_json=as_json, render=render)


@db_app.command("create-org")
def create_org(
    kind: str = typer.Option(..., "--kind", help="vendor, lab, fab or center."),
    name_en: str = typer.Option(..., "--name-en", help="Name in English."),
    name_zh: str = typer.Option(..., "--name-zh", help="Name in Chinese."),
    country: str = typer.Option(..., "--country", help="ISO 3166 country code, e.g. CN."),
    slug: str | None = typer.Option(
        None, "--slug", help="Unique short name (default: made from the English name)."
    ),
    admin_email: str = typer.Option(..., "--admin-email", help="E-mail of the first admin."),
    admin_name: str = typer.Option(..., "--admin-name", help="Name of the first admin."),
    admin_password: str = typer.Option(
        ...,
        "--admin-password",
        prompt=True,
        hide_input=True,
        envvar="QUALBRIDGE_ADMIN_PASSWORD",
        help="Password of the first admin (asked for when not given).",
    ),
    database_url: str | None = DatabaseUrlOption,
    as_json: bool = JsonOption,
) -> None:
    """Register an organization and its first admin directly in the database (first set-up)."""
    from qualbridge.services import accounts
    from qualbridge.services.context import Context

    if kind not in ORG_KINDS:
        raise typer.BadParameter(f"use one of {', '.join(ORG_KINDS)}", param_hint="--kind")
    org_kind: OrgKind = as_org_kind(kind)
    settings = Settings.from_env(database_url=database_url)
    ctx = Context.from_settings(settings)
    try:
        org, admin = accounts.bootstrap_organization(
            ctx,
            kind=org_kind,
            name_en=name_en,
            name_zh=name_zh,
            country=country,
            admin_email=admin_email,
            admin_name=admin_name,
            admin_password=admin_password,
            slug=slug,
        )
    finally:
        ctx.db.dispose()
    data: dict[str, Any] = {"org": org.model_dump(mode="json"), "admin": admin.model_dump(mode="json")}

    def render() -> None:
        console.print(
            f"[green]registered[/] {org.name_en} ({org.slug}; {org.kind}, {org.country}) "
            f"with admin {admin.email}"
        )
        console.print("sign in: POST /api/v1/auth/tokens with that e-mail and password")

    emit(data, as_json=as_json, render=render)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
