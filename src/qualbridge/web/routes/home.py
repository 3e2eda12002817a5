"""The dashboard: what each kind of organization starts from."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from qualbridge.services import accounts, packages, products, profiles
from qualbridge.web.deps import VisitDep, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)

#: How many items each dashboard list shows before "all …".
SHOWN = 10


@router.get("/")
def dashboard(visit: VisitDep) -> Response:
    actor = visit.signed_in
    ctx = visit.ctx
    values: dict[str, Any] = {}
    if actor.org_kind == "vendor":
        values["products"] = products.list_products(ctx, actor, limit=SHOWN, offset=0)
        values["packages"] = packages.list_packages(ctx, actor, limit=SHOWN, offset=0)
    elif actor.org_kind == "fab":
        values["packages"] = packages.list_packages(ctx, actor, limit=SHOWN, offset=0)
        values["profiles"] = profiles.list_profiles(ctx, actor, own_only=True, limit=SHOWN, offset=0)
    elif actor.org_kind == "center":
        values["orgs"] = accounts.list_organizations(ctx, actor)
    else:
        values["profiles"] = profiles.list_profiles(ctx, actor, limit=SHOWN, offset=0)
    return visit.page(f"dashboard_{actor.org_kind}.html", **values)
