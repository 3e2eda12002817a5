"""What every page needs: the visit (session, language, signed-in actor), CSRF checks, friendly errors.

Pages call the same use cases as the API with the same :class:`~qualbridge.services.actor.Actor`, so
what an organization may see or do is decided in one place (``services``, ``authz.POLICY``). An error
raised by a use case becomes a page: "not found" for another organization's ids exactly as for ids that
do not exist, "not allowed" naming what is missing, and a sign-in redirect when the session has ended.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Form, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response

from qualbridge import i18n
from qualbridge.errors import (
    AccessError,
    AuthError,
    ConflictError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    QualBridgeError,
    TooLargeError,
)
from qualbridge.i18n import Lang
from qualbridge.services import accounts, tokens
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
from qualbridge.services.records import OrgRecord, UserRecord
from qualbridge.web import render, session
from qualbridge.web.session import Session, Signer

log = logging.getLogger(__name__)


class SignInRequiredError(Exception):
    """The page needs a signed-in user and there is none (or the session's token no longer counts)."""


class CsrfError(PermissionDeniedError):
    def __init__(self) -> None:
        super().__init__("the form is out of date or was not sent by this site: reload the page and retry")


@dataclass
class Visit:
    """One request of a browser: who, in which language, and the cookies to set on the answer."""

    request: Request
    ctx: Context
    signer: Signer
    session: Session
    lang: Lang
    actor: Actor | None = None
    org: OrgRecord | None = None
    user: UserRecord | None = None
    cookies: dict[str, Session] = field(default_factory=dict)

    @property
    def signed_in(self) -> Actor:
        if self.actor is None:
            raise SignInRequiredError
        return self.actor

    def page(self, template: str, *, status: int = 200, **values: Any) -> Response:
        """A whole page (``template`` extends base.html) with the cookies this visit sets."""
        response = HTMLResponse(render.render(self.lang, template, self._values(values)), status_code=status)
        return self.finish(response)

    def fragment(self, template: str, **values: Any) -> Response:
        """A part of a page (a template starting with ``_``), the answer to an htmx request."""
        return self.finish(HTMLResponse(render.render(self.lang, template, self._values(values))))

    def redirect(self, url: str) -> Response:
        """After a successful POST: see-other, so that reloading does not send the form again."""
        if self.request.headers.get("HX-Request"):
            return self.finish(Response(status_code=204, headers={"HX-Redirect": url}))
        return self.finish(RedirectResponse(url, status_code=303))

    def finish(self, response: Response) -> Response:
        for new in self.cookies.values():
            session.store(response, self.request, self.signer, new)
        return response

    def replace_session(self, new: Session) -> None:
        self.session = new
        self.cookies["session"] = new

    def _values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        path = self.request.url.path
        return {
            "visit": self,
            "actor": self.actor,
            "org": self.org,
            "user": self.user,
            "csrf": self.session.csrf,
            "path": path,
            "here": path + (f"?{self.request.url.query}" if self.request.url.query else ""),
            "msg": _message(self.lang, self.request.query_params.get("msg")),
            **values,
        }


def _lang(request: Request) -> Lang:
    chosen = request.cookies.get(session.LANG_COOKIE)
    if chosen:
        try:
            return i18n.parse_lang(chosen)
        except ValueError:
            pass
    return i18n.negotiate(request.headers.get("accept-language"))


def _visit(request: Request) -> Visit:
    ctx: Context = request.app.state.context
    signer: Signer = request.app.state.web_signer
    found = signer.loads(request.cookies.get(session.COOKIE))
    visit = Visit(request, ctx, signer, found or Session.fresh(), _lang(request))
    if found is None:
        visit.cookies["session"] = visit.session
    if visit.session.token is not None:
        try:
            visit.actor = tokens.resolve_token(ctx, visit.session.token)
            visit.org, visit.user = accounts.current(ctx, visit.actor)
        except AccessError:
            visit.actor = None
            visit.replace_session(visit.session.signed_out())
    return visit


def _checked_visit(
    visit: Annotated[Visit, Depends(_visit)],
    csrf: Annotated[str | None, Form(alias=session.CSRF_FIELD)] = None,
    csrf_header: Annotated[str | None, Header(alias=session.CSRF_HEADER)] = None,
) -> Visit:
    """The visit of a form POST, whose CSRF secret must match the session's (the HTMX header counts)."""
    if not session.csrf_matches(visit.session, csrf or csrf_header):
        raise CsrfError
    return visit


VisitDep = Annotated[Visit, Depends(_visit)]
#: Every POST route takes this one instead of :data:`VisitDep`.
PostDep = Annotated[Visit, Depends(_checked_visit)]


# --- messages after a redirect ---------------------------------------------------------------------------


def _(text: str) -> str:
    """Marks a message for the catalog (``make messages``); it is translated when shown."""
    return text


#: ``?msg=`` keys a redirect may carry; the text is looked up, never taken from the address.
MESSAGES: dict[str, str] = {
    "signed-out": _("You are signed out."),
    "product-created": _("The product was created."),
    "component-attached": _("The subsystem was attached."),
    "evidence-stored": _("The evidence was stored."),
    "evidence-known": _("This evidence was stored before; it is now linked to this product."),
    "status-changed": _("The status change is signed and logged."),
    "key-rotated": _("The key was rotated: a new key is certified, the old one signs nothing more."),
    "key-revoked": _(
        "The key was revoked; the organization's valid evidence was signed again with a new key."
    ),
    "package-created": _("The package was created."),
    "shared": _("The package is shared."),
    "revoked": _("The grant was revoked."),
    "draft-saved": _("The draft was saved."),
    "published": _("The profile version was published."),
    "org-created": _("The organization was registered."),
    "user-created": _("The user was added."),
}


def _message(lang: Lang, key: str | None) -> str | None:
    if key is None or key not in MESSAGES:
        return None
    return str(render.gettext(lang)(MESSAGES[key]))


# --- errors as pages --------------------------------------------------------------------------------------


def _status(request: Request, exc: Exception) -> int:
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, RequestValidationError):
        # A malformed id in an address names nothing; a malformed form is the sender's mistake.
        return 404 if request.method == "GET" else 400
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, TooLargeError):
        return 413
    return 400


def error_page(request: Request, exc: Exception) -> Response:
    """A friendly page for an error a use case raised; it says only what the caller may know."""
    try:
        visit = _visit(request)
    except QualBridgeError:
        ctx: Context = request.app.state.context
        visit = Visit(request, ctx, request.app.state.web_signer, Session.fresh(), _lang(request))
    if isinstance(exc, SignInRequiredError | AuthError):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return visit.redirect(f"/sign-in?next={quote(target, safe='')}")
    status = _status(request, exc)
    # Validation errors of the path (a malformed id) are not worth explaining: nothing is there.
    detail = str(exc) if isinstance(exc, QualBridgeError) else None
    return visit.page("error.html", status=status, status_code=status, detail=detail)


class WebRoute(APIRoute):
    """A page route: errors become pages instead of the API's problem documents."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except (SignInRequiredError, InputError, AccessError, RequestValidationError) as exc:
                return error_page(request, exc)

        return route
