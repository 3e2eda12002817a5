"""Signing keys of the service: the center's, the log's, and each organization's attestation keys.

Every key is Ed25519, generated here and stored encrypted at rest (PKCS#8, the passphrase from
``QUALBRIDGE_KEY_PASSPHRASE``); the clear key exists only in memory (``Context.keyring``).

- The **center key** signs key certificates, revocations, evaluations and status snapshots; it is pinned
  by verifiers through the trust root.
- The **log key** signs checkpoints under the log's origin; it is pinned through the trust root too.
- An **organization's attestation key** signs its evidence, status changes and grants. It is created on
  first use and certified by the center for ``[now, now + key validity)``. When its certificate runs
  out, the next use creates and certifies a new one.

Rotation (:func:`rotate_key`) retires the current key: it is re-certified with ``notAfter`` = now, so
what it signed before stays valid while nothing later can be, and a new key is certified. Revocation
(``services/revocation.py``) is for a compromised key: the center signs a ``KeyRevocation`` and the
trust root lists the key, after which verifiers refuse everything it ever signed.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from qualbridge.errors import ConflictError, NotFoundError, at
from qualbridge.services import audit
from qualbridge.services.actor import Actor
from qualbridge.services.authz import authorize
from qualbridge.services.context import Context
from qualbridge.services.idempotency import Guard, Once, records, write_once
from qualbridge.services.records import Record
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.models import Organization
from qualbridge.store.models import SigningKey as KeyRow
from qualbridge.trust import dsse
from qualbridge.trust.certificates import KeyCertificate
from qualbridge.trust.checkpoint import WitnessPolicy
from qualbridge.trust.keys import KeyValidity, SigningKey, VerifyingKey
from qualbridge.trust.note import NoteSigner, NoteVerifier
from qualbridge.trust.verify import TrustRoot


class KeyRecord(Record):
    keyid: str
    org_id: uuid.UUID | None
    purpose: str
    public_key: str
    not_before: dt.datetime
    not_after: dt.datetime | None
    retired_at: dt.datetime | None
    revoked_at: dt.datetime | None
    #: The center-signed certificate (a DSSE envelope) an organization's key is used under.
    certificate: dict[str, Any] | None = None
    #: Why the center revoked the key (from its signed revocation).
    revocation_reason: str | None = None


def _reason(revocation: bytes | None) -> str | None:
    if revocation is None:
        return None
    payload = dsse.Envelope.from_json(revocation).payload
    return str(json.loads(payload)["reason"])


def key_record(row: KeyRow) -> KeyRecord:
    return KeyRecord(
        keyid=row.keyid,
        org_id=row.org_id,
        purpose=row.purpose,
        public_key=VerifyingKey(row.public_key).to_base64(),
        not_before=row.not_before,
        not_after=row.not_after,
        retired_at=row.retired_at,
        revoked_at=row.revoked_at,
        certificate=json.loads(row.certificate) if row.certificate else None,
        revocation_reason=_reason(row.revocation),
    )


def _second(moment: dt.datetime) -> dt.datetime:
    """Signed payloads carry times to the second; stored validity says exactly what was signed."""
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _load(ctx: Context, row: KeyRow) -> SigningKey:
    key = ctx.keyring.get(row.keyid)
    if key is None:
        key = SigningKey.from_pem(row.pem, ctx.trust.passphrase)
        ctx.keyring[row.keyid] = key
    return key


def _create(
    uow: UnitOfWork, ctx: Context, purpose: str, org: Organization | None, now: dt.datetime
) -> tuple[KeyRow, SigningKey]:
    key = SigningKey.generate()
    start = _second(now)
    row = KeyRow(
        keyid=key.keyid,
        purpose=purpose,
        org_id=org.id if org else None,
        public_key=key.public.raw,
        pem=key.to_pem(ctx.trust.passphrase),
        not_before=start,
        not_after=start + ctx.trust.key_validity if org else None,
        created_at=now,
    )
    if org is not None:
        row.certificate = _certify(uow, ctx, org, key.public, row.not_before, row.not_after, now)
    uow.trust.add(row)
    ctx.keyring[row.keyid] = key
    return row, key


def _certify(
    uow: UnitOfWork,
    ctx: Context,
    org: Organization,
    public: VerifyingKey,
    not_before: dt.datetime,
    not_after: dt.datetime | None,
    now: dt.datetime,
) -> bytes:
    validity = KeyValidity(not_before=not_before, not_after=not_after)
    return KeyCertificate(org.name_en, public, validity).issue(center_key(uow, ctx, now)).to_json()


def _in_keyring(
    uow: UnitOfWork, ctx: Context, purpose: str, org_id: uuid.UUID | None, now: dt.datetime
) -> SigningKey | None:
    """The current key of ``purpose`` from the keyring, its row read without the key material; None when
    there is none, its certificate has run out, or it is not in the keyring yet (the caller then reads
    and decrypts it). A key id names one key: the keyring cannot hand out another."""
    found = uow.trust.current_keyid(purpose, org_id)
    if found is None:
        return None
    keyid, not_after = found
    return None if not_after is not None and now >= not_after else ctx.keyring.get(keyid)


def _service_key(uow: UnitOfWork, ctx: Context, purpose: str, now: dt.datetime) -> SigningKey:
    if (key := _in_keyring(uow, ctx, purpose, None, now)) is not None:
        return key
    row = uow.trust.current_key(purpose)
    if row is None:
        uow.trust.log.lock()  # one creator at a time; then look again
        row = uow.trust.current_key(purpose)
    if row is None:
        return _create(uow, ctx, purpose, None, now)[1]
    return _load(ctx, row)


def center_key(uow: UnitOfWork, ctx: Context, now: dt.datetime) -> SigningKey:
    """The center's key (created on first use)."""
    return _service_key(uow, ctx, "center", now)


def log_signer(uow: UnitOfWork, ctx: Context, now: dt.datetime) -> NoteSigner:
    """The log's checkpoint signer, named by the log's origin (created on first use)."""
    return NoteSigner(ctx.trust.origin, _service_key(uow, ctx, "log", now))


def attestation_key(uow: UnitOfWork, ctx: Context, org_id: uuid.UUID, now: dt.datetime) -> SigningKey:
    """The organization's current attestation key; a new certified one if it has none or it expired."""
    if (key := _in_keyring(uow, ctx, "attestation", org_id, now)) is not None:
        return key
    row = uow.trust.current_key("attestation", org_id)
    if row is None:
        uow.trust.log.lock()  # one creator at a time; then look again
        row = uow.trust.current_key("attestation", org_id)
    if row is not None and (row.not_after is None or now < row.not_after):
        return _load(ctx, row)
    if row is not None:
        row.retired_at = now  # its certificate ran out: it signs nothing more
        uow.session.flush()
    org = uow.accounts.org(org_id)
    if org is None:
        raise NotFoundError(f"no organization {org_id}", at(field="org_id"))
    return _create(uow, ctx, "attestation", org, now)[1]


def signer_of(uow: UnitOfWork, ctx: Context, org_id: uuid.UUID, now: dt.datetime) -> tuple[str, SigningKey]:
    """Under the log's lock: how statements name the organization, and its current attestation key
    (:func:`attestation_key`); what the log's checkpoint signer then needs is read in the same statement
    (an upload, the most frequent signer, waits for the database once instead of three times)."""
    name = uow.trust.name_and_keyids(org_id, "attestation", "log")
    if name is None:
        raise NotFoundError(f"no organization {org_id}", at(field="org_id"))
    return name, attestation_key(uow, ctx, org_id, now)


def org_name(uow: UnitOfWork, org_id: uuid.UUID) -> str:
    """How statements and certificates name an organization: its English name (unique)."""
    name = uow.accounts.org_name(org_id)
    if name is None:
        raise NotFoundError(f"no organization {org_id}", at(field="org_id"))
    return name


def certificate(uow: UnitOfWork, keyid: str) -> dsse.Envelope | None:
    row = uow.trust.key(keyid)
    return dsse.Envelope.from_json(row.certificate) if row and row.certificate else None


def rotate_key_once(ctx: Context, actor: Actor, *, idempotency_key: str | None = None) -> Once[KeyRecord]:
    """Retire the organization's attestation key (its certificate now ends now) and certify a new one.
    With ``idempotency_key``, a retry is answered with the first answer instead of rotating again."""
    authorize(actor, "keys.manage")
    guard = Guard.of(idempotency_key, "key.rotate", {"org_id": str(actor.org_id)})

    def work(uow: UnitOfWork) -> KeyRecord:
        now = ctx.clock()
        row = uow.trust.current_key("attestation", actor.org_id)
        if row is not None:
            org = uow.accounts.org(actor.org_id)
            assert org is not None  # the actor's own organization
            end = max(_second(now), row.not_before + dt.timedelta(seconds=1))
            public = VerifyingKey(row.public_key)
            row.certificate = _certify(uow, ctx, org, public, row.not_before, end, now)
            row.not_after, row.retired_at = end, now
            uow.session.flush()
        key = attestation_key(uow, ctx, actor.org_id, now)
        detail = {"retired": row.keyid if row else None, "new": key.keyid}
        audit.record(uow, actor, "key.rotate", object_type="key", object_id=key.keyid, at=now, detail=detail)
        new = uow.trust.key(key.keyid)
        assert new is not None
        return key_record(new)

    return write_once(ctx, actor, guard, KeyRecord, work)


rotate_key = records(rotate_key_once)


def list_keys(ctx: Context, actor: Actor) -> list[KeyRecord]:
    """The organization's attestation keys, oldest first: validity, certificate, retirement, revocation."""
    authorize(actor, "keys.read")
    with ctx.transaction() as uow:
        return [key_record(row) for row in uow.trust.keys_of(actor.org_id)]


def trust_root(ctx: Context) -> TrustRoot:
    """What verifiers pin (out of band): the center key, the log key, the witness policy, revoked keys.

    Creates the center and log keys if this is the service's first use.
    """
    if not ctx.trust.witnesses:
        raise ConflictError(
            "no witnesses are configured (QUALBRIDGE_WITNESSES): a trust root needs a witness policy"
        )

    def work(uow: UnitOfWork) -> TrustRoot:
        now = ctx.clock()
        center = center_key(uow, ctx, now).public
        log = log_signer(uow, ctx, now).verifier
        witnesses = tuple(NoteVerifier.from_vkey(v) for v in ctx.trust.witnesses)
        policy = WitnessPolicy(witnesses, ctx.trust.witness_threshold)
        revoked = frozenset(uow.trust.revoked_keyids())
        return TrustRoot(ctx.trust.center_name, center, log, policy, revoked)

    return ctx.write(work)
