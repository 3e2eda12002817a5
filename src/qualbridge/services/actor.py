"""Who is asking: the organization, user, role and token scope every use case acts for."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

OrgKind = Literal["vendor", "lab", "fab", "center"]
Role = Literal["admin", "engineer", "viewer"]
#: A token's scope; ``write`` includes ``read``.
Scope = Literal["read", "write"]

ORG_KINDS: tuple[OrgKind, ...] = ("vendor", "lab", "fab", "center")
ROLES: tuple[Role, ...] = ("admin", "engineer", "viewer")


@dataclass(frozen=True, slots=True)
class Actor:
    org_id: uuid.UUID
    org_kind: OrgKind
    user_id: uuid.UUID
    role: Role
    scope: Scope
    token_id: uuid.UUID | None = None


def as_org_kind(value: str) -> OrgKind:
    """A stored organization kind (the database's CHECK constraint keeps it one of ``ORG_KINDS``)."""
    if value not in ORG_KINDS:
        raise AssertionError(f"organization kind {value!r} is outside the CHECK constraint")
    return value


def as_role(value: str) -> Role:
    if value not in ROLES:
        raise AssertionError(f"role {value!r} is outside the CHECK constraint")
    return value
