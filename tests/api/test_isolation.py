"""One organization can neither read nor change another's products, evidence or tokens: every such
request is a 404 (as for an id that does not exist), and no listing carries anything of the other."""

import json

from qualbridge.services.context import Context
from tests.api.client import TestClient, assert_problem, bearer
from tests.services.samples import PARTICLE_CSV, PARTICLE_META, helium_leak_document, new_org


def test_organizations_never_see_or_touch_each_others_data(client: TestClient, ctx: Context) -> None:
    vendor_a, vendor_b = new_org(ctx, name="Shanghai Vacuum"), new_org(ctx, name="Wuxi Compressors")
    a, b = bearer(ctx, vendor_a), bearer(ctx, vendor_b)
    product = client.post(
        "/api/v1/products", headers=a, json={"kind": "equipment", "model": "VX", "name": "A's"}
    ).json()
    pump = client.post(
        "/api/v1/products", headers=a, json={"kind": "subsystem", "model": "P", "name": "A's"}
    ).json()
    client.put(f"/api/v1/products/{product['id']}/components/{pump['id']}", headers=a, json={})
    upload = client.post(
        "/api/v1/evidence",
        headers=a,
        data={"product_id": product["id"], "meta": json.dumps(PARTICLE_META)},
        files={"file": ("survey.csv", PARTICLE_CSV, "text/csv")},
    ).json()
    evidence_id = upload["evidence"]["id"]
    a_token = client.get("/api/v1/tokens", headers=a).json()[0]["id"]
    mine = client.post(
        "/api/v1/products", headers=b, json={"kind": "equipment", "model": "W", "name": "B's"}
    ).json()

    # Ids nobody has, of the same shapes as A's.
    nobody = {
        product["id"]: "00000000-0000-4000-8000-000000000001",
        pump["id"]: "00000000-0000-4000-8000-000000000002",
        a_token: "00000000-0000-4000-8000-000000000003",
        evidence_id: "sha256:" + "0" * 64,
    }

    def swap(text: str) -> str:
        for theirs, unknown in nobody.items():
            text = text.replace(theirs, unknown)
        return text

    for method, path, body in (
        ("GET", f"/api/v1/products/{product['id']}", None),
        ("GET", f"/api/v1/products/{product['id']}/components", None),
        ("GET", f"/api/v1/products/{product['id']}/evidence", None),
        ("PUT", f"/api/v1/products/{product['id']}/components/{mine['id']}", {}),
        ("PUT", f"/api/v1/products/{mine['id']}/components/{pump['id']}", {}),
        ("GET", f"/api/v1/evidence/{evidence_id}", None),
        ("GET", f"/api/v1/evidence/{evidence_id}/raw", None),
        ("DELETE", f"/api/v1/tokens/{a_token}", None),
        (
            "POST",
            "/api/v1/evidence/documents",
            {"product_id": product["id"], "document": helium_leak_document()},
        ),
    ):
        response = client.request(method, path, headers=b, json=body)
        problem = assert_problem(response, 404, slug="not-found")
        # The answer about A's object is, word for word, the answer about an object nobody has.
        twin_body = json.loads(swap(json.dumps(body))) if body is not None else None
        twin = assert_problem(client.request(method, swap(path), headers=b, json=twin_body), 404)
        assert json.loads(swap(json.dumps(problem))) == twin, path

    # B's listings and reads carry nothing of A's.
    a_ids = {vendor_a.org_id.hex, str(vendor_a.org_id), product["id"], pump["id"], evidence_id, a_token}
    for path in ("/api/v1/products", "/api/v1/evidence", "/api/v1/tokens?whole_org=true", "/api/v1/orgs/me",
                 "/api/v1/orgs/me/users", f"/api/v1/products/{mine['id']}/evidence"):  # fmt: skip
        response = client.get(path, headers=b)
        assert response.status_code == 200, (path, response.text)
        assert not any(i in response.text for i in a_ids), path

    # Nothing of A's changed.
    assert (
        client.get(f"/api/v1/products/{product['id']}/components", headers=a).json()[0]["product"]["id"]
        == pump["id"]
    )
    assert client.get(f"/api/v1/evidence/{evidence_id}", headers=a).json()["products"] == [product]
    assert client.get("/api/v1/orgs/me", headers=a).status_code == 200
