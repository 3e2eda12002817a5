"""Signing and logging inside use cases, the public read side of the log, and witness cosignatures.

**Same transaction.** :func:`attest` signs a statement, appends its entry to the log and records the
envelope in the transaction of the use case that writes the record it attests: no record without its log
entry, no entry without its record. The use case then calls :func:`publish`, which signs a checkpoint of
the stored tree in that same transaction.

**Why a checkpoint per write request.** A checkpoint signed with the batch it covers is always of stored,
committed leaves (a crash loses both or neither); the API can answer with a checkpoint that already
includes the new entry, so a client need not poll; and signing is cheap next to the request (one
Ed25519 signature, O(log n) stored hashes). Witnesses cosign the latest checkpoint when they come by, so
the number of checkpoints does not set their work. Writers are serialised on the log (one tree size at a
time), which is the price of an append-only log in a relational database.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from qualbridge.errors import NoteError, NotFoundError, PermissionDeniedError, at
from qualbridge.services.context import Context
from qualbridge.services.keys import log_signer
from qualbridge.services.records import LogRef, Record
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.models import Attestation, LogCosignature
from qualbridge.trust import dsse, intoto, tiles
from qualbridge.trust.checkpoint import Checkpoint
from qualbridge.trust.entry import log_entry
from qualbridge.trust.keys import SigningKey, VerifyingKey
from qualbridge.trust.log import TransparencyLog
from qualbridge.trust.merkle import EMPTY_ROOT
from qualbridge.trust.note import Note, NoteSigner, NoteVerifier
from qualbridge.trust.witness import TreeHead, Witness


def begin(uow: UnitOfWork) -> None:
    """Take the log's write lock first thing in a transaction that will append: writers then queue
    here instead of racing to create keys or deadlocking between their rows and the log. (Uploads, the
    most frequent writers, take it only when they append: :mod:`qualbridge.services.intake` says why
    that is safe for them.)"""
    uow.trust.log.lock()


def open_log(uow: UnitOfWork, ctx: Context, *, signing: bool = False) -> TransparencyLog:
    """The log over this transaction's storage; ``signing`` takes the write lock and the log key."""
    storage = uow.trust.log
    if signing:
        if uow.signing_log is None:  # once per transaction: the lock, the key and the check of the tree
            storage.lock()
            signer = log_signer(uow, ctx, ctx.clock())
            uow.signing_log = TransparencyLog(storage, origin=ctx.trust.origin, signer=signer)
        return uow.signing_log
    return TransparencyLog(storage, origin=ctx.trust.origin)


def attest(
    uow: UnitOfWork,
    ctx: Context,
    statement: intoto.Statement,
    key: SigningKey,
    *,
    object_type: str,
    object_id: str,
    org_id: uuid.UUID | None,
) -> Attestation:
    """Sign ``statement`` with ``key``, append its entry to the log and record the envelope."""
    payload = statement.to_payload()  # canonical JSON of the whole statement: made once
    envelope = dsse.sign(intoto.PAYLOAD_TYPE, payload, [key])
    # Every record gets an entry of its own, even when its statement is the same bytes as another's.
    log = open_log(uow, ctx, signing=True)
    (index,) = log.append([log_entry(envelope, statement)])
    row = Attestation(
        statement_digest=intoto.sha256_hex(payload),
        log_index=index,
        predicate_type=statement.predicate_type,
        envelope=envelope.to_json(),
        keyid=key.keyid,
        object_type=object_type,
        object_id=object_id,
        org_id=org_id,
        created_at=ctx.clock(),
    )
    uow.trust.insert(row)
    return row


def publish(uow: UnitOfWork, ctx: Context) -> bytes:
    """Sign a checkpoint of the stored tree (after proving it extends the last one)."""
    return open_log(uow, ctx, signing=True).sign_checkpoint()


def publish_size(uow: UnitOfWork, ctx: Context) -> int:
    """:func:`publish`, then the size of the tree the checkpoint covers (the whole log: the lock is
    held until the transaction ends)."""
    publish(uow, ctx)
    return open_log(uow, ctx, signing=True).size


def log_ref(uow: UnitOfWork, object_type: str, object_id: str) -> LogRef | None:
    """Where an object's latest attestation is in the log, and the latest checkpoint that covers it."""
    found, checkpoint_size = uow.trust.attestations_and_checkpoint((object_type,), object_id)
    return None if not found else log_ref_of(found[-1], checkpoint_size)


def log_ref_of(row: Attestation | Row[*tuple[Any, ...]], checkpoint_size: int) -> LogRef:
    """Where an attestation is in the log, with the size of the latest checkpoint (which covers it: a
    checkpoint is signed with every write)."""
    return LogRef(index=row.log_index, checkpoint_size=checkpoint_size, statement_digest=row.statement_digest)


def envelope_of(row: Attestation | Row[*tuple[Any, ...]]) -> dsse.Envelope:
    return dsse.Envelope.from_json(row.envelope)


def statement_of(row: Attestation | Row[*tuple[Any, ...]]) -> intoto.Statement:
    return intoto.Statement.from_payload(envelope_of(row).payload)


# --- the public read API ------------------------------------------------------------------------------


def checkpoint_note(ctx: Context) -> bytes:
    """The latest checkpoint with every witness cosignature collected for it."""
    with ctx.transaction() as uow:
        row = uow.trust.latest_checkpoint_row()
        if row is None:
            raise NotFoundError("the log has no checkpoint yet")
        note = Note.parse(bytes(row.note))
        lines = [c.line for c in uow.trust.cosignatures(row.tree_size)]
        return note.with_signature_lines(lines).to_bytes()


@dataclass(frozen=True, slots=True)
class Tile:
    data: bytes
    #: Full tiles never change: they may be cached for good. Partial ones grow.
    immutable: bool


def tile(ctx: Context, path: str) -> Tile:
    """A tile or entry bundle by its tlog-tiles path (``tile/…``); 404 beyond the latest checkpoint."""
    try:
        ref = tiles.parse_path(path)
    except ValueError as exc:
        raise NotFoundError(str(exc), at(field="path")) from exc
    with ctx.transaction() as uow:
        latest = uow.trust.latest_checkpoint_row()
        size = latest.tree_size if latest else 0
        # Only what a signed checkpoint covers is served: a tile is a commitment once it is public.
        # A partial tile of width W keeps its W hashes for good, so any W up to what is stored is served.
        if tiles.stored_width(ref, size) < ref.width:
            raise NotFoundError(f"{path} is beyond the log's latest checkpoint of size {size}")
        if ref.level is None:
            data = tiles.read_entry_bundle(uow.trust.log, ref)
        else:
            data = tiles.read_tile(uow.trust.log, ref)
    return Tile(data, immutable=not ref.is_partial)


def status_envelope(ctx: Context, statement_digest: str) -> bytes:
    """The DSSE envelope of a status change (only those are public: they carry no private data)."""
    with ctx.transaction() as uow:
        row = uow.trust.attestation(statement_digest)
        if row is None or row.predicate_type != intoto.STATUS:
            raise NotFoundError(f"no status change {statement_digest}", at(field="digest"))
        return bytes(row.envelope)


def key_certificate(ctx: Context, keyid: str) -> bytes:
    """The center-signed certificate of an organization's key (public: it names the organization, the key
    and its validity). ``verify --online`` needs it for status changes signed after a key rotation."""
    with ctx.transaction() as uow:
        row = uow.trust.key(keyid)
        if row is None or row.certificate is None:
            raise NotFoundError(f"no certified key {keyid}", at(field="keyid"))
        return bytes(row.certificate)


# --- witnesses ----------------------------------------------------------------------------------------


class CosignatureReceipt(Record):
    tree_size: int
    accepted: list[str]


def _witness_verifiers(ctx: Context) -> Sequence[NoteVerifier]:
    return [NoteVerifier.from_vkey(v) for v in ctx.trust.witnesses]


def add_cosignature(ctx: Context, submitted: bytes) -> CosignatureReceipt:
    """Store the cosignatures of configured witnesses on a checkpoint this log signed.

    The submission is the checkpoint note with the witness's cosignature line(s) appended. The note's
    text must be exactly a stored checkpoint's; every cosignature by a configured witness must verify
    (one that does not is refused, as is a note with none).
    """
    note = Note.parse(submitted)
    checkpoint = Checkpoint.from_text(note.text)
    if checkpoint.origin != ctx.trust.origin:
        raise NotFoundError(f"this is log {ctx.trust.origin!r}, not {checkpoint.origin!r}")
    witnesses = {(w.name, w.key_id): w for w in _witness_verifiers(ctx)}

    def work(uow: UnitOfWork) -> CosignatureReceipt:
        row = uow.trust.checkpoint(checkpoint.size)
        if row is None or Note.parse(bytes(row.note)).text != note.text:
            raise NotFoundError(f"this log signed no such checkpoint of size {checkpoint.size}")
        accepted = []
        text = note.text.encode("utf-8")
        for sig in note.signatures:
            verifier = witnesses.get((sig.name, sig.key_id))
            if verifier is None:
                continue
            timestamp = verifier.check(text, sig.signature)  # NoteError if it does not verify
            assert timestamp is not None  # witness keys are cosignature/v1 keys
            _store(uow, checkpoint.size, sig.name, sig.line, timestamp, ctx.clock())
            accepted.append(sig.name)
        if not accepted:
            raise PermissionDeniedError(
                "the note carries no cosignature by a witness this log is configured with"
            )
        return CosignatureReceipt(tree_size=checkpoint.size, accepted=sorted(accepted))

    try:
        return ctx.write(work)
    except NoteError as exc:
        raise NoteError(f"cosignature refused: {exc.message}") from exc


def _store(uow: UnitOfWork, size: int, witness: str, line: str, timestamp: int, now: dt.datetime) -> None:
    found = uow.trust.cosignature(size, witness)
    if found is None:
        uow.trust.add(
            LogCosignature(tree_size=size, witness=witness, line=line, timestamp=timestamp, received_at=now)
        )
    elif timestamp > found.timestamp:
        found.line, found.timestamp, found.received_at = line, timestamp, now


def cosign_latest(ctx: Context, signer: NoteSigner) -> CosignatureReceipt:
    """Have a witness whose key is at hand cosign the latest checkpoint, through :func:`add_cosignature`.

    For the demo's and the tests' in-process witnesses: the witness's state (the last tree head it
    cosigned) is read from the cosignatures this log stored, and it checks consistency from there like
    any witness. A real witness keeps its own state and talks HTTP (``qualbridge witness``).
    """
    with ctx.transaction() as uow:
        latest = uow.trust.latest_checkpoint_row()
        log_key = uow.trust.current_key("log")
        if latest is None or log_key is None:
            raise NotFoundError("the log has no checkpoint yet")
        previous = uow.trust.latest_cosigned_by(signer.name)
        head = TreeHead(0, EMPTY_ROOT)
        if previous is not None:
            head = TreeHead(
                previous.tree_size, Checkpoint.from_text(Note.parse(bytes(previous.note)).text).root_hash
            )
        proof = open_log(uow, ctx).consistency_proof(head.size, latest.tree_size) if head.size else []
        note = bytes(latest.note)
    log = NoteVerifier(ctx.trust.origin, VerifyingKey(bytes(log_key.public_key)))
    witness = Witness(signer, [log], {ctx.trust.origin: head})
    signed = witness.add_checkpoint(head.size, proof, note, timestamp=int(ctx.clock().timestamp()))
    return add_cosignature(ctx, signed)
