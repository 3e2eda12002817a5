"""Products over HTTP: create, page through, compose, and read evidence inherited from subsystems."""

from typing import Any

from qualbridge.services.context import Context
from tests.api.client import TestClient, assert_problem, bearer
from tests.services.samples import helium_leak_document, new_org


def _create(
    client: TestClient, headers: dict[str, str], model: str, kind: str = "subsystem"
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/products", headers=headers, json={"kind": kind, "model": model, "name": model}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_create_read_and_page(client: TestClient, ctx: Context) -> None:
    headers = bearer(ctx, new_org(ctx))
    made = [_create(client, headers, f"M-{i:02d}") for i in range(5)]
    assert client.get(f"/api/v1/products/{made[0]['id']}", headers=headers).json() == made[0]
    page = client.get("/api/v1/products?limit=2&offset=2", headers=headers).json()
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 2)
    assert [p["model"] for p in page["items"]] == ["M-02", "M-03"]
    assert client.get("/api/v1/products?kind=equipment", headers=headers).json()["total"] == 0
    assert client.get("/api/v1/products?q=m-04", headers=headers).json()["items"][0]["model"] == "M-04"
    assert_problem(
        client.post(
            "/api/v1/products", headers=headers, json={"kind": "subsystem", "model": "M-00", "name": "x"}
        ),
        409,
    )
    assert_problem(
        client.post("/api/v1/products", headers=headers, json={"kind": "gadget", "model": "G", "name": "x"}),
        422,
    )


def test_subsystem_evidence_is_inherited_over_two_levels(client: TestClient, ctx: Context) -> None:
    headers = bearer(ctx, new_org(ctx))
    tool = _create(client, headers, "ETCH-9", "equipment")
    chamber = _create(client, headers, "CH-2")
    pump = _create(client, headers, "P-80", "component")
    for parent, child in ((tool, chamber), (chamber, pump)):
        attached = client.put(
            f"/api/v1/products/{parent['id']}/components/{child['id']}", headers=headers, json={}
        )
        assert (attached.status_code, attached.json()["quantity"]) == (200, 1)
    cycle = client.put(f"/api/v1/products/{pump['id']}/components/{tool['id']}", headers=headers, json={})
    assert_problem(cycle, 409, slug="conflict", field="child_id")
    upload = client.post(
        "/api/v1/evidence/documents",
        headers=headers,
        json={"product_id": pump["id"], "document": helium_leak_document()},
    )
    evidence_id = upload.json()["evidence"]["id"]
    inherited = client.get(f"/api/v1/products/{tool['id']}/evidence", headers=headers).json()
    [item] = inherited["items"]
    assert (item["evidence"]["id"], item["inherited"], item["depth"]) == (evidence_id, True, 2)
    assert item["origin"] == pump
    components = client.get(f"/api/v1/products/{tool['id']}/components", headers=headers).json()
    assert components == [{"product": chamber, "quantity": 1}]
    filtered = client.get(
        f"/api/v1/products/{tool['id']}/evidence?kind=particle_survey", headers=headers
    ).json()
    assert filtered["total"] == 0


def test_text_with_control_characters_is_a_422(client: TestClient, ctx: Context) -> None:
    headers = bearer(ctx, new_org(ctx))
    for path, params in (("/api/v1/products", {"q": "a\x00b"}), ("/api/v1/evidence", {"issuer": "\x07"})):
        body = assert_problem(client.get(path, params=params, headers=headers), 422, slug="invalid-request")
        assert body["errors"][0]["loc"] == ["query", next(iter(params))]
    made = client.post(
        "/api/v1/products", headers=headers, json={"kind": "subsystem", "model": "M\u0000", "name": "N"}
    )
    assert assert_problem(made, 422)["errors"][0]["loc"] == ["body", "model"]
    blank = client.post(
        "/api/v1/products", headers=headers, json={"kind": "subsystem", "model": "  ", "name": "N"}
    )
    assert assert_problem(blank, 422)["errors"][0]["loc"] == ["body", "model"]
    dates = client.get("/api/v1/evidence", params={"tested_to": "0"}, headers=headers)
    assert assert_problem(dates, 422)["errors"][0]["loc"] == ["query", "tested_to"]


def test_attaching_twice_sets_the_quantity(client: TestClient, ctx: Context) -> None:
    headers = bearer(ctx, new_org(ctx))
    tool, pump = _create(client, headers, "T", "equipment"), _create(client, headers, "P")
    client.put(f"/api/v1/products/{tool['id']}/components/{pump['id']}", headers=headers)
    again = client.put(
        f"/api/v1/products/{tool['id']}/components/{pump['id']}", headers=headers, json={"quantity": 2}
    )
    assert again.json()["quantity"] == 2
    assert client.get(f"/api/v1/products/{tool['id']}/components", headers=headers).json()[0]["quantity"] == 2
