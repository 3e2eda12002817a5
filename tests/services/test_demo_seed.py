"""The demo data: organizations, users, products and evidence; inheritance; a second run changes nothing."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualbridge.cli.main import app
from qualbridge.errors import NotFoundError
from qualbridge.services import demo_seed, evidence, tokens
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
from qualbridge.store.repos.evidence import EvidenceFilter
from tests.services.log_checks import assert_log_consistent
from tests.services.samples import stored


def test_seed_loads_the_story_and_a_second_run_changes_nothing(ctx: Context) -> None:
    first = demo_seed.seed(ctx)
    assert set(first.orgs) == {"center", "shanghai", "wuxi", "lab", "dresden", "arizona"}
    assert all(u.created for u in first.users)
    assert len(first.users) == 11
    assert all(e.created for e in first.evidence)
    # 8 passing chamber files split over the chamber, its pump and its seals; 11 failing; 2 air reports.
    assert len(first.evidence) == 21
    counts = stored(ctx)
    assert counts["evidence"] == counts["links"] == 21
    # A JSON evidence document is the evidence itself: only raw exports are kept as blobs.
    raw = sum(not e.filename.endswith(".json") for e in first.evidence)
    assert counts["blobs"] == raw == 17
    # The blob store also keeps the profile bytes the package's evaluation was signed with.
    assert counts["blob_files"] == raw + 1

    again = demo_seed.seed(ctx)
    assert not any(u.created for u in again.users)
    assert not any(e.created for e in again.evidence)
    assert again.products == first.products
    assert again.orgs == first.orgs
    assert [e.evidence_id for e in again.evidence] == [e.evidence_id for e in first.evidence]
    assert stored(ctx) == counts
    size = assert_log_consistent(ctx)
    assert size == again.witnessed[0], "nothing new was logged, and the witnesses cosigned all of it"


def test_the_chamber_inherits_its_pump_and_seal_evidence(ctx: Context) -> None:
    seeded = demo_seed.seed(ctx)
    engineer = next(u for u in seeded.users if u.org == "shanghai" and u.role == "engineer")
    issued = tokens.issue_token_for_password(
        ctx, email=engineer.email, password=engineer.password, name="t", scope="read"
    )
    actor: Actor = tokens.resolve_token(ctx, issued.secret)
    page = evidence.product_evidence(
        ctx, actor, seeded.products["VX-200"], EvidenceFilter(), limit=50, offset=0
    )
    inherited = {(i.origin.model, i.evidence.kind) for i in page.items if i.inherited}
    assert inherited == {("TP-300", "base_pressure_test"), ("DS-200", "outgassing_test")}
    assert sum(not i.inherited for i in page.items) == 6
    with pytest.raises(NotFoundError):  # the Wuxi vendor's compressor is not Shanghai's to see
        evidence.product_evidence(ctx, actor, seeded.products["OFC-55"], EvidenceFilter(), limit=50, offset=0)


def test_demo_seed_command_refuses_an_unmigrated_database_then_seeds(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {
        "QUALBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/q.db",
        "QUALBRIDGE_BLOB_DIR": str(tmp_path / "b"),
    }
    refused = runner.invoke(app, ["demo", "seed"], env=env)
    assert refused.exit_code != 0
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    shown = runner.invoke(app, ["demo", "seed"], env=env)
    assert shown.exit_code == 0, shown.output
    assert "admin@dresden.example" in shown.output
    assert "demo-dresden-admin" in shown.output


def _signed_in(ctx: Context, seeded: demo_seed.Seeded, org: str) -> Actor:
    user = next(u for u in seeded.users if u.org == org and u.role == "admin")
    issued = tokens.issue_token_for_password(
        ctx, email=user.email, password=user.password, name="t", scope="read"
    )
    return tokens.resolve_token(ctx, issued.secret)


def test_the_chamber_package_is_shared_with_dresden_only(ctx: Context) -> None:
    from qualbridge.services import packages

    seeded = demo_seed.seed(ctx)
    dresden = packages.list_packages(ctx, _signed_in(ctx, seeded, "dresden"), limit=10, offset=0)
    assert [(p.id, p.access) for p in dresden.items] == [(seeded.package, "grant")]
    record = packages.get_package(ctx, _signed_in(ctx, seeded, "dresden"), seeded.package)
    assert record.product.model == "VX-200"
    arizona = packages.list_packages(ctx, _signed_in(ctx, seeded, "arizona"), limit=10, offset=0)
    assert arizona.items == []
    with pytest.raises(NotFoundError):
        packages.get_package(ctx, _signed_in(ctx, seeded, "arizona"), seeded.package)
    assert demo_seed.seed(ctx).package == seeded.package  # a second run shares nothing twice
