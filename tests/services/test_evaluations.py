"""Evaluations in the service: a published profile against a product's own and inherited evidence,
stored as canonical JSON with its digest, reproducible by a re-run."""

import datetime as dt
import hashlib
import uuid

import pytest

from qualbridge import ENGINE_VERSION
from qualbridge.errors import ConflictError, NotFoundError, PermissionDeniedError
from qualbridge.services import evaluations, intake, products, profiles
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
from qualbridge.store.models import Evaluation
from tests.services.qualification_samples import PARENT, leak_only_profile, product_with_leak
from tests.services.samples import PARTICLE_CSV, PARTICLE_META, helium_leak_document, member, new_org, stream


def _published(
    ctx: Context, fab: Actor, profile_id: str = "fab-dresden/chamber", limit: float = 5e-10
) -> str:
    profiles.save_draft(ctx, fab, leak_only_profile(profile_id, limit=limit))
    return profiles.publish(ctx, fab, profile_id).id


def test_a_fab_profile_is_evaluated_on_inherited_evidence(ctx: Context) -> None:
    fab, vendor = new_org(ctx, "fab"), new_org(ctx, "vendor")
    ref = _published(ctx, fab)
    tool, evidence_id = product_with_leak(ctx, vendor, rate=2e-10)
    found = evaluations.run_evaluation(ctx, vendor, tool, profile=ref)
    assert (found.profile_id, found.profile_version, found.engine_version) == (ref, 1, ENGINE_VERSION)
    assert (found.overall, found.as_of, found.evidence) == ("pass", dt.date(2026, 3, 2), [evidence_id])
    [leak] = found.result["results"]
    # margin = (limit − measured) / limit = (5e-10 − 2e-10) / 5e-10 = 0.6
    assert (leak["verdict"], leak["margin"]) == ("pass", pytest.approx(0.6))
    with ctx.transaction() as uow:
        row = uow.session.get(Evaluation, found.id)
        assert row is not None
        assert row.digest == found.digest == "sha256:" + hashlib.sha256(row.result).hexdigest()
        assert row.profile_ref is not None, "a stored profile is referenced by its row"


def test_a_tighter_limit_fails_with_a_negative_margin(ctx: Context) -> None:
    fab, vendor = new_org(ctx, "fab"), new_org(ctx, "vendor")
    ref = _published(ctx, fab, limit=1e-10)
    tool, _ = product_with_leak(ctx, vendor, rate=2e-10)
    found = evaluations.run_evaluation(ctx, vendor, tool, profile=ref)
    # (1e-10 − 2e-10) / 1e-10 = −1
    assert found.overall == "fail"
    assert found.result["results"][0]["margin"] == pytest.approx(-1.0)
    assert found.result["gaps"][0]["requirement_id"] == "he-leak"


def test_rerun_is_a_new_row_with_the_same_digest_until_the_evidence_changes(ctx: Context) -> None:
    fab, vendor = new_org(ctx, "fab"), new_org(ctx, "vendor")
    ref = _published(ctx, fab)
    tool, _ = product_with_leak(ctx, vendor)
    first = evaluations.run_evaluation(ctx, vendor, tool, profile=ref, as_of=dt.date(2026, 2, 10))
    again = evaluations.rerun(ctx, vendor, first.id)
    assert again.id != first.id
    assert (again.digest, again.as_of, again.result) == (first.digest, first.as_of, first.result)
    # Before the test date the evidence is not admissible: inconclusive, the evaluation incomplete.
    early = evaluations.rerun(ctx, vendor, first.id, as_of=dt.date(2026, 1, 1))
    assert (early.overall, early.result["results"][0]["verdict"]) == ("incomplete", "inconclusive")
    assert early.digest != first.digest
    # A new profile version does not change what a re-run of the first evaluates against.
    profiles.save_draft(ctx, fab, leak_only_profile(ref, limit=1e-10))
    profiles.publish(ctx, fab, ref)
    assert evaluations.rerun(ctx, vendor, first.id).digest == first.digest
    assert evaluations.run_evaluation(ctx, vendor, tool, profile=ref).profile_version == 2
    listed = evaluations.list_evaluations(ctx, vendor, tool, limit=2, offset=0)
    assert listed.total == 5
    assert [e.profile_version for e in listed.items] == [2, 1], "newest first"


def test_a_shipped_profile_and_what_cannot_be_evaluated(ctx: Context) -> None:
    fab, vendor, other = new_org(ctx, "fab"), new_org(ctx, "vendor"), new_org(ctx, "vendor")
    tool, _ = product_with_leak(ctx, vendor)
    shipped = evaluations.run_evaluation(ctx, vendor, tool, profile=PARENT)
    assert shipped.overall == "incomplete", "only the leak test exists: the rest is missing"
    missing = [r["requirement_id"] for r in shipped.result["results"] if r["verdict"] == "missing"]
    assert "rate-of-rise" in missing
    profiles.save_draft(ctx, fab, leak_only_profile())
    profiles.save_draft(ctx, vendor, leak_only_profile("vendor/self-check"))
    with pytest.raises(ConflictError, match="draft"):
        evaluations.run_evaluation(ctx, vendor, tool, profile="vendor/self-check@1")
    with pytest.raises(NotFoundError):
        evaluations.run_evaluation(ctx, vendor, tool, profile="fab-dresden/chamber@1")  # another's draft
    with pytest.raises(NotFoundError):
        evaluations.run_evaluation(ctx, vendor, tool, profile="no/such-profile")
    with pytest.raises(NotFoundError):
        evaluations.run_evaluation(ctx, other, tool, profile=PARENT)
    with pytest.raises(NotFoundError):
        evaluations.get_evaluation(ctx, other, shipped.id)
    with pytest.raises(NotFoundError):
        evaluations.rerun(ctx, other, shipped.id)
    with pytest.raises(NotFoundError):
        evaluations.list_evaluations(ctx, other, tool, limit=10, offset=0)
    with pytest.raises(NotFoundError):
        evaluations.get_evaluation(ctx, vendor, uuid.uuid4())
    with pytest.raises(NotFoundError, match="on this product"):
        evaluations.run_evaluation(ctx, vendor, tool, profile=PARENT, evidence=["sha256:" + "0" * 64])
    with pytest.raises(PermissionDeniedError):
        evaluations.run_evaluation(ctx, fab, tool, profile=PARENT)
    with pytest.raises(PermissionDeniedError):
        evaluations.run_evaluation(ctx, member(ctx, vendor, "viewer", scope="read"), tool, profile=PARENT)
    assert evaluations.get_evaluation(ctx, member(ctx, vendor, "viewer", scope="read"), shipped.id) == shipped


def test_an_evaluation_read_back_names_its_evidence_in_order(ctx: Context) -> None:
    """Reading an evaluation gives what running it answered, its evidence by content id (read with the
    evaluation's row, in one statement)."""
    vendor = new_org(ctx)
    product = products.create_product(ctx, vendor, kind="equipment", model="VX-9", name="Chamber").id
    for n in range(3):
        data = PARTICLE_CSV.replace(b"OK,120,35,10,1", f"OK,{120 + n},35,10,1".encode())
        intake.ingest_file(
            ctx, vendor, product_id=product, stream=stream(data), filename=f"s{n}.csv", meta=PARTICLE_META
        )
    ran = evaluations.run_evaluation(
        ctx, vendor, product, profile="iso14644-1/class-5/at-rest", as_of=dt.date(2026, 6, 30)
    )
    assert len(ran.evidence) == 3
    assert ran.evidence == sorted(ran.evidence)
    assert evaluations.get_evaluation(ctx, vendor, ran.id) == ran
    assert ran.log is not None
    # Its log entry stays; the checkpoint that covers it is the latest, signed after a later write.
    intake.ingest_document(ctx, vendor, product_id=product, document=helium_leak_document())
    later = evaluations.get_evaluation(ctx, vendor, ran.id).log
    assert later is not None
    assert (later.index, later.statement_digest) == (ran.log.index, ran.log.statement_digest)
    assert later.checkpoint_size == ran.log.checkpoint_size + 1
