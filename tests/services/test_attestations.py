"""Signing and logging in the use cases: evidence, evaluations, grants and status changes are each a
signed statement in the log, in the same transaction as their record."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from qualbridge.canonical import canonical_json
from qualbridge.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from qualbridge.services import attestations, evaluations, evidence, intake, keys, products, transparency
from qualbridge.services.context import Context
from qualbridge.services.uow import UnitOfWork
from qualbridge.standards.catalog import builtin
from qualbridge.store.models import Attestation, Evidence, LogEntry
from qualbridge.trust import dsse, intoto
from qualbridge.trust.certificates import KeyCertificate
from qualbridge.trust.checkpoint import open_checkpoint
from qualbridge.trust.entry import entry_leaf_hash, log_entry
from qualbridge.trust.keys import SigningKey
from qualbridge.trust.merkle import verify_inclusion
from tests.services.log_checks import assert_log_consistent
from tests.services.qualification_samples import PARENT, shared_package
from tests.services.samples import PARTICLE_CSV, PARTICLE_META, helium_leak_document, new_org, stream


def _attestation(ctx: Context, digest: str) -> tuple[Attestation, intoto.Statement, dsse.Envelope]:
    with ctx.transaction() as uow:
        row = uow.trust.attestation(digest)
        assert row is not None
        envelope = transparency.envelope_of(row)
        return row, intoto.Statement.from_payload(envelope.payload), envelope


def _included(ctx: Context, index: int, envelope: dsse.Envelope, statement: intoto.Statement) -> None:
    """The entry at ``index`` is the envelope's, and the latest checkpoint's root includes it."""
    root = keys.trust_root(ctx)
    checkpoint, _ = open_checkpoint(transparency.checkpoint_note(ctx), root.log)
    with ctx.transaction() as uow:
        log = transparency.open_log(uow, ctx)
        assert uow.trust.log.entries(index, index + 1) == [log_entry(envelope, statement)]
        proof = log.inclusion_proof(index, checkpoint.size)
    verify_inclusion(
        index, checkpoint.size, entry_leaf_hash(envelope, statement), proof, checkpoint.root_hash
    )


def test_intake_signs_the_evidence_with_the_uploaders_certified_key_and_logs_it(ctx: Context) -> None:
    s = shared_package(ctx)
    found = evidence.get_evidence(ctx, s.vendor, s.survey_id)
    assert found.log is not None
    assert found.status == "valid"
    row, statement, envelope = _attestation(ctx, found.log.statement_digest)
    assert row.log_index == found.log.index < found.log.checkpoint_size
    assert statement.predicate_type == intoto.EVIDENCE
    assert [x.sha256 for x in statement.subjects] == [intoto.sha256_hex(PARTICLE_CSV)]
    assert statement.predicate["meta"] == PARTICLE_META
    assert statement.predicate["record"] == found.document
    with ctx.transaction() as uow:
        assert statement.predicate["issuer"] == keys.org_name(uow, s.vendor.org_id)
        certificate = keys.certificate(uow, envelope.signatures[0].keyid)
    assert certificate is not None
    cert = KeyCertificate.open(certificate, keys.trust_root(ctx).center)
    dsse.verify(envelope, [cert.key])
    assert cert.org == statement.predicate["issuer"]
    _included(ctx, row.log_index, envelope, statement)


def test_a_document_upload_is_signed_over_its_canonical_json_with_empty_meta(ctx: Context) -> None:
    s = shared_package(ctx)
    with ctx.transaction() as uow:
        row = uow.session.scalar(select(Evidence).where(Evidence.content_id == s.leak_id))
        assert row is not None
        attested = attestations.evidence_statements(uow, row)[-1]
        statement = transparency.statement_of(attested)
        assert [x.sha256 for x in statement.subjects] == [intoto.sha256_hex(canonical_json(row.document))]
    assert statement.predicate["meta"] == {}


def test_an_evaluation_is_signed_by_the_center_over_the_evidence_and_profile_bytes(ctx: Context) -> None:
    s = shared_package(ctx)
    record = evaluations.get_evaluation(ctx, s.vendor, s.withheld_evaluation_id)
    assert record.log is not None
    row, statement, envelope = _attestation(ctx, record.log.statement_digest)
    root = keys.trust_root(ctx)
    dsse.verify(envelope, [root.center])
    profile = builtin().get(PARENT)
    assert statement.predicate["issuer"] == ctx.trust.center_name
    assert statement.predicate["profile"]["sha256"] == profile.digest().removeprefix("sha256:")
    assert ctx.blobs.exists(profile.digest()), "the signed profile bytes are kept for bundles"
    assert canonical_json(statement.predicate["result"]) == canonical_json(record.result)
    assert statement.predicate["resultSha256"] == record.digest.removeprefix("sha256:")
    assert len(statement.subjects) == len(record.evidence) + 1
    _included(ctx, row.log_index, envelope, statement)


def test_a_grant_is_signed_by_the_vendor_and_logged(ctx: Context) -> None:
    s = shared_package(ctx)
    with ctx.transaction() as uow:
        row = uow.trust.latest_of(attestations.SHARE, str(s.share_id))
        assert row is not None
        statement = transparency.statement_of(row)
        vendor, fab = keys.org_name(uow, s.vendor.org_id), keys.org_name(uow, s.fab.org_id)
    assert statement.predicate_type == intoto.SHARE_GRANT
    assert (statement.predicate["assigner"], statement.predicate["assignee"]) == (vendor, fab)


def test_a_withdrawal_is_a_new_signed_entry_and_final(ctx: Context) -> None:
    s = shared_package(ctx)
    before = evidence.get_evidence(ctx, s.vendor, s.survey_id)
    assert before.log is not None
    suspended = attestations.change_status(ctx, s.vendor, s.survey_id, status="suspended", reason="recheck")
    assert suspended.log.index > before.log.index
    assert evidence.get_evidence(ctx, s.vendor, s.survey_id).status == "suspended"
    withdrawn = attestations.change_status(
        ctx, s.vendor, s.survey_id, status="withdrawn", reason="counter out of calibration"
    )
    after = evidence.get_evidence(ctx, s.vendor, s.survey_id)
    assert after.status == "withdrawn"
    assert after.log == before.log.model_copy(
        update={"checkpoint_size": after.log and after.log.checkpoint_size}
    )
    _, statement, envelope = _attestation(ctx, withdrawn.log.statement_digest)
    assert statement.predicate["status"] == "withdrawn"
    assert statement.subject_digests() == {before.log.statement_digest}
    assert json.loads(transparency.status_envelope(ctx, withdrawn.log.statement_digest)) == envelope.to_dict()
    with pytest.raises(ConflictError, match="final"):
        attestations.change_status(ctx, s.vendor, s.survey_id, status="valid", reason="changed my mind")
    with pytest.raises(NotFoundError):
        transparency.status_envelope(ctx, before.log.statement_digest)  # evidence statements stay private


def test_superseding_names_the_replacement_and_only_the_issuer_may_change_status(ctx: Context) -> None:
    s = shared_package(ctx)
    with pytest.raises(InputError, match="superseded_by"):
        attestations.change_status(ctx, s.vendor, s.survey_id, status="superseded", reason="newer")
    done = attestations.change_status(
        ctx, s.vendor, s.survey_id, status="superseded", reason="newer survey", superseded_by=s.withheld_id
    )
    _, statement, _ = _attestation(ctx, done.log.statement_digest)
    with ctx.transaction() as uow:
        newer = uow.session.scalar(select(Evidence).where(Evidence.content_id == s.withheld_id))
        assert newer is not None
        assert (
            statement.predicate["supersededBy"]
            == attestations.evidence_statements(uow, newer)[-1].statement_digest
        )
    with pytest.raises(NotFoundError):
        attestations.change_status(ctx, new_org(ctx), s.leak_id, status="withdrawn", reason="not mine")
    with pytest.raises(PermissionDeniedError):
        attestations.change_status(ctx, s.fab, s.leak_id, status="withdrawn", reason="not a vendor")


def test_no_evidence_row_without_its_log_entry(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    vendor = new_org(ctx)
    tool = products.create_product(ctx, vendor, kind="equipment", model="VX-9", name="tool").id

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("the process dies before the checkpoint is signed")

    monkeypatch.setattr(transparency, "publish", broken)
    with pytest.raises(RuntimeError):
        intake.ingest_document(ctx, vendor, product_id=tool, document=helium_leak_document())
    with ctx.transaction() as uow:
        for table in (Evidence, Attestation, LogEntry):
            assert uow.session.scalar(select(func.count()).select_from(table)) == 0
    monkeypatch.undo()
    stored = intake.ingest_file(
        ctx, vendor, product_id=tool, stream=stream(PARTICLE_CSV), filename="s.csv", meta=PARTICLE_META
    )
    assert stored.ingested.evidence.log is not None
    assert stored.ingested.evidence.log.index == 0


def test_raw_bytes_for_a_document_are_signed_anew_unless_it_was_withdrawn(ctx: Context) -> None:
    source = new_org(ctx)
    tool = products.create_product(ctx, source, kind="equipment", model="VX-7", name="tool").id
    uploaded = intake.ingest_file(
        ctx, source, product_id=tool, stream=stream(PARTICLE_CSV), filename="s.csv", meta=PARTICLE_META
    )
    document = uploaded.ingested.evidence.document  # names the raw file by its digest
    for withdraw in (False, True):
        vendor = new_org(ctx)
        own = products.create_product(ctx, vendor, kind="equipment", model="VX-7", name="tool").id
        first = intake.ingest_document(ctx, vendor, product_id=own, document=document).ingested.evidence
        assert first.raw is None
        assert first.log is not None
        if withdraw:
            attestations.change_status(ctx, vendor, first.id, status="withdrawn", reason="wrong unit")
        again = intake.ingest_file(
            ctx, vendor, product_id=own, stream=stream(PARTICLE_CSV), filename="s.csv", meta=PARTICLE_META
        ).ingested.evidence
        assert again.id == first.id
        assert again.log is not None
        if withdraw:
            assert again.raw is None
            assert (again.log.statement_digest, again.status) == (first.log.statement_digest, "withdrawn")
        else:
            assert again.raw is not None
            assert again.log.statement_digest != first.log.statement_digest
            assert again.log.index > first.log.index
    assert_log_consistent(ctx)


def test_an_evidence_read_in_one_statement_is_the_record_read_part_by_part(ctx: Context) -> None:
    """``get_evidence`` reads the record, its products, where its latest statement is in the log and how
    many status changes it has had in one statement (and the changes only when there are some): with
    two products and two statements of the evidence, before and after status changes, it shows what
    separate reads of each part show."""
    vendor = new_org(ctx)
    first, second = (
        products.create_product(ctx, vendor, kind="equipment", model=model, name="tool").id
        for model in ("VX-2", "VX-1")
    )
    source = new_org(ctx)
    tool = products.create_product(ctx, source, kind="equipment", model="VX-7", name="tool").id
    uploaded = intake.ingest_file(
        ctx, source, product_id=tool, stream=stream(PARTICLE_CSV), filename="s.csv", meta=PARTICLE_META
    )
    document = uploaded.ingested.evidence.document  # names the raw file: the file is signed anew below
    evidence_id = intake.ingest_document(
        ctx, vendor, product_id=first, document=document
    ).ingested.evidence.id
    again = intake.ingest_file(
        ctx, vendor, product_id=second, stream=stream(PARTICLE_CSV), filename="s.csv", meta=PARTICLE_META
    ).ingested.evidence
    assert again.id == evidence_id

    def read_apart() -> evidence.EvidenceRecord:
        with ctx.transaction() as uow:
            row = uow.evidence.get(vendor.org_id, evidence_id)
            assert row is not None
            found = uow.trust.attestations_of(attestations.EVIDENCE, str(row.id))
            assert len(found) == 2
            record = evidence.evidence_record(uow, row, blob=uow.evidence.blob_of(row))
        assert record.log is not None
        assert (record.log.index, record.log.statement_digest) == (
            found[-1].log_index,
            found[-1].statement_digest,
        )
        return record

    whole = evidence.get_evidence(ctx, vendor, evidence_id)
    assert whole == read_apart()
    assert [p.model for p in whole.products] == ["VX-1", "VX-2"]
    assert (whole.status, whole.raw) == ("valid", again.raw)
    attestations.change_status(ctx, vendor, evidence_id, status="suspended", reason="recheck")
    attestations.change_status(ctx, vendor, evidence_id, status="valid", reason="rechecked")
    attestations.change_status(ctx, vendor, evidence_id, status="suspended", reason="recheck again")
    changed = evidence.get_evidence(ctx, vendor, evidence_id)
    assert changed == read_apart()
    assert changed.status == "suspended"
    assert changed.log is not None
    assert whole.log is not None
    assert changed.log.index == whole.log.index


def test_every_record_has_an_entry_of_its_own_even_with_the_same_statement(ctx: Context) -> None:
    s = shared_package(ctx)
    first = evaluations.get_evaluation(ctx, s.vendor, s.withheld_evaluation_id)
    again = evaluations.rerun(ctx, s.vendor, s.withheld_evaluation_id)
    assert again.digest == first.digest
    assert first.log is not None
    assert again.log is not None
    assert again.log.index > first.log.index
    # Run within the same second (issuedAt is to the second), the statements are the same bytes.
    assert again.log.statement_digest == first.log.statement_digest
    assert assert_log_consistent(ctx) == again.log.checkpoint_size


def test_an_upload_reads_its_signing_key_only_under_the_logs_lock(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A revocation or a rotation retires a key while it holds the log's lock: an upload that read the
    # key before taking the lock could append a statement signed with the retired key after it.
    locked_when_read: list[bool] = []
    read_key = keys.attestation_key

    def watched(uow: UnitOfWork, *args: Any, **kwargs: Any) -> SigningKey:
        locked_when_read.append(uow.trust.log._locked)
        return read_key(uow, *args, **kwargs)

    monkeypatch.setattr(keys, "attestation_key", watched)
    vendor = new_org(ctx)
    tool = products.create_product(ctx, vendor, kind="equipment", model="VX-7", name="tool").id
    intake.ingest_file(
        ctx, vendor, product_id=tool, stream=stream(PARTICLE_CSV), filename="s.csv", meta=PARTICLE_META
    )
    assert locked_when_read == [True]
