"""The center's keys and log pages: every organization's keys, rotating or revoking one for it (confirmed
first, recorded in both trails), the latest checkpoint with its cosignatures, the witnesses, recent
entries; and nobody else sees them."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from qualbridge.demo import witnesses as demo_witnesses
from qualbridge.services import accounts, audit, keys, transparency
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
from qualbridge.trust import intoto
from tests.web.conftest import PASSWORD, World, sign_in

CENTER = "admin@center.example"


@pytest.fixture
def center(ctx: Context, world: World, survey: str) -> Actor:
    """The center, after Acme stored a signed survey (so Acme has a certified key and the log entries)."""
    org, user = accounts.bootstrap_organization(
        ctx,
        kind="center",
        name_en="Center Example",
        name_zh="中心示例",
        country="CN",
        admin_email=CENTER,
        admin_name="center admin",
        admin_password=PASSWORD,
    )
    return Actor(org.id, "center", user.id, "admin", "write")


def _acme_keys(ctx: Context, world: World) -> list[keys.KeyRecord]:
    return keys.list_keys(ctx, world.actors["acme"])


def test_the_keys_page_lists_every_organizations_keys(
    client: TestClient, world: World, center: Actor, ctx: Context
) -> None:
    sign_in(client, CENTER)
    page = client.get("/center/keys").text
    (acme_key,) = _acme_keys(ctx, world)
    assert f'data-keyid="{acme_key.keyid}"' in page
    assert "Acme Example" in page
    assert "attestation key" in page
    assert "center key" in page
    assert "log key" in page
    assert 'href="/center/keys"' in client.get("/").text


def test_the_center_rotates_an_organizations_key_after_confirming(
    client: TestClient, world: World, center: Actor, ctx: Context
) -> None:
    csrf = sign_in(client, CENTER)
    (old,) = _acme_keys(ctx, world)
    form = {"csrf": csrf, "org_id": str(world.actors["acme"].org_id), "reason": "yearly rotation"}
    asked = client.post("/center/keys/rotate", data=form)
    assert asked.status_code == 200
    assert "Please confirm." in asked.text
    assert len(_acme_keys(ctx, world)) == 1  # nothing changed yet
    done = client.post("/center/keys/rotate", data={**form, "confirmed": "true"})
    assert done.status_code == 303
    retired, new = _acme_keys(ctx, world)
    assert retired.keyid == old.keyid
    assert retired.retired_at is not None
    assert new.retired_at is None
    # Acme's trail says its key was rotated; the center's, that it did it for Acme.
    acme_trail = audit.organization_trail(ctx, world.actors["acme"])
    assert [(e.action, e.user_id) for e in acme_trail if e.action == "key.rotate"] == [
        ("key.rotate", center.user_id)
    ]
    (ours,) = [e for e in audit.organization_trail(ctx, center) if e.action == "key.rotate.for"]
    assert ours.object_id == str(world.actors["acme"].org_id)
    assert ours.detail["reason"] == "yearly rotation"


def test_the_center_revokes_a_compromised_key_with_a_reason(
    client: TestClient, world: World, center: Actor, ctx: Context
) -> None:
    csrf = sign_in(client, CENTER)
    (old,) = _acme_keys(ctx, world)
    form = {
        "csrf": csrf,
        "org_id": str(world.actors["acme"].org_id),
        "keyid": old.keyid,
        "reason": "laptop stolen",
    }
    asked = client.post("/center/keys/revoke", data=form)
    assert "A revocation cannot be undone." in asked.text
    assert client.post("/center/keys/revoke", data={**form, "confirmed": "true"}).status_code == 303
    assert old.keyid in keys.trust_root(ctx).revoked_keys
    page = client.get("/center/keys?msg=key-revoked").text
    row = page.split(f'data-keyid="{old.keyid}"')[1].split("</tr>")[0]
    assert "revoked" in row
    assert "laptop stolen" in row
    again = client.post("/center/keys/revoke", data={**form, "confirmed": "true"})
    assert again.status_code == 409
    assert "was revoked at" in again.text


def test_a_key_action_needs_a_reason_and_the_center_admin(
    client: TestClient, world: World, center: Actor, ctx: Context
) -> None:
    csrf = sign_in(client, CENTER)
    form = {"csrf": csrf, "org_id": str(world.actors["acme"].org_id), "reason": "  ", "confirmed": "true"}
    assert client.post("/center/keys/rotate", data=form).status_code == 400
    unknown = {**form, "reason": "x", "org_id": "00000000-0000-4000-8000-000000000000"}
    assert client.post("/center/keys/rotate", data=unknown).status_code == 404
    acme = TestClient(client.app, follow_redirects=False)
    acme_csrf = sign_in(acme, world.emails["acme"])
    refused = acme.post("/center/keys/rotate", data={**form, "csrf": acme_csrf, "reason": "x"})
    assert refused.status_code == 403
    assert len(_acme_keys(ctx, world)) == 1
    for path in ("/center/keys", "/center/log"):
        assert acme.get(path).status_code == 403


def test_the_log_page_shows_checkpoint_cosignatures_witnesses_and_entries(
    client: TestClient, world: World, center: Actor, ctx: Context
) -> None:
    first = demo_witnesses.NAMES[0]
    size = transparency.cosign_latest(ctx, demo_witnesses.signer(first)).tree_size
    sign_in(client, CENTER)
    page = client.get("/center/log").text
    assert f'<dd id="tree-size">{size}</dd>' in page
    assert re.search(rf"<tr><td><code>{re.escape(first)}</code></td><td>", page)  # a cosignature row
    assert "No witness has cosigned" not in page
    assert "at least 2 of these 2 witnesses" in page
    assert demo_witnesses.NAMES[1] in page
    assert "none yet" in page  # one cosignature is below the threshold of two
    assert '<code title="' + intoto.EVIDENCE + '">evidence</code>' in page
    assert "survey.csv" in page
    assert "</code></td><td>Acme Example</td>" in page  # the issuer: the organization that uploaded it
