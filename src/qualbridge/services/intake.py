"""Evidence intake: a raw file with its metadata, or a JSON evidence document, becomes stored evidence.

The steps of :func:`ingest_file`, in order:

1. the actor may upload, and the product is theirs (checked before the file is copied or parsed);
2. the upload is streamed to a private folder of the blob store (its workspace), hashed and
   size-checked as it arrives: the only copy made of it;
3. a retried request (same Idempotency-Key, same request) is answered with the first response;
4. the file is parsed and validated by the domain core (``load_evidence``);
5. the raw bytes go to the blob store (the file is moved into place, flushed to disk) *before* any
   row names them, so a crash leaves at most an unreferenced blob, never a row without its bytes;
6. one transaction records the blob, the evidence (unless this very document is stored already), its
   link to the product and an audit event; then the evidence's statement, signed by the uploading
   organization, is appended to the transparency log and a checkpoint signed; last the idempotent
   response.

The same document uploaded again is the same evidence: same id, no second row.

**The log's lock comes last.** Appending to the log serialises writers (one tree size at a time), so
the lock is held for as little of the transaction as it can be: it is taken when the statement is
signed and appended, after the rows, not at the start. The signing key is read under it, since key
revocations and rotations hold it while they retire a key. That cannot deadlock. The rows written
before it are new (a blob, an evidence row, a link, an audit event): another upload can wait for them
only while writing the same new rows, which it also does before taking the lock, so no holder of the
lock ever waits for a transaction that waits for the lock. The one stored row an upload changes (a
document's evidence gaining its raw file) is read again and changed under the lock, where status
changes read it too. Two uploads of the same evidence race on its unique row: the loser's transaction
is re-run and finds it. An upload that adds nothing to the log (the same evidence again) does not take
the lock at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import mimetypes
import re
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from qualbridge.errors import EvidenceError, InputError, ParseError, QualBridgeError, at
from qualbridge.evidence.models import Evidence as EvidenceValue
from qualbridge.evidence.parsers import build_evidence, load_evidence
from qualbridge.services import _checks, attestations, audit, idempotency, transparency
from qualbridge.services.actor import Actor
from qualbridge.services.authz import authorize
from qualbridge.services.context import Context
from qualbridge.services.evidence import evidence_record, stored_record
from qualbridge.services.idempotency import Replay
from qualbridge.services.products import check_owned, owned
from qualbridge.services.records import Ingested, RawFile
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.blobs import copy_hashing
from qualbridge.store.models import Evidence, EvidenceLink
from qualbridge.store.models.base import new_id

log = logging.getLogger(__name__)

#: Computed from the upload itself; a client may not claim them.
_COMPUTED = ("raw_digest", "raw_filename")
_MEDIA_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$")


@dataclasses.dataclass(frozen=True, slots=True)
class Intake:
    """The outcome of an upload and the HTTP status it is answered with (201 new evidence, 200 known);
    ``replayed`` when it is the stored answer to an earlier request with the same Idempotency-Key."""

    ingested: Ingested
    status: int
    replayed: bool = False


def ingest_file(
    ctx: Context,
    actor: Actor,
    *,
    product_id: uuid.UUID,
    stream: BinaryIO,
    filename: str | None,
    media_type: str | None = None,
    kind: str | None = None,
    meta: Mapping[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> Intake:
    """Store the evidence in a raw file (or a JSON evidence document sent as a file)."""
    authorize(actor, "evidence.upload")  # step 1
    meta = dict(meta or {})
    claimed = sorted(set(meta) & set(_COMPUTED))
    if claimed:
        raise EvidenceError("computed from the uploaded file, not accepted as metadata", at(field=claimed[0]))
    key = idempotency.check_key(idempotency_key) if idempotency_key is not None else None
    name = safe_filename(filename)
    check_owned(ctx, actor, product_id)
    # The upload is written once, into the blob store's file system, and adopted from there if kept.
    with ctx.blobs.workspace() as folder:
        path = folder / name
        with path.open("wb") as out:  # step 2
            ref = copy_hashing(stream, out, limit=ctx.limits.max_upload_bytes)
        request = {
            "product_id": str(product_id),
            "raw": ref.digest,
            "filename": name,
            "kind": kind,
            "meta": meta,
        }
        fp = idempotency.fingerprint("evidence.file", request, field="meta")
        if key is not None and (replay := _replay(ctx, actor, key, fp)) is not None:  # step 3
            return replay
        value = _storable(_parse(path, name, kind=kind, meta=meta, digest=ref.digest), name)  # step 4
        raw: RawFile | None = None
        # A JSON evidence document names its own raw file; the document itself is not that file.
        if value.raw_digest == ref.digest:
            raw = RawFile(
                digest=ref.digest, filename=name, size=ref.size, media_type=_media_type(media_type, name)
            )
            ctx.blobs.adopt(path, ref)  # step 5
    return _store(ctx, actor, product_id, value, raw=raw, key=key, fp=fp, meta=meta)  # step 6


def preview_file(
    ctx: Context,
    actor: Actor,
    *,
    product_id: uuid.UUID,
    stream: BinaryIO,
    filename: str | None,
    kind: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> EvidenceValue:
    """What :func:`ingest_file` would store from this file, parsed and validated the same way (steps 1,
    2 and 4), with nothing stored: the parse preview of an upload form. Parse errors name the uploaded
    file, its row and field."""
    authorize(actor, "evidence.upload")
    name = safe_filename(filename)
    check_owned(ctx, actor, product_id)
    with tempfile.TemporaryDirectory(prefix="qualbridge-preview-") as folder:
        path = Path(folder) / name
        with path.open("wb") as out:
            ref = copy_hashing(stream, out, limit=ctx.limits.max_upload_bytes)
        return _storable(_parse(path, name, kind=kind, meta=dict(meta or {}), digest=ref.digest), name)


def parse_meta(text: str, *, source: str = "meta") -> dict[str, Any]:
    """Upload metadata written as YAML or JSON (what a ``FILE.meta.yaml`` sidecar holds)."""
    if not text.strip():
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise EvidenceError(f"metadata is not valid YAML: {exc}", at(source, field="meta")) from exc
    if not isinstance(data, dict):
        raise EvidenceError("metadata must be a mapping of field: value", at(source, field="meta"))
    return {str(k): _plain(v) for k, v in data.items()}


def _plain(value: Any) -> Any:
    """YAML's dates as the ISO text JSON metadata would carry (the upload's fingerprint is JSON)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def ingest_document(
    ctx: Context,
    actor: Actor,
    *,
    product_id: uuid.UUID,
    document: Mapping[str, Any],
    idempotency_key: str | None = None,
) -> Intake:
    """Store an evidence document given as JSON (no raw file is kept)."""
    authorize(actor, "evidence.upload")
    key = idempotency.check_key(idempotency_key) if idempotency_key is not None else None
    fp = idempotency.fingerprint(
        "evidence.document", {"product_id": str(product_id), "document": dict(document)}, field="document"
    )
    check_owned(ctx, actor, product_id)
    if key is not None and (replay := _replay(ctx, actor, key, fp)) is not None:
        return replay
    value = _storable(build_evidence(document, source="document"), "document")
    return _store(ctx, actor, product_id, value, raw=None, key=key, fp=fp, meta={})


def safe_filename(filename: str | None) -> str:
    """The last path component of a client's file name, without control characters (never a path)."""
    name = re.split(r"[/\\]", filename or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name[-200:] or "upload"


def _media_type(declared: str | None, name: str) -> str:
    if declared and _MEDIA_TYPE.match(declared) and declared != "application/octet-stream":
        return declared.lower()
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def _parse(path: Path, name: str, *, kind: str | None, meta: Mapping[str, Any], digest: str) -> EvidenceValue:
    """Parse with the domain core; errors name the uploaded file, never the private copy."""
    try:
        return load_evidence(path, kind=kind, meta=meta, digest=digest)
    except QualBridgeError as exc:
        raise _renamed(exc, path, name) from exc
    except Exception as exc:
        # A parser choking on bytes it did not expect is still about the caller's file: say so (4xx),
        # and keep the traceback for whoever maintains the parser.
        log.warning("parser failed on %s", name, exc_info=True)
        raise ParseError(f"the file cannot be read: {exc}".replace(str(path), name), at(name)) from exc


def _renamed(exc: QualBridgeError, path: Path, name: str) -> QualBridgeError:
    where = exc.where
    if where.file is not None and str(path.parent) in where.file:
        where = dataclasses.replace(where, file=where.file.replace(str(path), name))
    return dataclasses.replace(exc, message=exc.message.replace(str(path), name), where=where)


def _storable(value: EvidenceValue, source: str) -> EvidenceValue:
    """Refuse what one database would store and another would not (NUL characters, over-long names)."""
    try:
        _checks.text(value.issuer, "issuer", max_length=200)
        _checks.text(value.subject.id, "subject.id", max_length=200)
    except InputError as exc:
        raise EvidenceError(exc.message, at(source, field=exc.where.field)) from exc
    if "\\u0000" in value.model_dump_json():
        raise EvidenceError("text must not contain NUL characters", at(source))
    return value


def _replay(ctx: Context, actor: Actor, key: str, fp: str) -> Intake | None:
    with ctx.transaction() as uow:
        found = idempotency.peek(uow, actor, key, fp, now=ctx.clock())
    return None if found is None else _intake(found, replayed=True)


def _intake(replay: Replay, *, replayed: bool) -> Intake:
    return Intake(ingested=Ingested.model_validate_json(replay.body), status=replay.status, replayed=replayed)


def _store(
    ctx: Context,
    actor: Actor,
    product_id: uuid.UUID,
    value: EvidenceValue,
    *,
    raw: RawFile | None,
    key: str | None,
    fp: str,
    meta: Mapping[str, Any],
) -> Intake:
    document = value.canonical()  # written once: for the content id and in the signed statement
    content_id = document.digest

    def work(uow: UnitOfWork) -> Intake:
        # The log's lock is taken late, when the statement is appended (see the module's docstring).
        now = ctx.clock()
        if key is not None and (found := idempotency.lookup(uow, actor, key, fp, now=now)) is not None:
            return _intake(found, replayed=True)  # a concurrent retry finished first
        if raw is not None:  # sent with the reads below (PostgreSQL: see qualbridge.store.db)
            uow.evidence.ensure_blob(digest=raw.digest, size=raw.size, media_type=raw.media_type, at=now)
        digest = None if raw is None else raw.digest
        read, blob, row = uow.evidence.for_intake(product_id, digest, actor.org_id, content_id)
        product = owned(actor, product_id, read)
        stored = raw
        if raw is not None and blob is not None:  # the record that stands (an earlier upload's media type)
            stored = RawFile(
                digest=raw.digest, filename=raw.filename, size=blob.size, media_type=blob.media_type
            )
        created = row is None
        attest = created
        if row is None:
            row = _row(actor, value, content_id, raw, now)
            uow.evidence.insert(row)
        elif row.raw_digest is None and raw is not None and _still_a_valid_document(uow, row):
            # Stored earlier as a document naming this raw file: now the bytes are here too, and the
            # statement that names them supersedes (in log order) the one that named the document.
            # (Evidence that is withdrawn, superseded or suspended is left as it was signed.)
            row.raw_digest, row.raw_filename = raw.digest, raw.filename
            uow.session.flush()
            attest = True
        linked = created or uow.evidence.link(row.id, product_id) is None  # a new row has no links yet
        if linked:
            uow.evidence.insert(
                EvidenceLink(
                    evidence_id=row.id, product_id=product_id, linked_by=actor.user_id, created_at=now
                )
            )
        detail = {"product": str(product_id), "created": created, "linked": linked, "raw": raw and raw.digest}
        audit.record(
            uow, actor, "evidence.upload", object_type="evidence", object_id=content_id, at=now, detail=detail
        )
        logged = None
        if attest:
            # Takes the log's lock. A row stored before (a document now gaining its raw file) has this
            # content id, so its document is this canonical JSON too.
            attestation = attestations.attest_evidence(uow, ctx, row, meta=meta, document=document)
            logged = transparency.log_ref_of(attestation, transparency.publish_size(uow, ctx))
        if created and logged is not None:
            # Everything the answer shows was written or read just now: nothing to read back.
            record = stored_record(row, raw=stored, product=product, log=logged)
        else:
            record = evidence_record(uow, row, blob=uow.evidence.blob_of(row))
        ingested = Ingested(evidence=record, created=created, linked=linked)
        status = 201 if created else 200
        if key is not None:
            replay = Replay(status=status, body=ingested.model_dump_json().encode())
            idempotency.remember(uow, actor, key, fp, replay, now=now)
        return Intake(ingested=ingested, status=status)

    return ctx.write(work)


def _still_a_valid_document(uow: UnitOfWork, row: Evidence) -> bool:
    """Whether stored evidence still has no raw file and is still valid, read again under the log's lock
    (which status changes, and another upload of its raw file, hold while they change either)."""
    transparency.begin(uow)
    uow.session.refresh(row)
    return row.raw_digest is None and attestations.current_status(uow, row) == "valid"


def _row(
    actor: Actor, value: EvidenceValue, content_id: str, raw: RawFile | None, now: dt.datetime
) -> Evidence:
    return Evidence(
        id=new_id(),
        org_id=actor.org_id,
        content_id=content_id,
        kind=value.kind,
        issuer=value.issuer,
        test_date=value.test_date,
        subject_type=value.subject.type,
        subject_id=value.subject.id,
        document=value.model_dump(mode="json"),
        raw_digest=raw.digest if raw else None,
        raw_filename=raw.filename if raw else None,
        uploaded_by=actor.user_id,
        created_at=now,
    )
