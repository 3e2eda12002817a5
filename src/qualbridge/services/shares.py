"""Grants: a vendor shares a package with a named fab until a date, and may revoke it earlier.

A grant is the only way another organization's data becomes visible. It is active while it is neither
revoked nor past ``expires_at``; a fab whose grant lapsed gets "not found", as if the package never
existed. Granting again adds a grant (the latest expiry counts); revoking is final for that grant.
Each grant is also an ODRL-shaped statement signed by the vendor and appended to the transparency log.
"""

from __future__ import annotations

import datetime as dt
import uuid

from qualbridge.errors import InputError, NotFoundError, at
from qualbridge.services import attestations, audit, transparency
from qualbridge.services.actor import Actor
from qualbridge.services.authz import authorize
from qualbridge.services.context import Context
from qualbridge.services.idempotency import Guard, Once, records, write_once
from qualbridge.services.packages import owned_package
from qualbridge.services.records import OrgEntry, Record
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.models import Organization, Share

#: The longest a grant may run; a vendor renews a longer relationship with a new grant.
MAX_GRANT = dt.timedelta(days=3 * 365)


class ShareRecord(Record):
    id: uuid.UUID
    package_id: uuid.UUID
    fab_org_id: uuid.UUID
    fab_name_en: str
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    created_at: dt.datetime
    active: bool


def _record(share: Share, fab: Organization, now: dt.datetime) -> ShareRecord:
    return ShareRecord(
        id=share.id,
        package_id=share.package_id,
        fab_org_id=share.fab_org_id,
        fab_name_en=fab.name_en,
        expires_at=share.expires_at,
        revoked_at=share.revoked_at,
        created_at=share.created_at,
        active=share.revoked_at is None and share.expires_at > now,
    )


def _fab(
    uow: UnitOfWork, fab_org_id: uuid.UUID | None, fab_name: str | None, fab_slug: str | None
) -> Organization:
    named = {"fab_org_id": fab_org_id, "fab_name": fab_name, "fab_slug": fab_slug}
    given = [field for field, value in named.items() if value is not None]
    if len(given) != 1:
        raise InputError(
            "name the fab by one of its id, its slug or its English name", at(field="fab_org_id")
        )
    field = given[0]
    if fab_org_id is not None:
        org = uow.accounts.org(fab_org_id)
    elif fab_slug is not None:
        org = uow.accounts.org_by_slug(fab_slug)
    else:
        org = uow.accounts.org_named(fab_name or "")
    if org is None:
        raise NotFoundError(f"no organization {named[field]}", at(field=field))
    if org.kind != "fab":
        raise InputError(f"{org.name_en} is a {org.kind}: packages are shared with fabs", at(field=field))
    return org


def grant_once(
    ctx: Context,
    actor: Actor,
    package_id: uuid.UUID,
    *,
    expires_at: dt.datetime,
    fab_org_id: uuid.UUID | None = None,
    fab_name: str | None = None,
    fab_slug: str | None = None,
    idempotency_key: str | None = None,
) -> Once[ShareRecord]:
    """Let a fab (named by its id, slug or English name) read the package (its evidence, raw files and
    evaluations) until ``expires_at``. With ``idempotency_key``, a retry is answered with the first
    answer (``replayed``)."""
    authorize(actor, "packages.share")
    if expires_at.tzinfo is None:
        raise InputError("give the expiry with a time zone (UTC: a trailing Z)", at(field="expires_at"))
    request = {
        "package_id": str(package_id),
        "expires_at": expires_at.astimezone(dt.UTC).isoformat(),
        "fab_org_id": str(fab_org_id) if fab_org_id is not None else None,
        "fab_name": fab_name,
        "fab_slug": fab_slug,
    }
    guard = Guard.of(idempotency_key, "package.share", request)

    def work(uow: UnitOfWork) -> ShareRecord:
        transparency.begin(uow)
        now = ctx.clock()
        if not now < expires_at <= now + MAX_GRANT:
            raise InputError(
                "the expiry must be in the future and within three years", at(field="expires_at")
            )
        package = owned_package(uow, actor, package_id)
        fab = _fab(uow, fab_org_id, fab_name, fab_slug)
        share = Share(
            package_id=package.id,
            fab_org_id=fab.id,
            expires_at=expires_at.astimezone(dt.UTC),
            created_by=actor.user_id,
            created_at=now,
        )
        uow.packages.add(share)
        attestations.attest_grant(uow, ctx, share, package)
        transparency.publish(uow, ctx)
        detail = {"share": str(share.id), "fab": str(fab.id), "expires_at": share.expires_at.isoformat()}
        audit.record(
            uow, actor, "package.share", object_type="package", object_id=package.id, at=now, detail=detail
        )
        return _record(share, fab, now)

    return write_once(ctx, actor, guard, ShareRecord, work)


grant = records(grant_once)


def revoke(ctx: Context, actor: Actor, package_id: uuid.UUID, share_id: uuid.UUID) -> ShareRecord:
    """End a grant now. Revoking a revoked grant changes nothing."""
    authorize(actor, "packages.share")

    def work(uow: UnitOfWork) -> ShareRecord:
        now = ctx.clock()
        owned_package(uow, actor, package_id)
        share = uow.packages.share(package_id, share_id)
        if share is None:
            raise NotFoundError(f"no grant {share_id} of this package", at(field="share_id"))
        fab = uow.accounts.org(share.fab_org_id)
        assert fab is not None  # a foreign key
        if share.revoked_at is None:
            share.revoked_at, share.revoked_by = now, actor.user_id
            uow.packages.add(share)
            audit.record(
                uow,
                actor,
                "package.revoke",
                object_type="package",
                object_id=package_id,
                at=now,
                detail={"share": str(share.id), "fab": str(fab.id)},
            )
        return _record(share, fab, now)

    return ctx.write(work)


#: The most fabs a vendor chooses among in one list (the directory, searched, serves beyond that).
FAB_CHOICES = 500


def fabs(ctx: Context, actor: Actor) -> list[OrgEntry]:
    """The fabs a package may be shared with, by name: their public directory entries (what a vendor
    chooses from when sharing)."""
    authorize(actor, "packages.share")
    with ctx.transaction() as uow:
        page = uow.accounts.directory(kind="fab", search=None, limit=FAB_CHOICES, offset=0)
        return [OrgEntry.model_validate(o, from_attributes=True) for o in page.items]


def list_shares(ctx: Context, actor: Actor, package_id: uuid.UUID) -> list[ShareRecord]:
    """Every grant of the package, active or not, oldest first (the vendor's view)."""
    authorize(actor, "packages.read")
    with ctx.transaction() as uow:
        owned_package(uow, actor, package_id)
        now = ctx.clock()
        return [_record(share, fab, now) for share, fab in uow.packages.shares(package_id)]
