"""Requirement profiles: a versioned, bilingual list of requirements, from a standard or a fab's spec.

A profile file is YAML (or JSON) and holds one profile, or several under ``profiles:``. Its grammar is
the :class:`ProfileDocument` model; ``qualbridge schema profile`` prints it as JSON Schema. A profile may
``extends`` another by ``id`` or ``id@version``: it inherits the parent's requirements, replaces those it
redefines with the same ``id``, drops those listed in ``remove``, and appends the rest.

Published profiles are immutable: a change is a new ``version``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from qualbridge.canonical import canonical_json, sha256_hex
from qualbridge.errors import ProfileError, at
from qualbridge.standards.requirements import Requirement
from qualbridge.standards.validation import problems_of
from qualbridge.text import Text

ProfileId = str


class ProfileDocument(BaseModel):
    """A profile as written in its file, before ``extends`` is resolved."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: ProfileId = Field(pattern=r"^[a-z0-9][a-z0-9._/-]*$")
    version: int = Field(ge=1)
    title: Text
    description: Text | None = None
    publisher: str = Field(min_length=1)
    status: Literal["draft", "published"] = "published"
    example: bool = Field(default=False, description="an illustrative profile, not a real spec")
    extends: str | None = Field(default=None, description="'id' or 'id@version' of the parent")
    remove: list[str] = Field(default_factory=list, description="parent requirement ids to drop")
    requirements: list[Requirement] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> ProfileDocument:
        ids = [r.id for r in self.requirements]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"requirement ids must be unique; repeated: {', '.join(dupes)}")
        if not self.requirements and not self.extends:
            raise ValueError("a profile needs requirements, or a parent to extend")
        return self

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


class Profile(BaseModel):
    """A resolved profile: ``extends`` applied, every requirement checked by its standard's rules."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: ProfileId
    version: int
    title: Text
    description: Text | None = None
    publisher: str
    status: Literal["draft", "published"]
    example: bool = False
    based_on: list[str] = Field(default_factory=list, description="ancestors, nearest first")
    requirements: list[Requirement]

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def digest(self) -> str:
        return "sha256:" + sha256_hex(canonical_json(self))

    def requirement(self, requirement_id: str) -> Requirement:
        for r in self.requirements:
            if r.id == requirement_id:
                return r
        raise ProfileError(f"profile {self.ref} has no requirement {requirement_id!r}")


def _format_validation(exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    return f"{loc}: {first['msg']}" if loc else first["msg"]


def documents_from_data(data: Any, *, source: str) -> list[ProfileDocument]:
    """Profile documents from parsed YAML/JSON data (one profile or ``{profiles: [...]}``)."""
    items = data["profiles"] if isinstance(data, dict) and "profiles" in data else [data]
    if not isinstance(items, list):
        raise ProfileError("'profiles' must be a list", at(source, field="profiles"))
    docs: list[ProfileDocument] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ProfileError("a profile must be a mapping", at(source, row=index + 1))
        try:
            docs.append(ProfileDocument.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or None
            name = item.get("id", f"#{index + 1}")
            raise ProfileError(f"profile {name}: {first['msg']}", at(source, field=field)) from exc
    return docs


def documents_from_file(path: Path) -> list[ProfileDocument]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"cannot read profile file: {exc.strerror}", at(str(path))) from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ProfileError(f"not valid YAML/JSON: {exc}", at(str(path))) from exc
    return documents_from_data(data, source=str(path))


def resolve(doc: ProfileDocument, parents: Iterable[ProfileDocument] = ()) -> Profile:
    """Apply ``extends`` (``parents`` nearest first) and the standards' rules; raise on any problem."""
    # The standard modules register their rules on import; load them before the first check.
    importlib.import_module("qualbridge.standards._rules")
    chain = [doc, *parents]
    requirements: dict[str, Requirement] = {}
    for ancestor in reversed(chain):
        for rid in ancestor.remove:
            if rid not in requirements:
                raise ProfileError(
                    f"profile {ancestor.ref} removes {rid!r}, which its parent does not have",
                    at(field="remove"),
                )
            del requirements[rid]
        for req in ancestor.requirements:
            requirements[req.id] = req
    if not requirements:
        raise ProfileError(f"profile {doc.ref} has no requirements left after 'remove'")
    problems = [
        f"requirement {req.id}: {problem}" for req in requirements.values() for problem in problems_of(req)
    ]
    if problems:
        raise ProfileError(f"profile {doc.ref}: " + "; ".join(problems), at(field="requirements"))
    return Profile(
        id=doc.id,
        version=doc.version,
        title=doc.title,
        description=doc.description,
        publisher=doc.publisher,
        status=doc.status,
        example=doc.example,
        based_on=[p.ref for p in parents],
        requirements=list(requirements.values()),
    )
