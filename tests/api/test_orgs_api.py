"""The directory of organizations over HTTP: public entries only, filtered and paginated; a vendor finds
a fab there and shares a package with it by slug."""

import json

from qualbridge.services import accounts
from qualbridge.services.context import Context
from tests.api.client import TestClient, assert_problem, bearer
from tests.services.qualification_samples import shared_package
from tests.services.samples import new_org

PUBLIC = {"id", "slug", "kind", "name_en", "name_zh", "country"}


def test_a_vendor_finds_a_fab_and_shares_by_slug(client: TestClient, ctx: Context) -> None:
    s = shared_package(ctx)
    fab = accounts.current(ctx, s.fab)[0]
    vendor = bearer(ctx, s.vendor)
    found = client.get("/api/v1/orgs", headers=vendor, params={"kind": "fab", "q": fab.name_en.upper()})
    assert found.status_code == 200, found.text
    body = found.json()
    assert (body["total"], body["limit"], body["offset"]) == (1, 50, 0)
    entry = body["items"][0]
    assert entry == fab.model_dump(mode="json", exclude={"created_at"})
    assert set(entry) == PUBLIC
    everyone = client.get("/api/v1/orgs", headers=bearer(ctx, s.lab), params={"limit": 200}).json()
    assert {"vendor", "fab", "lab"} <= {o["kind"] for o in everyone["items"]}
    for org in everyone["items"]:
        assert set(org) == PUBLIC, "never users, tokens or anything private"
    assert "@" not in json.dumps(everyone), "no e-mail address of any user"
    shared = client.post(
        f"/api/v1/packages/{s.package_id}/shares",
        headers=vendor,
        json={"fab_slug": entry["slug"], "expires_at": "2026-04-01T00:00:00Z"},
    )
    assert (shared.status_code, shared.json()["fab_org_id"]) == (201, entry["id"]), shared.text
    lab_slug = accounts.current(ctx, s.lab)[0].slug
    refused = client.post(
        f"/api/v1/packages/{s.package_id}/shares",
        headers=vendor,
        json={"fab_slug": lab_slug, "expires_at": "2026-04-01T00:00:00Z"},
    )
    assert_problem(refused, 422, field="fab_slug")
    unknown = client.post(
        f"/api/v1/packages/{s.package_id}/shares",
        headers=vendor,
        json={"fab_slug": "no-such-fab", "expires_at": "2026-04-01T00:00:00Z"},
    )
    assert_problem(unknown, 404, field="fab_slug")
    both = {"fab_slug": entry["slug"], "fab_org_id": entry["id"], "expires_at": "2026-04-01T00:00:00Z"}
    assert_problem(client.post(f"/api/v1/packages/{s.package_id}/shares", headers=vendor, json=both), 422)


def test_directory_requests_are_checked(client: TestClient, ctx: Context) -> None:
    headers = bearer(ctx, new_org(ctx, "vendor"))
    assert_problem(client.get("/api/v1/orgs"), 401)
    assert_problem(client.get("/api/v1/orgs", headers=headers, params={"kind": "bank"}), 422)
    assert_problem(client.get("/api/v1/orgs", headers=headers, params={"q": "x" * 101}), 422)
    assert_problem(client.get("/api/v1/orgs", headers=headers, params={"limit": 0}), 422)
