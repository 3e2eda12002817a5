"""``/profiles``: shipped and authored requirement profiles; validate, save drafts, publish versions.

A profile document is sent as the request body, in YAML (``application/yaml``) or JSON
(``application/json``): the same document a profile file holds.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from qualbridge.api.deps import ActorDep, ContextDep, PageDep
from qualbridge.api.errors import COMMON, responses
from qualbridge.api.schemas import NO_CONTROL, PageOut, ProfileDetailOut, ProfileOut, ProfileValidatedOut
from qualbridge.errors import ProfileError, at
from qualbridge.services import profiles

router = APIRouter(prefix="/profiles", tags=["profiles"], responses=responses(*COMMON))

#: ``id`` or ``id@version``; ids hold slashes (``fab-dresden/chamber``).
REF = r"^[a-z0-9][a-z0-9._/-]*(@[0-9]{1,9})?$"
ProfileRef = Annotated[str, Path(max_length=130, pattern=REF, description="Profile id, or id@version")]
ProfileId = Annotated[str, Path(max_length=120, pattern=r"^[a-z0-9][a-z0-9._/-]*$")]

_DOCUMENT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One profile document (see `qualbridge schema profile`)",
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


async def _document(request: Request) -> Any:
    body = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
        if kind == "application/json" or kind.endswith("+json"):
            return json.loads(text, parse_constant=_refuse_constant)
        if kind in ("application/yaml", "application/x-yaml", "text/yaml", "text/plain", ""):
            return profiles.load_yaml(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProfileError(f"not valid YAML/JSON: {exc}", at(field="body")) from exc
    raise ProfileError(
        f"unsupported media type {kind!r}", at(field="content-type"), expected="application/yaml or JSON"
    )


DocumentDep = Annotated[Any, Depends(_document)]


def _detail(record: profiles.ProfileDetail) -> ProfileDetailOut:
    return ProfileDetailOut.model_validate(record.model_dump(mode="json"))


@router.get("", response_model=PageOut[ProfileOut])
def list_profiles(
    ctx: ContextDep,
    actor: ActorDep,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=120, pattern=NO_CONTROL, description="Text in the id.")] = None,
    mine: Annotated[bool, Query(description="Only your organization's own profiles.")] = False,
) -> PageOut[ProfileOut]:
    """Shipped profiles first, then your own (drafts too) and every organization's published versions."""
    found = profiles.list_profiles(ctx, actor, search=q, own_only=mine, limit=page.limit, offset=page.offset)
    return PageOut[ProfileOut].model_validate(found.model_dump(mode="json"))


@router.post("/validate", response_model=ProfileValidatedOut, openapi_extra=_DOCUMENT_BODY)
def validate(document: DocumentDep, ctx: ContextDep, actor: ActorDep) -> ProfileValidatedOut:
    """Check a profile document as saving it would (schema, parent, each standard's rules); store nothing."""
    checked = profiles.validate_profile(ctx, actor, document)
    return ProfileValidatedOut.model_validate(checked.model_dump(mode="json"))


@router.post(
    "",
    status_code=201,
    response_model=ProfileDetailOut,
    openapi_extra=_DOCUMENT_BODY,
    responses={**responses(409), 200: {"model": ProfileDetailOut, "description": "The draft was replaced"}},
)
def save_draft(
    document: DocumentDep, ctx: ContextDep, actor: ActorDep, response: Response
) -> ProfileDetailOut:
    """Save a draft: the version after the latest published one (its ``version`` and ``status`` are set
    by the service). Saving a draft again replaces it (200)."""
    record, created = profiles.save_draft(ctx, actor, document)
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"/api/v1/profiles/{record.id}@{record.version}"
    return _detail(record)


@router.post("/{profile_id:path}/publish", response_model=ProfileDetailOut, responses=responses(404, 409))
def publish(profile_id: ProfileId, ctx: ContextDep, actor: ActorDep) -> ProfileDetailOut:
    """Publish the draft of ``profile_id``: the version is frozen and readable by every organization."""
    return _detail(profiles.publish(ctx, actor, profile_id))


@router.get("/{ref:path}", response_model=ProfileDetailOut, responses=responses(404))
def read(ref: ProfileRef, ctx: ContextDep, actor: ActorDep) -> ProfileDetailOut:
    """A profile by ``id`` (its latest published version) or ``id@version``, with 'extends' resolved."""
    return _detail(profiles.get_profile(ctx, actor, ref))
