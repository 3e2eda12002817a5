"""Revoking a compromised signing key, and signing again what it signed.

Revocation means compromise (docs/trust.md, "Keys"): the center signs a ``KeyRevocation``, the trust
root lists the key, and verifiers refuse everything the key ever signed, backdated or not. The evidence
the organization stored here is still its evidence, though: each piece whose latest statement was
signed with the revoked key, and that is still valid, is signed again with a new key and logged as a
new statement (the old entry stays in the log, as every entry does). Evidence that was withdrawn,
superseded or suspended is left as it was.
"""

from __future__ import annotations

import uuid

from qualbridge.errors import ConflictError, InputError, NotFoundError, at
from qualbridge.services import attestations, audit, keys, transparency
from qualbridge.services.actor import Actor
from qualbridge.services.authz import authorize
from qualbridge.services.context import Context
from qualbridge.services.idempotency import Guard, Once, write_once
from qualbridge.services.keys import KeyRecord, key_record
from qualbridge.services.uow import UnitOfWork
from qualbridge.trust import intoto
from qualbridge.trust.certificates import KeyRevocation
from qualbridge.trust.keys import format_time


class Revoked(KeyRecord):
    #: How many pieces of evidence were signed again with the organization's new key.
    resigned: int


def revoke_key(ctx: Context, actor: Actor, keyid: str, *, reason: str) -> Revoked:
    """Revoke one of the organization's keys as compromised, and sign its valid evidence again."""
    authorize(actor, "keys.manage")
    return ctx.write(lambda uow: _revoke(uow, ctx, actor, keyid, reason=reason, owner=actor.org_id))


def revoke_org_key_once(
    ctx: Context, actor: Actor, keyid: str, *, reason: str, idempotency_key: str | None = None
) -> Once[Revoked]:
    """The center revokes any organization's attestation key as compromised (``POST
    /api/v1/keys/{keyid}/revoke``); that organization's valid evidence is signed again with a new key.
    With ``idempotency_key``, a retry is answered with the first answer."""
    authorize(actor, "keys.revoke")
    guard = Guard.of(idempotency_key, "key.revoke", {"keyid": keyid, "reason": reason})
    return write_once(
        ctx,
        actor,
        guard,
        Revoked,
        lambda uow: _revoke(uow, ctx, actor, keyid, reason=reason, owner=None),
        status=200,
    )


def _revoke(
    uow: UnitOfWork, ctx: Context, actor: Actor, keyid: str, *, reason: str, owner: uuid.UUID | None
) -> Revoked:
    """Revoke ``keyid`` (an attestation key of ``owner``; None: of any organization)."""
    transparency.begin(uow)
    now = ctx.clock()
    row = uow.trust.key(keyid)
    if row is None or row.org_id is None or (owner is not None and row.org_id != owner):
        raise NotFoundError(f"no organization key {keyid}", at(field="keyid"))
    if row.revoked_at is not None:
        raise ConflictError(f"key {keyid[:16]}… was revoked at {row.revoked_at.isoformat()}")
    if not reason.strip():
        raise InputError("say why the key is revoked: the reason is signed and published", at(field="reason"))
    revocation = KeyRevocation(keyid, format_time(now), reason)
    row.revocation = revocation.issue(keys.center_key(uow, ctx, now)).to_json()
    row.revoked_at, row.retired_at = now, row.retired_at or now
    uow.session.flush()
    resigned = _sign_again(uow, ctx, keyid)
    if resigned:
        transparency.publish(uow, ctx)
    detail = {"reason": reason, "resigned": resigned, "org": str(row.org_id)}
    # The event concerns the organization whose key it was (the center may be the one revoking it).
    audit.record(
        uow,
        actor,
        "key.revoke",
        object_type="key",
        object_id=keyid,
        at=now,
        owner_org_id=row.org_id,
        detail=detail,
    )
    return Revoked(**key_record(row).model_dump(), resigned=resigned)


def _sign_again(uow: UnitOfWork, ctx: Context, keyid: str) -> int:
    count = 0
    for signed in uow.trust.signed_with(keyid, intoto.EVIDENCE):
        evidence = uow.evidence.by_id(uuid.UUID(signed.object_id))
        if evidence is None or attestations.current_status(uow, evidence) != "valid":
            continue
        latest = attestations.evidence_statements(uow, evidence)[-1]
        if latest.log_index != signed.log_index:
            continue  # signed again already, with another key
        meta = transparency.statement_of(signed).predicate.get("meta", {})
        attestations.attest_evidence(uow, ctx, evidence, meta=meta)
        count += 1
    return count
