"""The profiles QualBridge knows: the shipped public ones plus any files the caller adds.

Shipped profiles live in ``standards/profiles/*.yaml``. A fab's own profile file can ``extends`` a shipped
profile; :meth:`Catalog.with_files` adds such files for one command or request.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from qualbridge.errors import ProfileError, at
from qualbridge.standards.profile import Profile, ProfileDocument, documents_from_file, resolve

PROFILES_DIR = Path(__file__).parent / "profiles"


def _split_ref(ref: str) -> tuple[str, int | None]:
    if "@" not in ref:
        return ref, None
    pid, _, version = ref.rpartition("@")
    if not version.isdigit():
        raise ProfileError(f"profile reference {ref!r}: version must be a whole number")
    return pid, int(version)


class Catalog:
    """An index of profile documents by id and version; resolves ``extends`` on request."""

    def __init__(self, documents: Iterable[tuple[ProfileDocument, str]] = ()) -> None:
        self._docs: dict[tuple[str, int], ProfileDocument] = {}
        self._origin: dict[tuple[str, int], str] = {}
        for doc, origin in documents:
            self._add(doc, origin)

    def _add(self, doc: ProfileDocument, origin: str) -> None:
        key = (doc.id, doc.version)
        if key in self._docs and self._docs[key] != doc:
            raise ProfileError(
                f"profile {doc.ref} is defined twice with different content "
                f"({self._origin[key]} and {origin}); published versions are immutable — "
                "give the change a new version",
                at(origin),
            )
        self._docs[key] = doc
        self._origin[key] = origin

    def with_files(self, paths: Iterable[Path]) -> Catalog:
        extended = Catalog((doc, self._origin[key]) for key, doc in self._docs.items())
        for path in paths:
            for doc in documents_from_file(path):
                extended._add(doc, str(path))
        return extended

    def documents(self) -> list[ProfileDocument]:
        return [self._docs[k] for k in sorted(self._docs)]

    def origin(self, doc: ProfileDocument) -> str:
        return self._origin[(doc.id, doc.version)]

    def document(self, ref: str) -> ProfileDocument:
        """The document for 'id@version', or for 'id' the latest published version."""
        pid, version = _split_ref(ref)
        if version is not None:
            doc = self._docs.get((pid, version))
            if doc is None:
                raise ProfileError(f"unknown profile {ref!r}", expected=self._suggest(pid))
            return doc
        versions = sorted(
            (v for (i, v), d in self._docs.items() if i == pid and d.status == "published"),
            reverse=True,
        )
        if not versions:
            raise ProfileError(f"unknown profile {ref!r}", expected=self._suggest(pid))
        return self._docs[(pid, versions[0])]

    def _suggest(self, pid: str) -> str:
        close = sorted({i for i, _ in self._docs if pid.split("/")[0] in i})[:5]
        hint = ", ".join(close) if close else "an id from 'qualbridge profiles list'"
        return f"one of: {hint}"

    def parents(self, doc: ProfileDocument) -> list[ProfileDocument]:
        chain: list[ProfileDocument] = []
        seen = {doc.ref}
        current = doc
        while current.extends:
            parent = self.document(current.extends)
            if parent.ref in seen:
                raise ProfileError(f"profile {doc.ref}: 'extends' forms a cycle through {parent.ref}")
            seen.add(parent.ref)
            chain.append(parent)
            current = parent
        return chain

    def get(self, ref: str) -> Profile:
        doc = self.document(ref)
        return resolve(doc, self.parents(doc))


def load_documents(paths: Iterable[Path]) -> Catalog:
    return Catalog((doc, str(path)) for path in paths for doc in documents_from_file(path))


@lru_cache(maxsize=1)
def builtin() -> Catalog:
    """The shipped public and example profiles."""
    return load_documents(sorted(PROFILES_DIR.glob("*.yaml")))
