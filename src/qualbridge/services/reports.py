"""Qualification reports of stored evaluations and packages: who may read them, and what goes in.

A report is read exactly like what it reports on: an evaluation's report like the evaluation (its own
organization only), a package's like the package (its vendor, or a fab through an active grant). A fab's
read of a shared package's report is audited in the same transaction, as every read of shared data is.
Building and rendering the report happens outside the transaction (:mod:`qualbridge.reports`).
"""

from __future__ import annotations

import uuid

from qualbridge.errors import NotFoundError, at
from qualbridge.evaluation.result import Evaluation
from qualbridge.reports import EvidenceItem, LogEntry, PackageInfo, Report, StoredEvaluation, build_report
from qualbridge.services.accounts import sign_in
from qualbridge.services.actor import Actor, as_org_kind, as_role
from qualbridge.services.authz import authorize
from qualbridge.services.context import Context
from qualbridge.services.evaluations import get_evaluation
from qualbridge.services.evidence import logged_summary
from qualbridge.services.packages import record_access, visible_package
from qualbridge.services.records import LoggedEvidence
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.models import Evaluation as EvaluationRow
from qualbridge.store.models import Package
from qualbridge.text import Text


def reader(ctx: Context, *, email: str, password: str) -> Actor:
    """The actor a person is when they sign in with e-mail and password to read (the command line's
    way in; the API takes a token). Reading needs no more than the read scope."""
    user = sign_in(ctx, email=email, password=password)
    with ctx.transaction() as uow:
        org = uow.accounts.org(user.org_id)
        assert org is not None, "a user's organization is never deleted"
        return Actor(org.id, as_org_kind(org.kind), user.id, as_role(user.role), "read")


def any_report(ctx: Context, actor: Actor, object_id: uuid.UUID, *, lang: str, fmt: str) -> Report:
    """The report of the package, else of the evaluation, with this id; not found if the actor may read
    neither (the same answer as for an id that does not exist)."""
    try:
        return package_report(ctx, actor, object_id, lang=lang, fmt=fmt)
    except NotFoundError:
        pass
    try:
        return evaluation_report(ctx, actor, object_id)
    except NotFoundError:
        message = f"no package or evaluation {object_id} that you may read"
        raise NotFoundError(message, at(field="id")) from None


def evaluation_report(ctx: Context, actor: Actor, evaluation_id: uuid.UUID) -> Report:
    """The report of one of the organization's evaluations."""
    record = get_evaluation(ctx, actor, evaluation_id)
    stored = StoredEvaluation(
        result=Evaluation.model_validate(record.result), id=str(record.id), created_at=record.created_at
    )
    return build_report([stored], generated_at=ctx.clock())


def _log(summary: LoggedEvidence) -> LogEntry | None:
    """The evidence's log entry, as the service recorded it; never made up."""
    found = summary.log
    return None if found is None else LogEntry.model_validate(found.model_dump())


def _evidence_item(summary: LoggedEvidence) -> EvidenceItem:
    return EvidenceItem(
        id=summary.id,
        kind=summary.kind,
        issuer=summary.issuer,
        test_date=summary.test_date,
        raw_digest=summary.raw.digest if summary.raw else None,
        filename=summary.raw.filename if summary.raw else None,
        log=_log(summary),
    )


def _stored(row: EvaluationRow) -> StoredEvaluation:
    return StoredEvaluation(
        result=Evaluation.model_validate_json(row.result), id=str(row.id), created_at=row.created_at
    )


def _org_name(uow: UnitOfWork, org_id: uuid.UUID) -> Text:
    org = uow.accounts.org(org_id)
    assert org is not None, "an organization is never deleted"
    return Text.of(org.name_en, org.name_zh)


def _package_info(uow: UnitOfWork, package: Package, fabs: list[Text]) -> PackageInfo:
    product = uow.products.get(package.product_id)
    assert product is not None  # a foreign key
    return PackageInfo(
        id=str(package.id),
        name=package.name,
        product_model=product.model,
        product_name=product.name,
        product_kind=product.kind,
        vendor=_org_name(uow, package.vendor_org_id),
        fabs=fabs,
        profiles=[f"{p.profile_id}@{p.profile_version}" for p in uow.packages.profiles(package.id)],
        created_at=package.created_at,
    )


def package_report(ctx: Context, actor: Actor, package_id: uuid.UUID, *, lang: str, fmt: str) -> Report:
    """The report of a package the actor's organization made or holds an active grant for.

    The fabs named are those the reader may know of: a grantee sees itself, the vendor every fab the
    package is shared with now.
    """
    authorize(actor, "packages.read")
    with ctx.transaction(write=actor.org_kind == "fab") as uow:
        now = ctx.clock()
        access = visible_package(uow, actor, package_id, now)
        record_access(uow, actor, access, "package.report.read", now, lang=lang, format=fmt)
        if access.share is not None:
            fabs = [_org_name(uow, actor.org_id)]
        else:
            granted = {org.id: org for _share, org in uow.packages.shares(package_id)}
            fabs = [
                Text.of(org.name_en, org.name_zh)
                for org in granted.values()
                if uow.packages.active_share(package_id, org.id, now) is not None
            ]
        info = _package_info(uow, access.package, fabs)
        evidence = [_evidence_item(logged_summary(uow, row)) for row in uow.packages.evidence(package_id)]
        evaluations = [_stored(row) for row in uow.packages.evaluations(package_id)]
    return build_report(evaluations, generated_at=now, package=info, evidence=evidence)
