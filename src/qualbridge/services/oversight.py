"""What the center oversees: every organization's certified keys, the transparency log's state, and the
center admin's key actions on an organization's behalf.

**Keys.** The center certifies each organization's attestation keys, so it lists them all, with their
validity windows, and the revoked ones with the reason the center signed.

**Acting for an organization.** An organization's admin rotates or revokes its own keys
(``services/keys.py``, ``services/revocation.py``). When an organization cannot (its admin lost the
key file, or reports a compromise by telephone), the center's admin may do it for it: the same use case
runs as the organization's admin would, in the organization's name and trail, with the center admin as
the user; the center's own trail then records that it acted, in a transaction of its own that follows
(if that one failed, the action would still be in the organization's trail, naming the center's user).
A revocation needs no such detour: the center revokes any organization's key in one transaction, and
the event is in both trails.

**The log.** The latest checkpoint, who cosigned which checkpoint and when, the configured witness
policy, and the most recent entries with what they attest (predicate, issuer, subjects) — entries name
files of the organizations, so this view is the center's, unlike the public log API.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Sequence

from qualbridge.errors import NotFoundError, at
from qualbridge.services import _checks, audit, keys, revocation, transparency
from qualbridge.services.actor import Actor, as_org_kind
from qualbridge.services.authz import authorize
from qualbridge.services.context import Context
from qualbridge.services.keys import KeyRecord, key_record
from qualbridge.services.records import Record
from qualbridge.services.revocation import Revoked
from qualbridge.services.uow import UnitOfWork
from qualbridge.trust.checkpoint import Checkpoint
from qualbridge.trust.note import Note, NoteVerifier
from qualbridge.verification import predicate_name

#: How many of the latest log entries the overview lists.
RECENT = 25


class OverseenKey(KeyRecord):
    """A key with whose it is (none: the center's or the log's own)."""

    org_name_en: str | None
    org_name_zh: str | None


def list_all_keys(ctx: Context, actor: Actor) -> list[OverseenKey]:
    """Every signing key the service holds: the center's and the log's, then each organization's."""
    authorize(actor, "keys.oversee")
    with ctx.transaction() as uow:
        orgs = {org.id: org for org in uow.accounts.orgs()}
        found = []
        for row in uow.trust.all_keys():
            org = orgs.get(row.org_id) if row.org_id is not None else None
            found.append(
                OverseenKey(
                    **key_record(row).model_dump(),
                    org_name_en=org.name_en if org else None,
                    org_name_zh=org.name_zh if org else None,
                )
            )
        return found


def checked_reason(reason: str) -> str:
    """The reason a center admin gives for a key action (asked before the confirmation step too)."""
    return _checks.text(reason, "reason", max_length=500)


def _on_behalf(uow: UnitOfWork, actor: Actor, org_id: uuid.UUID) -> Actor:
    org = uow.accounts.org(org_id)
    if org is None or org.id == actor.org_id:
        raise NotFoundError(f"no other organization {org_id}", at(field="org_id"))
    return Actor(org.id, as_org_kind(org.kind), actor.user_id, "admin", "write", actor.token_id)


def _acting_for(ctx: Context, actor: Actor, org_id: uuid.UUID) -> Actor:
    authorize(actor, "keys.administer")
    with ctx.transaction() as uow:
        return _on_behalf(uow, actor, org_id)


def _record(ctx: Context, actor: Actor, action: str, org_id: uuid.UUID, detail: dict[str, object]) -> None:
    def work(uow: UnitOfWork) -> None:
        audit.record(
            uow, actor, action, object_type="organization", object_id=org_id, at=ctx.clock(), detail=detail
        )

    ctx.write(work)


def rotate_for(ctx: Context, actor: Actor, org_id: uuid.UUID, *, reason: str) -> KeyRecord:
    """The center's admin rotates an organization's attestation key (``keys.rotate_key`` in its name)."""
    reason = checked_reason(reason)
    done = keys.rotate_key(ctx, _acting_for(ctx, actor, org_id))
    _record(ctx, actor, "key.rotate.for", org_id, {"new": done.keyid, "reason": reason})
    return done


def revoke_for(ctx: Context, actor: Actor, org_id: uuid.UUID, keyid: str, *, reason: str) -> Revoked:
    """The center's admin revokes an organization's key as compromised, in one transaction
    (``revocation.revoke_org_key_once``); the event is in the center's trail and, as it concerns the
    organization's key, in the organization's."""
    reason = checked_reason(reason)
    authorize(actor, "keys.administer")
    with ctx.transaction() as uow:
        _on_behalf(uow, actor, org_id)  # an organization other than the center's own
        row = uow.trust.key(keyid)
        if row is None or row.org_id != org_id:
            raise NotFoundError(f"organization {org_id} has no key {keyid}", at(field="keyid"))
    return revocation.revoke_org_key_once(ctx, actor, keyid, reason=reason).record


# --- the log ------------------------------------------------------------------------------------------


class WitnessView(Record):
    name: str
    key_id: str
    #: The largest checkpoint this witness cosigned, and when it says it did.
    cosigned_size: int | None
    cosigned_at: dt.datetime | None


class CosignatureView(Record):
    witness: str
    cosigned_at: dt.datetime
    received_at: dt.datetime


class EntryView(Record):
    index: int
    predicate_type: str
    #: Its short name (``evidence``, ``evaluation``, ``status``, ``share-grant``).
    predicate: str
    issuer: str
    subjects: Sequence[tuple[str, str]]
    created_at: dt.datetime


class LogOverview(Record):
    origin: str
    size: int
    root_hash: str | None
    signed_at: dt.datetime | None
    cosignatures: Sequence[CosignatureView]
    witnesses: Sequence[WitnessView]
    threshold: int
    witnessed_size: int | None
    entries: Sequence[EntryView]


def _moment(timestamp: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC)


def _witnesses(uow: UnitOfWork, ctx: Context) -> list[WitnessView]:
    views = []
    for verifier in (NoteVerifier.from_vkey(v) for v in ctx.trust.witnesses):
        row = uow.trust.latest_cosigned_by(verifier.name)
        mine = uow.trust.cosignature(row.tree_size, verifier.name) if row is not None else None
        views.append(
            WitnessView(
                name=verifier.name,
                key_id=f"{verifier.key_id:08x}",
                cosigned_size=row.tree_size if row is not None else None,
                cosigned_at=_moment(mine.timestamp) if mine is not None else None,
            )
        )
    return views


def _entries(uow: UnitOfWork, limit: int) -> list[EntryView]:
    found = []
    for row in uow.trust.recent_attestations(limit):
        statement = transparency.statement_of(row)
        found.append(
            EntryView(
                index=row.log_index,
                predicate_type=row.predicate_type,
                predicate=predicate_name(row.predicate_type),
                issuer=str(statement.predicate.get("issuer", "")),
                subjects=[(s.name, s.sha256) for s in statement.subjects],
                created_at=row.created_at,
            )
        )
    return found


def log_overview(ctx: Context, actor: Actor, *, recent: int = RECENT) -> LogOverview:
    authorize(actor, "keys.oversee")
    with ctx.transaction() as uow:
        latest = uow.trust.latest_checkpoint_row()
        checkpoint = Checkpoint.from_text(Note.parse(bytes(latest.note)).text) if latest else None
        names = [NoteVerifier.from_vkey(v).name for v in ctx.trust.witnesses]
        witnessed = uow.trust.witnessed(names, ctx.trust.witness_threshold, min_size=1) if names else None
        cosigned = uow.trust.cosignatures(latest.tree_size) if latest else []
        return LogOverview(
            origin=ctx.trust.origin,
            size=checkpoint.size if checkpoint else 0,
            root_hash=base64.b64encode(checkpoint.root_hash).decode("ascii") if checkpoint else None,
            signed_at=latest.created_at if latest else None,
            cosignatures=[
                CosignatureView(
                    witness=c.witness, cosigned_at=_moment(c.timestamp), received_at=c.received_at
                )
                for c in cosigned
            ],
            witnesses=_witnesses(uow, ctx),
            threshold=ctx.trust.witness_threshold,
            witnessed_size=witnessed.tree_size if witnessed else None,
            entries=_entries(uow, recent),
        )
