"""Every page checks the caller's organization as the API does: another organization's ids are "not
found" (a page that names nothing of theirs), actions outside the policy are "not allowed"."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.web.conftest import World, sign_in


def test_another_vendors_product_is_not_found_and_not_named(client: TestClient, world: World) -> None:
    sign_in(client, world.emails["other"])
    for path in (f"/products/{world.product}", f"/packages/new?product={world.product}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "SECRET-MODEL-7" not in response.text
        assert "Acme secret chamber" not in response.text
        assert "Not found" in response.text


def test_the_owner_sees_its_product(client: TestClient, world: World) -> None:
    sign_in(client, world.emails["acme"])
    response = client.get(f"/products/{world.product}")
    assert response.status_code == 200
    assert "SECRET-MODEL-7" in response.text


def test_a_malformed_id_is_not_found(client: TestClient, world: World) -> None:
    sign_in(client, world.emails["acme"])
    assert client.get("/products/not-a-uuid").status_code == 404


def test_a_fab_may_not_create_products(client: TestClient, world: World) -> None:
    csrf = sign_in(client, world.emails["fab"])
    response = client.post("/products", data={"csrf": csrf, "kind": "equipment", "model": "F-1", "name": "F"})
    assert response.status_code == 403
    assert "products.write is for vendor organizations" in response.text


def test_only_the_center_lists_organizations(client: TestClient, world: World) -> None:
    sign_in(client, world.emails["fab"])
    response = client.get("/orgs")
    assert response.status_code == 403
    assert "Acme Example" not in response.text


def test_an_unknown_page_is_a_page_and_an_unknown_api_path_a_problem(client: TestClient) -> None:
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    api = client.get("/api/v1/no-such-path")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


def test_a_malformed_form_is_the_senders_mistake(client: TestClient, world: World) -> None:
    csrf = sign_in(client, world.emails["acme"])
    response = client.post(f"/products/{world.product}/components", data={"csrf": csrf, "child_id": "x"})
    assert response.status_code == 400
