"""Signing keys: an organization's admins see and rotate its attestation keys; the center's admins
revoke any organization's key as compromised (docs/trust.md, "Keys" and "In the service")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from qualbridge.api.deps import ActorDep, ContextDep, IdempotencyKeyDep, mark_replay
from qualbridge.api.errors import COMMON, responses
from qualbridge.api.schemas import KeyOut, KeyRevokeIn, RevokedKeyOut
from qualbridge.services import keys, revocation
from qualbridge.services.keys import KeyRecord

router = APIRouter(tags=["keys"], responses=responses(*COMMON))

KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="The key id (hex SHA-256 of the SPKI)")]


def _out(record: KeyRecord) -> KeyOut:
    return KeyOut.model_validate({**record.model_dump(), "revoked": record.revoked_at is not None})


@router.get("/orgs/me/keys", response_model=list[KeyOut])
def list_keys(ctx: ContextDep, actor: ActorDep) -> list[KeyOut]:
    """Your organization's attestation keys, oldest first (admins only)."""
    return [_out(k) for k in keys.list_keys(ctx, actor)]


@router.post("/orgs/me/keys/rotate", status_code=status.HTTP_201_CREATED, response_model=KeyOut)
def rotate(ctx: ContextDep, actor: ActorDep, key: IdempotencyKeyDep, response: Response) -> KeyOut:
    """Retire your organization's current key (its certificate now ends now: what it signed stays valid)
    and certify a new one, which signs from now on (admins only)."""
    done = keys.rotate_key_once(ctx, actor, idempotency_key=key)
    mark_replay(response, done.replayed)
    return _out(done.record)


@router.post("/keys/{keyid}/revoke", response_model=RevokedKeyOut, responses=responses(404, 409))
def revoke(
    keyid: KeyId,
    body: KeyRevokeIn,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    response: Response,
) -> RevokedKeyOut:
    """Revoke an organization's key as compromised (the center's admins): the center signs the
    revocation, the trust root lists the key, and verifiers refuse everything it signed; the
    organization's still-valid evidence is signed again with a new key (409: revoked already)."""
    done = revocation.revoke_org_key_once(ctx, actor, keyid, reason=body.reason, idempotency_key=key)
    mark_replay(response, done.replayed)
    record = done.record
    return RevokedKeyOut.model_validate({**record.model_dump(), "revoked": True})
