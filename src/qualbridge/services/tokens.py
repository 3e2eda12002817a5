"""API tokens: issue (shown once), list, revoke, and resolve a bearer token to the actor it stands for.

A token is ``qbt_`` + 43 URL-safe characters (256 random bits). Only its sha256 is stored, so a copy of
the database grants nothing. Tokens expire, can be revoked, and carry a scope (``read`` or ``write``)
that never exceeds what the user's role allows, checked again at every use (a demoted user's old write
token no longer writes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid

from qualbridge.errors import AuthError, InputError, NotFoundError, PermissionDeniedError, at
from qualbridge.services import _checks, audit
from qualbridge.services.accounts import sign_in
from qualbridge.services.actor import Actor, Role, Scope, as_org_kind, as_role
from qualbridge.services.authz import authorize, max_scope
from qualbridge.services.context import Context
from qualbridge.services.records import IssuedToken, TokenRecord
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.models import ApiToken

PREFIX = "qbt_"
_SHAPE = re.compile(r"^qbt_[A-Za-z0-9_-]{43}$")
#: ``last_used_at`` is refreshed at most this often, so that reads do not each cost a write.
TOUCH_INTERVAL = dt.timedelta(minutes=1)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _record(token: ApiToken) -> TokenRecord:
    return TokenRecord.model_validate(token, from_attributes=True)


def _issue(
    ctx: Context,
    *,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    role: Role,
    name: str,
    scope: Scope,
    ttl_days: int | None,
) -> tuple[ApiToken, str]:
    name = _checks.text(name, "name", max_length=100)
    if scope == "write" and max_scope(role) != "write":
        raise PermissionDeniedError(f"a {role} may only hold read tokens")
    if ttl_days is not None and ttl_days < 1:
        raise InputError("a token lives at least a day", at(field="expires_in_days"))
    # Longer than the service allows is shortened, not refused: the answer shows the real expiry.
    days = min(ttl_days or ctx.limits.token_ttl_days, ctx.limits.token_ttl_days)
    secret = PREFIX + secrets.token_urlsafe(32)
    now = ctx.clock()
    row = ApiToken(
        org_id=org_id,
        user_id=user_id,
        name=name,
        token_sha256=token_hash(secret),
        prefix=secret[:12],
        scope=scope,
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    return row, secret


def issue_token(
    ctx: Context, actor: Actor, *, name: str, scope: Scope, ttl_days: int | None = None
) -> IssuedToken:
    """A new token for the actor's own user."""
    authorize(actor, "tokens.issue")
    row, secret = _issue(
        ctx,
        org_id=actor.org_id,
        user_id=actor.user_id,
        role=actor.role,
        name=name,
        scope=scope,
        ttl_days=ttl_days,
    )

    def work(uow: UnitOfWork) -> IssuedToken:
        uow.accounts.add(row)
        audit.record(
            uow,
            actor,
            "token.issue",
            object_type="token",
            object_id=row.id,
            at=row.created_at,
            detail={"scope": scope, "name": row.name},
        )
        return IssuedToken(token=_record(row), secret=secret)

    return ctx.write(work, attempts=1)


def issue_token_for_password(
    ctx: Context, *, email: str, password: str, name: str, scope: Scope | None, ttl_days: int | None = None
) -> IssuedToken:
    """Sign in with e-mail and password and receive a new token (how a person gets their first one);
    ``scope`` None is the widest the user's role allows (a web session acts as its user would)."""
    user = sign_in(ctx, email=email, password=password)
    granted: Scope = scope or max_scope(user.role)
    row, secret = _issue(
        ctx, org_id=user.org_id, user_id=user.id, role=user.role, name=name, scope=granted, ttl_days=ttl_days
    )

    def work(uow: UnitOfWork) -> IssuedToken:
        org = uow.accounts.org(user.org_id)
        assert org is not None, "a user's organization is never deleted"
        uow.accounts.add(row)
        actor = Actor(org.id, as_org_kind(org.kind), user.id, user.role, granted, row.id)
        audit.record(
            uow,
            actor,
            "token.issue",
            object_type="token",
            object_id=row.id,
            at=row.created_at,
            detail={"scope": granted, "name": row.name, "by": "password"},
        )
        return IssuedToken(token=_record(row), secret=secret)

    return ctx.write(work, attempts=1)


def list_tokens(ctx: Context, actor: Actor, *, whole_org: bool = False) -> list[TokenRecord]:
    """The actor's own tokens; an admin may ask for every token of the organization."""
    authorize(actor, "tokens.read")
    if whole_org and actor.role != "admin":
        raise PermissionDeniedError("only an admin may list the tokens of other users")
    with ctx.transaction() as uow:
        rows = uow.accounts.tokens(actor.org_id, user_id=None if whole_org else actor.user_id)
        return [_record(r) for r in rows]


def revoke_token(ctx: Context, actor: Actor, token_id: uuid.UUID) -> TokenRecord:
    """Revoke one of the actor's tokens (an admin: any token of the organization). Idempotent."""
    authorize(actor, "tokens.revoke")

    def work(uow: UnitOfWork) -> TokenRecord:
        row = uow.accounts.token(actor.org_id, token_id)
        if row is None or (row.user_id != actor.user_id and actor.role != "admin"):
            raise NotFoundError(f"no token {token_id}", at(field="token_id"))
        if row.revoked_at is None:
            row.revoked_at = ctx.clock()
            audit.record(uow, actor, "token.revoke", object_type="token", object_id=row.id, at=row.revoked_at)
        return _record(row)

    revoked = ctx.write(work, attempts=1)
    ctx.token_cache.forget(token_id)
    return revoked


def cached_actor(ctx: Context, secret: str) -> Actor | None:
    """The actor of a token verified in the last few seconds, without touching the database (None: not
    in the cache, so :func:`resolve_token` must look it up). A malformed token is refused here."""
    if not _SHAPE.match(secret):
        raise AuthError("malformed token", expected="qbt_ followed by 43 characters")
    return ctx.token_cache.get(token_hash(secret), ctx.clock())


def resolve_token(ctx: Context, secret: str) -> Actor:
    """The actor a bearer token stands for, or :class:`AuthError` saying why it does not count.

    A token verified in the last few seconds is taken from ``ctx.token_cache`` without a lookup."""
    if (cached := cached_actor(ctx, secret)) is not None:
        return cached
    now = ctx.clock()
    digest = token_hash(secret)
    with ctx.transaction() as uow:
        found = uow.accounts.token_by_hash(digest)
        if found is None:
            raise AuthError("unknown token")
        token, user, org = found
        if token.revoked_at is not None:
            raise AuthError("this token was revoked")
        if token.expires_at <= now:
            raise AuthError("this token has expired")
        if user.disabled_at is not None:
            raise AuthError("this token's user is disabled")
        stale = token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL
        role: Role = as_role(user.role)
        scope: Scope = "write" if token.scope == "write" and max_scope(role) == "write" else "read"
        actor = Actor(org.id, as_org_kind(org.kind), user.id, role, scope, token.id)
        expires_at = token.expires_at
    if stale:
        with ctx.transaction(write=True) as uow:
            uow.accounts.touch_token(actor.token_id or token.id, now)
    ctx.token_cache.put(digest, actor, expires_at)
    return actor
