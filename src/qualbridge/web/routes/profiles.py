"""Requirement profiles: browse, author one from a public profile, validate, save a draft, publish."""

from __future__ import annotations

import re
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form
from starlette.responses import Response

from qualbridge.errors import InputError
from qualbridge.services import profiles
from qualbridge.web.deps import PostDep, Visit, VisitDep, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

LISTED = 200
Document = Annotated[str, Form(max_length=256 * 1024)]


@router.get("/profiles")
def profile_list(visit: VisitDep, mine: bool = False) -> Response:
    found = profiles.list_profiles(visit.ctx, visit.signed_in, own_only=mine, limit=LISTED, offset=0)
    return visit.page("profiles.html", profiles=found, mine=mine)


@router.get("/profiles/view")
def profile_detail(visit: VisitDep, ref: str) -> Response:
    found = profiles.get_profile(visit.ctx, visit.signed_in, ref)
    return visit.page("profile.html", profile=found)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "org"


def starting_document(visit: Visit, parent: profiles.ProfileDetail) -> str:
    """A new profile of the visitor's organization that extends ``parent`` and changes nothing yet."""
    assert visit.org is not None  # a signed-in visit
    name = parent.id.rsplit("/", 1)[-1]
    doc: dict[str, Any] = {
        "id": f"{_slug(visit.org.name_en)}/{name}",
        "title": {
            "en": f"{visit.org.name_en}: {parent.title.en}",
            "zh": f"{visit.org.name_zh}：{parent.title.zh}",
        },
        "publisher": visit.org.name_en,
        "extends": f"{parent.id}@{parent.version}",
        "remove": [],
        "requirements": [],
    }
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


@router.get("/profiles/new")
def new_profile(visit: VisitDep, base: str | None = None) -> Response:
    actor = visit.signed_in
    parents = profiles.list_profiles(visit.ctx, actor, limit=LISTED, offset=0).items
    text = ""
    if base:
        text = starting_document(visit, profiles.get_profile(visit.ctx, actor, base))
    return visit.page("profile_new.html", parents=parents, base=base or "", document=text)


@router.post("/profiles/validate")
def validate(visit: PostDep, document: Document) -> Response:
    """Check the document as saving it would; nothing is saved."""
    values: dict[str, Any] = {}
    try:
        values["validated"] = profiles.validate_profile(
            visit.ctx, visit.signed_in, profiles.load_yaml(document)
        )
    except InputError as exc:
        values["profile_error"] = exc
    if visit.request.headers.get("HX-Request"):
        return visit.fragment("_validation.html", **values)
    parents = profiles.list_profiles(visit.ctx, visit.signed_in, limit=LISTED, offset=0).items
    return visit.page("profile_new.html", parents=parents, base="", document=document, **values)


@router.post("/profiles/draft")
def save_draft(visit: PostDep, document: Document) -> Response:
    actor = visit.signed_in
    try:
        draft, _ = profiles.save_draft(visit.ctx, actor, profiles.load_yaml(document))
    except InputError as exc:
        parents = profiles.list_profiles(visit.ctx, actor, limit=LISTED, offset=0).items
        return visit.page(
            "profile_new.html", status=400, parents=parents, base="", document=document, profile_error=exc
        )
    return visit.redirect(f"/profiles/view?ref={draft.id}@{draft.version}&msg=draft-saved")


@router.post("/profiles/publish")
def publish(visit: PostDep, profile_id: Annotated[str, Form(max_length=120)]) -> Response:
    done = profiles.publish(visit.ctx, visit.signed_in, profile_id)
    return visit.redirect(f"/profiles/view?ref={done.id}@{done.version}&msg=published")
