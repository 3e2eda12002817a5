"""Qualification packages: create, share with a fab (expiry), revoke, the audit trail; a fab's inbox and
its qualification view of a shared package."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from starlette.responses import Response

from qualbridge.api.responses import raw_file_response
from qualbridge.errors import InputError, at
from qualbridge.evaluation.result import Evaluation
from qualbridge.reports import evaluation_charts
from qualbridge.services import evaluations, evidence, packages, products, profiles, shares
from qualbridge.services.evidence import EvidenceFilter
from qualbridge.web.deps import PostDep, Visit, VisitDep, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

LISTED = 200
#: What the share form proposes: a quarter (a vendor may choose up to three years).
DEFAULT_GRANT_DAYS = 90


@router.get("/packages")
def package_list(visit: VisitDep) -> Response:
    found = packages.list_packages(visit.ctx, visit.signed_in, limit=LISTED, offset=0)
    return visit.page("packages.html", packages=found)


def _new_form(visit: Visit, product_id: uuid.UUID, *, status: int = 200, **values: Any) -> Response:
    actor, ctx = visit.signed_in, visit.ctx
    product = products.get_product(ctx, actor, product_id)
    on_product = evidence.product_evidence(ctx, actor, product_id, EvidenceFilter(), limit=LISTED, offset=0)
    done = evaluations.list_evaluations(ctx, actor, product_id, limit=LISTED, offset=0)
    published = profiles.list_profiles(ctx, actor, limit=LISTED, offset=0).items
    return visit.page(
        "package_new.html",
        status=status,
        product=product,
        evidence=on_product,
        evaluations=done,
        profiles=[p for p in published if p.status == "published"],
        **values,
    )


@router.get("/packages/new")
def new_package(
    visit: VisitDep, product: uuid.UUID, evaluation: Annotated[uuid.UUID | None, Query()] = None
) -> Response:
    chosen = evaluations.get_evaluation(visit.ctx, visit.signed_in, evaluation) if evaluation else None
    values: dict[str, Any] = {
        "name": "",
        "chosen_profiles": [chosen.profile_id] if chosen else [],
        "chosen_evidence": chosen.evidence if chosen else [],
        "chosen_evaluations": [str(chosen.id)] if chosen else [],
    }
    return _new_form(visit, product, **values)


@router.post("/packages")
def create_package(
    visit: PostDep,
    product_id: Annotated[uuid.UUID, Form()],
    name: Annotated[str, Form(max_length=200)],
    profile: Annotated[list[str], Form(max_length=500)],
    evidence_id: Annotated[list[str], Form(max_length=500)] = [],  # noqa: B006  # FastAPI copies it
    evaluation_id: Annotated[list[uuid.UUID], Form(max_length=500)] = [],  # noqa: B006
) -> Response:
    try:
        made = packages.create_package(
            visit.ctx,
            visit.signed_in,
            product_id=product_id,
            name=name,
            profiles=profile,
            evidence=evidence_id,
            evaluations=evaluation_id,
        )
    except InputError as exc:
        values = {
            "name": name,
            "chosen_profiles": profile,
            "chosen_evidence": evidence_id,
            "chosen_evaluations": [str(e) for e in evaluation_id],
        }
        return _new_form(visit, product_id, status=400, error=exc, **values)
    return visit.redirect(f"/packages/{made.id}?msg=package-created")


def package_page(visit: Visit, package_id: uuid.UUID, *, status: int = 200, **values: Any) -> Response:
    actor, ctx = visit.signed_in, visit.ctx
    found = packages.get_package(ctx, actor, package_id)
    owner = found.access == "owner"
    results = [packages.package_evaluation(ctx, actor, package_id, e.id) for e in found.evaluations]
    charts = {r.id: evaluation_charts(Evaluation.model_validate(r.result), visit.lang) for r in results}
    today = ctx.clock().date()
    return visit.page(
        "package.html",
        status=status,
        package=found,
        results=results,
        charts_by_id=charts,
        shares=shares.list_shares(ctx, actor, package_id) if owner else [],
        fabs=shares.fabs(ctx, actor) if owner and actor.role != "viewer" else [],
        default_expiry=(today + dt.timedelta(days=DEFAULT_GRANT_DAYS)).isoformat(),
        min_expiry=(today + dt.timedelta(days=1)).isoformat(),
        **values,
    )


@router.get("/packages/{package_id}")
def package_detail(visit: VisitDep, package_id: uuid.UUID) -> Response:
    return package_page(visit, package_id)


@router.post("/packages/{package_id}/shares")
def share(
    visit: PostDep,
    package_id: uuid.UUID,
    fab_org_id: Annotated[uuid.UUID, Form()],
    expires_on: Annotated[str, Form(max_length=10)],
) -> Response:
    try:
        try:
            day = dt.date.fromisoformat(expires_on)
        except ValueError as exc:
            raise InputError(f"{expires_on!r} is not a date", at(field="expires_on"), "YYYY-MM-DD") from exc
        # The grant runs to the end of the chosen day, in UTC.
        expires = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)
        shares.grant(visit.ctx, visit.signed_in, package_id, expires_at=expires, fab_org_id=fab_org_id)
    except InputError as exc:
        return package_page(visit, package_id, status=400, share_error=exc, fab_org_id=str(fab_org_id))
    return visit.redirect(f"/packages/{package_id}?msg=shared#shares")


@router.post("/packages/{package_id}/shares/{share_id}/revoke")
def revoke(visit: PostDep, package_id: uuid.UUID, share_id: uuid.UUID) -> Response:
    shares.revoke(visit.ctx, visit.signed_in, package_id, share_id)
    return visit.redirect(f"/packages/{package_id}?msg=revoked#shares")


@router.get("/packages/{package_id}/audit")
def audit_trail(visit: VisitDep, package_id: uuid.UUID) -> Response:
    actor = visit.signed_in
    found = packages.get_package(visit.ctx, actor, package_id)
    trail = packages.package_audit(visit.ctx, actor, package_id, limit=LISTED, offset=0)
    names = {s.fab_org_id: s.fab_name_en for s in shares.list_shares(visit.ctx, actor, package_id)}
    return visit.page("package_audit.html", package=found, trail=trail, names=names)


@router.get("/packages/{package_id}/evidence/{evidence_id}/raw")
def raw(visit: VisitDep, package_id: uuid.UUID, evidence_id: str) -> Response:
    """The raw file of one evidence of the package, as the instrument wrote it (verified digest)."""
    found = packages.package_raw(visit.ctx, visit.signed_in, package_id, evidence_id)
    return visit.finish(raw_file_response(found, cache_control="private, no-store"))
