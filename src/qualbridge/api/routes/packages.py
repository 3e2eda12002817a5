"""``/packages``: a vendor's qualification packages, the grants that share them with fabs, and a fab's
access to what was shared (every such read is audited)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from qualbridge.api.deps import ActorDep, ContextDep, IdempotencyKeyDep, PageDep, mark_replay
from qualbridge.api.errors import COMMON, responses
from qualbridge.api.responses import raw_file_response
from qualbridge.api.schemas import (
    AuditEventOut,
    EvaluationOut,
    EvidenceOut,
    PackageIn,
    PackageOut,
    PackageSummaryOut,
    PageOut,
    ShareIn,
    ShareOut,
)
from qualbridge.services import bundles, packages, shares

router = APIRouter(prefix="/packages", tags=["packages"], responses=responses(*COMMON))

EvidenceId = Annotated[
    str, Path(pattern=r"^sha256:[0-9a-f]{64}$", description="Content id of the evidence: sha256:<hex>")
]


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=PackageOut, responses=responses(404, 409)
)
def create(
    body: PackageIn, ctx: ContextDep, actor: ActorDep, key: IdempotencyKeyDep, response: Response
) -> PackageOut:
    """Bundle a product, its target profiles, chosen evidence and evaluations (409: a draft profile;
    422: an evaluation that read evidence the package leaves out)."""
    done = packages.create_package_once(
        ctx,
        actor,
        product_id=body.product_id,
        name=body.name,
        profiles=body.profiles,
        evidence=body.evidence,
        evaluations=body.evaluations,
        idempotency_key=key,
    )
    response.headers["Location"] = f"/api/v1/packages/{done.record.id}"
    mark_replay(response, done.replayed)
    return PackageOut.model_validate(done.record.model_dump())


@router.get("", response_model=PageOut[PackageSummaryOut])
def list_packages(ctx: ContextDep, actor: ActorDep, page: PageDep) -> PageOut[PackageSummaryOut]:
    """Your packages, and those shared with you by a grant that is neither expired nor revoked."""
    found = packages.list_packages(ctx, actor, limit=page.limit, offset=page.offset)
    return PageOut[PackageSummaryOut].model_validate(found.model_dump())


@router.get("/{package_id}", response_model=PackageOut, responses=responses(404))
def read(package_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> PackageOut:
    return PackageOut.model_validate(packages.get_package(ctx, actor, package_id).model_dump())


@router.get("/{package_id}/evidence/{evidence_id}", response_model=EvidenceOut, responses=responses(404))
def read_evidence(
    package_id: uuid.UUID, evidence_id: EvidenceId, ctx: ContextDep, actor: ActorDep
) -> EvidenceOut:
    """One evidence of the package."""
    record = packages.package_evidence(ctx, actor, package_id, evidence_id)
    return EvidenceOut.model_validate(record)


@router.get(
    "/{package_id}/evidence/{evidence_id}/raw",
    response_class=Response,
    responses={**responses(404), 200: {"description": "The raw file", "content": {"*/*": {}}}},
)
def download_raw(
    package_id: uuid.UUID, evidence_id: EvidenceId, ctx: ContextDep, actor: ActorDep
) -> Response:
    """The raw file of one evidence of the package, byte for byte (verified against its digest)."""
    found = packages.package_raw(ctx, actor, package_id, evidence_id)
    # Private and not stored: access ends with the grant, and every read is audited.
    return raw_file_response(found, cache_control="private, no-store")


@router.get(
    "/{package_id}/evaluations/{evaluation_id}", response_model=EvaluationOut, responses=responses(404)
)
def read_evaluation(
    package_id: uuid.UUID, evaluation_id: uuid.UUID, ctx: ContextDep, actor: ActorDep
) -> EvaluationOut:
    """One evaluation of the package."""
    record = packages.package_evaluation(ctx, actor, package_id, evaluation_id)
    return EvaluationOut.model_validate(record)


@router.get(
    "/{package_id}/bundle",
    response_class=Response,
    responses={
        **responses(404, 409),
        200: {"description": "The bundle (zip)", "content": {bundles.MEDIA_TYPE: {}}},
    },
)
def bundle(package_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> Response:
    """The package's offline-verifiable bundle (verify it with `qualbridge verify`); 409 until a
    checkpoint cosigned by enough witnesses covers it."""
    exported = bundles.export_bundle(ctx, actor, package_id)
    return Response(
        exported.data,
        media_type=exported.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="package-{package_id}.qbundle.zip"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/{package_id}/audit", response_model=PageOut[AuditEventOut], responses=responses(404))
def audit_trail(
    package_id: uuid.UUID, ctx: ContextDep, actor: ActorDep, page: PageDep
) -> PageOut[AuditEventOut]:
    """Who did what with the package and when, oldest first: the vendor's actions and every read by a fab."""
    found = packages.package_audit(ctx, actor, package_id, limit=page.limit, offset=page.offset)
    return PageOut[AuditEventOut].model_validate(found.model_dump())


@router.post(
    "/{package_id}/shares",
    status_code=status.HTTP_201_CREATED,
    response_model=ShareOut,
    responses=responses(404),
)
def grant(
    package_id: uuid.UUID,
    body: ShareIn,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    response: Response,
) -> ShareOut:
    """Share the package with a fab (by id, slug or English name) until ``expires_at``."""
    done = shares.grant_once(
        ctx,
        actor,
        package_id,
        expires_at=body.expires_at,
        fab_org_id=body.fab_org_id,
        fab_name=body.fab_name,
        fab_slug=body.fab_slug,
        idempotency_key=key,
    )
    mark_replay(response, done.replayed)
    return ShareOut.model_validate(done.record.model_dump())


@router.get("/{package_id}/shares", response_model=list[ShareOut], responses=responses(404))
def list_shares(package_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> list[ShareOut]:
    """Every grant of the package, active or not."""
    return [ShareOut.model_validate(s.model_dump()) for s in shares.list_shares(ctx, actor, package_id)]


@router.delete("/{package_id}/shares/{share_id}", response_model=ShareOut, responses=responses(404))
def revoke(package_id: uuid.UUID, share_id: uuid.UUID, ctx: ContextDep, actor: ActorDep) -> ShareOut:
    """Revoke a grant now (again: no change)."""
    return ShareOut.model_validate(shares.revoke(ctx, actor, package_id, share_id).model_dump())
