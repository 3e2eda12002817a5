"""The center: the participating organizations (and registering one), every organization's keys (and
rotating or revoking one for it, confirmed first), the transparency log, and the audit trail."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form
from starlette.responses import Response

from qualbridge.errors import InputError, NotFoundError
from qualbridge.services import accounts, audit, oversight
from qualbridge.services.actor import ORG_KINDS
from qualbridge.services.authz import authorize
from qualbridge.web.deps import PostDep, Visit, VisitDep, WebRoute

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


def _keys_page(visit: Visit, *, status: int = 200, **values: Any) -> Response:
    actor = visit.signed_in
    found = oversight.list_all_keys(visit.ctx, actor)
    # The organizations the center may act for: every one but itself (one without a key gets its first).
    others = [o for o in accounts.list_organizations(visit.ctx, actor) if o.id != actor.org_id]
    return visit.page("keys.html", status=status, keys=found, orgs=others, **values)


@router.get("/center/keys")
def key_list(visit: VisitDep) -> Response:
    return _keys_page(visit)


Reason = Annotated[str, Form(max_length=500)]


def _confirmed(visit: Visit, action: str, form: dict[str, str], confirmed: bool) -> Response | None:
    """The confirmation step of a key action (nothing changes yet), or None once confirmed."""
    authorize(visit.signed_in, "keys.administer")  # before the confirmation step, not only after it
    try:
        oversight.checked_reason(form["reason"])
    except InputError as exc:
        return _keys_page(visit, status=400, key_error=exc)
    return None if confirmed else _keys_page(visit, confirm={"action": action, **form})


@router.post("/center/keys/rotate")
def rotate(
    visit: PostDep,
    org_id: Annotated[uuid.UUID, Form()],
    reason: Reason,
    confirmed: Annotated[bool, Form()] = False,
) -> Response:
    asked = _confirmed(visit, "rotate", {"org_id": str(org_id), "reason": reason, "keyid": ""}, confirmed)
    if asked is not None:
        return asked
    oversight.rotate_for(visit.ctx, visit.signed_in, org_id, reason=reason)
    return visit.redirect("/center/keys?msg=key-rotated")


@router.post("/center/keys/revoke")
def revoke(
    visit: PostDep,
    org_id: Annotated[uuid.UUID, Form()],
    keyid: Annotated[str, Form(max_length=128)],
    reason: Reason,
    confirmed: Annotated[bool, Form()] = False,
) -> Response:
    form = {"org_id": str(org_id), "keyid": keyid, "reason": reason}
    asked = _confirmed(visit, "revoke", form, confirmed)
    if asked is not None:
        return asked
    try:
        oversight.revoke_for(visit.ctx, visit.signed_in, org_id, keyid, reason=reason)
    except NotFoundError:
        raise
    except InputError as exc:
        return _keys_page(visit, status=409, key_error=exc)
    return visit.redirect("/center/keys?msg=key-revoked")


@router.get("/center/log")
def log_overview(visit: VisitDep) -> Response:
    return visit.page("log.html", log=oversight.log_overview(visit.ctx, visit.signed_in))
