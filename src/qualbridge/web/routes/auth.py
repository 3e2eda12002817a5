"""Signing in and out, and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.responses import Response

from qualbridge import i18n
from qualbridge.errors import AuthError
from qualbridge.services import tokens
from qualbridge.web import session
from qualbridge.web.deps import PostDep, VisitDep, WebRoute
from qualbridge.web.session import Session

router = APIRouter(route_class=WebRoute, include_in_schema=False)

#: A web session is an API token that lives a day (the shortest a token lives).
SESSION_DAYS = 1


def local(target: str | None) -> str:
    """Where to go next: a path of this site only (never ``//host`` or ``https://…``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/sign-in")
def sign_in_form(visit: VisitDep, next: str | None = None) -> Response:
    if visit.actor is not None:
        return visit.redirect(local(next))
    return visit.page("sign_in.html", next=local(next), email="")


@router.post("/sign-in")
def sign_in(
    visit: PostDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    try:
        issued = tokens.issue_token_for_password(
            visit.ctx, email=email, password=password, name="web session", scope=None, ttl_days=SESSION_DAYS
        )
    except AuthError:
        return visit.page("sign_in.html", status=401, next=local(next), email=email, failed=True)
    # A new CSRF secret with the new session: nothing from before signing in carries over.
    visit.replace_session(Session.fresh(token=issued.secret))
    return visit.redirect(local(next))


@router.post("/sign-out")
def sign_out(visit: PostDep) -> Response:
    if visit.actor is not None and visit.actor.token_id is not None:
        tokens.revoke_token(visit.ctx, visit.actor, visit.actor.token_id)
    visit.replace_session(Session.fresh())
    return visit.redirect("/sign-in?msg=signed-out")


@router.post("/lang")
def switch_language(
    visit: PostDep,
    lang: Annotated[str, Form(max_length=10)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    try:
        chosen = i18n.parse_lang(lang)
    except ValueError:
        chosen = visit.lang
    response = visit.redirect(local(next))
    session.store_lang(response, visit.request, chosen)
    return response
