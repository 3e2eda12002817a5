"""Request body size limits, answered with a 413 problem document.

A body whose declared ``Content-Length`` is over the limit is refused before any of it is read; a body
sent without a length (chunked) is counted as it arrives and refused as soon as it passes the limit.
Uploads have their own, larger limit; every other request has the small default of a JSON body.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qualbridge.api.errors import problem


class BodyLimit:
    def __init__(self, app: ASGIApp, *, default: int, routes: Iterable[tuple[str, str, int]] = ()) -> None:
        self.app = app
        self.default = default
        self.routes = {(method, path): limit for method, path, limit in routes}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.routes.get((scope["method"], scope["path"].rstrip("/")), self.default)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            response = problem(Request(scope), 413, slug="too-large", detail=_detail(limit), limit=limit)
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, detail=_detail(limit))
            return message

        await self.app(scope, counted, send)


def _detail(limit: int) -> str:
    return f"the request body is larger than the limit of {limit} bytes"


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    try:
        return None if value is None else int(value)
    except ValueError:
        return None
