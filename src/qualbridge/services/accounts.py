"""Organizations, their users, and password sign-in (Argon2id)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass

from argon2.exceptions import InvalidHashError, VerificationError

from qualbridge.errors import AuthError, ConflictError, InputError, at
from qualbridge.services import _checks, audit
from qualbridge.services.actor import ORG_KINDS, ROLES, Actor, OrgKind, Role, as_org_kind, as_role
from qualbridge.services.authz import authorize, max_scope
from qualbridge.services.context import Context
from qualbridge.services.records import OrgEntry, OrgRecord, Page, UserRecord
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.models import Organization, User

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
MIN_PASSWORD = 12


def _org_record(org: Organization) -> OrgRecord:
    return OrgRecord.model_validate(org, from_attributes=True)


def _user_record(user: User) -> UserRecord:
    return UserRecord.model_validate(user, from_attributes=True)


@dataclass(frozen=True, slots=True)
class _OrgDraft:
    kind: str
    name_en: str
    name_zh: str
    country: str
    #: None: made from the English name when stored.
    slug: str | None


def slug_of(name: str) -> str:
    """A URL-safe short name from an organization's English name: ``Dresden Example Wafer Fab`` →
    ``dresden-example-wafer-fab`` (accents dropped; at most 56 characters, leaving room for a suffix)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:56].strip("-") or "org"


def _free_slug(uow: UnitOfWork, draft: _OrgDraft) -> str:
    if draft.slug is not None:
        if uow.accounts.org_by_slug(draft.slug) is not None:
            raise ConflictError(f"the slug {draft.slug!r} is taken: choose another", at(field="slug"))
        return draft.slug
    base = slug_of(draft.name_en)
    slug, n = base, 1
    while uow.accounts.org_by_slug(slug) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _draft_org(kind: str, name_en: str, name_zh: str, country: str, slug: str | None = None) -> _OrgDraft:
    if kind not in ORG_KINDS:
        raise InputError(
            f"unknown organization kind {kind!r}", at(field="kind"), expected=", ".join(ORG_KINDS)
        )
    if not _COUNTRY.match(country):
        raise InputError(f"{country!r} is not a country code", at(field="country"), expected="ISO 3166 'CN'")
    if slug is not None and not _SLUG.match(slug):
        raise InputError(
            f"{slug!r} is not a slug", at(field="slug"), expected="lower-case letters, digits and '-', ≤ 63"
        )
    return _OrgDraft(
        kind=kind,
        name_en=_checks.text(name_en, "name_en", max_length=200),
        name_zh=_checks.text(name_zh, "name_zh", max_length=200),
        country=country,
        slug=slug,
    )


@dataclass(frozen=True, slots=True)
class _UserDraft:
    """A validated new user, its password already hashed (slow on purpose: outside any transaction)."""

    email: str
    name: str
    role: str
    password_hash: str | None

    def row(self, org_id: uuid.UUID, now: dt.datetime) -> User:
        return User(
            org_id=org_id,
            email=self.email,
            name=self.name,
            role=self.role,
            password_hash=self.password_hash,
            created_at=now,
        )


def _draft_user(ctx: Context, *, email: str, name: str, role: str, password: str | None) -> _UserDraft:
    email = _checks.text(email, "email", max_length=254).lower()
    if not _EMAIL.match(email):
        raise InputError(f"{email!r} is not an e-mail address", at(field="email"))
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}", at(field="role"), expected=", ".join(ROLES))
    name = _checks.text(name, "name", max_length=200)
    if password is not None and len(password) < MIN_PASSWORD:
        raise InputError(f"a password needs at least {MIN_PASSWORD} characters", at(field="password"))
    password_hash = None if password is None else ctx.hasher.hash(password)
    return _UserDraft(email=email, name=name, role=role, password_hash=password_hash)


def _add_org(ctx: Context, uow: UnitOfWork, draft: _OrgDraft, admin: _UserDraft) -> tuple[Organization, User]:
    if uow.accounts.org_named(draft.name_en) is not None:
        raise ConflictError(f"an organization named {draft.name_en!r} exists already", at(field="name_en"))
    if uow.accounts.user_by_email(admin.email) is not None:
        raise ConflictError(f"{admin.email} is registered already", at(field="admin_email"))
    now = ctx.clock()
    org = Organization(
        kind=draft.kind,
        name_en=draft.name_en,
        slug=_free_slug(uow, draft),
        name_zh=draft.name_zh,
        country=draft.country,
        created_at=now,
    )
    uow.accounts.add(org)
    user = admin.row(org.id, now)
    uow.accounts.add(user)
    return org, user


def bootstrap_organization(
    ctx: Context,
    *,
    kind: OrgKind,
    name_en: str,
    name_zh: str,
    country: str,
    admin_email: str,
    admin_name: str,
    admin_password: str | None,
    slug: str | None = None,
) -> tuple[OrgRecord, UserRecord]:
    """Register an organization and its first admin without an actor: for the operator (CLI, seeding)."""
    draft = _draft_org(kind, name_en, name_zh, country, slug)
    admin = _draft_user(ctx, email=admin_email, name=admin_name, role="admin", password=admin_password)

    def work(uow: UnitOfWork) -> tuple[OrgRecord, UserRecord]:
        org, user = _add_org(ctx, uow, draft, admin)
        founder = Actor(org.id, kind, user.id, "admin", "write")
        audit.record(
            uow, founder, "org.bootstrap", object_type="organization", object_id=org.id, at=ctx.clock()
        )
        return _org_record(org), _user_record(user)

    return ctx.write(work)


def create_organization(
    ctx: Context,
    actor: Actor,
    *,
    kind: OrgKind,
    name_en: str,
    name_zh: str,
    country: str,
    admin_email: str,
    admin_name: str,
    admin_password: str | None,
    slug: str | None = None,
) -> tuple[OrgRecord, UserRecord]:
    """The center registers a participating organization and its first admin."""
    authorize(actor, "org.create")
    draft = _draft_org(kind, name_en, name_zh, country, slug)
    admin = _draft_user(ctx, email=admin_email, name=admin_name, role="admin", password=admin_password)

    def work(uow: UnitOfWork) -> tuple[OrgRecord, UserRecord]:
        org, user = _add_org(ctx, uow, draft, admin)
        detail = {"kind": kind, "name_en": org.name_en}
        audit.record(
            uow,
            actor,
            "org.create",
            object_type="organization",
            object_id=org.id,
            at=ctx.clock(),
            detail=detail,
        )
        return _org_record(org), _user_record(user)

    return ctx.write(work)


def current(ctx: Context, actor: Actor) -> tuple[OrgRecord, UserRecord]:
    """The actor's organization and user."""
    authorize(actor, "org.read")
    with ctx.transaction() as uow:
        org = uow.accounts.org(actor.org_id)
        user = uow.accounts.user(actor.user_id)
        if org is None or user is None:
            raise AuthError("the user of this token no longer exists")
        return _org_record(org), _user_record(user)


def list_organizations(ctx: Context, actor: Actor) -> list[OrgRecord]:
    """Every participating organization, by kind and name (the center's view)."""
    authorize(actor, "org.list")
    with ctx.transaction() as uow:
        return [_org_record(o) for o in uow.accounts.orgs()]


def create_user(
    ctx: Context, actor: Actor, *, email: str, name: str, role: Role, password: str | None
) -> UserRecord:
    """An admin adds a user to their own organization."""
    authorize(actor, "users.create")
    draft = _draft_user(ctx, email=email, name=name, role=role, password=password)

    def work(uow: UnitOfWork) -> UserRecord:
        if uow.accounts.user_by_email(draft.email) is not None:
            raise ConflictError(f"{draft.email} is registered already", at(field="email"))
        user = draft.row(actor.org_id, ctx.clock())
        uow.accounts.add(user)
        detail = {"email": user.email, "role": role}
        audit.record(
            uow, actor, "user.create", object_type="user", object_id=user.id, at=ctx.clock(), detail=detail
        )
        return _user_record(user)

    return ctx.write(work)


def list_users(ctx: Context, actor: Actor) -> list[UserRecord]:
    authorize(actor, "users.read")
    with ctx.transaction() as uow:
        return [_user_record(u) for u in uow.accounts.users_of(actor.org_id)]


def sign_in(ctx: Context, *, email: str, password: str) -> UserRecord:
    """The user whose e-mail and password these are, or :class:`AuthError` (one message for both a
    wrong e-mail and a wrong password, so sign-in does not reveal who is registered)."""
    with ctx.transaction() as uow:
        user = uow.accounts.user_by_email(email.strip())
        stored = user.password_hash if user is not None and user.disabled_at is None else None
    try:
        # Verify against a real hash even for an unknown user, so the answer takes the same time.
        ctx.hasher.verify(stored or _dummy_hash(ctx), password)
    except (VerificationError, InvalidHashError):
        stored = None
    if user is None or stored is None:
        raise AuthError("wrong e-mail or password")
    if ctx.hasher.check_needs_rehash(stored):
        _rehash(ctx, user.id, password)
    return _user_record(user)


def password_actor(ctx: Context, *, email: str, password: str) -> Actor:
    """The actor a person is when they sign in with e-mail and password on the command line against the
    local database: their role, and the widest scope it may hold (as a web sign-in gets)."""
    user = sign_in(ctx, email=email, password=password)
    with ctx.transaction() as uow:
        org = uow.accounts.org(user.org_id)
        assert org is not None, "a user's organization is never deleted"
        role = as_role(user.role)
        return Actor(org.id, as_org_kind(org.kind), user.id, role, max_scope(role))


_DUMMY: dict[tuple[object, ...], str] = {}


def _dummy_hash(ctx: Context) -> str:
    """A hash made with the current parameters, to verify against when there is no user."""
    h = ctx.hasher
    key = (h.time_cost, h.memory_cost, h.parallelism, h.hash_len, h.salt_len, h.type)
    if key not in _DUMMY:
        _DUMMY[key] = h.hash(secrets.token_urlsafe(16))
    return _DUMMY[key]


def _rehash(ctx: Context, user_id: uuid.UUID, password: str) -> None:
    """Upgrade a hash made with weaker parameters than the current ones (on a successful sign-in)."""
    new_hash = ctx.hasher.hash(password)
    with ctx.transaction(write=True) as uow:
        user = uow.accounts.user(user_id)
        if user is not None:
            user.password_hash = new_hash


def directory(
    ctx: Context,
    actor: Actor,
    *,
    kind: OrgKind | None = None,
    search: str | None = None,
    limit: int,
    offset: int,
) -> Page[OrgEntry]:
    """Every participating organization's public entry (id, slug, names, kind, country), by English name:
    how a vendor finds the fab to share a package with. Nothing else of an organization is listed."""
    authorize(actor, "orgs.directory")
    if search is not None:
        search = _checks.text(search, "q", max_length=100, required=False)
    with ctx.transaction() as uow:
        page = uow.accounts.directory(kind=kind, search=search, limit=limit, offset=offset)
        return Page(
            items=[OrgEntry.model_validate(o, from_attributes=True) for o in page.items],
            total=page.total,
            limit=limit,
            offset=offset,
        )
