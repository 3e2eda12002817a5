"""Packages and grants: a fab sees what a vendor shared with it, only that, only while the grant holds,
and every read it makes is in the package's audit trail."""

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from qualbridge.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    WithheldEvidenceError,
)
from qualbridge.services import evaluations, evidence, packages, profiles, shares
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
from tests.services.qualification_samples import (
    SharedPackage,
    leak_only_profile,
    product_with_leak,
    shared_package,
)
from tests.services.samples import PARTICLE_CSV, member, new_org
from tests.store.databases import TickingClock


def _reads(s: SharedPackage) -> dict[str, Callable[[Context, Actor], Any]]:
    """Every way to read shared data, by name: what a grantee may do and an outsider may not."""
    return {
        "package": lambda ctx, a: packages.get_package(ctx, a, s.package_id),
        "evidence": lambda ctx, a: packages.package_evidence(ctx, a, s.package_id, s.survey_id),
        "raw": lambda ctx, a: packages.package_raw(ctx, a, s.package_id, s.survey_id),
        "evaluation": lambda ctx, a: packages.package_evaluation(ctx, a, s.package_id, s.evaluation_id),
    }


def test_the_fab_reads_the_package_and_only_what_it_holds(ctx: Context) -> None:
    s = shared_package(ctx)
    package = packages.get_package(ctx, s.fab, s.package_id)
    assert (package.access, package.name, package.product.id) == ("grant", "VX-200 for Dresden", s.product_id)
    assert sorted(e.id for e in package.evidence) == sorted([s.survey_id, s.leak_id])
    assert [e.id for e in package.evaluations] == [s.evaluation_id]
    assert [(p.id, p.version) for p in package.profiles] == [("fab-dresden/chamber", 1)]
    survey = packages.package_evidence(ctx, s.fab, s.package_id, s.survey_id)
    assert [p.id for p in survey.products] == [s.product_id]
    assert packages.package_raw(ctx, s.fab, s.package_id, s.survey_id).data == PARTICLE_CSV
    shared_eval = packages.package_evaluation(ctx, s.fab, s.package_id, s.evaluation_id)
    assert shared_eval == evaluations.get_evaluation(ctx, s.vendor, s.evaluation_id)
    assert sorted(shared_eval.evidence) == sorted([s.survey_id, s.leak_id])
    assert s.withheld_id not in shared_eval.model_dump_json(), "the evaluation names only shared evidence"
    assert packages.list_packages(ctx, s.fab, limit=10, offset=0).items == [
        packages.PackageSummary(
            **{k: v for k, v in package.model_dump().items() if k in packages.PackageSummary.model_fields}
        )
    ]
    for refused in (
        lambda: packages.package_evidence(ctx, s.fab, s.package_id, s.withheld_id),
        lambda: packages.package_raw(ctx, s.fab, s.package_id, s.withheld_id),
        lambda: packages.package_raw(ctx, s.fab, s.package_id, s.leak_id),  # a document: no raw file
        lambda: packages.package_evaluation(ctx, s.fab, s.package_id, s.withheld_evaluation_id),
        lambda: evidence.get_evidence(ctx, s.fab, s.survey_id),  # only through the package
        lambda: evaluations.get_evaluation(ctx, s.fab, s.evaluation_id),
    ):
        with pytest.raises(NotFoundError):
            refused()


def test_every_read_by_the_fab_is_in_the_vendors_audit_trail(ctx: Context) -> None:
    s = shared_package(ctx)
    reader = member(ctx, s.fab, "viewer", scope="read")
    for read in _reads(s).values():
        read(ctx, reader)
    packages.list_packages(ctx, reader, limit=10, offset=0)
    with pytest.raises(NotFoundError):
        packages.package_evidence(ctx, reader, s.package_id, s.withheld_id)
    packages.get_package(ctx, s.vendor, s.package_id)  # the vendor's own reads are not grantee access
    trail = packages.package_audit(ctx, s.vendor, s.package_id, limit=50, offset=0)
    assert [e.action for e in trail.items] == [
        "package.create",
        "package.share",
        "package.read",
        "package.evidence.read",
        "package.raw.read",
        "package.evaluation.read",
        "package.list",
    ]
    fab_events = [e for e in trail.items if e.org_id == s.fab.org_id]
    assert {(e.user_id, e.detail["share"]) for e in fab_events} == {(reader.user_id, str(s.share_id))}
    assert fab_events[1].detail["evidence"] == s.survey_id
    assert fab_events[2].detail["raw"].startswith("sha256:")
    assert all(a.at < b.at for a, b in zip(trail.items, trail.items[1:], strict=False))
    with pytest.raises(PermissionDeniedError):
        packages.package_audit(ctx, s.fab, s.package_id, limit=50, offset=0)
    with pytest.raises(NotFoundError):
        packages.package_audit(ctx, new_org(ctx, "vendor"), s.package_id, limit=50, offset=0)


@pytest.mark.parametrize("outsider", ["other_fab", "lab", "other_vendor", "center"])
def test_organizations_without_a_grant_see_nothing(ctx: Context, outsider: str) -> None:
    s = shared_package(ctx)
    actor = {
        "other_fab": s.other_fab,
        "lab": s.lab,
        "other_vendor": new_org(ctx, "vendor"),
        "center": new_org(ctx, "center"),
    }[outsider]
    for name, read in _reads(s).items():
        with pytest.raises(NotFoundError):
            read(ctx, actor)
        assert name
    assert packages.list_packages(ctx, actor, limit=10, offset=0).total == 0
    assert packages.package_audit(ctx, s.vendor, s.package_id, limit=50, offset=0).total == 2


def test_an_expired_or_revoked_grant_is_not_found(ctx: Context, clock: TickingClock) -> None:
    s = shared_package(ctx, days=1)
    packages.get_package(ctx, s.fab, s.package_id)
    clock.advance(dt.timedelta(days=1))
    for read in _reads(s).values():
        with pytest.raises(NotFoundError):
            read(ctx, s.fab)
    assert packages.list_packages(ctx, s.fab, limit=10, offset=0).total == 0
    renewed = shares.grant(
        ctx,
        s.vendor,
        s.package_id,
        fab_name=fab_name(ctx, s.fab),
        expires_at=clock.now + dt.timedelta(days=7),
    )
    assert packages.get_package(ctx, s.fab, s.package_id).grant_expires_at == renewed.expires_at
    revoked = shares.revoke(ctx, s.vendor, s.package_id, renewed.id)
    assert (revoked.active, revoked.revoked_at is not None) == (False, True)
    assert shares.revoke(ctx, s.vendor, s.package_id, renewed.id) == revoked, "revoking again changes nothing"
    for read in _reads(s).values():
        with pytest.raises(NotFoundError):
            read(ctx, s.fab)
    assert [g.active for g in shares.list_shares(ctx, s.vendor, s.package_id)] == [False, False]
    actions = [
        e.action for e in packages.package_audit(ctx, s.vendor, s.package_id, limit=50, offset=0).items
    ]
    assert actions == ["package.create", "package.share", "package.read", "package.share", "package.read",
                       "package.revoke"]  # fmt: skip


def fab_name(ctx: Context, fab: Actor) -> str:
    from qualbridge.services import accounts

    return accounts.current(ctx, fab)[0].name_en


def test_what_a_package_may_hold(ctx: Context) -> None:
    s = shared_package(ctx)
    other_tool, other_leak = product_with_leak(ctx, s.vendor, "VX-300")
    other_eval = evaluations.run_evaluation(ctx, s.vendor, other_tool, profile="fab-dresden/chamber")
    profiles.save_draft(ctx, s.fab, leak_only_profile(limit=1e-10))

    def make(**changes: Any) -> packages.PackageRecord:
        args: dict[str, Any] = {"product_id": s.product_id, "name": "P", "profiles": ["fab-dresden/chamber"]}
        return packages.create_package(ctx, s.vendor, **{**args, **changes})

    with pytest.raises(NotFoundError, match="on this product"):
        make(evidence=[other_leak])
    with pytest.raises(NotFoundError, match="of this product"):
        make(evaluations=[other_eval.id])
    with pytest.raises(NotFoundError):
        make(evaluations=[uuid.uuid4()])
    with pytest.raises(NotFoundError):
        make(profiles=["fab-dresden/chamber@2"])  # the fab's draft
    profiles.save_draft(ctx, s.vendor, leak_only_profile("vendor/own"))
    with pytest.raises(ConflictError, match="draft"):
        make(profiles=["vendor/own@1"])
    with pytest.raises(NotFoundError):
        make(profiles=["no/such"])
    with pytest.raises(InputError):
        make(profiles=[])
    with pytest.raises(NotFoundError):
        make(product_id=new_product_of_another_vendor(ctx))
    with pytest.raises(PermissionDeniedError):
        packages.create_package(
            ctx, s.fab, product_id=s.product_id, name="P", profiles=["fab-dresden/chamber"]
        )
    pinned = make(profiles=["fab-dresden/chamber", "fab-dresden/chamber@1"], evidence=[s.leak_id, s.leak_id])
    assert [(p.id, p.version) for p in pinned.profiles] == [("fab-dresden/chamber", 1)]
    assert [e.id for e in pinned.evidence] == [s.leak_id]


def test_a_package_never_includes_an_evaluation_of_evidence_it_leaves_out(ctx: Context) -> None:
    s = shared_package(ctx)

    def make(evidence: list[str], chosen: list[uuid.UUID]) -> packages.PackageRecord:
        return packages.create_package(
            ctx,
            s.vendor,
            product_id=s.product_id,
            name="P",
            profiles=["fab-dresden/chamber"],
            evidence=evidence,
            evaluations=chosen,
        )

    before = packages.list_packages(ctx, s.vendor, limit=10, offset=0).total
    with pytest.raises(WithheldEvidenceError) as refused:
        make([s.survey_id, s.leak_id], [s.evaluation_id, s.withheld_evaluation_id])
    error = refused.value
    assert (error.evaluation_id, error.missing) == (str(s.withheld_evaluation_id), (s.withheld_id,))
    assert error.where.field == "evaluations"
    assert str(s.withheld_evaluation_id) in str(error)
    assert s.withheld_id in str(error)
    assert "Add that evidence to the package" in str(error)
    assert packages.list_packages(ctx, s.vendor, limit=10, offset=0).total == before, "nothing stored"
    # Either fix works: the evidence added to the package, or an evaluation of the package's evidence.
    full = make([s.survey_id, s.leak_id, s.withheld_id], [s.withheld_evaluation_id])
    assert [e.id for e in full.evaluations] == [s.withheld_evaluation_id]
    narrow = evaluations.rerun(ctx, s.vendor, s.withheld_evaluation_id, evidence=[s.leak_id])
    assert narrow.evidence == [s.leak_id]
    assert [e.id for e in make([s.leak_id], [narrow.id]).evaluations] == [narrow.id]


def new_product_of_another_vendor(ctx: Context) -> uuid.UUID:
    return product_with_leak(ctx, new_org(ctx, "vendor"), "OTHER")[0]


def test_who_may_grant_and_to_whom(ctx: Context) -> None:
    s = shared_package(ctx)
    later = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    with pytest.raises(InputError, match="fabs"):
        shares.grant(ctx, s.vendor, s.package_id, fab_org_id=s.lab.org_id, expires_at=later)
    with pytest.raises(NotFoundError):
        shares.grant(ctx, s.vendor, s.package_id, fab_org_id=uuid.uuid4(), expires_at=later)
    with pytest.raises(InputError, match="future"):
        shares.grant(
            ctx,
            s.vendor,
            s.package_id,
            fab_org_id=s.fab.org_id,
            expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        )
    with pytest.raises(InputError, match="three years"):
        shares.grant(
            ctx,
            s.vendor,
            s.package_id,
            fab_org_id=s.fab.org_id,
            expires_at=dt.datetime(2040, 1, 1, tzinfo=dt.UTC),
        )
    with pytest.raises(InputError):
        shares.grant(ctx, s.vendor, s.package_id, expires_at=later)
    with pytest.raises(NotFoundError):
        shares.grant(ctx, new_org(ctx, "vendor"), s.package_id, fab_org_id=s.fab.org_id, expires_at=later)
    with pytest.raises(NotFoundError):
        shares.revoke(ctx, new_org(ctx, "vendor"), s.package_id, s.share_id)
    with pytest.raises(PermissionDeniedError):
        shares.revoke(ctx, s.fab, s.package_id, s.share_id)
    with pytest.raises(PermissionDeniedError):
        shares.grant(
            ctx,
            member(ctx, s.vendor, "viewer", scope="read"),
            s.package_id,
            fab_org_id=s.fab.org_id,
            expires_at=later,
        )
    packages.get_package(ctx, s.fab, s.package_id)  # still shared
