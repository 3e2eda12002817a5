"""The audit trail and stored responses of idempotent requests."""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qualbridge.store.models import AuditEvent, IdempotencyKey
from qualbridge.store.repos._rows import insert_row


class AuditRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, event: AuditEvent) -> None:
        """Append an event (events are never changed: one INSERT, see ``_rows``)."""
        insert_row(self.session, event)

    def events(self, org_id: uuid.UUID, *, limit: int = 100) -> list[AuditEvent]:
        """What the organization's users did, and what others did to its data (``owner_org_id``)."""
        mine = or_(AuditEvent.org_id == org_id, AuditEvent.owner_org_id == org_id)
        query = select(AuditEvent).where(mine).order_by(AuditEvent.id.desc())
        return list(self.session.scalars(query.limit(limit)))


class IdempotencyRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, org_id: uuid.UUID, key: str) -> IdempotencyKey | None:
        return self.session.get(IdempotencyKey, (org_id, key))

    def add(self, row: IdempotencyKey) -> None:
        self.session.add(row)
        self.session.flush()
