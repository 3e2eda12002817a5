"""Every caller mistake is a 4xx RFC 9457 problem document; the API describes itself in OpenAPI."""

import json

from qualbridge.services.context import Context
from tests.api.client import TestClient, assert_problem, bearer
from tests.api.conftest import MAX_BODY
from tests.services.samples import new_org


def test_unknown_routes_and_methods(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/nowhere"), 404)
    response = client.put("/api/v1/orgs/me")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, HEAD"
    # GET and POST /products are two routes: the answer names both.
    assert client.delete("/api/v1/products").headers["allow"] == "GET, HEAD, POST"
    # /evidence/documents is not an evidence id.
    assert client.get("/api/v1/evidence/documents").headers["allow"] == "POST"


def test_invalid_requests_list_each_problem_without_echoing_input(client: TestClient, ctx: Context) -> None:
    secret = "my very secret password"
    response = client.post(
        "/api/v1/auth/tokens", json={"email": "not-an-email", "password": secret, "name": ""}
    )
    body = assert_problem(response, 422, slug="invalid-request")
    assert {tuple(e["loc"]) for e in body["errors"]} == {("body", "email"), ("body", "name")}
    assert secret not in response.text
    headers = bearer(ctx, new_org(ctx))
    assert_problem(client.get("/api/v1/products/not-a-uuid", headers=headers), 422)
    assert_problem(client.get("/api/v1/products?limit=201", headers=headers), 422)
    assert_problem(client.get("/api/v1/products?offset=-1", headers=headers), 422)
    assert_problem(client.get("/api/v1/evidence/sha256:nothex", headers=headers), 404)
    extra = client.post(
        "/api/v1/products", headers=headers, json={"kind": "equipment", "model": "M", "name": "N", "x": 1}
    )
    assert_problem(extra, 422)


def test_malformed_json_is_a_422(client: TestClient, ctx: Context) -> None:
    headers = {**bearer(ctx, new_org(ctx)), "Content-Type": "application/json"}
    assert_problem(client.post("/api/v1/products", headers=headers, content=b'{"kind": '), 422)
    assert_problem(client.post("/api/v1/products", headers=headers, content=b"[NaN]"), 422)


def test_bodies_over_the_limit_are_413_before_they_are_read(client: TestClient, ctx: Context) -> None:
    headers = bearer(ctx, new_org(ctx))
    big = json.dumps({"kind": "equipment", "model": "M", "name": "x" * MAX_BODY}).encode()
    declared = client.post(
        "/api/v1/products", headers={**headers, "Content-Type": "application/json"}, content=big
    )
    assert_problem(declared, 413, slug="too-large", limit=MAX_BODY)

    def chunks():  # no Content-Length: counted as it arrives
        for i in range(0, len(big), 8192):
            yield big[i : i + 8192]

    streamed = client.post(
        "/api/v1/products", headers={**headers, "Content-Type": "application/json"}, content=chunks()
    )
    assert_problem(streamed, 413, slug="too-large")


def test_openapi_and_docs(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "QualBridge"
    paths = set(schema["paths"])
    assert {
        "/api/v1/orgs/me", "/api/v1/tokens", "/api/v1/auth/tokens", "/api/v1/products",
        "/api/v1/products/{product_id}/evidence", "/api/v1/evidence", "/api/v1/evidence/{evidence_id}/raw",
    } <= paths  # fmt: skip
    problem = schema["paths"]["/api/v1/products/{product_id}"]["get"]["responses"]["404"]["content"]
    assert problem == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert "Problem" in schema["components"]["schemas"]
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert client.get("/api/docs").status_code == 200
