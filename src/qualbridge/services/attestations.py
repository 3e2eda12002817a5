"""The statements the service signs and logs, and evidence status changes.

Who signs what (the predicate's ``issuer`` names it, and verifiers hold it to it):

- **evidence** (``evidence/v1``): the organization that uploaded it, with its certified attestation key.
  Subjects: the raw file (or, for evidence sent as a JSON document, the document's canonical JSON);
  predicate: ``kind``, ``record`` (the parsed evidence exactly as stored), ``meta`` (the intake
  metadata the file was parsed with).
- **evaluation** (``evaluation/v1``): the center. Subjects: the evidence files and the profile, whose
  bytes are the canonical JSON of the resolved profile (their SHA-256 is ``Profile.digest()``);
  predicate: the stored canonical result.
- **share grant** (``share-grant/v1``): the vendor. Subject: the package's canonical description.
- **status change** (``status/v1``): the organization that uploaded the evidence. Subjects: the
  statement digests of the evidence's statements. A withdrawal is a new entry, never an edit.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from qualbridge.canonical import Canonical, canonical_json
from qualbridge.errors import ConflictError, InputError, NotFoundError, at
from qualbridge.services import _checks, audit, keys, transparency
from qualbridge.services.actor import Actor
from qualbridge.services.authz import authorize
from qualbridge.services.context import Context
from qualbridge.services.idempotency import Guard, Once, records, write_once
from qualbridge.services.records import LogRef, Record
from qualbridge.services.uow import UnitOfWork
from qualbridge.standards.profile import Profile
from qualbridge.store.blobs import hex_of
from qualbridge.store.models import Attestation, Evaluation, Evidence, Package, Share
from qualbridge.trust import intoto
from qualbridge.trust.keys import format_time

EVIDENCE, EVIDENCE_STATUS, EVALUATION, SHARE = "evidence", "evidence-status", "evaluation", "share"


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """The file an evidence statement names: the raw upload, or the canonical document without one."""

    name: str
    sha256: str
    #: The bytes when they are not in the blob store (a document's canonical JSON).
    inline: bytes | None = None

    @property
    def subject(self) -> intoto.Subject:
        return intoto.Subject(self.name, self.sha256)


def evidence_file(row: Evidence) -> EvidenceFile:
    if row.raw_digest is not None:
        digest = hex_of(row.raw_digest)
        return EvidenceFile(row.raw_filename or digest, digest)
    data = canonical_json(row.document)
    digest = intoto.sha256_hex(data)
    return EvidenceFile(f"{digest}.json", digest, data)


def profile_bytes(profile: Profile) -> bytes:
    """The profile as signed: the bytes whose SHA-256 is ``Profile.digest()``."""
    return canonical_json(profile)


def _now(ctx: Context) -> tuple[dt.datetime, str]:
    now = ctx.clock()
    return now, format_time(now)


def attest_evidence(
    uow: UnitOfWork,
    ctx: Context,
    row: Evidence,
    *,
    meta: Mapping[str, Any],
    document: Canonical | None = None,
) -> Attestation:
    """Sign and log the statement of ``row``'s evidence; ``document``: its document as canonical JSON,
    when the caller has it (its content id was computed from it), not to be written again."""
    now, stamp = _now(ctx)
    # The key is read under the log's lock: a revocation or a rotation holds it while it retires a key,
    # and a statement signed with the retired key must not be appended after it.
    transparency.begin(uow)
    issuer, key = keys.signer_of(uow, ctx, row.org_id, now)
    statement = intoto.evidence_statement(
        [evidence_file(row).subject],
        kind=row.kind,
        issuer=issuer,
        record=row.document if document is None else document,
        issued_at=stamp,
        meta=meta,
    )
    return transparency.attest(
        uow, ctx, statement, key, object_type=EVIDENCE, object_id=str(row.id), org_id=row.org_id
    )


def _unique_names(files: Sequence[EvidenceFile]) -> list[intoto.Subject]:
    """Subjects named by file name, made unique (a re-run looks files up by these names)."""
    seen: dict[str, int] = {}
    for f in files:
        seen[f.name] = seen.get(f.name, 0) + 1
    return [
        intoto.Subject(f"{f.sha256[:12]}-{f.name}" if seen[f.name] > 1 else f.name, f.sha256) for f in files
    ]


def attest_evaluation(
    uow: UnitOfWork, ctx: Context, row: Evaluation, *, profile: Profile, evidence: Sequence[Evidence]
) -> Attestation:
    now, stamp = _now(ctx)
    files = {f.sha256: f for f in (evidence_file(e) for e in evidence)}
    statement = intoto.evaluation_statement(
        _unique_names(sorted(files.values(), key=lambda f: f.sha256)),
        intoto.Subject(f"{profile.id.replace('/', '_')}@{profile.version}.json", hex_of(profile.digest())),
        profile_id=profile.id,
        profile_version=str(profile.version),
        engine_version=row.engine_version,
        result=json.loads(row.result),
        issuer=ctx.trust.center_name,
        issued_at=stamp,
    )
    key = keys.center_key(uow, ctx, now)
    return transparency.attest(
        uow, ctx, statement, key, object_type=EVALUATION, object_id=str(row.id), org_id=None
    )


def package_description(uow: UnitOfWork, package: Package) -> bytes:
    """What a grant's subject digest covers: the package and exactly what it contains."""
    return canonical_json(
        {
            "package": str(package.id),
            "vendor": keys.org_name(uow, package.vendor_org_id),
            "product": str(package.product_id),
            "name": package.name,
            "profiles": sorted(
                f"{p.profile_id}@{p.profile_version}" for p in uow.packages.profiles(package.id)
            ),
            "evidence": sorted(e.content_id for e in uow.packages.evidence(package.id)),
            "evaluations": sorted(e.digest for e in uow.packages.evaluations(package.id)),
        }
    )


def attest_grant(uow: UnitOfWork, ctx: Context, share: Share, package: Package) -> Attestation:
    now, stamp = _now(ctx)
    vendor = keys.org_name(uow, package.vendor_org_id)
    statement = intoto.share_grant_statement(
        intoto.Subject.of(f"package-{package.id}.json", package_description(uow, package)),
        assigner=vendor,
        assignee=keys.org_name(uow, share.fab_org_id),
        purpose="qualification",
        expires_at=format_time(share.expires_at),
        issued_at=stamp,
    )
    key = keys.attestation_key(uow, ctx, package.vendor_org_id, now)
    return transparency.attest(
        uow, ctx, statement, key, object_type=SHARE, object_id=str(share.id), org_id=package.vendor_org_id
    )


# --- status -------------------------------------------------------------------------------------------


def evidence_statements(uow: UnitOfWork, row: Evidence) -> list[Attestation]:
    return list(uow.trust.attestations_of(EVIDENCE, str(row.id)))


def status_changes(uow: UnitOfWork, row: Evidence) -> list[Attestation]:
    return list(uow.trust.attestations_of(EVIDENCE_STATUS, str(row.id)))


def current_status(uow: UnitOfWork, row: Evidence) -> str:
    """The evidence's status: that of its latest statement after every logged status change."""
    return log_and_status(uow, row)[1]


def log_and_status(uow: UnitOfWork, row: Evidence | Row[*tuple[Any, ...]]) -> tuple[LogRef | None, str]:
    """Where the evidence's latest statement is in the log, and its status after every logged status
    change, from one read of its attestations and the checkpoint size."""
    found, checkpoint_size = uow.trust.attestations_and_checkpoint((EVIDENCE, EVIDENCE_STATUS), str(row.id))
    statements = [a for a in found if a.object_type == EVIDENCE]
    if not statements:
        return None, "valid"
    changes = [(c.log_index, transparency.statement_of(c)) for c in found if c.object_type == EVIDENCE_STATUS]
    status = intoto.statuses_as_of(changes).get(statements[-1].statement_digest, "valid")
    return transparency.log_ref_of(statements[-1], checkpoint_size), status


def log_and_status_read(uow: UnitOfWork, row: Row[*tuple[Any, ...]]) -> tuple[LogRef | None, str]:
    """:func:`log_and_status` of a row of :meth:`EvidenceRepo.whole`, which read where the latest
    statement is and how many status changes there were with the evidence: nothing more to read unless
    there were some (evidence is seldom suspended, withdrawn or superseded)."""
    if row.status_changes:
        return log_and_status(uow, row)
    if row.log_index is None:
        return None, "valid"
    return transparency.log_ref_of(row, int(row.checkpoint_size)), "valid"


class StatusRecord(Record):
    evidence_id: str
    status: str
    reason: str
    log: LogRef


def change_status_once(
    ctx: Context,
    actor: Actor,
    evidence_id: str,
    *,
    status: intoto.StatusValue,
    reason: str,
    superseded_by: str | None = None,
    idempotency_key: str | None = None,
) -> Once[StatusRecord]:
    """Log a status change of the organization's evidence (signed with its key; never an edit). With
    ``idempotency_key``, a retry is answered with the first answer instead of logging a second change."""
    authorize(actor, "evidence.status")
    request = {"evidence_id": evidence_id, "status": status, "reason": reason, "superseded_by": superseded_by}
    guard = Guard.of(idempotency_key, "evidence.status", request)
    if status not in intoto.STATUS_VALUES:
        raise InputError(f"status {status!r}", at(field="status"), expected=" or ".join(intoto.STATUS_VALUES))
    reason = _checks.text(reason, "reason", max_length=500)
    if (status == "superseded") != (superseded_by is not None):
        raise InputError(
            "superseded_by is given exactly when the status is 'superseded'", at(field="superseded_by")
        )

    def work(uow: UnitOfWork) -> StatusRecord:
        transparency.begin(uow)
        now, stamp = _now(ctx)
        row = _own(uow, actor, evidence_id, "evidence_id")
        current = current_status(uow, row)
        if current in ("withdrawn", "superseded"):
            raise ConflictError(f"evidence {evidence_id} is {current}: that is final")
        replacement = None
        if superseded_by is not None:
            if superseded_by == evidence_id:
                raise InputError("evidence cannot supersede itself", at(field="superseded_by"))
            newer = evidence_statements(uow, _own(uow, actor, superseded_by, "superseded_by"))
            replacement = newer[-1].statement_digest if newer else None
        targets = list(dict.fromkeys(a.statement_digest for a in evidence_statements(uow, row)))
        if not targets or (superseded_by is not None and replacement is None):
            raise ConflictError("evidence stored before signing began has no statement to change")
        statement = intoto.status_statement(
            targets,
            status=status,
            reason=reason,
            issuer=keys.org_name(uow, actor.org_id),
            effective_at=stamp,
            issued_at=stamp,
            superseded_by=replacement,
        )
        key = keys.attestation_key(uow, ctx, actor.org_id, now)
        transparency.attest(
            uow, ctx, statement, key, object_type=EVIDENCE_STATUS, object_id=str(row.id), org_id=actor.org_id
        )
        transparency.publish(uow, ctx)
        detail = {"status": status, "reason": reason, "superseded_by": superseded_by}
        audit.record(
            uow,
            actor,
            "evidence.status",
            object_type="evidence",
            object_id=evidence_id,
            at=now,
            detail=detail,
        )
        ref = transparency.log_ref(uow, EVIDENCE_STATUS, str(row.id))
        assert ref is not None
        return StatusRecord(evidence_id=evidence_id, status=status, reason=reason, log=ref)

    return write_once(ctx, actor, guard, StatusRecord, work)


change_status = records(change_status_once)


def _own(uow: UnitOfWork, actor: Actor, evidence_id: str, field: str) -> Evidence:
    row = uow.evidence.get(actor.org_id, evidence_id)
    if row is None:
        raise NotFoundError(f"no evidence {evidence_id}", at(field=field))
    return row
