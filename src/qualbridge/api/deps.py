"""Dependencies of the routes, as ``Annotated`` aliases so that a route's signature reads as prose."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from qualbridge.errors import AuthError
from qualbridge.services import tokens
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
from qualbridge.services.idempotency import check_key

_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="qbt_…",
    description="An API token: `Authorization: Bearer qbt_…` (issue one with POST /api/v1/auth/tokens).",
)

#: The largest page any listing returns.
PAGE_MAX = 200


def _context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


ContextDep = Annotated[Context, Depends(_context)]


def _actor(
    ctx: ContextDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Actor:
    if credentials is None:
        raise AuthError("this needs an API token: send 'Authorization: Bearer qbt_…'")
    return tokens.resolve_token(ctx, credentials.credentials)


ActorDep = Annotated[Actor, Depends(_actor)]


@dataclass(frozen=True, slots=True)
class Pagination:
    limit: int
    offset: int


def _pagination(
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX, description="Items per page.")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")] = 0,
) -> Pagination:
    return Pagination(limit=limit, offset=offset)


PageDep = Annotated[Pagination, Depends(_pagination)]


def _idempotency_key(
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
