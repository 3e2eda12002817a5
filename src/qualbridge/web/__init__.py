"""The web application: server-rendered pages (Jinja2 + HTMX) for vendors, fabs, labs and the center.

:func:`install` mounts it into the FastAPI application beside the JSON API (``/api/v1``). Pages call the
use cases of ``qualbridge.services`` with the same actor the API would build, never the API over HTTP and
never the store. See docs/web.md.
"""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from qualbridge.settings import Settings
from qualbridge.web.deps import error_page
from qualbridge.web.render import STATIC
from qualbridge.web.routes import ROUTERS, UPLOAD_PATHS
from qualbridge.web.session import Signer

__all__ = ["UPLOAD_PATHS", "install"]

#: Paths read by programs, not people: their errors stay RFC 9457 problem documents.
MACHINE_PATHS = ("/api/", "/log/")


def install(app: FastAPI, settings: Settings) -> None:
    """Add the pages and their static files to ``app`` (whose ``state.context`` they use), after the
    API's error handlers: HTTP errors outside the machine-facing paths (``/api/``, the log's ``/log/``)
    become pages."""
    app.state.web_signer = Signer(settings.secret_key.get_secret_value())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    api_errors = app.exception_handlers[StarletteHTTPException]

    async def http_error(request: Request, exc: Exception) -> Response:
        """An unknown page or a wrong method: a page for a browser, a problem document for the API and
        the log's readers (witnesses, monitors)."""
        if request.url.path.startswith(MACHINE_PATHS) or not isinstance(exc, StarletteHTTPException):
            answer = api_errors(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        return await run_in_threadpool(error_page, request, exc)

    app.add_exception_handler(StarletteHTTPException, http_error)
