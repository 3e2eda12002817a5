"""The organization's users: who they are, and (for an admin) adding one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.responses import Response

from qualbridge.errors import InputError
from qualbridge.services import accounts
from qualbridge.services.actor import ROLES
from qualbridge.web.deps import PostDep, Visit, VisitDep, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _page(visit: Visit, *, status: int = 200, **values: object) -> Response:
    users = accounts.list_users(visit.ctx, visit.signed_in)
    return visit.page("users.html", status=status, users=users, roles=ROLES, **values)


@router.get("/users")
def user_list(visit: VisitDep) -> Response:
    return _page(visit, form={})


@router.post("/users")
def add_user(
    visit: PostDep,
    email: Annotated[str, Form(max_length=254)],
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=20)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    try:
        accounts.create_user(
            visit.ctx,
            visit.signed_in,
            email=email,
            name=name,
            role=role,  # type: ignore[arg-type]  # checked by the use case, which names the field
            password=password,
        )
    except InputError as exc:
        return _page(visit, status=400, form={"email": email, "name": name, "role": role}, error=exc)
    return visit.redirect("/users?msg=user-created")
