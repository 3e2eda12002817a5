"""The FastAPI application: ``create_app(settings)`` builds it; nothing happens at import time.

It serves the JSON API under ``/api/v1`` and the web pages (``qualbridge.web``) everywhere else.

Run it with ``qualbridge serve``, or under any ASGI server as a factory:
``uvicorn --factory qualbridge.api.app:create_app_from_env``.

Where a route runs. A synchronous route runs in the thread pool; handing a request to a thread and back
costs more CPU than a read's whole work, the switches between threads above all. So the frequent reads of
the organization's own records (evidence, its raw files up to a megabyte, evaluations, products) are
``async`` routes that call their use case directly on the event loop: a few indexed queries, no locks to
wait for (SQLite's write-ahead log and PostgreSQL's MVCC never make a reader wait for a writer). Anything
that may wait or work long stays in the pool: writes (SQLite's write lock, row locks), uploads, reports,
bundles, and reads that record an access in the audit trail. Every request is marked as running on the
event loop's thread, and :meth:`Context.transaction` refuses a write transaction there, so a use case
that starts writing cannot slip onto the loop unnoticed.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from qualbridge import __version__, web
from qualbridge.api import errors, ingests
from qualbridge.api.limits import BodyLimit
from qualbridge.api.routes import (
    evaluations,
    evidence,
    keys,
    log,
    orgs,
    packages,
    products,
    profiles,
    reports,
    tokens,
)
from qualbridge.evidence import parsers as evidence_parsers
from qualbridge.services.context import Context, serving_on_event_loop
from qualbridge.settings import Settings

PREFIX = "/api/v1"
#: The API's sections, in the order the documentation shows them.
TAGS = [
    {"name": "organizations", "description": "Organizations and their users."},
    {"name": "tokens", "description": "Sign-in and API tokens: shown once, scoped, revocable."},
    {"name": "products", "description": "Products and the subsystems they are built from."},
    {"name": "evidence", "description": "Raw files and evidence documents: upload, list, read, download."},
    {"name": "profiles", "description": "Requirement profiles: public standards and each fab's own."},
    {"name": "evaluations", "description": "Evidence evaluated against a profile, with margins and gaps."},
    {"name": "packages", "description": "Qualification packages shared with a named fab."},
    {"name": "reports", "description": "Reports of an evaluation or a package: HTML or PDF, en, zh or both."},
    {"name": "keys", "description": "The organization's signing keys: rotation and revocation."},
    {"name": "log", "description": "The transparency log: checkpoint, tiles, envelopes, cosignatures."},
]
#: Room for the multipart envelope around an upload of the largest accepted file.
MULTIPART_OVERHEAD = 128 * 1024


def create_app(settings: Settings | None = None, *, context: Context | None = None) -> FastAPI:
    """The API for ``settings``; ``context`` replaces the storage the settings describe (tests)."""
    settings = settings or Settings.from_env()
    ctx = context or Context.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Synchronous routes run in anyio's thread pool, 40 threads by default: no more than the database
        # pool's connections, so that a burst queues for a thread instead of opening (and closing again)
        # connections beyond the pool, and fewer threads contend for the interpreter.
        to_thread.current_default_thread_limiter().total_tokens = settings.db_pool_size
        # Uploads a killed process left half-received (a day old: no live upload takes that long).
        ctx.blobs.discard_abandoned(dt.timedelta(days=1))
        evidence_parsers.load_all()
        _freeze_start_up()
        yield
        if context is None:
            ctx.db.dispose()

    app = FastAPI(
        title="QualBridge",
        version=__version__,
        summary="Qualification evidence shared between vendors, labs, fabs and the center.",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.context = ctx
    app.state.settings = settings
    app.state.ingests = ingests.slots(settings.ingest_slots)
    errors.install(app)
    # Routers are matched in the order they are included, each route in turn: the most frequent reads
    # come first (the documentation's order is TAGS').
    app.include_router(evidence.router, prefix=PREFIX)
    app.include_router(evaluations.router, prefix=PREFIX)
    app.include_router(orgs.router, prefix=PREFIX)
    app.include_router(tokens.router, prefix=PREFIX)
    app.include_router(products.router, prefix=PREFIX)
    app.include_router(evidence.uploads, prefix=PREFIX)
    app.include_router(profiles.router, prefix=PREFIX)
    app.include_router(packages.router, prefix=PREFIX)
    app.include_router(reports.router, prefix=PREFIX)
    app.include_router(keys.router, prefix=PREFIX)
    app.include_router(log.router)
    # The web pages, beside the API: the same context, the same use cases.
    web.install(app, settings)
    upload_limit = settings.max_upload_bytes + MULTIPART_OVERHEAD
    uploads = [
        (method, PREFIX + route.path, upload_limit)
        for route in evidence.uploads.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    ]
    uploads += [("POST", path, upload_limit) for path in web.UPLOAD_PATHS]
    app.add_middleware(BodyLimit, default=settings.max_body_bytes, routes=uploads)
    app.add_middleware(_MarkEventLoop)
    _finish_openapi(app)
    return app


class _MarkEventLoop:
    """Each request runs marked as on the event loop's thread (see :meth:`Context.transaction`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with serving_on_event_loop():
            await self.app(scope, receive, send)


_FROZEN = False


def _freeze_start_up() -> None:
    """Keep what start-up made (modules, the app, its schemas), which lives as long as the process, out of
    the garbage collector's full passes, which would otherwise walk it all again mid-request. Once per
    process: a process that builds many apps (the tests) must not make each one's garbage immortal."""
    global _FROZEN
    if not _FROZEN:
        _FROZEN = True
        gc.collect()
        gc.freeze()


def create_app_from_env() -> FastAPI:
    return create_app(Settings.from_env())


def _finish_openapi(app: FastAPI) -> None:
    """Add the problem-details schema the error responses refer to, and say of form fields what a form
    can carry: an optional field is left out, never sent as null."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components["Problem"] = errors.Problem.model_json_schema()
            for form in _form_schemas(schema):
                for name, prop in form.get("properties", {}).items():
                    form["properties"][name] = _without_null(prop)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _form_schemas(schema: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            ref = content.get("multipart/form-data", {}).get("schema", {}).get("$ref", "")
            if ref.startswith("#/components/schemas/"):
                found.append(schema["components"]["schemas"][ref.rsplit("/", 1)[-1]])
    return found


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    branches = [b for b in prop.get("anyOf", []) if b != {"type": "null"}]
    if len(branches) != 1 or len(prop.get("anyOf", [])) != 2:
        return prop
    rest = {k: v for k, v in prop.items() if k != "anyOf"}
    return {**branches[0], **rest}
