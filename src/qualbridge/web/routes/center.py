"""The center: the participating organizations (and registering one), and the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.responses import Response

from qualbridge.errors import InputError
from qualbridge.services import accounts, audit
from qualbridge.services.actor import ORG_KINDS
from qualbridge.web.deps import PostDep, VisitDep, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/orgs")
def organizations(visit: VisitDep) -> Response:
    orgs = accounts.list_organizations(visit.ctx, visit.signed_in)
    return visit.page("orgs.html", orgs=orgs, kinds=ORG_KINDS, form={})


@router.post("/orgs")
def register_organization(
    visit: PostDep,
    kind: Annotated[str, Form(max_length=20)],
    name_en: Annotated[str, Form(max_length=200)],
    name_zh: Annotated[str, Form(max_length=200)],
    country: Annotated[str, Form(max_length=2)],
    admin_email: Annotated[str, Form(max_length=254)],
    admin_name: Annotated[str, Form(max_length=200)],
    admin_password: Annotated[str, Form(max_length=1024)],
) -> Response:
    actor = visit.signed_in
    form = {"kind": kind, "name_en": name_en, "name_zh": name_zh, "country": country}
    form |= {"admin_email": admin_email, "admin_name": admin_name}
    try:
        accounts.create_organization(
            visit.ctx,
            actor,
            kind=kind,  # type: ignore[arg-type]  # checked by the use case, which names the field
            name_en=name_en,
            name_zh=name_zh,
            country=country.upper(),
            admin_email=admin_email,
            admin_name=admin_name,
            admin_password=admin_password,
        )
    except InputError as exc:
        orgs = accounts.list_organizations(visit.ctx, actor)
        return visit.page("orgs.html", status=400, orgs=orgs, kinds=ORG_KINDS, form=form, error=exc)
    return visit.redirect("/orgs?msg=org-created")


@router.get("/audit")
def audit_trail(visit: VisitDep) -> Response:
    events = audit.organization_trail(visit.ctx, visit.signed_in, limit=200)
    return visit.page("audit.html", events=events)
