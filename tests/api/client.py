"""The test client and helpers for calling the API as an organization's user."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.testclient import TestClient

from qualbridge.services import tokens
from qualbridge.services.actor import Actor, Scope
from qualbridge.services.context import Context

__all__ = ["TestClient", "assert_problem", "bearer"]

PROBLEM_JSON = "application/problem+json"


def bearer(ctx: Context, actor: Actor, *, scope: Scope | None = None) -> dict[str, str]:
    """Authorization headers with a fresh token for ``actor``'s user, of ``actor``'s scope by default.

    Issued as if the user had signed in with a password (which any role may do), whatever the scope of
    the token ``actor`` stands for.
    """
    issuer = replace(actor, scope="write")
    issued = tokens.issue_token(ctx, issuer, name="test", scope=scope or actor.scope)
    return {"Authorization": f"Bearer {issued.secret}"}


def assert_problem(response: Any, status: int, *, slug: str | None = None, **members: Any) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status`` (and the given members); returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["instance"] == response.request.url.path
    if slug is not None:
        assert body["type"] == f"/problems/{slug}"
    for key, value in members.items():
        assert body.get(key) == value, (key, body)
    return body
