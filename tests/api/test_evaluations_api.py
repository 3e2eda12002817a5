"""Evaluations over HTTP: run, read, list per product, re-run; other organizations get 404."""

from typing import Any

from qualbridge.services import profiles
from qualbridge.services.context import Context
from tests.api.client import TestClient, assert_problem, bearer
from tests.services.qualification_samples import PARENT, leak_only_profile, product_with_leak
from tests.services.samples import new_org


def test_run_read_list_and_rerun(client: TestClient, ctx: Context) -> None:
    fab, vendor = new_org(ctx, "fab"), new_org(ctx, "vendor")
    profiles.save_draft(ctx, fab, leak_only_profile())
    profiles.publish(ctx, fab, "fab-dresden/chamber")
    tool, evidence_id = product_with_leak(ctx, vendor)
    headers = bearer(ctx, vendor)
    run = client.post(
        f"/api/v1/products/{tool}/evaluations",
        headers=headers,
        json={"profile": "fab-dresden/chamber", "as_of": "2026-02-10"},
    )
    assert run.status_code == 201, run.text
    first: dict[str, Any] = run.json()
    assert run.headers["Location"] == f"/api/v1/evaluations/{first['id']}"
    assert (first["overall"], first["profile_version"], first["evidence"]) == ("pass", 1, [evidence_id])
    assert first["result"]["profile"]["id"] == "fab-dresden/chamber"
    assert client.get(f"/api/v1/evaluations/{first['id']}", headers=headers).json() == first
    again = client.post(f"/api/v1/evaluations/{first['id']}/rerun", headers=headers)
    assert again.status_code == 201, again.text
    assert (again.json()["digest"], again.json()["as_of"]) == (first["digest"], "2026-02-10")
    assert again.json()["id"] != first["id"]
    listed = client.get(f"/api/v1/products/{tool}/evaluations?limit=1", headers=headers).json()
    assert (listed["total"], listed["items"][0]["id"]) == (2, again.json()["id"])
    assert "result" not in listed["items"][0]


def test_mistakes_and_other_organizations(client: TestClient, ctx: Context) -> None:
    vendor, other = new_org(ctx, "vendor"), new_org(ctx, "vendor")
    tool, _ = product_with_leak(ctx, vendor)
    headers, theirs = bearer(ctx, vendor), bearer(ctx, other)
    path = f"/api/v1/products/{tool}/evaluations"
    assert_problem(client.post(path, headers=headers, json={"profile": "no/such"}), 404, field="profile")
    assert_problem(
        client.post(path, headers=headers, json={"profile": "Bad Id"}), 422, slug="invalid-request"
    )
    assert_problem(client.post(path, headers=headers, json={"profile": PARENT, "as_of": "02/10/2026"}), 422)
    made = client.post(path, headers=headers, json={"profile": PARENT}).json()
    assert made["overall"] == "incomplete"
    for method, url in (
        ("POST", path),
        ("GET", path),
        ("GET", f"/api/v1/evaluations/{made['id']}"),
        ("POST", f"/api/v1/evaluations/{made['id']}/rerun"),
    ):
        body = {"profile": PARENT} if url == path and method == "POST" else None
        assert_problem(client.request(method, url, headers=theirs, json=body), 404, slug="not-found")
    fab = bearer(ctx, new_org(ctx, "fab"))
    assert_problem(client.post(path, headers=fab, json={"profile": PARENT}), 403, slug="forbidden")
