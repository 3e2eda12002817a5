"""Signing keys over HTTP: an organization's admin lists and rotates its keys; the center's admin revokes
an organization's key with a reason, which the trust root then lists."""

from __future__ import annotations

import json

from qualbridge.services.context import Context
from qualbridge.trust import dsse
from qualbridge.trust.certificates import KeyCertificate
from qualbridge.trust.verify import TrustRoot
from tests.api.client import TestClient, assert_problem, bearer
from tests.services.qualification_samples import product_with_leak
from tests.services.samples import new_org


def test_an_admin_sees_and_rotates_its_keys_once_per_idempotency_key(
    client: TestClient, ctx: Context
) -> None:
    vendor = new_org(ctx, "vendor")
    product_with_leak(ctx, vendor)  # the upload created and certified the vendor's first key
    auth = bearer(ctx, vendor)
    (first,) = client.get("/api/v1/orgs/me/keys", headers=auth).json()
    assert (first["purpose"], first["revoked"], first["retired_at"]) == ("attestation", False, None)
    root = TrustRoot.from_bytes(client.get("/log/trust-root").content)
    cert = KeyCertificate.open(dsse.Envelope.from_json(json_bytes(first["certificate"])), root.center)
    assert cert.key.keyid == first["keyid"]
    served = client.get(f"/log/certificates/{first['keyid']}")
    assert dsse.Envelope.from_json(served.content) == dsse.Envelope.from_json(
        json_bytes(first["certificate"])
    )

    headers = {**auth, "Idempotency-Key": "rotate-1"}
    rotated = client.post("/api/v1/orgs/me/keys/rotate", headers=headers)
    assert rotated.status_code == 201, rotated.text
    again = client.post("/api/v1/orgs/me/keys/rotate", headers=headers)
    assert (again.headers["idempotent-replayed"], again.json()) == ("true", rotated.json())
    old, new = client.get("/api/v1/orgs/me/keys", headers=auth).json()
    assert (old["keyid"], new["keyid"]) == (first["keyid"], rotated.json()["keyid"])
    assert old["retired_at"] is not None
    assert old["not_after"] is not None
    assert new["retired_at"] is None


def test_the_center_revokes_an_organizations_key_with_a_reason(client: TestClient, ctx: Context) -> None:
    vendor, center = new_org(ctx, "vendor"), new_org(ctx, "center")
    product_with_leak(ctx, vendor)
    (key,) = client.get("/api/v1/orgs/me/keys", headers=bearer(ctx, vendor)).json()
    url = f"/api/v1/keys/{key['keyid']}/revoke"
    body = {"reason": "the key file was copied off a laptop"}
    assert_problem(client.post(url, json=body, headers=bearer(ctx, vendor)), 403)
    revoked = client.post(url, json=body, headers=bearer(ctx, center))
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["revoked"], revoked.json()["resigned"]) == (True, 1)
    assert revoked.json()["revocation_reason"] == body["reason"]
    assert revoked.json()["org_id"] == str(vendor.org_id)
    assert_problem(client.post(url, json=body, headers=bearer(ctx, center)), 409)
    assert_problem(client.post(url, json={"reason": " "}, headers=bearer(ctx, center)), 422)
    root = TrustRoot.from_bytes(client.get("/log/trust-root").content)
    assert key["keyid"] in root.revoked_keys
    old, new = client.get("/api/v1/orgs/me/keys", headers=bearer(ctx, vendor)).json()
    assert (old["revoked"], new["revoked"]) == (True, False)


def json_bytes(doc: object) -> bytes:
    return json.dumps(doc).encode()
