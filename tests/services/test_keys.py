"""Signing keys in the service: encrypted at rest, certified by the center, rotated, revoked."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import event

from qualbridge.errors import ConflictError, KeyFileError, NotFoundError, PermissionDeniedError
from qualbridge.services import keys, revocation, transparency
from qualbridge.services.context import Context
from qualbridge.store.models import SigningKey as KeyRow
from qualbridge.trust import dsse
from qualbridge.trust.certificates import KeyCertificate, KeyRevocation
from qualbridge.trust.keys import SigningKey, format_time
from qualbridge.trust.verify import TrustRoot
from tests.services.samples import member, new_org
from tests.store.databases import TickingClock


def _org_key(ctx: Context, org_id: uuid.UUID) -> KeyRow:
    with ctx.transaction(write=True) as uow:
        key = keys.attestation_key(uow, ctx, org_id, ctx.clock())
        row = uow.trust.key(key.keyid)
        assert row is not None
        return row


def test_an_organization_key_is_encrypted_at_rest_and_certified_by_the_center(ctx: Context) -> None:
    lab = new_org(ctx, "lab")
    row = _org_key(ctx, lab.org_id)
    assert b"ENCRYPTED PRIVATE KEY" in row.pem
    with pytest.raises(KeyFileError):
        SigningKey.from_pem(row.pem, b"not the passphrase")
    assert SigningKey.from_pem(row.pem, ctx.trust.passphrase).keyid == row.keyid
    root = keys.trust_root(ctx)
    assert row.certificate is not None
    cert = KeyCertificate.open(dsse.Envelope.from_json(row.certificate), root.center)
    with ctx.transaction() as uow:
        assert cert.org == keys.org_name(uow, lab.org_id)
    assert cert.key.keyid == row.keyid
    assert cert.purpose == "attestation"
    assert cert.validity.not_after == row.not_before + ctx.trust.key_validity
    assert _org_key(ctx, lab.org_id).keyid == row.keyid, "the current key is reused"


def test_an_expired_key_is_replaced_on_its_next_use(ctx: Context, clock: TickingClock) -> None:
    lab = new_org(ctx, "lab")
    first = _org_key(ctx, lab.org_id)
    clock.advance(ctx.trust.key_validity + dt.timedelta(seconds=1))
    second = _org_key(ctx, lab.org_id)
    assert second.keyid != first.keyid


def test_rotation_ends_the_old_key_now_and_certifies_a_new_one(ctx: Context) -> None:
    lab = new_org(ctx, "lab")
    old = _org_key(ctx, lab.org_id)
    rotated = keys.rotate_key(ctx, lab)
    assert rotated.keyid != old.keyid
    assert rotated.retired_at is None
    center = keys.trust_root(ctx).center
    with ctx.transaction() as uow:
        retired = uow.trust.key(old.keyid)
        assert retired is not None
        assert retired.retired_at is not None
        assert retired.certificate is not None
        cert = KeyCertificate.open(dsse.Envelope.from_json(retired.certificate), center)
    assert cert.validity.not_after == retired.not_after
    assert retired.not_after is not None
    assert retired.not_after <= retired.retired_at + dt.timedelta(seconds=1)
    assert _org_key(ctx, lab.org_id).keyid == rotated.keyid
    assert [k.keyid for k in keys.list_keys(ctx, lab)] == [old.keyid, rotated.keyid]


def test_revocation_is_signed_by_the_center_and_listed_in_the_trust_root(ctx: Context) -> None:
    lab = new_org(ctx, "lab")
    old = _org_key(ctx, lab.org_id)
    revoked = revocation.revoke_key(ctx, lab, old.keyid, reason="laptop stolen")
    assert revoked.revoked_at is not None
    root = keys.trust_root(ctx)
    assert old.keyid in root.revoked_keys
    with ctx.transaction() as uow:
        row = uow.trust.key(old.keyid)
        assert row is not None
        assert row.revocation is not None
        signed = KeyRevocation.open(dsse.Envelope.from_json(row.revocation), root.center)
    assert (signed.keyid, signed.reason) == (old.keyid, "laptop stolen")
    assert signed.revoked_at == format_time(revoked.revoked_at)
    assert _org_key(ctx, lab.org_id).keyid != old.keyid, "a new key takes over"
    with pytest.raises(ConflictError, match="was revoked"):
        revocation.revoke_key(ctx, lab, old.keyid, reason="again")
    other = new_org(ctx, "lab")
    with pytest.raises(NotFoundError):
        revocation.revoke_key(ctx, other, old.keyid, reason="not mine")
    with pytest.raises(PermissionDeniedError):
        keys.rotate_key(ctx, member(ctx, lab, "engineer"))


def test_the_trust_root_pins_the_center_log_and_configured_witnesses(ctx: Context) -> None:
    root = keys.trust_root(ctx)
    again = TrustRoot.from_bytes(root.to_bytes())
    assert again == root
    assert root.origin == ctx.trust.origin
    assert root.center_name == ctx.trust.center_name
    assert tuple(w.vkey for w in root.witnesses.witnesses) == ctx.trust.witnesses
    assert root.witnesses.threshold == ctx.trust.witness_threshold
    assert keys.trust_root(ctx) == root, "the service's keys are created once"


def test_an_evidence_signer_is_read_with_the_log_key_in_one_statement(ctx: Context) -> None:
    """Under the log's lock, an upload reads who signs (the organization's name), with which key, and
    the log's key in one statement; each key read ahead answers its next lookup once, in that
    transaction only, and reading ahead without the lock is refused."""
    lab = new_org(ctx, "lab")
    first = _org_key(ctx, lab.org_id)
    with ctx.transaction(write=True) as uow:
        log_key = keys.log_signer(uow, ctx, ctx.clock()).key  # the log's key exists from now on
    with ctx.transaction(write=True) as uow, pytest.raises(RuntimeError, match="under the log's lock"):
        uow.trust.name_and_keyids(lab.org_id, "attestation", "log")
    statements: list[str] = []
    with ctx.transaction(write=True) as uow:
        transparency.begin(uow)
        org_name = keys.org_name(uow, lab.org_id)
        connection = uow.session.connection()
        event.listen(connection, "before_cursor_execute", lambda *args: statements.append(args[2]))
        name, key = keys.signer_of(uow, ctx, lab.org_id, ctx.clock())
        assert len(statements) == 1, "one statement"
        assert (name, key.keyid) == (org_name, first.keyid)
        statements.clear()
        assert keys.log_signer(uow, ctx, ctx.clock()).key.keyid == log_key.keyid
        assert statements == [], "read ahead"
        keys.log_signer(uow, ctx, ctx.clock())
        assert len(statements) == 1, "once"
    with ctx.transaction(write=True) as uow:
        transparency.begin(uow)
        with pytest.raises(NotFoundError):
            keys.signer_of(uow, ctx, uuid.uuid4(), ctx.clock())
