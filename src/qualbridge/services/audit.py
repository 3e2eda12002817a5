"""Recording who did what: every change, and every read of data shared across organizations."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from qualbridge.services.actor import Actor
from qualbridge.services.authz import authorize
from qualbridge.services.context import Context
from qualbridge.services.records import AuditRecord
from qualbridge.services.uow import UnitOfWork
from qualbridge.store.models import AuditEvent


def record(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: str | uuid.UUID,
    at: dt.datetime,
    owner_org_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append an event in the use case's own transaction: it exists exactly when the change does."""
    uow.audit.add(
        AuditEvent(
            org_id=actor.org_id,
            user_id=actor.user_id,
            owner_org_id=owner_org_id or actor.org_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            at=at,
            detail=detail or {},
        )
    )


def audit_record(event: AuditEvent) -> AuditRecord:
    return AuditRecord.model_validate(event, from_attributes=True)


def organization_trail(ctx: Context, actor: Actor, *, limit: int = 100) -> list[AuditRecord]:
    """What the users of the actor's organization did, and what others did to its data (a fab reading a
    shared package, the center revoking its key), newest first: its admins' view."""
    authorize(actor, "audit.read")
    with ctx.transaction() as uow:
        return [audit_record(e) for e in uow.audit.events(actor.org_id, limit=limit)]
