"""Bearer tokens at the API: 401 without a valid one, 403 when the token or role does not allow it."""

from qualbridge.services.context import Context
from tests.api.client import TestClient, assert_problem, bearer
from tests.services.samples import member, new_org

PASSWORD = "correct horse battery staple"


def test_without_a_token_the_answer_is_401_with_a_bearer_challenge(client: TestClient) -> None:
    response = client.get("/api/v1/orgs/me")
    assert_problem(response, 401, slug="unauthenticated", error="AuthError")
    assert response.headers["www-authenticate"] == 'Bearer realm="qualbridge"'
    basic = client.get("/api/v1/orgs/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert_problem(basic, 401)


def test_a_bad_token_is_an_invalid_token(client: TestClient) -> None:
    for token in ("qbt_" + "x" * 43, "nonsense", "qbt_short"):
        response = client.get("/api/v1/orgs/me", headers={"Authorization": f"Bearer {token}"})
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == 'Bearer realm="qualbridge", error="invalid_token"'


def test_sign_in_then_use_list_and_revoke_tokens(client: TestClient, ctx: Context) -> None:
    admin = new_org(ctx)
    me = client.get("/api/v1/orgs/me", headers=bearer(ctx, admin)).json()
    response = client.post(
        "/api/v1/auth/tokens",
        json={"email": me["user"]["email"], "password": PASSWORD, "name": "laptop", "scope": "write"},
    )
    assert response.status_code == 201, response.text
    issued = response.json()
    headers = {"Authorization": f"Bearer {issued['secret']}"}
    assert client.get("/api/v1/orgs/me", headers=headers).json() == me
    listed = client.get("/api/v1/tokens", headers=headers).json()
    assert issued["token"]["id"] in [t["id"] for t in listed]
    assert issued["secret"] not in str(listed)
    more = client.post(
        "/api/v1/tokens", headers=headers, json={"name": "ci", "scope": "read", "expires_in_days": 7}
    )
    assert more.status_code == 201
    revoked = client.delete(f"/api/v1/tokens/{issued['token']['id']}", headers=headers)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert_problem(client.get("/api/v1/orgs/me", headers=headers), 401, detail="this token was revoked")
    ci = {"Authorization": f"Bearer {more.json()['secret']}"}
    assert client.get("/api/v1/orgs/me", headers=ci).status_code == 200


def test_wrong_passwords_are_401(client: TestClient, ctx: Context) -> None:
    new_org(ctx)
    response = client.post(
        "/api/v1/auth/tokens", json={"email": "nobody@x.example", "password": "guess", "name": "x"}
    )
    assert_problem(response, 401, detail="wrong e-mail or password")


def test_a_read_token_cannot_write_and_a_viewer_cannot_upload(client: TestClient, ctx: Context) -> None:
    admin = new_org(ctx)
    read_only = bearer(ctx, admin, scope="read")
    response = client.post(
        "/api/v1/products", headers=read_only, json={"kind": "equipment", "model": "X", "name": "X"}
    )
    assert_problem(response, 403, slug="forbidden", error="PermissionDeniedError")
    viewer = member(ctx, admin, "viewer", scope="read")
    response = client.post(
        "/api/v1/products", headers=bearer(ctx, viewer), json={"kind": "equipment", "model": "X", "name": "X"}
    )
    assert_problem(response, 403)
    assert client.get("/api/v1/products", headers=bearer(ctx, viewer)).status_code == 200


def test_the_center_registers_organizations_and_admins_add_users(client: TestClient, ctx: Context) -> None:
    center = new_org(ctx, "center")
    body = {
        "kind": "fab", "name_en": "Dresden Fab", "name_zh": "德累斯顿晶圆厂", "country": "DE",
        "admin": {"email": "admin@dresden.example", "name": "Anna", "role": "admin", "password": PASSWORD},
    }  # fmt: skip
    created = client.post("/api/v1/orgs", headers=bearer(ctx, center), json=body)
    assert created.status_code == 201, created.text
    assert created.json()["admin"]["org_id"] == created.json()["org"]["id"]
    assert_problem(client.post("/api/v1/orgs", headers=bearer(ctx, center), json=body), 409, slug="conflict")
    vendor = new_org(ctx)
    assert_problem(client.post("/api/v1/orgs", headers=bearer(ctx, vendor), json=body), 403)
    user = {"email": "eng@vendor.example", "name": "Eng", "role": "engineer"}
    added = client.post("/api/v1/orgs/me/users", headers=bearer(ctx, vendor), json=user)
    assert added.status_code == 201
    emails = [u["email"] for u in client.get("/api/v1/orgs/me/users", headers=bearer(ctx, vendor)).json()]
    assert "eng@vendor.example" in emails
    assert "admin@dresden.example" not in emails
