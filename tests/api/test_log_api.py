"""The transparency log over HTTP (/log), evidence status changes and package bundles.

The read API is exercised as a monitor would use it: the trust root pins the log key, the checkpoint is
verified with it, and every root and proof is recomputed from tiles fetched over HTTP.
"""

from __future__ import annotations

import base64
import json

from qualbridge.demo import witnesses as demo_witnesses
from qualbridge.services import transparency
from qualbridge.services.context import Context
from qualbridge.trust import merkle, tiles
from qualbridge.trust.bundle import MEDIA_TYPE, Bundle
from qualbridge.trust.checkpoint import cosign, open_checkpoint
from qualbridge.trust.keys import SigningKey
from qualbridge.trust.note import COSIGNATURE_V1, NoteSigner
from qualbridge.trust.verify import TrustRoot, verify_bundle
from tests.api.client import TestClient, assert_problem, bearer
from tests.services.qualification_samples import PARENT, product_with_leak
from tests.services.samples import PARTICLE_CSV, PARTICLE_META, new_org


def _append(ctx: Context, count: int) -> None:
    """Entries of no service object, so that the log holds full tiles (the read API serves any entry)."""
    with ctx.transaction(write=True) as uow:
        transparency.open_log(uow, ctx, signing=True).append([b"entry %d" % i for i in range(count)])
        transparency.publish(uow, ctx)


def test_a_monitor_recomputes_the_checkpoint_from_tiles(client: TestClient, ctx: Context) -> None:
    _append(ctx, 600)
    root = TrustRoot.from_bytes(client.get("/log/trust-root").content)
    response = client.get("/log/checkpoint")
    assert response.headers["content-type"].startswith("text/plain")
    checkpoint, _ = open_checkpoint(response.content, root.log)
    assert checkpoint.size == 600

    def fetch(ref: tiles.TileRef) -> bytes:
        got = client.get(f"/log/{ref.path}")
        assert got.status_code == 200, ref.path
        immutable = "immutable" in got.headers["cache-control"]
        assert immutable == (not ref.is_partial)
        return got.content

    reader = tiles.TileReader(600, fetch)
    assert merkle.tree_root(600, reader) == checkpoint.root_hash
    entries = tiles.parse_entry_bundle(client.get("/log/tile/entries/002.p/88").content)
    assert entries[0] == b"entry 512"
    path = merkle.inclusion_path(512, 600, reader)
    merkle.verify_inclusion(512, 600, merkle.leaf_hash(entries[0]), path, checkpoint.root_hash)
    for beyond in ("/log/tile/0/002", "/log/tile/0/003.p/1", "/log/tile/entries/002.p/89", "/log/tile/0/2"):
        assert_problem(client.get(beyond), 404)


def test_witness_cosignatures_are_checked_and_collected(client: TestClient, ctx: Context) -> None:
    _append(ctx, 3)
    note = client.get("/log/checkpoint").content
    first, second = (demo_witnesses.signer(name) for name in demo_witnesses.NAMES)
    accepted = client.post("/log/cosignature", content=cosign(note, first, timestamp=1_800_000_000))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"tree_size": 3, "accepted": [first.name]}
    served = client.get("/log/checkpoint").content
    assert served.count(b"\xe2\x80\x94 ") == 2  # the log's signature and the witness's cosignature
    stranger = NoteSigner("stranger.example", SigningKey.from_seed(b"\x05" * 32), COSIGNATURE_V1)
    assert_problem(client.post("/log/cosignature", content=cosign(note, stranger, timestamp=1)), 403)
    forged = cosign(note, second, timestamp=5).replace(b"\n3\n", b"\n4\n", 1)
    assert_problem(client.post("/log/cosignature", content=forged), 404)
    # The configured witness's name and key id, with a cosignature made by another key.
    wrong = NoteSigner(second.name, SigningKey.from_seed(b"\x06" * 32), COSIGNATURE_V1)
    line = cosign(note, wrong, timestamp=5).decode().rstrip("\n").rsplit("\n", 1)[-1]
    blob = base64.b64decode(line.rsplit(" ", 1)[1])
    forged_blob = second.verifier.key_id.to_bytes(4, "big") + blob[4:]
    spliced = note + f"\u2014 {second.name} {base64.b64encode(forged_blob).decode()}\n".encode()
    assert_problem(client.post("/log/cosignature", content=spliced), 422)
    assert_problem(client.post("/log/cosignature", content=b"not a note"), 422)


def test_evidence_status_over_http_and_only_status_envelopes_are_public(
    client: TestClient, ctx: Context
) -> None:
    vendor = new_org(ctx)
    headers = bearer(ctx, vendor)
    tool, _ = product_with_leak(ctx, vendor)
    uploaded = client.post(
        "/api/v1/evidence",
        headers=headers,
        data={"product_id": str(tool), "meta": json.dumps(PARTICLE_META)},
        files={"file": ("survey.csv", PARTICLE_CSV, "text/csv")},
    )
    assert uploaded.status_code == 201, uploaded.text
    evidence = uploaded.json()["evidence"]
    assert evidence["status"] == "valid"
    log = evidence["log"]
    assert log["index"] < log["checkpoint_size"]
    changed = client.post(
        f"/api/v1/evidence/{evidence['id']}/status",
        headers=headers,
        json={"status": "withdrawn", "reason": "particle counter out of calibration"},
    )
    assert changed.status_code == 201, changed.text
    assert changed.json()["log"]["index"] > log["index"]
    read = client.get(f"/api/v1/evidence/{evidence['id']}", headers=headers).json()
    assert (read["status"], read["log"]) == (
        "withdrawn",
        {**log, "checkpoint_size": read["log"]["checkpoint_size"]},
    )
    public = client.get(f"/log/envelopes/{changed.json()['log']['statement_digest']}")
    assert public.status_code == 200
    assert public.json()["payloadType"] == "application/vnd.in-toto+json"
    assert_problem(client.get(f"/log/envelopes/{log['statement_digest']}"), 404)
    again = client.post(
        f"/api/v1/evidence/{evidence['id']}/status", headers=headers, json={"status": "valid", "reason": "x"}
    )
    assert_problem(again, 409)
    bad = client.post(
        f"/api/v1/evidence/{evidence['id']}/status", headers=headers, json={"status": "gone", "reason": "x"}
    )
    assert_problem(bad, 422)


def test_a_package_bundle_over_http(client: TestClient, ctx: Context) -> None:
    vendor, fab = new_org(ctx), new_org(ctx, "fab")
    headers = bearer(ctx, vendor)
    tool, leak = product_with_leak(ctx, vendor)
    run = {"profile": PARENT}
    evaluation = client.post(f"/api/v1/products/{tool}/evaluations", headers=headers, json=run)
    assert evaluation.status_code == 201, evaluation.text
    assert evaluation.json()["log"]["statement_digest"]
    body = {"product_id": str(tool), "name": "p", "profiles": [PARENT], "evidence": [leak]}
    body["evaluations"] = [evaluation.json()["id"]]
    package = client.post("/api/v1/packages", headers=headers, json=body)
    assert package.status_code == 201, package.text
    package_id = package.json()["id"]
    grant = {"fab_org_id": str(fab.org_id), "expires_at": "2026-04-30T00:00:00Z"}
    shared = client.post(f"/api/v1/packages/{package_id}/shares", headers=headers, json=grant)
    assert shared.status_code == 201
    fab_headers, url = bearer(ctx, fab), f"/api/v1/packages/{package_id}/bundle"
    refused = assert_problem(client.get(url, headers=fab_headers), 409)
    assert "witnesses" in refused["detail"]
    note = client.get("/log/checkpoint").content
    for name in demo_witnesses.NAMES:
        cosigned = cosign(note, demo_witnesses.signer(name), timestamp=1_800_000_000)
        assert client.post("/log/cosignature", content=cosigned).status_code == 200
    got = client.get(url, headers=fab_headers)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == MEDIA_TYPE
    root = TrustRoot.from_bytes(client.get("/log/trust-root").content)
    report = verify_bundle(Bundle.from_bytes(got.content), root)
    assert len(report.statements) == 2
    assert_problem(client.get(url, headers=bearer(ctx, new_org(ctx, "fab"))), 404)
