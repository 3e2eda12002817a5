"""The web application: server-rendered pages (Jinja2 + HTMX) for vendors, fabs, labs and the center.

:func:`install` mounts it into the FastAPI application beside the JSON API (``/api/v1``). Pages call the
use cases of ``qualbridge.services`` with the same actor the API would build, never the API over HTTP and
never the store. See docs/web.md.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from qualbridge.settings import Settings
from qualbridge.web.render import STATIC
from qualbridge.web.routes import ROUTERS, UPLOAD_PATHS
from qualbridge.web.session import Signer

__all__ = ["UPLOAD_PATHS", "install"]


def install(app: FastAPI, settings: Settings) -> None:
    """Add the pages and their static files to ``app`` (whose ``state.context`` they use)."""
    app.state.web_signer = Signer(settings.secret_key.get_secret_value())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
