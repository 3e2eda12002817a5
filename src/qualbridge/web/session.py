"""The browser session: a signed cookie that holds an API token and a CSRF secret.

Signing in issues an ordinary API token (``services.tokens``) with the widest scope the user's role
allows, valid for a day; the cookie carries it, and every page resolves it exactly as the API resolves a
bearer token. So a session is stored server-side (the token row): signing out or revoking the token ends
it everywhere, and a demoted or disabled user loses access at the next click.

The cookie is HMAC-SHA256-signed with a key derived from ``QUALBRIDGE_SECRET_KEY`` (which production
refuses to leave at its default), HttpOnly, SameSite=Lax and Secure when the page was served over https.
A visitor who is not signed in still gets a cookie with a CSRF secret, so the sign-in form is protected
like every other form.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, replace

from starlette.requests import Request
from starlette.responses import Response

COOKIE = "qb_session"
LANG_COOKIE = "qb_lang"
#: A session lives as long as its token; the cookie never outlives it.
MAX_AGE = 24 * 3600
#: The form field (and HTMX header) a form POST carries its CSRF secret in.
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True, slots=True)
class Session:
    csrf: str
    token: str | None = None

    @classmethod
    def fresh(cls, token: str | None = None) -> Session:
        return cls(csrf=secrets.token_urlsafe(32), token=token)

    def signed_out(self) -> Session:
        return replace(self, token=None)


class Signer:
    """Signs and checks cookie values; a value that does not verify is as if there were no cookie."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"qualbridge web session\x00" + secret.encode()).digest()

    def _mac(self, payload: bytes) -> str:
        return _b64(hmac.new(self._key, payload, hashlib.sha256).digest())

    def dumps(self, session: Session) -> str:
        payload = _b64(json.dumps({"c": session.csrf, "t": session.token}, separators=(",", ":")).encode())
        return f"{payload}.{self._mac(payload.encode())}"

    def loads(self, value: str | None) -> Session | None:
        if not value or value.count(".") != 1:
            return None
        payload, mac = value.split(".")
        if not hmac.compare_digest(mac, self._mac(payload.encode())):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            return None
        csrf, token = data.get("c"), data.get("t")
        if not isinstance(csrf, str) or not (token is None or isinstance(token, str)):
            return None
        return Session(csrf=csrf, token=token)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def store(response: Response, request: Request, signer: Signer, session: Session) -> None:
    response.set_cookie(
        COOKIE,
        signer.dumps(session),
        max_age=MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def store_lang(response: Response, request: Request, lang: str) -> None:
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def csrf_matches(session: Session, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(session.csrf.encode(), sent.encode())
