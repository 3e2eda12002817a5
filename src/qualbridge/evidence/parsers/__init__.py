"""Reading evidence: JSON evidence documents, and raw instrument exports through registered parsers.

A parser turns one raw file plus metadata into one evidence value. Metadata the file does not carry
(issuer, subject, test date...) comes from the caller — a sidecar ``FILE.meta.yaml``, a ``--meta`` file
or command-line options — and always wins over values read from the file's header. The raw file's sha256
is recorded in the evidence (``raw_digest``): computed by :func:`file_digest`, or given to
:func:`load_evidence` by a caller that hashed the bytes as they arrived (the service's upload).

Parsers register with :func:`parser`; each has a ``sniff`` that recognises its files from the first
lines, so ``load_evidence`` can pick one when the caller names no kind. A ``generic`` parser (a table of
size channels could be many things) yields to a specific one (a report that names its standard or its
analytes) when both recognise a file.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from qualbridge.errors import EvidenceError, ParseError, at
from qualbridge.evidence.models import Evidence, evidence_adapter

ParseFn = Callable[[Path, Mapping[str, Any], "Path | None"], Evidence]
SniffFn = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class ParserSpec:
    kind: str
    name: str
    parse: ParseFn
    sniff: SniffFn
    suffixes: tuple[str, ...]
    generic: bool


_PARSERS: list[ParserSpec] = []

# Modules that register parsers on import.
_MODULES: tuple[str, ...] = ("compressed_air", "amc", "vacuum", "icpms", "outgassing", "particle_counter")


def parser(
    kind: str,
    *,
    name: str,
    sniff: SniffFn,
    suffixes: tuple[str, ...] = (".csv", ".txt"),
    generic: bool = False,
) -> Callable[[ParseFn], ParseFn]:
    def register(fn: ParseFn) -> ParseFn:
        _PARSERS.append(ParserSpec(kind, name, fn, sniff, suffixes, generic))
        return fn

    return register


def load_all() -> None:
    """Import every parser (and what it needs: Polars, NumPy…) now. A server does this at start-up, so
    that its first upload does not wait for the imports."""
    for module in _MODULES:
        importlib.import_module(f"{__name__}.{module}")


def parsers() -> list[ParserSpec]:
    load_all()
    return list(_PARSERS)


#: The digest a caller of :func:`load_evidence` already knows, and of which file.
_KNOWN_DIGEST: ContextVar[tuple[Path, str] | None] = ContextVar("qualbridge_known_digest", default=None)


@contextmanager
def _knowing(path: Path, digest: str | None) -> Iterator[None]:
    token = _KNOWN_DIGEST.set(None if digest is None else (path, digest))
    try:
        yield
    finally:
        _KNOWN_DIGEST.reset(token)


def known_digest(path: Path) -> str | None:
    """The digest of ``path`` its caller gave :func:`load_evidence`, if any."""
    known = _KNOWN_DIGEST.get()
    return known[1] if known is not None and known[0] == path else None


def file_digest(path: Path) -> str:
    """``sha256:<hex>`` of a file, read in chunks (raw files can be gigabytes), unless its caller knows it."""
    if (known := known_digest(path)) is not None:
        return known
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def build_evidence(data: Mapping[str, Any], *, source: str) -> Evidence:
    """Validate a mapping as evidence; a clear error naming the first bad field."""
    try:
        return evidence_adapter.validate_python(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(p) for p in first["loc"]]
        if loc and loc[0] == data.get("kind"):
            loc = loc[1:]
        field = ".".join(loc) or None
        raise EvidenceError(first["msg"], at(source, field=field)) from exc


def read_meta(path: Path) -> dict[str, Any]:
    """Metadata from a YAML/JSON file (a ``--meta`` file or a ``FILE.meta.yaml`` sidecar)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvidenceError(f"cannot read metadata: {exc.strerror}", at(str(path))) from exc
    except yaml.YAMLError as exc:
        raise EvidenceError(f"metadata is not valid YAML: {exc}", at(str(path))) from exc
    if not isinstance(data, dict):
        raise EvidenceError("metadata must be a mapping of field: value", at(str(path)))
    return data


SIDECAR_SUFFIX = ".meta.yaml"


def evidence_files(paths: Iterable[Path]) -> list[Path]:
    """The evidence files named by ``paths``: a folder stands for the files in it (not its sub-folders),
    and metadata sidecars (``FILE.meta.yaml``) are never evidence themselves: they travel with ``FILE``.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.is_file() and not _is_sidecar(p)))
        elif _is_sidecar(path):
            raw = path.with_name(path.name.removesuffix(SIDECAR_SUFFIX))
            if raw not in paths:
                raise ParseError(
                    "this is a metadata sidecar, not evidence", at(str(path)), expected=f"the file {raw}"
                )
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _is_sidecar(path: Path) -> bool:
    return path.name.endswith(SIDECAR_SUFFIX)


def _refuse_binary(path: Path) -> None:
    """Refuse a binary file before any parser sees it (a NUL byte never occurs in a text export,
    except in UTF-16, which announces itself with a byte-order mark)."""
    with path.open("rb") as fh:
        start = fh.read(1 << 16)
    if b"\x00" in start and not start.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseError("binary file, not a text export", at(str(path)), expected="a CSV or text report")


def _head(path: Path, lines: int = 40) -> str:
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        return "".join(fh.readline() for _ in range(lines))


def load_evidence(
    path: Path,
    *,
    kind: str | None = None,
    meta: Mapping[str, Any] | None = None,
    mapping: Path | None = None,
    digest: str | None = None,
) -> Evidence:
    """One evidence value from ``path``: a JSON evidence document, or a raw export to parse.

    ``digest`` is the file's ``sha256:<hex>`` when the caller has it already (it is not checked: the
    caller computed it from these bytes); the parser then does not read the file again to hash it."""
    if not path.is_file():
        raise ParseError("no such file", at(str(path)))
    merged: dict[str, Any] = {}
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if sidecar.is_file():
        merged.update(read_meta(sidecar))
    merged.update(meta or {})

    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ParseError(f"not valid JSON: {exc}", at(str(path))) from exc
        if isinstance(data, dict) and "kind" in data:
            return build_evidence({**data, **merged}, source=str(path))

    _refuse_binary(path)
    spec = _choose(path, kind or merged.get("kind"))
    merged.pop("kind", None)
    with _knowing(path, digest):
        return spec.parse(path, merged, mapping)


def _choose(path: Path, kind: str | None) -> ParserSpec:
    candidates = [p for p in parsers() if kind is None or p.kind == kind]
    if kind is not None and not candidates:
        raise ParseError(f"no parser reads evidence of kind {kind!r}", at(str(path)))
    head = _head(path)
    sniffed = [p for p in candidates if p.sniff(head)]
    if len(sniffed) > 1 and any(not p.generic for p in sniffed):
        sniffed = [p for p in sniffed if not p.generic]
    if len(sniffed) == 1 or (sniffed and kind is not None):
        return sniffed[0]
    if len(candidates) == 1:
        return candidates[0]
    kinds = ", ".join(sorted({p.kind for p in (sniffed or candidates)}))
    raise ParseError(
        "cannot tell what kind of evidence this file is",
        at(str(path)),
        expected=f"--kind with one of: {kinds}",
    )
