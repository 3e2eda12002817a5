"""Use cases added for the web pages: the parse preview, upload metadata as YAML, a session's token of
the widest allowed scope, profiles as YAML text, the center's list of organizations, an
organization's own audit trail."""

import pytest

from qualbridge.errors import EvidenceError, ParseError, PermissionDeniedError, ProfileError
from qualbridge.services import accounts, audit, intake, products, profiles, shares, tokens
from qualbridge.services.context import Context
from tests.services.samples import NAN_COUNT_CSV, PARTICLE_CSV, PARTICLE_META, member, new_org, stored, stream

NOTHING = {"evidence": 0, "links": 0, "blobs": 0, "keys": 0, "blob_files": 0}


def test_the_preview_parses_as_intake_would_and_stores_nothing(ctx: Context) -> None:
    vendor = new_org(ctx)
    product = products.create_product(ctx, vendor, kind="equipment", model="VX-200", name="Chamber")
    value = intake.preview_file(
        ctx, vendor, product_id=product.id, stream=stream(PARTICLE_CSV), filename="s.csv", meta=PARTICLE_META
    )
    assert value.kind == "particle_survey"
    assert value.issuer == "Example Test Lab"
    assert stored(ctx) == NOTHING
    kept = intake.ingest_file(
        ctx, vendor, product_id=product.id, stream=stream(PARTICLE_CSV), filename="s.csv", meta=PARTICLE_META
    )
    assert kept.ingested.evidence.id == value.evidence_id()


def test_a_preview_error_names_the_uploaded_file_its_row_and_column(ctx: Context) -> None:
    vendor = new_org(ctx)
    product = products.create_product(ctx, vendor, kind="equipment", model="VX-200", name="Chamber")
    with pytest.raises(ParseError) as caught:
        intake.preview_file(
            ctx,
            vendor,
            product_id=product.id,
            stream=stream(NAN_COUNT_CSV),
            filename="s.csv",
            meta=PARTICLE_META,
        )
    assert caught.value.where.file == "s.csv"
    assert caught.value.where.row == 11  # the third data row (see tests/services/samples.py)
    assert caught.value.where.field is not None
    assert stored(ctx) == NOTHING


def test_only_an_uploader_may_preview(ctx: Context) -> None:
    fab = new_org(ctx, "fab")
    with pytest.raises(PermissionDeniedError):
        intake.preview_file(ctx, fab, product_id=fab.org_id, stream=stream(PARTICLE_CSV), filename="s.csv")


def test_upload_metadata_is_yaml_of_a_mapping() -> None:
    assert intake.parse_meta("issuer: Lab\ntest_date: 2026-05-04\n") == {
        "issuer": "Lab",
        "test_date": "2026-05-04",
    }
    assert intake.parse_meta("  ") == {}
    for bad in ("- a list", "issuer: [unclosed"):
        with pytest.raises(EvidenceError) as caught:
            intake.parse_meta(bad, source="x.meta.yaml")
        assert caught.value.where.file == "x.meta.yaml"


def test_a_session_token_has_the_widest_scope_of_the_role(ctx: Context) -> None:
    admin = new_org(ctx)
    accounts.create_user(
        ctx, admin, email="viewer@v.example", name="V", role="viewer", password="a long password"
    )
    viewer = tokens.issue_token_for_password(
        ctx, email="viewer@v.example", password="a long password", name="web", scope=None
    )
    assert viewer.token.scope == "read"
    accounts.create_user(
        ctx, admin, email="eng@v.example", name="E", role="engineer", password="a long password"
    )
    engineer = tokens.issue_token_for_password(
        ctx, email="eng@v.example", password="a long password", name="web", scope=None, ttl_days=1
    )
    assert engineer.token.scope == "write"
    assert (engineer.token.expires_at - engineer.token.created_at).days == 1


def test_profiles_are_read_from_yaml_text_without_aliases() -> None:
    assert profiles.load_yaml("id: a/b\nversion: 1\n") == {"id": "a/b", "version": 1}
    with pytest.raises(ProfileError):
        profiles.load_yaml("a: &x [1]\nb: *x\n")
    with pytest.raises(ProfileError):
        profiles.load_yaml("a: [unclosed")


def test_only_the_center_lists_every_organization(ctx: Context) -> None:
    center, vendor = new_org(ctx, "center"), new_org(ctx, "vendor")
    names = {o.id for o in accounts.list_organizations(ctx, center)}
    assert {center.org_id, vendor.org_id} <= names
    with pytest.raises(PermissionDeniedError):
        accounts.list_organizations(ctx, vendor)


def test_an_admin_reads_what_its_own_organization_did(ctx: Context) -> None:
    vendor, other = new_org(ctx), new_org(ctx)
    products.create_product(ctx, vendor, kind="equipment", model="A-1", name="A")
    products.create_product(ctx, other, kind="equipment", model="B-1", name="B")
    trail = audit.organization_trail(ctx, vendor)
    assert {e.org_id for e in trail} == {vendor.org_id}
    assert [e.action for e in trail][:2] == ["product.create", "org.bootstrap"]
    with pytest.raises(PermissionDeniedError):
        audit.organization_trail(ctx, member(ctx, vendor, "engineer"))


def test_a_vendor_chooses_among_the_fabs_only(ctx: Context) -> None:
    vendor, fab = new_org(ctx), new_org(ctx, "fab")
    new_org(ctx, "lab")
    assert [o.id for o in shares.fabs(ctx, vendor)] == [fab.org_id]
    with pytest.raises(PermissionDeniedError):
        shares.fabs(ctx, fab)
