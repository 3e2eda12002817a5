"""Requirement profiles authored in the service: validate, save drafts, publish immutable versions, read.

A profile document is the same YAML/JSON a profile file holds (``qualbridge profiles validate``) and is
checked the same way: a :class:`~qualbridge.standards.catalog.Catalog` of the shipped profiles plus the
stored ones it extends resolves it and applies every standard's rules.

- **Ids** of authored profiles are unique across the service (a reference names one profile, whoever
  asks) and never those of a shipped profile.
- **Versions** are numbered by the service: a draft is the version after the latest published one;
  saving it again replaces it; publishing freezes it for good. The ``version`` and ``status`` a body
  states are replaced.
- **Who sees what**: a draft only its organization; a published version every organization (a vendor
  evaluates against the profile a fab gave it). Publishing pins a bare ``extends: id`` to the parent's
  current version, so that a published profile never changes when its parent gets a new version.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, Literal

import yaml

from qualbridge.canonical import canonical_json, sha256_hex
from qualbridge.errors import ConflictError, NotFoundError, ProfileError, at
from qualbridge.services import _checks, audit
from qualbridge.services.actor import Actor
from qualbridge.services.authz import authorize
from qualbridge.services.context import Context
from qualbridge.services.records import Page, Record
from qualbridge.services.uow import UnitOfWork
from qualbridge.standards.catalog import Catalog, builtin
from qualbridge.standards.profile import Profile, ProfileDocument, documents_from_data
from qualbridge.store.models import Profile as ProfileRow
from qualbridge.text import Text

Status = Literal["draft", "published"]


class ProfileRecord(Record):
    id: str
    version: int
    status: Status
    builtin: bool
    owner_org_id: uuid.UUID | None
    title: Text
    publisher: str
    extends: str | None
    example: bool
    digest: str
    created_at: dt.datetime | None
    published_at: dt.datetime | None


class ProfileDetail(ProfileRecord):
    document: dict[str, Any]
    resolved: Profile


class Validated(Record):
    """A document that passed every check, with the version it would be saved as."""

    id: str
    version: int
    based_on: list[str]
    requirements: int
    resolved: Profile


class _NoAliasLoader(yaml.SafeLoader):
    """Refuses YAML anchors and aliases: a small body could otherwise expand into a huge document."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(None, None, "aliases are not accepted", event.start_mark)
        return super().compose_node(parent, index)


def load_yaml(text: str) -> Any:
    """A profile document written as YAML (or JSON, which YAML reads), as the API and the web take it."""
    try:
        return yaml.load(text, Loader=_NoAliasLoader)
    except (RecursionError, yaml.YAMLError) as exc:
        raise ProfileError(f"not valid YAML/JSON: {exc}", at(field="body")) from exc


def split_ref(ref: str) -> tuple[str, int | None]:
    """``id`` or ``id@version``."""
    pid, sep, version = ref.rpartition("@")
    if not sep:
        return ref, None
    if not version.isdigit() or not pid:
        raise ProfileError(f"profile reference {ref!r}: version must be a whole number", at(field="profile"))
    return pid, int(version)


def _digest(doc: ProfileDocument) -> str:
    return "sha256:" + sha256_hex(canonical_json(doc))


def _builtin_ids() -> frozenset[str]:
    return frozenset(d.id for d in builtin().documents())


def _record_fields(doc: ProfileDocument, row: ProfileRow | None) -> dict[str, Any]:
    return {
        "id": doc.id,
        "version": doc.version,
        "status": doc.status,
        "builtin": row is None,
        "owner_org_id": row.owner_org_id if row else None,
        "title": doc.title,
        "publisher": doc.publisher,
        "extends": doc.extends,
        "example": doc.example,
        "digest": row.digest if row else _digest(doc),
        "created_at": row.created_at if row else None,
        "published_at": row.published_at if row else None,
    }


def _document(row: ProfileRow) -> ProfileDocument:
    return ProfileDocument.model_validate(row.document)


def _visible(row: ProfileRow, actor: Actor) -> bool:
    return row.status == "published" or row.owner_org_id == actor.org_id


def stored_row(uow: UnitOfWork, actor: Actor, ref: str) -> ProfileRow | None:
    """The stored profile ``ref`` names, if the actor may see it: ``id`` is the latest published
    version (as in a catalog), ``id@version`` that version."""
    pid, version = split_ref(ref)
    for row in uow.profiles.versions(pid):
        if not _visible(row, actor):
            continue
        if version is None and row.status == "published":
            return row
        if version is not None and row.version == version:
            return row
    return None


def _catalog(uow: UnitOfWork, actor: Actor, start: ProfileDocument) -> tuple[Catalog, list[ProfileRow]]:
    """The shipped profiles plus the stored ancestors of ``start`` (the rows, nearest first)."""
    shipped = builtin()
    rows: list[ProfileRow] = []
    docs = [(start, "request")]
    current, seen = start, {start.ref}
    while current.extends and split_ref(current.extends)[0] not in _builtin_ids():
        row = stored_row(uow, actor, current.extends)
        if row is None:
            raise ProfileError(
                f"profile {current.ref} extends {current.extends!r}, which is not a profile you can see",
                at(field="extends"),
                expected="a shipped profile, one of yours, or a published one",
            )
        current = _document(row)
        if current.ref in seen:
            raise ProfileError(f"'extends' forms a cycle through {current.ref}", at(field="extends"))
        seen.add(current.ref)
        rows.append(row)
        docs.append((current, f"stored profile {current.ref}"))
    catalog = Catalog([*((d, shipped.origin(d)) for d in shipped.documents()), *docs])
    return catalog, rows


def parse_document(data: Any, *, version: int, status: Status) -> ProfileDocument:
    """One profile document from parsed YAML/JSON, numbered ``version`` with ``status``."""
    if not isinstance(data, Mapping) or "profiles" in data:
        raise ProfileError("the body must be one profile document (a mapping)", at(field="profile"))
    return documents_from_data({**data, "version": version, "status": status}, source="profile")[0]


def _next_version(uow: UnitOfWork, actor: Actor, profile_id: str) -> tuple[int, ProfileRow | None]:
    """The version a draft of ``profile_id`` gets, and the draft already stored, if any."""
    if profile_id in _builtin_ids():
        raise ConflictError(
            f"{profile_id!r} is a shipped profile: extend it under an id of your own", at(field="id")
        )
    rows = uow.profiles.versions(profile_id)
    if any(row.owner_org_id != actor.org_id for row in rows):
        raise ConflictError(f"the profile id {profile_id!r} is taken: choose another", at(field="id"))
    draft = next((row for row in rows if row.status == "draft"), None)
    if draft is not None:
        return draft.version, uow.profiles.draft(actor.org_id, profile_id)
    return (rows[0].version + 1 if rows else 1), None


def _checked(uow: UnitOfWork, actor: Actor, data: Any) -> tuple[ProfileDocument, Profile, ProfileRow | None]:
    if not isinstance(data, Mapping) or not isinstance(data.get("id"), str):
        raise ProfileError("a profile document needs an 'id'", at(field="id"))
    _checks.text(data["id"], "id", max_length=120)
    version, draft = _next_version(uow, actor, data["id"])
    doc = parse_document(data, version=version, status="draft")
    catalog, _ = _catalog(uow, actor, doc)
    return doc, catalog.get(doc.ref), draft


def validate_profile(ctx: Context, actor: Actor, data: Any) -> Validated:
    """Check a document as saving it would, without saving anything."""
    authorize(actor, "profiles.write")
    with ctx.transaction() as uow:
        doc, resolved, _ = _checked(uow, actor, data)
    return Validated(
        id=doc.id,
        version=doc.version,
        based_on=resolved.based_on,
        requirements=len(resolved.requirements),
        resolved=resolved,
    )


def save_draft(ctx: Context, actor: Actor, data: Any) -> tuple[ProfileDetail, bool]:
    """Save a draft (the next version); saving again replaces it. Returns the draft and whether it is new."""
    authorize(actor, "profiles.write")

    def work(uow: UnitOfWork) -> tuple[ProfileDetail, bool]:
        doc, resolved, row = _checked(uow, actor, data)
        now = ctx.clock()
        created = row is None
        if row is None:
            row = ProfileRow(
                owner_org_id=actor.org_id,
                profile_id=doc.id,
                version=doc.version,
                status="draft",
                created_by=actor.user_id,
                created_at=now,
            )
        row.document, row.digest = doc.model_dump(mode="json"), _digest(doc)
        uow.profiles.add(row)
        audit.record(uow, actor, "profile.draft", object_type="profile", object_id=doc.ref, at=now)
        return ProfileDetail(**_record_fields(doc, row), document=row.document, resolved=resolved), created

    return ctx.write(work)


def publish(ctx: Context, actor: Actor, profile_id: str) -> ProfileDetail:
    """Freeze the draft of ``profile_id`` as a published version; it never changes again."""
    authorize(actor, "profiles.publish")

    def work(uow: UnitOfWork) -> ProfileDetail:
        row = uow.profiles.draft(actor.org_id, profile_id)
        if row is None:
            raise NotFoundError(f"no draft of profile {profile_id!r} of yours", at(field="profile_id"))
        doc = _document(row)
        _, ancestors = _catalog(uow, actor, doc)
        if ancestors and ancestors[0].status != "published":
            raise ConflictError(
                f"{profile_id} extends the draft {ancestors[0].profile_id}@{ancestors[0].version}: "
                "publish that first",
                at(field="extends"),
            )
        if doc.extends:
            parent = f"{ancestors[0].profile_id}@{ancestors[0].version}" if ancestors else None
            doc = doc.model_copy(update={"extends": parent or builtin().document(doc.extends).ref})
        doc = doc.model_copy(update={"status": "published"})
        catalog, _ = _catalog(uow, actor, doc)
        resolved = catalog.get(doc.ref)
        now = ctx.clock()
        row.status, row.published_at = "published", now
        row.document, row.digest = doc.model_dump(mode="json"), _digest(doc)
        uow.profiles.add(row)
        audit.record(uow, actor, "profile.publish", object_type="profile", object_id=doc.ref, at=now)
        return ProfileDetail(**_record_fields(doc, row), document=row.document, resolved=resolved)

    return ctx.write(work)


def lookup(uow: UnitOfWork, actor: Actor, ref: str) -> tuple[ProfileDocument, ProfileRow | None]:
    """The document ``ref`` names (shipped, or stored and visible), or :class:`NotFoundError`."""
    pid, _ = split_ref(ref)
    if pid in _builtin_ids():
        try:
            return builtin().document(ref), None
        except ProfileError as exc:
            raise NotFoundError(exc.message, at(field="profile"), expected=exc.expected) from exc
    row = stored_row(uow, actor, ref)
    if row is None:
        raise NotFoundError(f"unknown profile {ref!r}", at(field="profile"))
    return _document(row), row


def resolve_published(uow: UnitOfWork, actor: Actor, ref: str) -> tuple[Profile, ProfileRow | None]:
    """A published profile, resolved, for an evaluation or a package (a draft may still change)."""
    doc, row = lookup(uow, actor, ref)
    if row is not None and row.status != "published":
        raise ConflictError(f"profile {doc.ref} is a draft: publish it first", at(field="profile"))
    catalog, _ = _catalog(uow, actor, doc)
    return catalog.get(doc.ref), row


def get_profile(ctx: Context, actor: Actor, ref: str) -> ProfileDetail:
    authorize(actor, "profiles.read")
    with ctx.transaction() as uow:
        doc, row = lookup(uow, actor, ref)
        catalog, _ = _catalog(uow, actor, doc)
        resolved = catalog.get(doc.ref)
    document = row.document if row else doc.model_dump(mode="json")
    return ProfileDetail(**_record_fields(doc, row), document=document, resolved=resolved)


def list_profiles(
    ctx: Context, actor: Actor, *, search: str | None = None, own_only: bool = False, limit: int, offset: int
) -> Page[ProfileRecord]:
    """Shipped profiles first (unless ``own_only``), then stored ones: the organization's own, drafts
    included, and everyone's published versions; by id, newest version first."""
    authorize(actor, "profiles.read")
    if search is not None:
        # Profile ids are lower case by their grammar.
        search = _checks.text(search, "q", max_length=120, required=False).lower() or None
    shipped = [] if own_only else [d for d in builtin().documents() if not search or search in d.id]
    items = [ProfileRecord(**_record_fields(d, None)) for d in shipped[offset : offset + limit]]
    with ctx.transaction() as uow:
        page = uow.profiles.visible(
            actor.org_id,
            search=search,
            own_only=own_only,
            limit=max(limit - len(items), 1),
            offset=max(offset - len(shipped), 0),
        )
        if len(items) < limit:
            items += [ProfileRecord(**_record_fields(_document(row), row)) for row in page.items]
    return Page(items=items[:limit], total=len(shipped) + page.total, limit=limit, offset=offset)
