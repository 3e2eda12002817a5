"""``/auth/tokens`` (sign in with a password) and ``/tokens`` (the caller's API tokens)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, status

from qualbridge.api.deps import ActorDep, ContextDep
from qualbridge.api.errors import COMMON, responses
from qualbridge.api.schemas import PasswordTokenIn, TokenIn, TokenIssuedOut, TokenOut
from qualbridge.services import tokens

router = APIRouter(tags=["tokens"], responses=responses(*COMMON))


@router.post(
    "/auth/tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenIssuedOut,
)
def sign_in(body: PasswordTokenIn, ctx: ContextDep) -> TokenIssuedOut:
    """Sign in with e-mail and password and receive a new API token (shown once)."""
    issued = tokens.issue_token_for_password(
        ctx,
        email=body.email,
        password=body.password,
        name=body.name,
        scope=body.scope,
        ttl_days=body.expires_in_days,
    )
    return TokenIssuedOut.model_validate(issued)


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenIssuedOut,
)
def issue(body: TokenIn, ctx: ContextDep, actor: ActorDep) -> TokenIssuedOut:
    """Issue another token for the caller (shown once)."""
    issued = tokens.issue_token(ctx, actor, name=body.name, scope=body.scope, ttl_days=body.expires_in_days)
    return TokenIssuedOut.model_validate(issued)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(
    ctx: ContextDep,
    actor: ActorDep,
    whole_org: bool = Query(False, description="Every token of the organization (admins only)."),
) -> list[TokenOut]:
    """The caller's tokens (never their secrets)."""
    return [TokenOut.model_validate(t) for t in tokens.list_tokens(ctx, actor, whole_org=whole_org)]


@router.delete("/tokens/{token_id}", response_model=TokenOut, responses=responses(404))
def revoke(token_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> TokenOut:
    """Revoke a token at once (an admin may revoke any token of the organization). Idempotent."""
    return TokenOut.model_validate(tokens.revoke_token(ctx, actor, token_id))
