"""Idempotency-Key on every POST that creates something besides evidence (packages, grants, evaluations
and re-runs): a retry gets the first answer byte for byte and creates nothing; the key with another
request is refused."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from qualbridge.services.context import Context
from tests.api.client import TestClient, assert_problem, bearer
from tests.services.qualification_samples import PARENT, SharedPackage, product_with_leak, shared_package
from tests.services.samples import new_org


@dataclass(frozen=True)
class Case:
    path: Callable[[SharedPackage], str]
    body: Callable[[SharedPackage], dict[str, Any]]
    #: Another request to the same path: what the key must not be reused for.
    other: Callable[[SharedPackage], dict[str, Any]]
    #: How many things the route has created so far (must not grow on a retry).
    count: Callable[[TestClient, dict[str, str], SharedPackage], int]


def _packages(client: TestClient, headers: dict[str, str], s: SharedPackage) -> int:
    total: int = client.get("/api/v1/packages", headers=headers).json()["total"]
    return total


def _shares(client: TestClient, headers: dict[str, str], s: SharedPackage) -> int:
    return len(client.get(f"/api/v1/packages/{s.package_id}/shares", headers=headers).json())


def _evaluations(client: TestClient, headers: dict[str, str], s: SharedPackage) -> int:
    total: int = client.get(f"/api/v1/products/{s.product_id}/evaluations", headers=headers).json()["total"]
    return total


def _package(s: SharedPackage) -> dict[str, Any]:
    return {"product_id": str(s.product_id), "name": "retry", "profiles": ["fab-dresden/chamber"]}


CASES = {
    "package": Case(
        lambda s: "/api/v1/packages",
        _package,
        lambda s: {**_package(s), "evidence": [s.leak_id]},
        _packages,
    ),
    "share": Case(
        lambda s: f"/api/v1/packages/{s.package_id}/shares",
        lambda s: {"fab_org_id": str(s.other_fab.org_id), "expires_at": "2026-04-01T00:00:00Z"},
        lambda s: {"fab_org_id": str(s.other_fab.org_id), "expires_at": "2026-04-02T00:00:00Z"},
        _shares,
    ),
    "evaluation": Case(
        lambda s: f"/api/v1/products/{s.product_id}/evaluations",
        lambda s: {"profile": "fab-dresden/chamber"},
        lambda s: {"profile": "fab-dresden/chamber", "evidence": [s.leak_id]},
        _evaluations,
    ),
    "rerun": Case(
        lambda s: f"/api/v1/evaluations/{s.evaluation_id}/rerun",
        lambda s: {},
        lambda s: {"as_of": "2026-01-01"},
        _evaluations,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_a_retry_with_the_same_key_replays_the_first_answer(
    client: TestClient, ctx: Context, name: str
) -> None:
    case, s = CASES[name], shared_package(ctx)
    headers = bearer(ctx, s.vendor)
    keyed = {**headers, "Idempotency-Key": f"retry-{name}"}
    path = case.path(s)
    before = case.count(client, headers, s)
    first = client.post(path, headers=keyed, json=case.body(s))
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    assert case.count(client, headers, s) == before + 1
    retry = client.post(path, headers=keyed, json=case.body(s))
    assert (retry.status_code, retry.content) == (201, first.content)
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.headers.get("location") == first.headers.get("location")
    assert case.count(client, headers, s) == before + 1, "a retry creates nothing"
    # The same key for another request, or for another route, is refused; nothing is created.
    assert_problem(client.post(path, headers=keyed, json=case.other(s)), 422, slug="idempotency-key-reused")
    elsewhere = CASES["package" if name != "package" else "evaluation"]
    assert_problem(
        client.post(elsewhere.path(s), headers=keyed, json=elsewhere.body(s)),
        422,
        slug="idempotency-key-reused",
    )
    assert case.count(client, headers, s) == before + 1
    # Without a key, the same request is a new one.
    assert client.post(path, headers=headers, json=case.body(s)).status_code == 201
    assert case.count(client, headers, s) == before + 2


def test_a_key_belongs_to_its_organization_and_a_failed_request_stores_no_answer(
    client: TestClient, ctx: Context
) -> None:
    s = shared_package(ctx)
    keyed = {**bearer(ctx, s.vendor), "Idempotency-Key": "pkg-1"}
    bad = {**_package(s), "profiles": ["no/such"]}
    assert_problem(client.post("/api/v1/packages", headers=keyed, json=bad), 404)
    # The failed attempt left no answer behind: the corrected request may use the same key.
    assert client.post("/api/v1/packages", headers=keyed, json=_package(s)).status_code == 201
    other = new_org(ctx, "vendor")
    tool, _ = product_with_leak(ctx, other, "OT-1")
    theirs = {**bearer(ctx, other), "Idempotency-Key": "pkg-1"}
    body = {"product_id": str(tool), "name": "theirs", "profiles": [PARENT]}
    made = client.post("/api/v1/packages", headers=theirs, json=body)
    assert made.status_code == 201, made.text
    assert "idempotent-replayed" not in made.headers
    assert_problem(
        client.post("/api/v1/packages", headers={**keyed, "Idempotency-Key": "has space"}, json=_package(s)),
        422,
    )
