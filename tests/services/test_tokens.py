"""API tokens: shown once, stored hashed, scoped, revocable, expiring."""

import dataclasses
import datetime as dt
import hashlib
import uuid

import pytest

from qualbridge.errors import AuthError, InputError, NotFoundError, PermissionDeniedError
from qualbridge.services import accounts, tokens
from qualbridge.services.context import Context
from qualbridge.services.token_cache import TokenCache
from qualbridge.store.models import ApiToken
from tests.services.samples import member, new_org
from tests.store.databases import TickingClock

PASSWORD = "correct horse battery staple"


def test_a_token_is_shown_once_and_only_its_hash_is_kept(ctx: Context) -> None:
    admin = new_org(ctx)
    issued = tokens.issue_token(ctx, admin, name="CI upload", scope="write")
    assert issued.secret.startswith("qbt_")
    assert len(issued.secret) == 47
    assert issued.token.prefix == issued.secret[:12]
    with ctx.transaction() as uow:
        rows = uow.session.query(ApiToken).all()
        assert [r.token_sha256 for r in rows] == [hashlib.sha256(issued.secret.encode()).hexdigest()]
    listed = tokens.list_tokens(ctx, admin)
    assert [t.id for t in listed] == [issued.token.id]
    assert issued.secret not in repr(listed)


def test_a_token_resolves_to_its_user_organization_and_scope(ctx: Context) -> None:
    admin = new_org(ctx, "lab")
    issued = tokens.issue_token(ctx, admin, name="read", scope="read")
    actor = tokens.resolve_token(ctx, issued.secret)
    assert (actor.org_id, actor.org_kind, actor.user_id, actor.role) == (
        admin.org_id,
        "lab",
        admin.user_id,
        "admin",
    )
    assert (actor.scope, actor.token_id) == ("read", issued.token.id)
    [listed] = tokens.list_tokens(ctx, admin)
    assert listed.last_used_at is not None


def test_signing_in_with_a_password_issues_a_token(ctx: Context) -> None:
    admin = new_org(ctx)
    _, user = accounts.current(ctx, admin)
    issued = tokens.issue_token_for_password(
        ctx, email=user.email, password=PASSWORD, name="laptop", scope="write"
    )
    assert tokens.resolve_token(ctx, issued.secret).user_id == user.id
    with pytest.raises(AuthError, match="wrong e-mail or password"):
        tokens.issue_token_for_password(
            ctx, email=user.email, password="guess guess guess", name="x", scope="read"
        )


def test_revoked_and_expired_tokens_stop_working(ctx: Context, clock: TickingClock) -> None:
    admin = new_org(ctx)
    revoked = tokens.issue_token(ctx, admin, name="leaked", scope="write")
    tokens.revoke_token(ctx, admin, revoked.token.id)
    with pytest.raises(AuthError, match="revoked"):
        tokens.resolve_token(ctx, revoked.secret)
    again = tokens.revoke_token(ctx, admin, revoked.token.id)
    assert again.revoked_at is not None, "revoking twice is harmless"

    short = tokens.issue_token(ctx, admin, name="one day", scope="read", ttl_days=1)
    clock.advance(dt.timedelta(hours=23))
    tokens.resolve_token(ctx, short.secret)
    clock.advance(dt.timedelta(hours=1))
    with pytest.raises(AuthError, match="expired"):
        tokens.resolve_token(ctx, short.secret)


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("", "malformed"),
        ("Bearer x", "malformed"),
        ("qbt_" + "A" * 43, "unknown token"),
        ("qbt_" + "é" * 43, "malformed"),
    ],
)
def test_bad_tokens_are_refused(ctx: Context, secret: str, message: str) -> None:
    with pytest.raises(AuthError, match=message):
        tokens.resolve_token(ctx, secret)


def test_scopes_never_exceed_the_role(ctx: Context) -> None:
    admin = new_org(ctx)
    viewer = member(ctx, admin, "viewer", scope="read")
    with pytest.raises(PermissionDeniedError, match="write scope"):
        tokens.issue_token(ctx, viewer, name="x", scope="read")
    engineer = member(ctx, admin, "engineer")
    read_only = tokens.issue_token(ctx, engineer, name="dashboard", scope="read")
    assert tokens.resolve_token(ctx, read_only.secret).scope == "read"
    # An engineer demoted to viewer keeps their token, but it no longer writes.
    writer = tokens.issue_token(ctx, engineer, name="uploads", scope="write")
    with ctx.transaction(write=True) as uow:
        user = uow.accounts.user(engineer.user_id)
        assert user is not None
        user.role = "viewer"
    demoted = tokens.resolve_token(ctx, writer.secret)
    assert (demoted.role, demoted.scope) == ("viewer", "read")


def test_token_lifetimes_are_bounded(ctx: Context) -> None:
    admin = new_org(ctx)
    with pytest.raises(InputError, match="at least a day"):
        tokens.issue_token(ctx, admin, name="x", scope="read", ttl_days=0)
    longest = dt.timedelta(days=ctx.limits.token_ttl_days)
    for days in (None, ctx.limits.token_ttl_days + 1, 3650):
        issued = tokens.issue_token(ctx, admin, name="x", scope="read", ttl_days=days)
        assert issued.token.expires_at - issued.token.created_at == longest
    week = tokens.issue_token(ctx, admin, name="x", scope="read", ttl_days=7).token
    assert week.expires_at - week.created_at == dt.timedelta(days=7)


def test_tokens_of_others_are_out_of_reach(ctx: Context) -> None:
    a, b = new_org(ctx), new_org(ctx)
    colleague = member(ctx, a, "engineer")
    theirs = tokens.issue_token(ctx, colleague, name="theirs", scope="write")
    other_org = tokens.issue_token(ctx, b, name="other org", scope="write")
    with pytest.raises(NotFoundError):
        tokens.revoke_token(ctx, colleague, tokens.issue_token(ctx, a, name="admin's", scope="read").token.id)
    with pytest.raises(NotFoundError):
        tokens.revoke_token(ctx, a, other_org.token.id)
    with pytest.raises(PermissionDeniedError, match="only an admin"):
        tokens.list_tokens(ctx, colleague, whole_org=True)
    assert theirs.token.id in {t.id for t in tokens.list_tokens(ctx, a, whole_org=True)}
    assert other_org.token.id not in {t.id for t in tokens.list_tokens(ctx, a, whole_org=True)}
    tokens.revoke_token(ctx, a, theirs.token.id)  # an admin may revoke a colleague's token
    with pytest.raises(AuthError, match="revoked"):
        tokens.resolve_token(ctx, theirs.secret)
    tokens.resolve_token(ctx, other_org.secret)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _revoke_elsewhere(ctx: Context, token_id: uuid.UUID, at: dt.datetime) -> None:
    """Revoke as another worker process would: in the database, not through this process's cache."""
    with ctx.transaction(write=True) as uow:
        row = uow.session.get(ApiToken, token_id)
        assert row is not None
        row.revoked_at = at


def test_verified_tokens_are_cached_briefly_and_revocation_counts(ctx: Context, clock: TickingClock) -> None:
    seconds = FakeMonotonic()
    ctx = dataclasses.replace(ctx, token_cache=TokenCache(ttl=5, monotonic=seconds))
    admin = new_org(ctx)
    issued = tokens.issue_token(ctx, admin, name="cached", scope="write")
    actor = tokens.resolve_token(ctx, issued.secret)
    # Revoked by another worker: this one trusts its verification for at most ttl seconds.
    _revoke_elsewhere(ctx, issued.token.id, clock())
    assert tokens.resolve_token(ctx, issued.secret) == actor
    seconds.now += 5
    with pytest.raises(AuthError, match="revoked"):
        tokens.resolve_token(ctx, issued.secret)
    # Revoked through this process: refused at once, and a lookup racing the revocation cannot put the
    # token back.
    second = tokens.issue_token(ctx, admin, name="second", scope="read")
    cached = tokens.resolve_token(ctx, second.secret)
    tokens.revoke_token(ctx, admin, second.token.id)
    with pytest.raises(AuthError, match="revoked"):
        tokens.resolve_token(ctx, second.secret)
    ctx.token_cache.put(tokens.token_hash(second.secret), cached, cached_expiry(ctx, second.token.id))
    assert ctx.token_cache.get(tokens.token_hash(second.secret), clock()) is None
    # Expiry is checked on every hit, against the service's clock.
    short = tokens.issue_token(ctx, admin, name="short", scope="read", ttl_days=1)
    tokens.resolve_token(ctx, short.secret)
    clock.advance(dt.timedelta(days=1))
    with pytest.raises(AuthError, match="expired"):
        tokens.resolve_token(ctx, short.secret)
    # Unknown tokens are never cached; ttl 0 turns the cache off.
    with pytest.raises(AuthError, match="unknown"):
        tokens.resolve_token(ctx, "qbt_" + "B" * 43)
    off = dataclasses.replace(ctx, token_cache=TokenCache(ttl=0))
    third = tokens.issue_token(off, admin, name="uncached", scope="read")
    tokens.resolve_token(off, third.secret)
    _revoke_elsewhere(off, third.token.id, clock())
    with pytest.raises(AuthError, match="revoked"):
        tokens.resolve_token(off, third.secret)


def cached_expiry(ctx: Context, token_id: uuid.UUID) -> dt.datetime:
    with ctx.transaction() as uow:
        row = uow.session.get(ApiToken, token_id)
        assert row is not None
        return row.expires_at
