"""Dependencies of the routes, as ``Annotated`` aliases so that a route's signature reads as prose.

They are ``async``: FastAPI runs a synchronous dependency in its thread pool, a hop that costs more than
the work of these. The one that may block (a token not in the cache is looked up in the database) hands
just that lookup to the thread pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from fastapi.security.utils import get_authorization_scheme_param

from qualbridge.errors import AuthError
from qualbridge.services import tokens
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
from qualbridge.services.idempotency import check_key

#: The largest page any listing returns.
PAGE_MAX = 200


async def _context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


ContextDep = Annotated[Context, Depends(_context)]


class BearerToken(SecurityBase):
    """The caller, from an API token sent as ``Authorization: Bearer qbt_…``.

    A single dependency (FastAPI solves each of a route's dependencies anew for every request) that the
    OpenAPI document shows as the ``HTTPBearer`` security scheme, as FastAPI's own class would be."""

    def __init__(self) -> None:
        self.model = HTTPBearerModel(
            bearerFormat="qbt_…",
            description="An API token: `Authorization: Bearer qbt_…` "
            "(issue one with POST /api/v1/auth/tokens).",
        )
        self.scheme_name = "HTTPBearer"

    async def __call__(self, request: Request) -> Actor:
        scheme, secret = get_authorization_scheme_param(request.headers.get("Authorization"))
        if scheme.lower() != "bearer" or not secret:
            raise AuthError("this needs an API token: send 'Authorization: Bearer qbt_…'")
        ctx: Context = request.app.state.context
        if (cached := tokens.cached_actor(ctx, secret)) is not None:
            return cached
        return await run_in_threadpool(tokens.resolve_token, ctx, secret)


ActorDep = Annotated[Actor, Depends(BearerToken())]


@dataclass(frozen=True, slots=True)
class Pagination:
    limit: int
    offset: int


async def _pagination(
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX, description="Items per page.")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")] = 0,
) -> Pagination:
    return Pagination(limit=limit, offset=offset)


PageDep = Annotated[Pagination, Depends(_pagination)]


async def _idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Makes a retried request safe: the same key with the same request gets the first "
            "response again (kept 24 hours).",
            max_length=255,
        ),
    ] = None,
) -> str | None:
    return None if key is None else check_key(key)


IdempotencyKeyDep = Annotated[str | None, Depends(_idempotency_key)]


def mark_replay(response: Response, replayed: bool) -> None:
    """Tell the client its retry got the stored answer of the first request with this key."""
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
