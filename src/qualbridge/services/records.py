"""What use cases return: frozen values, independent of table rows and of the HTTP schemas."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from qualbridge.services.actor import OrgKind, Role, Scope

T = TypeVar("T")


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Page(Record, Generic[T]):
    items: Sequence[T]
    total: int
    limit: int
    offset: int


class OrgEntry(Record):
    """What every organization may know of another: its directory entry."""

    id: uuid.UUID
    slug: str
    kind: OrgKind
    name_en: str
    name_zh: str
    country: str


class OrgRecord(OrgEntry):
    created_at: dt.datetime


class UserRecord(Record):
    id: uuid.UUID
    org_id: uuid.UUID
    email: str
    name: str
    role: Role
    created_at: dt.datetime


class TokenRecord(Record):
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    prefix: str
    scope: Scope
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class IssuedToken(Record):
    """A new token: ``secret`` is shown this once and never stored."""

    token: TokenRecord
    secret: str


class ProductRecord(Record):
    id: uuid.UUID
    owner_org_id: uuid.UUID
    kind: str
    model: str
    name: str
    created_at: dt.datetime


class ComponentRecord(Record):
    product: ProductRecord
    quantity: int


class RawFile(Record):
    digest: str
    filename: str | None
    size: int
    media_type: str


class EvidenceSummary(Record):
    id: str
    kind: str
    issuer: str
    test_date: dt.date
    subject_type: str
    subject_id: str
    raw: RawFile | None
    uploaded_by_org: uuid.UUID
    uploaded_by_user: uuid.UUID
    created_at: dt.datetime


class LogRef(Record):
    """Where a record's latest attestation is in the transparency log, and the latest checkpoint's size
    (a checkpoint is signed with every write, so it covers the entry)."""

    index: int
    checkpoint_size: int
    statement_digest: str


class LoggedEvidence(EvidenceSummary):
    """Evidence with its latest statement's place in the log and its status after every logged change
    (``valid``, ``suspended``, ``withdrawn`` or ``superseded``)."""

    log: LogRef | None = None
    status: str = "valid"


class EvidenceRecord(LoggedEvidence):
    document: dict[str, Any]
    products: Sequence[ProductRecord]


class InheritedEvidence(Record):
    """Evidence of a product: its own, or inherited from a subsystem (``origin``, ``depth`` ≥ 1)."""

    evidence: EvidenceSummary
    inherited: bool
    origin: ProductRecord
    depth: int


class Ingested(Record):
    """The outcome of an upload: ``created`` is false when the same evidence was stored before."""

    evidence: EvidenceRecord
    created: bool
    linked: bool


class AuditRecord(Record):
    id: int
    org_id: uuid.UUID
    user_id: uuid.UUID | None
    action: str
    object_type: str
    object_id: str
    at: dt.datetime
    detail: dict[str, Any]
