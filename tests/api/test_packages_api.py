"""Packages and grants over HTTP, and the access table of every package route: who gets what status.

``ROUTES`` lists each route of shared data; ``CALLERS`` each kind of caller with or without a grant.
The expected status of every pair is stated once, so that the full authorization matrix can extend it.
"""

import base64
import datetime as dt
import hashlib
import json
import uuid
from typing import Any

import pytest

from qualbridge.services import shares
from qualbridge.services.context import Context
from tests.api.client import TestClient, assert_problem, bearer
from tests.services.qualification_samples import SharedPackage, shared_package
from tests.services.samples import PARTICLE_CSV, member, new_org
from tests.store.databases import TickingClock

#: Routes that read shared data: a grantee fab gets 200, anyone else without a grant 404.
GRANTEE_ROUTES = (
    "/api/v1/packages/{package}",
    "/api/v1/packages/{package}/evidence/{survey}",
    "/api/v1/packages/{package}/evidence/{survey}/raw",
    "/api/v1/packages/{package}/evaluations/{evaluation}",
)
#: Routes of the package's vendor alone: (method, path, body, status for an organization that is not a
#: vendor, with or without a grant: 403 where the kind of organization may never do it).
VENDOR_ROUTES = (
    ("GET", "/api/v1/packages/{package}/audit", None, 403),
    ("GET", "/api/v1/packages/{package}/shares", None, 404),
    (
        "POST",
        "/api/v1/packages/{package}/shares",
        {"fab_name": "x", "expires_at": "2026-04-01T00:00:00Z"},
        403,
    ),
    ("DELETE", "/api/v1/packages/{package}/shares/{share}", None, 403),
)
CALLERS = ("fab", "fab_viewer", "other_fab", "lab", "other_vendor", "center", "fab_expired", "fab_revoked")


def _ids(s: SharedPackage) -> dict[str, str]:
    return {
        "package": str(s.package_id),
        "survey": s.survey_id,
        "evaluation": str(s.evaluation_id),
        "share": str(s.share_id),
    }


def _caller(ctx: Context, clock: TickingClock, s: SharedPackage, who: str) -> dict[str, str]:
    if who == "fab_expired":
        clock.advance(dt.timedelta(days=31))
    if who == "fab_revoked":
        shares.revoke(ctx, s.vendor, s.package_id, s.share_id)
    actor = {
        "fab": s.fab,
        "fab_expired": s.fab,
        "fab_revoked": s.fab,
        "fab_viewer": member(ctx, s.fab, "viewer", scope="read"),
        "other_fab": s.other_fab,
        "lab": s.lab,
        "other_vendor": new_org(ctx, "vendor"),
        "center": new_org(ctx, "center"),
    }[who]
    return bearer(ctx, actor)


@pytest.mark.parametrize("who", CALLERS)
def test_access_to_shared_data(client: TestClient, ctx: Context, clock: TickingClock, who: str) -> None:
    s = shared_package(ctx)
    headers = _caller(ctx, clock, s, who)
    granted = who in ("fab", "fab_viewer")
    ids = _ids(s)
    for template in GRANTEE_ROUTES:
        path = template.format(**ids)
        response = client.get(path, headers=headers)
        if granted:
            assert response.status_code == 200, (path, response.text)
            continue
        problem = assert_problem(response, 404, slug="not-found")
        # The answer is word for word the one about ids nobody has: it reveals nothing.
        unknown = {k: (f"sha256:{'0' * 64}" if k == "survey" else str(uuid.uuid4())) for k in ids}
        twin = assert_problem(client.get(template.format(**unknown), headers=headers), 404)
        for key, value in ids.items():
            problem = json.loads(json.dumps(problem).replace(value, unknown[key]))
        assert problem == twin, path
    listing = client.get("/api/v1/packages", headers=headers).json()
    assert [p["id"] for p in listing["items"]] == ([ids["package"]] if granted else [])
    for method, template, body, not_vendor in VENDOR_ROUTES:
        response = client.request(method, template.format(**ids), headers=headers, json=body)
        # Another vendor may do these things to its own packages: for it this one does not exist.
        expected = 404 if who == "other_vendor" else not_vendor
        assert response.status_code == expected, (who, method, template, response.text)
    if not granted:
        assert not any(
            s.survey_id in client.get(p, headers=headers).text
            for p in ("/api/v1/packages", "/api/v1/evidence")
        )


def test_a_vendor_packages_shares_and_reads_the_audit_trail(client: TestClient, ctx: Context) -> None:
    s = shared_package(ctx)
    vendor, fab = bearer(ctx, s.vendor), bearer(ctx, s.fab)
    package = client.get(f"/api/v1/packages/{s.package_id}", headers=vendor).json()
    assert (package["access"], package["grant_expires_at"]) == ("owner", None)
    made = client.post(
        "/api/v1/packages",
        headers=vendor,
        json={
            "product_id": str(s.product_id),
            "name": "leak only",
            "profiles": ["fab-dresden/chamber@1"],
            "evidence": [s.leak_id],
        },
    )
    assert made.status_code == 201, made.text
    assert made.headers["Location"] == f"/api/v1/packages/{made.json()['id']}"
    granted = client.post(
        f"/api/v1/packages/{made.json()['id']}/shares",
        headers=vendor,
        json={"fab_org_id": str(s.fab.org_id), "expires_at": "2026-04-01T00:00:00+02:00"},
    )
    assert granted.status_code == 201, granted.text
    assert (granted.json()["expires_at"], granted.json()["active"]) == ("2026-03-31T22:00:00Z", True)
    assert client.get("/api/v1/packages", headers=fab).json()["total"] == 2

    raw = client.get(f"/api/v1/packages/{s.package_id}/evidence/{s.survey_id}/raw", headers=fab)
    assert raw.content == PARTICLE_CSV
    digest = base64.b64encode(hashlib.sha256(PARTICLE_CSV).digest()).decode()
    assert raw.headers["Repr-Digest"] == f"sha-256=:{digest}:"
    assert raw.headers["Cache-Control"] == "private, no-store"
    trail = client.get(f"/api/v1/packages/{s.package_id}/audit", headers=vendor).json()
    last = trail["items"][-1]
    assert (last["action"], last["org_id"], last["object_id"]) == (
        "package.raw.read",
        str(s.fab.org_id),
        str(s.package_id),
    )
    assert last["detail"]["evidence"] == s.survey_id

    revoked = client.delete(f"/api/v1/packages/{s.package_id}/shares/{s.share_id}", headers=vendor)
    assert (revoked.status_code, revoked.json()["active"]) == (200, False)
    assert_problem(client.get(f"/api/v1/packages/{s.package_id}", headers=fab), 404)
    listed = client.get(f"/api/v1/packages/{s.package_id}/shares", headers=vendor).json()
    assert [(g["id"], g["active"]) for g in listed] == [(str(s.share_id), False)]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"profiles": []}, 422, None),
        ({"profiles": ["no/such"]}, 404, "profile"),
        ({"evidence": ["sha256:" + "1" * 64]}, 404, "evidence"),
        ({"evidence": ["not-a-digest"]}, 422, None),
        ({"evaluations": [str(uuid.UUID(int=7))]}, 404, "evaluations"),
        ({"name": "\u0000"}, 422, None),
        ({"surprise": 1}, 422, None),
    ],
)
def test_bad_package_requests(
    client: TestClient, ctx: Context, body: dict[str, Any], status: int, field: str | None
) -> None:
    s = shared_package(ctx)
    base = {"product_id": str(s.product_id), "name": "P", "profiles": ["fab-dresden/chamber"]}
    response = client.post("/api/v1/packages", headers=bearer(ctx, s.vendor), json={**base, **body})
    assert_problem(response, status, **({"field": field} if field else {}))


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"expires_at": "2026-04-01T00:00:00"}, 422),  # no time zone
        ({"expires_at": "2020-01-01T00:00:00Z"}, 422),
        ({"expires_at": "2026-04-01T00:00:00Z", "fab_name": "No Such Fab"}, 404),
        ({"expires_at": "2026-04-01T00:00:00Z", "fab_org_id": "lab"}, 422),
    ],
)
def test_bad_grants(client: TestClient, ctx: Context, body: dict[str, Any], status: int) -> None:
    s = shared_package(ctx)
    if body.get("fab_org_id") == "lab":
        body = {**body, "fab_org_id": str(s.lab.org_id)}
    elif "fab_name" not in body:
        body = {**body, "fab_org_id": str(s.fab.org_id)}
    response = client.post(
        f"/api/v1/packages/{s.package_id}/shares", headers=bearer(ctx, s.vendor), json=body
    )
    assert_problem(response, status)


def test_a_package_refuses_an_evaluation_of_evidence_it_leaves_out(client: TestClient, ctx: Context) -> None:
    s = shared_package(ctx)
    vendor = bearer(ctx, s.vendor)
    before = client.get("/api/v1/packages", headers=vendor).json()["total"]
    body = {
        "product_id": str(s.product_id),
        "name": "P",
        "profiles": ["fab-dresden/chamber"],
        "evidence": [s.survey_id, s.leak_id],
        "evaluations": [str(s.withheld_evaluation_id)],
    }
    response = client.post("/api/v1/packages", headers=vendor, json=body)
    problem = assert_problem(
        response,
        422,
        slug="evaluation-evidence-withheld",
        title="Evaluation considered evidence left out of the package",
        field="evaluations",
        evaluation_id=str(s.withheld_evaluation_id),
        missing_evidence=[s.withheld_id],
        error="WithheldEvidenceError",
    )
    assert "Add that evidence to the package" in problem["detail"]
    assert client.get("/api/v1/packages", headers=vendor).json()["total"] == before, "nothing stored"
    # The fix the problem names: an evaluation of the package's evidence only.
    narrow = client.post(
        f"/api/v1/products/{s.product_id}/evaluations",
        headers=vendor,
        json={"profile": "fab-dresden/chamber", "evidence": [s.survey_id, s.leak_id]},
    )
    assert narrow.status_code == 201, narrow.text
    assert sorted(narrow.json()["evidence"]) == sorted([s.survey_id, s.leak_id])
    made = client.post(
        "/api/v1/packages", headers=vendor, json={**body, "evaluations": [narrow.json()["id"]]}
    )
    assert made.status_code == 201, made.text
