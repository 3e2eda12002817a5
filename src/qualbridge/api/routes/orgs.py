"""``/orgs``: the directory of organizations, the caller's organization and its users; the center
registers organizations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from qualbridge.api.deps import ActorDep, ContextDep, PageDep
from qualbridge.api.errors import COMMON, responses
from qualbridge.api.schemas import (
    NO_CONTROL,
    MeOut,
    OrgCreatedOut,
    OrgEntryOut,
    OrgIn,
    OrgOut,
    PageOut,
    UserIn,
    UserOut,
)
from qualbridge.services import accounts
from qualbridge.services.actor import OrgKind

router = APIRouter(prefix="/orgs", tags=["organizations"], responses=responses(*COMMON))


@router.get("", response_model=PageOut[OrgEntryOut])
def directory(
    ctx: ContextDep,
    actor: ActorDep,
    page: PageDep,
    kind: OrgKind | None = None,
    q: Annotated[
        str | None,
        Query(max_length=100, pattern=NO_CONTROL, description="Text in the slug or either name."),
    ] = None,
) -> PageOut[OrgEntryOut]:
    """Every participating organization's public entry (id, slug, names, kind, country), by English
    name: how a vendor finds the fab to share a package with. Never users, tokens or anything else."""
    found = accounts.directory(ctx, actor, kind=kind, search=q, limit=page.limit, offset=page.offset)
    return PageOut[OrgEntryOut].model_validate(found.model_dump())


@router.get("/me", response_model=MeOut)
def me(ctx: ContextDep, actor: ActorDep) -> MeOut:
    """The organization and user the token belongs to."""
    org, user = accounts.current(ctx, actor)
    return MeOut(org=OrgOut.model_validate(org), user=UserOut.model_validate(user))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OrgCreatedOut, responses=responses(409))
def create_org(body: OrgIn, ctx: ContextDep, actor: ActorDep) -> OrgCreatedOut:
    """Register a participating organization and its first admin (center admins only)."""
    org, admin = accounts.create_organization(
        ctx,
        actor,
        kind=body.kind,
        name_en=body.name_en,
        name_zh=body.name_zh,
        country=body.country,
        admin_email=body.admin.email,
        admin_name=body.admin.name,
        admin_password=body.admin.password,
        slug=body.slug,
    )
    return OrgCreatedOut(org=OrgOut.model_validate(org), admin=UserOut.model_validate(admin))


@router.get("/me/users", response_model=list[UserOut])
def list_users(ctx: ContextDep, actor: ActorDep) -> list[UserOut]:
    """The users of the caller's organization."""
    return [UserOut.model_validate(u) for u in accounts.list_users(ctx, actor)]


@router.post(
    "/me/users", status_code=status.HTTP_201_CREATED, response_model=UserOut, responses=responses(409)
)
def create_user(body: UserIn, ctx: ContextDep, actor: ActorDep) -> UserOut:
    """Add a user to the caller's organization (admins only)."""
    user = accounts.create_user(
        ctx, actor, email=body.email, name=body.name, role=body.role, password=body.password
    )
    return UserOut.model_validate(user)
