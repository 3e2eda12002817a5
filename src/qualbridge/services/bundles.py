"""The offline-verifiable bundle of one package (see docs/trust.md, "Bundles").

A bundle carries the package's raw evidence files and the profiles its evaluations were signed with,
the DSSE envelope of each evidence's latest statement, of its logged status changes and of each
evaluation, one tlog-proof per envelope against one checkpoint, the center's certificates of the signing
keys, that checkpoint with its witness cosignatures, and the center's status snapshot as of it.

The checkpoint is the largest one that at least ``threshold`` of the configured witnesses cosigned and
that covers every envelope; when there is none yet, the export is refused (409) rather than bound to an
unwitnessed checkpoint that a verifier would reject. A withdrawn piece of evidence is not hidden: its
status change is in the bundle, and verification fails at step 5, as it should.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from qualbridge.errors import ConflictError, NotFoundError, at
from qualbridge.services import attestations, keys, transparency
from qualbridge.services.actor import Actor
from qualbridge.services.authz import authorize
from qualbridge.services.context import Context
from qualbridge.services.packages import record_access, visible_package
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.models import Attestation, Package
from qualbridge.trust import dsse, intoto
from qualbridge.trust.bundle import MEDIA_TYPE, Logged, assemble

__all__ = ["MEDIA_TYPE", "ExportedBundle", "export_bundle", "export_local"]
from qualbridge.trust.checkpoint import Checkpoint
from qualbridge.trust.keys import format_time
from qualbridge.trust.note import Note, NoteVerifier


@dataclass(frozen=True, slots=True)
class ExportedBundle:
    package_id: uuid.UUID
    data: bytes
    checkpoint_size: int
    attestations: int
    files: int
    media_type: str = MEDIA_TYPE

    def summary(self) -> dict[str, Any]:
        return {
            "package_id": str(self.package_id),
            "checkpoint_size": self.checkpoint_size,
            "attestations": self.attestations,
            "files": self.files,
            "bytes": len(self.data),
        }


def export_bundle(ctx: Context, actor: Actor, package_id: uuid.UUID) -> ExportedBundle:
    """The bundle of a package the actor's organization owns or holds an active grant for (a grantee's
    export is audited like every read of shared data)."""
    authorize(actor, "packages.read")
    with ctx.transaction(write=True) as uow:
        now = ctx.clock()
        access = visible_package(uow, actor, package_id, now)
        exported = _export(uow, ctx, access.package, now)
        record_access(uow, actor, access, "package.bundle", now, checkpoint=str(exported.checkpoint_size))
    return exported


def export_local(ctx: Context, package_id: uuid.UUID) -> ExportedBundle:
    """The bundle of any package, for the operator of the database (``qualbridge bundle export``)."""
    with ctx.transaction(write=True) as uow:
        package = uow.packages.get(package_id)
        if package is None:
            raise NotFoundError(f"no package {package_id}", at(field="package_id"))
        return _export(uow, ctx, package, ctx.clock())


def _latest(uow: UnitOfWork, object_type: str, object_id: str, what: str) -> Attestation:
    row = uow.trust.latest_of(object_type, object_id)
    if row is None:
        raise ConflictError(f"{what} was stored before signing began: it has no logged statement")
    return row


def _items(uow: UnitOfWork, package: Package) -> tuple[list[Attestation], dict[str, bytes | str]]:
    """The package's attestations (log order) and its files: inline bytes, or a blob digest."""
    rows: list[Attestation] = []
    files: dict[str, bytes | str] = {}
    for evidence in uow.packages.evidence(package.id):
        rows.append(_latest(uow, attestations.EVIDENCE, str(evidence.id), f"evidence {evidence.content_id}"))
        rows += attestations.status_changes(uow, evidence)
        file = attestations.evidence_file(evidence)
        files[file.sha256] = file.inline if file.inline is not None else f"sha256:{file.sha256}"
    for evaluation in uow.packages.evaluations(package.id):
        row = _latest(uow, attestations.EVALUATION, str(evaluation.id), f"evaluation {evaluation.id}")
        statement = transparency.statement_of(row)
        profile = statement.predicate["profile"]["sha256"]
        outside = sorted(set(statement.predicate["evidence"]) - set(files))
        if outside:
            raise ConflictError(
                f"evaluation {evaluation.id} considered evidence that is not in the package "
                f"(raw file sha256 {outside[0][:16]}…): a bundle would have to carry it",
                at(field="evaluations"),
            )
        files.setdefault(profile, f"sha256:{profile}")
        rows.append(row)
    # A statement is carried once, with its first entry (two records may share one statement's bytes).
    first: dict[str, Attestation] = {}
    for row in sorted(rows, key=lambda r: r.log_index):
        first.setdefault(row.statement_digest, row)
    return list(first.values()), files


def _witnessed(uow: UnitOfWork, ctx: Context, needed: int) -> bytes:
    """The largest witnessed checkpoint covering ``needed`` entries, with its cosignatures; else 409."""
    witnesses = [NoteVerifier.from_vkey(v) for v in ctx.trust.witnesses]
    names = [w.name for w in witnesses]
    threshold = ctx.trust.witness_threshold
    row = uow.trust.witnessed(names, threshold, min_size=needed) if witnesses else None
    if row is None:
        latest = uow.trust.latest_checkpoint_row()
        listed = ", ".join(names) or "none"
        raise ConflictError(
            f"no checkpoint cosigned by {threshold} of the configured witnesses ({listed}) covers this "
            f"package's {needed} log entries yet (latest checkpoint: size "
            f"{latest.tree_size if latest else 0}); export again once the witnesses have cosigned it",
            expected="a witnessed checkpoint (witnesses read GET /log/checkpoint, POST /log/cosignature)",
        )
    lines = [c.line for c in uow.trust.cosignatures(row.tree_size) if c.witness in names]
    return Note.parse(bytes(row.note)).with_signature_lines(lines).to_bytes()


def _snapshot(
    uow: UnitOfWork, ctx: Context, logged: list[Logged], checkpoint: Checkpoint, now: dt.datetime
) -> dsse.Envelope:
    """The center's signed account of each statement's status as of ``checkpoint``."""
    changes = intoto.statuses_as_of((item.index, item.statement) for item in logged)
    statuses: dict[str, intoto.StatusValue] = {
        item.statement.digest: changes.get(item.statement.digest, "valid")
        for item in logged
        if item.statement.predicate_type != intoto.STATUS
    }
    snapshot = intoto.status_snapshot_statement(
        statuses,
        origin=checkpoint.origin,
        tree_size=checkpoint.size,
        root_hash=checkpoint.to_text().split("\n")[2],
        issuer=ctx.trust.center_name,
        issued_at=format_time(now),
    )
    return dsse.sign(intoto.PAYLOAD_TYPE, snapshot.to_payload(), [keys.center_key(uow, ctx, now)])


def _named(ctx: Context, logged: list[Logged], files: dict[str, bytes | str]) -> dict[str, bytes]:
    """File bytes by name: the names the signed subjects give them, made unique within the bundle."""
    names: dict[str, str] = {}
    for item in logged:
        for subject in item.statement.subjects:
            if subject.sha256 in files:
                names.setdefault(subject.sha256, subject.name)
    out: dict[str, bytes] = {}
    for digest, source in sorted(files.items()):
        data = source if isinstance(source, bytes) else b"".join(ctx.blobs.iter_bytes(source))
        name = names.get(digest, digest)
        out[name if name not in out else f"{digest[:12]}-{name}"] = data
    return out


def _export(uow: UnitOfWork, ctx: Context, package: Package, now: dt.datetime) -> ExportedBundle:
    rows, files = _items(uow, package)
    if not rows:
        raise ConflictError("the package has no evidence or evaluations to bundle")
    note = _witnessed(uow, ctx, max(r.log_index for r in rows) + 1)
    checkpoint = Checkpoint.from_text(Note.parse(note).text)
    logged = [Logged(transparency.envelope_of(r), transparency.statement_of(r), r.log_index) for r in rows]
    certificates = []
    for keyid in sorted({r.keyid for r in rows if r.org_id is not None}):
        certificate = keys.certificate(uow, keyid)
        if certificate is not None:
            certificates.append(certificate)
    bundle = assemble(
        files=_named(ctx, logged, files),
        attestations=logged,
        log=transparency.open_log(uow, ctx),
        checkpoint=note,
        certificates=certificates,
        status=_snapshot(uow, ctx, logged, checkpoint, now),
        created_at=format_time(now),
    )
    return ExportedBundle(package.id, bundle.to_bytes(), checkpoint.size, len(logged), len(files))
