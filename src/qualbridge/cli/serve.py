"""``qualbridge serve``: run the HTTP API (uvicorn)."""

from __future__ import annotations

import os

import typer

from qualbridge.cli._output import JsonOption, console, emit
from qualbridge.cli.db import DatabaseUrlOption, schema_state, shown
from qualbridge.errors import InputError, at
from qualbridge.settings import Settings


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
        database_url: str | None = DatabaseUrlOption,
        blob_dir: str | None = typer.Option(
            None, "--blob-dir", help="Folder of raw files ($QUALBRIDGE_BLOB_DIR)."
        ),
        workers: int = typer.Option(
            1, "--workers", min=1, max=64, help="Worker processes (PostgreSQL: several)."
        ),
        run_migrations: bool = typer.Option(
            False, "--migrate", help="Bring the database schema up to date before serving."
        ),
        log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
        as_json: bool = JsonOption,
    ) -> None:
        """Serve the API at http://HOST:PORT/api/v1 (docs at /api/docs) until interrupted.

        Several workers each listen on a socket of their own (Linux), and the kernel spreads the
        connections evenly between them."""
        from qualbridge import serving  # here, not at the top: see qualbridge.cli.db

        settings = Settings.from_env(database_url=database_url, blob_dir=blob_dir)
        _check_schema(settings, migrate_first=run_migrations)
        # Each worker builds its own app from the environment: hand the options on through it.
        os.environ["QUALBRIDGE_DATABASE_URL"] = settings.database_url
        os.environ["QUALBRIDGE_BLOB_DIR"] = str(settings.blob_dir)
        url = f"http://{host}:{port}"
        data = {
            "url": url,
            "docs": f"{url}/api/docs",
            "database": shown(settings.database_url),
            "workers": workers,
        }
        emit(
            data,
            as_json=as_json,
            render=lambda: console.print(f"QualBridge API at {url}/api/v1 (docs {data['docs']})"),
        )
        serving.serve(
            "qualbridge.api.app:create_app_from_env",
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
        )


def _check_schema(settings: Settings, *, migrate_first: bool) -> None:
    from qualbridge.store import migrate
    from qualbridge.store.db import make_engine

    engine = make_engine(settings.database_url, pool_size=1)
    try:
        if migrate_first:
            migrate.upgrade(engine)
        revision = schema_state(engine, settings.database_url)
    finally:
        engine.dispose()
    if revision != migrate.head():
        raise InputError(
            f"the database is at revision {revision or 'none'}, this QualBridge needs {migrate.head()}",
            at(field="QUALBRIDGE_DATABASE_URL"),
            expected="run 'qualbridge db upgrade' first, or 'qualbridge serve --migrate'",
        )
