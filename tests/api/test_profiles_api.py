"""Profiles over HTTP: YAML or JSON bodies, validation errors as problem documents, drafts, versions."""

import json

import yaml

from qualbridge.services.context import Context
from tests.api.client import TestClient, assert_problem, bearer
from tests.services.qualification_samples import PARENT, leak_only_profile
from tests.services.samples import new_org

YAML = {"Content-Type": "application/yaml"}


def test_author_validate_draft_publish_and_read_in_yaml(client: TestClient, ctx: Context) -> None:
    fab = {**bearer(ctx, new_org(ctx, "fab")), **YAML}
    body = yaml.safe_dump(leak_only_profile(), allow_unicode=True)
    checked = client.post("/api/v1/profiles/validate", headers=fab, content=body)
    assert checked.status_code == 200, checked.text
    assert (checked.json()["version"], checked.json()["requirements"]) == (1, 1)
    assert client.get("/api/v1/profiles?mine=true", headers=fab).json()["total"] == 0, (
        "validate stores nothing"
    )

    draft = client.post("/api/v1/profiles", headers=fab, content=body)
    assert (draft.status_code, draft.json()["status"]) == (201, "draft"), draft.text
    assert draft.headers["Location"] == "/api/v1/profiles/fab-dresden/chamber@1"
    assert client.post("/api/v1/profiles", headers=fab, content=body).status_code == 200, "replaced"
    published = client.post("/api/v1/profiles/fab-dresden/chamber/publish", headers=fab)
    assert (published.status_code, published.json()["status"]) == (200, "published"), published.text
    read = client.get("/api/v1/profiles/fab-dresden/chamber@1", headers=fab).json()
    assert read == published.json()
    assert [r["id"] for r in read["resolved"]["requirements"]] == ["he-leak"]

    vendor = bearer(ctx, new_org(ctx, "vendor"))
    assert (
        client.get("/api/v1/profiles/fab-dresden/chamber", headers=vendor).json()["digest"] == read["digest"]
    )
    shipped = client.get(f"/api/v1/profiles/{PARENT}", headers=vendor).json()
    assert (shipped["builtin"], shipped["owner_org_id"]) == (True, None)


def test_json_bodies_and_bad_documents(client: TestClient, ctx: Context) -> None:
    fab = bearer(ctx, new_org(ctx, "fab"))
    ok = client.post("/api/v1/profiles", headers=fab, json=leak_only_profile())
    assert ok.status_code == 201, ok.text
    bad_unit = leak_only_profile("fab/x")
    bad_unit["requirements"][0]["max_leak_rate"]["unit"] = "kg"
    for content, headers in (
        (json.dumps(bad_unit), {"Content-Type": "application/json"}),
        ("id: [unclosed", YAML),
        ("a: &x [1]\nb: *x\n", YAML),
        ('{"id": NaN}', {"Content-Type": "application/json"}),
        (b"\xff\xfe", YAML),
        ("- just\n- a list\n", YAML),
        ("id: fab/x", {"Content-Type": "image/png"}),
    ):
        response = client.post("/api/v1/profiles", headers={**fab, **headers}, content=content)
        assert_problem(response, 422, slug="invalid-input", error="ProfileError")
    assert client.get("/api/v1/profiles?mine=true", headers=fab).json()["total"] == 1


def test_drafts_are_invisible_to_other_organizations(client: TestClient, ctx: Context) -> None:
    fab = bearer(ctx, new_org(ctx, "fab"))
    client.post("/api/v1/profiles", headers=fab, json=leak_only_profile())
    other = bearer(ctx, new_org(ctx, "fab"))
    missing = client.get("/api/v1/profiles/fab-dresden/chamber@1", headers=other)
    nobody = client.get("/api/v1/profiles/fab-nobody/chamber@1", headers=other)
    assert_problem(missing, 404, slug="not-found")
    assert missing.json()["detail"].replace("dresden", "nobody") == nobody.json()["detail"]
    assert_problem(client.post("/api/v1/profiles/fab-dresden/chamber/publish", headers=other), 404)
    assert "fab-dresden" not in client.get("/api/v1/profiles?limit=200", headers=other).text
    assert_problem(client.get("/api/v1/profiles/Bad%20Id", headers=other), 422, slug="invalid-request")
    viewer = bearer(ctx, new_org(ctx, "fab"), scope="read")
    assert_problem(client.post("/api/v1/profiles", headers=viewer, json=leak_only_profile("a/b")), 403)
