"""The center's oversight: every key, the log's state, and key actions for another organization."""

from __future__ import annotations

import pytest

from qualbridge.demo import witnesses as demo_witnesses
from qualbridge.errors import InputError, NotFoundError, PermissionDeniedError
from qualbridge.services import audit, intake, keys, oversight, products, transparency
from qualbridge.services.context import Context
from qualbridge.trust import intoto
from tests.services.samples import PARTICLE_CSV, PARTICLE_META, member, new_org, stream


def test_only_the_center_oversees_and_only_its_admins_act(ctx: Context) -> None:
    center, vendor = new_org(ctx, "center"), new_org(ctx, "vendor")
    for action in (oversight.list_all_keys, oversight.log_overview):
        with pytest.raises(PermissionDeniedError, match="is for center organizations"):
            action(ctx, vendor)
    viewer = member(ctx, center, "viewer", scope="read")
    assert oversight.list_all_keys(ctx, viewer) == []
    with pytest.raises(PermissionDeniedError, match=r"keys\.administer"):
        oversight.rotate_for(ctx, viewer, vendor.org_id, reason="x")
    with pytest.raises(NotFoundError, match="no other organization"):
        oversight.rotate_for(ctx, center, center.org_id, reason="x")
    with pytest.raises(InputError, match="a value is required"):
        oversight.rotate_for(ctx, center, vendor.org_id, reason="  ")
    assert keys.list_keys(ctx, vendor) == []


def test_the_center_revokes_for_an_organization_and_both_trails_say_so(ctx: Context) -> None:
    center, vendor = new_org(ctx, "center"), new_org(ctx, "vendor", name="Vendor Overseen")
    product = products.create_product(ctx, vendor, kind="equipment", model="M", name="M")
    intake.ingest_file(
        ctx, vendor, product_id=product.id, stream=stream(PARTICLE_CSV), filename="s.csv", meta=PARTICLE_META
    )
    (key,) = keys.list_keys(ctx, vendor)
    listed = {k.keyid: k for k in oversight.list_all_keys(ctx, center)}
    assert listed[key.keyid].org_name_en == "Vendor Overseen"
    assert {k.purpose for k in listed.values()} == {"center", "log", "attestation"}
    done = oversight.revoke_for(ctx, center, vendor.org_id, key.keyid, reason="stolen laptop")
    assert done.resigned == 1
    after = {k.keyid: k for k in oversight.list_all_keys(ctx, center)}
    assert after[key.keyid].revocation_reason == "stolen laptop"
    assert after[key.keyid].revoked_at is not None
    assert [e.user_id for e in audit.organization_trail(ctx, vendor) if e.action == "key.revoke"] == [
        center.user_id
    ]
    (ours,) = [e for e in audit.organization_trail(ctx, center) if e.action.startswith("key.")]
    assert (ours.action, ours.object_id, ours.detail["resigned"]) == ("key.revoke", key.keyid, 1)


def test_the_log_overview_names_the_latest_entries_and_who_cosigned(ctx: Context) -> None:
    center, vendor = new_org(ctx, "center"), new_org(ctx, "vendor")
    assert oversight.log_overview(ctx, center).size == 0
    product = products.create_product(ctx, vendor, kind="equipment", model="M", name="M")
    intake.ingest_file(
        ctx, vendor, product_id=product.id, stream=stream(PARTICLE_CSV), filename="s.csv", meta=PARTICLE_META
    )
    for name in demo_witnesses.NAMES:
        transparency.cosign_latest(ctx, demo_witnesses.signer(name))
    seen = oversight.log_overview(ctx, center)
    assert seen.size == 1
    assert seen.witnessed_size == 1
    assert sorted(c.witness for c in seen.cosignatures) == sorted(demo_witnesses.NAMES)
    assert [w.cosigned_size for w in seen.witnesses] == [1, 1]
    (entry,) = seen.entries
    assert (entry.index, entry.predicate_type, entry.predicate) == (0, intoto.EVIDENCE, "evidence")
    assert entry.subjects[0][0] == "s.csv"
