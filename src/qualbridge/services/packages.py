"""Qualification packages: what a vendor shows a fab about one product, and the fab's access to it.

A package names a product, the published profiles it targets (pinned to a version), chosen evidence
(visible on that product: its own or inherited) and chosen evaluations of that product. The vendor sees
its packages; a fab sees a package only while it holds an active grant (:mod:`qualbridge.services.shares`)
and, through it, only the package's evidence, their raw files and its evaluations. Everything else is
"not found", exactly as for an id that does not exist.

Every read by a fab of shared data is recorded in the audit trail in the same transaction as the read
(who: organization and user; what; when), and the vendor can read that trail for each package.
An included evaluation is shared as it is: its result names (by content id, kind, issuer and date)
every evidence it considered. So a package may only include an evaluation whose evidence is all in the
package; anything else would show the fab what the vendor chose not to share
(:class:`~qualbridge.errors.WithheldEvidenceError`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from qualbridge.errors import InputError, NotFoundError, WithheldEvidenceError, at
from qualbridge.services import _checks, audit
from qualbridge.services.actor import Actor
from qualbridge.services.authz import authorize
from qualbridge.services.context import Context
from qualbridge.services.evaluations import (
    MAX_EVIDENCE,
    EvaluationRecord,
    EvaluationSummary,
    evaluation_record,
)
from qualbridge.services.evaluations import (
    summary as evaluation_summary,
)
from qualbridge.services.evidence import RawDownload, RawLocated, evidence_record, fetch_raw, logged_summary
from qualbridge.services.idempotency import Guard, Once, records, write_once
from qualbridge.services.products import owned_product, product_record
from qualbridge.services.profiles import resolve_published
from qualbridge.services.records import (
    AuditRecord,
    EvidenceRecord,
    LoggedEvidence,
    Page,
    ProductRecord,
    RawFile,
    Record,
)
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.models import (
    Evaluation,
    Evidence,
    Package,
    PackageEvaluation,
    PackageEvidence,
    PackageProfile,
    Share,
)
from qualbridge.store.repos.evidence import EvidenceFilter

#: The most profiles, evidence or evaluations one package names.
MAX_ITEMS = 500


class ProfileVersion(Record):
    id: str
    version: int


class PackageSummary(Record):
    id: uuid.UUID
    vendor_org_id: uuid.UUID
    vendor_name_en: str
    vendor_name_zh: str
    name: str
    product: ProductRecord
    created_at: dt.datetime
    access: Literal["owner", "grant"] = "owner"
    grant_expires_at: dt.datetime | None = None


class PackageRecord(PackageSummary):
    profiles: list[ProfileVersion]
    evidence: list[LoggedEvidence]
    evaluations: list[EvaluationSummary]


@dataclass(frozen=True, slots=True)
class Access:
    """A package the actor may see, and the grant it sees it through (none: the actor's own)."""

    package: Package
    share: Share | None


def visible_package(uow: UnitOfWork, actor: Actor, package_id: uuid.UUID, now: dt.datetime) -> Access:
    """The package, if the actor's organization made it or holds an active grant; else not found."""
    row = uow.packages.get(package_id)
    if row is not None and row.vendor_org_id == actor.org_id:
        return Access(row, None)
    share = uow.packages.active_share(package_id, actor.org_id, now) if row is not None else None
    if row is None or share is None:
        raise NotFoundError(f"no package {package_id}", at(field="package_id"))
    return Access(row, share)


def owned_package(uow: UnitOfWork, actor: Actor, package_id: uuid.UUID) -> Package:
    row = uow.packages.get(package_id)
    if row is None or row.vendor_org_id != actor.org_id:
        raise NotFoundError(f"no package {package_id}", at(field="package_id"))
    return row


def record_access(
    uow: UnitOfWork, actor: Actor, access: Access, action: str, now: dt.datetime, **what: str
) -> None:
    """Write the audit event of a grantee's read (nothing for the package's own vendor)."""
    if access.share is None:
        return
    audit.record(
        uow,
        actor,
        action,
        object_type="package",
        object_id=access.package.id,
        at=now,
        owner_org_id=access.package.vendor_org_id,
        detail={"share": str(access.share.id), **what},
    )


def _reads(actor: Actor) -> bool:
    """Whether reading a package may write (a fab's reads are audited; a vendor's own are not)."""
    return actor.org_kind == "fab"


def _summary(uow: UnitOfWork, access: Access) -> PackageSummary:
    product = uow.products.get(access.package.product_id)
    vendor = uow.accounts.org(access.package.vendor_org_id)
    assert product is not None  # a foreign key
    assert vendor is not None  # a foreign key
    return PackageSummary(
        id=access.package.id,
        vendor_org_id=access.package.vendor_org_id,
        vendor_name_en=vendor.name_en,
        vendor_name_zh=vendor.name_zh,
        name=access.package.name,
        product=product_record(product),
        created_at=access.package.created_at,
        access="owner" if access.share is None else "grant",
        grant_expires_at=access.share.expires_at if access.share else None,
    )


def _evidence_summaries(uow: UnitOfWork, rows: Sequence[Evidence]) -> list[LoggedEvidence]:
    return [logged_summary(uow, row) for row in rows]


def _record(uow: UnitOfWork, access: Access) -> PackageRecord:
    package_id = access.package.id
    return PackageRecord(
        **_summary(uow, access).model_dump(),
        profiles=[
            ProfileVersion(id=p.profile_id, version=p.profile_version)
            for p in uow.packages.profiles(package_id)
        ],
        evidence=_evidence_summaries(uow, uow.packages.evidence(package_id)),
        evaluations=[evaluation_summary(e) for e in uow.packages.evaluations(package_id)],
    )


def _product_evidence(uow: UnitOfWork, actor: Actor, product_id: uuid.UUID) -> dict[str, Evidence]:
    page = uow.evidence.of_product(
        actor.org_id, product_id, EvidenceFilter(), limit=MAX_EVIDENCE, offset=0, documents=False
    )
    return {row.content_id: row for row, _blob, _origin, _depth in page.items}


def _unique(values: Sequence[Any], field: str) -> list[Any]:
    if len(values) > MAX_ITEMS:
        raise InputError(f"at most {MAX_ITEMS} items", at(field=field))
    return list(dict.fromkeys(values))


def _chosen_evaluations(
    uow: UnitOfWork,
    actor: Actor,
    product_id: uuid.UUID,
    evaluation_ids: Sequence[uuid.UUID],
    *,
    packaged: set[str],
) -> list[Evaluation]:
    """The evaluations, each of the product and reading only evidence the package holds."""
    chosen = []
    for evaluation_id in evaluation_ids:
        row = uow.evaluations.get(evaluation_id)
        if row is None or row.org_id != actor.org_id or row.product_id != product_id:
            raise NotFoundError(f"no evaluation {evaluation_id} of this product", at(field="evaluations"))
        missing = [e for e in uow.evaluations.input_ids(row.id) if e not in packaged]
        if missing:
            raise WithheldEvidenceError(
                f"evaluation {evaluation_id} considered evidence the package leaves out "
                f"({', '.join(missing)}): sharing it would show the fab that evidence's id, kind, issuer "
                "and date. Add that evidence to the package, or run an evaluation on the package's "
                "evidence only and include that one",
                at(field="evaluations"),
                evaluation_id=str(evaluation_id),
                missing=tuple(missing),
            )
        chosen.append(row)
    return chosen


def create_package_once(
    ctx: Context,
    actor: Actor,
    *,
    product_id: uuid.UUID,
    name: str,
    profiles: Sequence[str],
    evidence: Sequence[str] = (),
    evaluations: Sequence[uuid.UUID] = (),
    idempotency_key: str | None = None,
) -> Once[PackageRecord]:
    """Bundle a product, target profiles (published; ``id`` pins the latest version), evidence visible on
    the product and evaluations of it that read only that evidence. With ``idempotency_key``, a retry
    is answered with the first answer (``replayed``)."""
    authorize(actor, "packages.write")
    name = _checks.text(name, "name", max_length=200)
    if not profiles:
        raise InputError("a package targets at least one profile", at(field="profiles"))
    refs, evidence_ids = _unique(profiles, "profiles"), _unique(evidence, "evidence")
    evaluation_ids = _unique(evaluations, "evaluations")
    request = {
        "product_id": str(product_id),
        "name": name,
        "profiles": refs,
        "evidence": evidence_ids,
        "evaluations": [str(e) for e in evaluation_ids],
    }
    guard = Guard.of(idempotency_key, "package.create", request)

    def work(uow: UnitOfWork) -> PackageRecord:
        owned_product(uow, actor, product_id)
        targets: dict[tuple[str, int], uuid.UUID | None] = {}
        for ref in refs:
            resolved, profile_row = resolve_published(uow, actor, ref)
            targets[(resolved.id, resolved.version)] = profile_row.id if profile_row is not None else None
        on_product = _product_evidence(uow, actor, product_id)
        missing = [e for e in evidence_ids if e not in on_product]
        if missing:
            raise NotFoundError(f"no evidence {missing[0]} on this product", at(field="evidence"))
        chosen = _chosen_evaluations(uow, actor, product_id, evaluation_ids, packaged=set(evidence_ids))
        now = ctx.clock()
        package = Package(
            vendor_org_id=actor.org_id,
            product_id=product_id,
            name=name,
            created_by=actor.user_id,
            created_at=now,
        )
        uow.packages.add(package)
        for (pid, version), ref_id in sorted(targets.items()):
            uow.packages.add(
                PackageProfile(
                    package_id=package.id, profile_id=pid, profile_version=version, profile_ref=ref_id
                )
            )
        for content_id in evidence_ids:
            uow.packages.add(PackageEvidence(package_id=package.id, evidence_id=on_product[content_id].id))
        for evaluation in chosen:
            uow.packages.add(PackageEvaluation(package_id=package.id, evaluation_id=evaluation.id))
        audit.record(uow, actor, "package.create", object_type="package", object_id=package.id, at=now)
        return _record(uow, Access(package, None))

    return write_once(ctx, actor, guard, PackageRecord, work)


create_package = records(create_package_once)


def get_package(ctx: Context, actor: Actor, package_id: uuid.UUID) -> PackageRecord:
    authorize(actor, "packages.read")
    with ctx.transaction(write=_reads(actor)) as uow:
        now = ctx.clock()
        access = visible_package(uow, actor, package_id, now)
        record_access(uow, actor, access, "package.read", now)
        return _record(uow, access)


def list_packages(ctx: Context, actor: Actor, *, limit: int, offset: int) -> Page[PackageSummary]:
    """The organization's own packages and those shared with it by an active grant, newest first."""
    authorize(actor, "packages.read")
    with ctx.transaction(write=_reads(actor)) as uow:
        now = ctx.clock()
        page = uow.packages.listing(actor.org_id, now, limit=limit, offset=offset)
        items = []
        for row in page.items:
            access = visible_package(uow, actor, row.id, now)
            record_access(uow, actor, access, "package.list", now)
            items.append(_summary(uow, access))
        return Page(items=items, total=page.total, limit=limit, offset=offset)


def _packaged_evidence(uow: UnitOfWork, access: Access, evidence_id: str) -> Evidence:
    for row in uow.packages.evidence(access.package.id):
        if row.content_id == evidence_id:
            return row
    raise NotFoundError(f"no evidence {evidence_id} in this package", at(field="evidence_id"))


def package_evidence(ctx: Context, actor: Actor, package_id: uuid.UUID, evidence_id: str) -> EvidenceRecord:
    """One evidence of the package, with the products of the package's product it is recorded on."""
    authorize(actor, "packages.read")
    with ctx.transaction(write=_reads(actor)) as uow:
        now = ctx.clock()
        access = visible_package(uow, actor, package_id, now)
        row = _packaged_evidence(uow, access, evidence_id)
        record_access(uow, actor, access, "package.evidence.read", now, evidence=evidence_id)
        tree = {access.package.product_id, *uow.products.descendants(access.package.product_id)}
        return evidence_record(uow, row, blob=uow.evidence.blob_of(row), within=tree)


def package_raw(ctx: Context, actor: Actor, package_id: uuid.UUID, evidence_id: str) -> RawDownload:
    """The raw file of one evidence of the package, verified against its digest."""
    authorize(actor, "packages.read")
    with ctx.transaction(write=_reads(actor)) as uow:
        now = ctx.clock()
        access = visible_package(uow, actor, package_id, now)
        row = _packaged_evidence(uow, access, evidence_id)
        blob = uow.evidence.blob_of(row)
        if blob is None:
            raise NotFoundError(
                f"evidence {evidence_id} was uploaded as a document: no raw file is kept",
                at(field="evidence_id"),
            )
        record_access(uow, actor, access, "package.raw.read", now, evidence=evidence_id, raw=blob.digest)
        raw = RawFile(
            digest=blob.digest, filename=row.raw_filename, size=blob.size, media_type=blob.media_type
        )
    return fetch_raw(ctx, RawLocated(raw, row.created_at))


def package_evaluation(
    ctx: Context, actor: Actor, package_id: uuid.UUID, evaluation_id: uuid.UUID
) -> EvaluationRecord:
    authorize(actor, "packages.read")
    with ctx.transaction(write=_reads(actor)) as uow:
        now = ctx.clock()
        access = visible_package(uow, actor, package_id, now)
        for row in uow.packages.evaluations(package_id):
            if row.id == evaluation_id:
                record_access(
                    uow, actor, access, "package.evaluation.read", now, evaluation=str(evaluation_id)
                )
                return evaluation_record(uow, row)
    raise NotFoundError(f"no evaluation {evaluation_id} in this package", at(field="evaluation_id"))


def package_audit(
    ctx: Context, actor: Actor, package_id: uuid.UUID, *, limit: int, offset: int
) -> Page[AuditRecord]:
    """The package's audit trail, oldest first: what its vendor did and every read by a fab."""
    authorize(actor, "packages.audit")
    with ctx.transaction() as uow:
        owned_package(uow, actor, package_id)
        page = uow.packages.trail(actor.org_id, package_id, limit=limit, offset=offset)
        return Page(
            items=[audit.audit_record(e) for e in page.items], total=page.total, limit=limit, offset=offset
        )
