"""What each role, token scope and kind of organization may do: one table, one check.

The checks here are about *kinds of action*. Which objects an actor may see is decided by the use case,
which only ever looks up another organization's objects through a grant; everything else is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from qualbridge.errors import PermissionDeniedError
from qualbridge.services.actor import ORG_KINDS, ROLES, Actor, OrgKind, Role, Scope

Action = Literal[
    "org.read",
    "org.create",
    "orgs.directory",
    "org.list",
    "users.read",
    "users.create",
    "tokens.read",
    "tokens.issue",
    "tokens.revoke",
    "products.read",
    "products.write",
    "evidence.read",
    "evidence.upload",
    "profiles.read",
    "profiles.write",
    "profiles.publish",
    "evaluations.read",
    "evaluations.run",
    "packages.read",
    "packages.write",
    "packages.share",
    "packages.audit",
    "audit.read",
    "keys.read",
    "keys.manage",
    "keys.revoke",
    "keys.oversee",
    "keys.administer",
    "evidence.status",
]

_WRITERS: frozenset[Role] = frozenset({"admin", "engineer"})
_EVERYONE: frozenset[Role] = frozenset(ROLES)
_ALL_KINDS: frozenset[OrgKind] = frozenset(ORG_KINDS)


@dataclass(frozen=True, slots=True)
class Rule:
    scope: Scope
    roles: frozenset[Role]
    kinds: frozenset[OrgKind]


POLICY: dict[Action, Rule] = {
    "org.read": Rule("read", _EVERYONE, _ALL_KINDS),
    # The coordinating center registers the organizations that take part.
    "org.create": Rule("write", frozenset({"admin"}), frozenset({"center"})),
    # Every participant may look up the others' public entries (to name the fab a package goes to).
    "orgs.directory": Rule("read", _EVERYONE, _ALL_KINDS),
    "org.list": Rule("read", _EVERYONE, frozenset({"center"})),
    "users.read": Rule("read", _EVERYONE, _ALL_KINDS),
    "users.create": Rule("write", frozenset({"admin"}), _ALL_KINDS),
    "tokens.read": Rule("read", _EVERYONE, _ALL_KINDS),
    "tokens.issue": Rule("write", _EVERYONE, _ALL_KINDS),
    # Revoking only ever removes access: a read-only token may revoke itself or its siblings.
    "tokens.revoke": Rule("read", _EVERYONE, _ALL_KINDS),
    "products.read": Rule("read", _EVERYONE, _ALL_KINDS),
    # Products and the evidence recorded on them belong to the vendor that makes them.
    "products.write": Rule("write", _WRITERS, frozenset({"vendor"})),
    "evidence.read": Rule("read", _EVERYONE, _ALL_KINDS),
    "evidence.upload": Rule("write", _WRITERS, frozenset({"vendor"})),
    # Any organization may author its own requirement profiles; published versions are readable by all.
    "profiles.read": Rule("read", _EVERYONE, _ALL_KINDS),
    "profiles.write": Rule("write", _WRITERS, _ALL_KINDS),
    "profiles.publish": Rule("write", _WRITERS, _ALL_KINDS),
    # Evaluations are of a vendor's own products; others read them only through a shared package.
    "evaluations.read": Rule("read", _EVERYONE, _ALL_KINDS),
    "evaluations.run": Rule("write", _WRITERS, frozenset({"vendor"})),
    # Packages are a vendor's; a fab reads the ones shared with it (the grant decides, not the kind).
    "packages.read": Rule("read", _EVERYONE, _ALL_KINDS),
    "packages.write": Rule("write", _WRITERS, frozenset({"vendor"})),
    "packages.share": Rule("write", _WRITERS, frozenset({"vendor"})),
    "packages.audit": Rule("read", _EVERYONE, frozenset({"vendor"})),
    # What the organization's own users did: for its admins.
    "audit.read": Rule("read", frozenset({"admin"}), _ALL_KINDS),
    # An organization's signing keys are its admins' to see, rotate or revoke; the center's admins
    # revoke any organization's key (the center certified it, and its revocation is what verifiers see).
    "keys.read": Rule("read", frozenset({"admin"}), _ALL_KINDS),
    "keys.manage": Rule("write", frozenset({"admin"}), _ALL_KINDS),
    "keys.revoke": Rule("write", frozenset({"admin"}), frozenset({"center"})),
    # The center certifies every organization's keys and runs the log: its users see both whole.
    "keys.oversee": Rule("read", _EVERYONE, frozenset({"center"})),
    # ...and its admins rotate or revoke an organization's key for it (services/oversight.py).
    "keys.administer": Rule("write", frozenset({"admin"}), frozenset({"center"})),
    # The issuing organization (the one that uploaded the evidence) changes its status.
    "evidence.status": Rule("write", _WRITERS, frozenset({"vendor"})),
}


def authorize(actor: Actor, action: Action) -> None:
    """Raise :class:`PermissionDeniedError` naming what is missing, unless ``actor`` may do ``action``."""
    rule = POLICY[action]
    if rule.scope == "write" and actor.scope != "write":
        raise PermissionDeniedError(f"{action} needs a token with the write scope; this one is read-only")
    if actor.role not in rule.roles:
        roles = " or ".join(sorted(rule.roles))
        raise PermissionDeniedError(f"{action} needs the role {roles}; you are {actor.role}")
    if actor.org_kind not in rule.kinds:
        kinds = " or ".join(sorted(rule.kinds))
        raise PermissionDeniedError(f"{action} is for {kinds} organizations; yours is a {actor.org_kind}")


def max_scope(role: Role) -> Scope:
    """The widest token scope a role may hold: a viewer never writes."""
    return "read" if role == "viewer" else "write"
