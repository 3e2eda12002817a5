"""Bundles of shared packages: exported against a witnessed checkpoint, verified offline by the trust core.

The evaluation re-run (step 6) is the CLI's to plug in (``evaluation.replay``); most tests here leave it
reported as skipped with ``rerun=None``, and one runs it on a package of a raw file parsed with its
metadata and of a JSON document. The whole story over HTTP is tests/cli/test_trust_live.py.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest

from qualbridge.demo import witnesses as demo_witnesses
from qualbridge.errors import ConflictError, KeyValidityError, NotFoundError, StatusError
from qualbridge.evaluation.replay import replay
from qualbridge.services import (
    attestations,
    bundles,
    evaluations,
    intake,
    keys,
    packages,
    revocation,
    shares,
    transparency,
)
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
from qualbridge.trust import intoto
from qualbridge.trust.bundle import Bundle
from qualbridge.trust.verify import verify_bundle
from tests.services.log_checks import assert_log_consistent
from tests.services.qualification_samples import PARENT, product_with_leak
from tests.services.samples import PARTICLE_CSV, PARTICLE_META, new_org, stream
from tests.store.databases import TickingClock


@dataclass(frozen=True)
class Shared:
    vendor: Actor
    fab: Actor
    package_id: uuid.UUID
    survey_id: str
    leak_id: str


def _shared(ctx: Context) -> Shared:
    vendor, fab = new_org(ctx, "vendor"), new_org(ctx, "fab")
    tool, leak_id = product_with_leak(ctx, vendor)
    survey = intake.ingest_file(
        ctx, vendor, product_id=tool, stream=stream(PARTICLE_CSV), filename="survey.csv", meta=PARTICLE_META
    )
    evaluation = evaluations.run_evaluation(ctx, vendor, tool, profile=PARENT)
    survey_id = survey.ingested.evidence.id
    package = packages.create_package(
        ctx,
        vendor,
        product_id=tool,
        name="VX-200",
        profiles=[PARENT],
        evidence=[survey_id, leak_id],
        evaluations=[evaluation.id],
    )
    shares.grant(
        ctx, vendor, package.id, fab_org_id=fab.org_id, expires_at=ctx.clock() + dt.timedelta(days=9)
    )
    return Shared(vendor, fab, package.id, survey_id, leak_id)


def _witness(ctx: Context) -> int:
    sizes = {
        transparency.cosign_latest(ctx, demo_witnesses.signer(n)).tree_size for n in demo_witnesses.NAMES
    }
    (size,) = sizes
    return size


def test_no_bundle_until_enough_witnesses_cosigned_a_checkpoint_covering_the_package(ctx: Context) -> None:
    s = _shared(ctx)
    with pytest.raises(ConflictError, match="no checkpoint cosigned by 2"):
        bundles.export_bundle(ctx, s.vendor, s.package_id)
    transparency.cosign_latest(ctx, demo_witnesses.signer(demo_witnesses.NAMES[0]))
    with pytest.raises(ConflictError, match="no checkpoint cosigned by 2"):
        bundles.export_bundle(ctx, s.vendor, s.package_id)
    transparency.cosign_latest(ctx, demo_witnesses.signer(demo_witnesses.NAMES[1]))
    assert bundles.export_bundle(ctx, s.vendor, s.package_id).attestations == 3


def test_the_vendor_and_the_granted_fab_export_a_bundle_that_verifies_offline(ctx: Context) -> None:
    s = _shared(ctx)
    size = _witness(ctx)
    root = keys.trust_root(ctx)
    for actor in (s.vendor, s.fab):
        exported = bundles.export_bundle(ctx, actor, s.package_id)
        assert exported.checkpoint_size == size
        report = verify_bundle(Bundle.from_bytes(exported.data), root, rerun=None)
        assert [step.status for step in report.steps] == ["passed"] * 5 + ["skipped"]
        kinds = sorted(st.predicate_type.rsplit("/", 2)[-2] for st in report.statements)
        assert kinds == ["evaluation", "evidence", "evidence"]
        assert set(report.cosignatures) == set(demo_witnesses.NAMES)
    trail = packages.package_audit(ctx, s.vendor, s.package_id, limit=50, offset=0)
    assert [e.org_id for e in trail.items if e.action == "package.bundle"] == [s.fab.org_id]
    with pytest.raises(NotFoundError):
        bundles.export_bundle(ctx, new_org(ctx, "fab"), s.package_id)


def test_a_withdrawal_logged_before_the_checkpoint_fails_verification_at_step_5(ctx: Context) -> None:
    s = _shared(ctx)
    attestations.change_status(ctx, s.vendor, s.survey_id, status="withdrawn", reason="miscounted")
    _witness(ctx)
    bundle = Bundle.from_bytes(bundles.export_bundle(ctx, s.fab, s.package_id).data)
    with pytest.raises(StatusError) as failed:
        verify_bundle(bundle, keys.trust_root(ctx))
    assert failed.value.step == 5
    assert "withdrawn" in str(failed.value)


def test_a_bundle_carries_the_certificates_of_a_rotated_key(ctx: Context) -> None:
    s = _shared(ctx)
    keys.rotate_key(ctx, s.vendor)  # the evidence was signed with the key now retired
    _witness(ctx)
    root = keys.trust_root(ctx)
    report = verify_bundle(Bundle.from_bytes(bundles.export_bundle(ctx, s.vendor, s.package_id).data), root)
    assert {st.predicate_type for st in report.statements} == {intoto.EVIDENCE, intoto.EVALUATION}


def test_after_a_revocation_valid_evidence_is_signed_again_and_bundles_verify(
    ctx: Context, clock: TickingClock
) -> None:
    s = _shared(ctx)
    with ctx.transaction() as uow:
        compromised = uow.trust.current_key("attestation", s.vendor.org_id)
        assert compromised is not None
    _witness(ctx)
    stale = bundles.export_bundle(ctx, s.vendor, s.package_id).data
    clock.advance(dt.timedelta(minutes=5))
    revoked = revocation.revoke_key(ctx, s.vendor, compromised.keyid, reason="key file leaked")
    assert revoked.resigned == 2  # the survey and the leak test
    _witness(ctx)
    root = keys.trust_root(ctx)
    assert compromised.keyid in root.revoked_keys
    with pytest.raises(KeyValidityError, match="revoked"):
        verify_bundle(Bundle.from_bytes(stale), root)
    fresh = Bundle.from_bytes(bundles.export_bundle(ctx, s.vendor, s.package_id).data)
    report = verify_bundle(fresh, root, rerun=replay)  # the evidence signed again still reproduces
    assert len(report.statements) == 3
    assert [step.status for step in report.steps] == ["passed"] * 6
    assert_log_consistent(ctx)


def test_the_signed_evaluation_reproduces_from_the_bundle_byte_for_byte(ctx: Context) -> None:
    """Step 6 on what the service signs: the survey is re-parsed with the metadata its evidence statement
    carries, the leak document is read back from its canonical JSON, and the profile from its bytes."""
    s = _shared(ctx)
    _witness(ctx)
    bundle = Bundle.from_bytes(bundles.export_bundle(ctx, s.fab, s.package_id).data)
    report = verify_bundle(bundle, keys.trust_root(ctx), rerun=replay)
    assert [step.status for step in report.steps] == ["passed"] * 6
    assert report.steps[5].detail.startswith("1 evaluations reproduced byte for byte")
