"""The offline-verifiable bundle a fab receives: one zip, a manifest, and nothing it has to trust.

Layout (every member is listed in the manifest; anything else makes the bundle invalid)::

    manifest.json                         RFC 8785 JSON, below
    files/<sha256>                        raw evidence and profile files, content-addressed
    attestations/<statement digest>.dsse.json   DSSE envelopes (evidence, evaluation, status changes, grants)
    proofs/<statement digest>.tlog-proof  one c2sp.org/tlog-proof per envelope, all against one checkpoint
    keys/<keyid>.cert.dsse.json           center-signed certificates of the signing keys
    checkpoint                            the witnessed checkpoint (signed note with cosignatures)
    status.dsse.json                      the center's status snapshot as of that checkpoint

    manifest.json = {"mediaType": "application/vnd.qualbridge.bundle.v1+zip", "createdAt": "…Z",
                     "files": [{"name": "report.csv", "path": "files/<sha256>", "sha256": "…"}],
                     "attestations": [{"envelope": "attestations/….dsse.json",
                                       "proof": "proofs/….tlog-proof"}],
                     "certificates": ["keys/….cert.dsse.json"], "checkpoint": "checkpoint",
                     "status": "status.dsse.json"}

The manifest is a table of contents, not a source of trust: every claim in it is re-checked against
signatures, digests and proofs by ``qualbridge.trust.verify``. :meth:`Bundle.from_bytes` checks only the
container and the manifest's shape, so that a tampered part is reported by the verification step that
owns it.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from qualbridge.canonical import canonical_json
from qualbridge.errors import BundleError, at
from qualbridge.trust.dsse import Envelope
from qualbridge.trust.intoto import Statement, sha256_hex
from qualbridge.trust.log import TransparencyLog

MEDIA_TYPE: Final = "application/vnd.qualbridge.bundle.v1+zip"
MANIFEST: Final = "manifest.json"
CHECKPOINT: Final = "checkpoint"
STATUS: Final = "status.dsse.json"
MAX_MEMBERS = 10_000
_SAFE_PATH = re.compile(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so one bundle always zips to the same bytes


def _error(message: str, *, field: str | None = None, expected: str | None = None) -> BundleError:
    return BundleError(message, where=at(file=MANIFEST, field=field), expected=expected, step=1)


@dataclass(frozen=True, slots=True)
class FileRef:
    name: str
    path: str
    sha256: str


@dataclass(frozen=True, slots=True)
class AttestationRef:
    envelope: str
    proof: str


@dataclass(frozen=True, slots=True)
class Manifest:
    created_at: str
    files: tuple[FileRef, ...]
    attestations: tuple[AttestationRef, ...]
    certificates: tuple[str, ...]
    checkpoint: str = CHECKPOINT
    status: str = STATUS

    def to_dict(self) -> dict[str, Any]:
        return {
            "mediaType": MEDIA_TYPE,
            "createdAt": self.created_at,
            "files": [{"name": f.name, "path": f.path, "sha256": f.sha256} for f in self.files],
            "attestations": [{"envelope": a.envelope, "proof": a.proof} for a in self.attestations],
            "certificates": list(self.certificates),
            "checkpoint": self.checkpoint,
            "status": self.status,
        }

    def paths(self) -> list[str]:
        out = [MANIFEST, self.checkpoint, self.status, *self.certificates]
        out += [f.path for f in self.files]
        for a in self.attestations:
            out += [a.envelope, a.proof]
        return out

    @classmethod
    def from_dict(cls, doc: Any) -> Manifest:
        if not isinstance(doc, dict) or doc.get("mediaType") != MEDIA_TYPE:
            raise _error("not a QualBridge bundle manifest", field="mediaType", expected=MEDIA_TYPE)
        try:
            files = tuple(FileRef(str(f["name"]), str(f["path"]), str(f["sha256"])) for f in doc["files"])
            attestations = tuple(
                AttestationRef(str(a["envelope"]), str(a["proof"])) for a in doc["attestations"]
            )
            certificates = tuple(str(c) for c in doc["certificates"])
            manifest = cls(
                str(doc["createdAt"]),
                files,
                attestations,
                certificates,
                str(doc["checkpoint"]),
                str(doc["status"]),
            )
        except (KeyError, TypeError) as exc:
            raise _error(
                f"the manifest is missing or mistypes {exc}", expected="the v1 manifest fields"
            ) from exc
        if not attestations:
            raise _error("the bundle has no attestations", field="attestations")
        return manifest


@dataclass(frozen=True, slots=True)
class Bundle:
    """A bundle's manifest and its members' bytes. Build with :meth:`from_bytes` or :func:`assemble`."""

    manifest: Manifest
    members: Mapping[str, bytes]

    @classmethod
    def from_members(cls, members: Mapping[str, bytes]) -> Bundle:
        if MANIFEST not in members:
            raise _error("the bundle has no manifest.json")
        try:
            manifest = Manifest.from_dict(json.loads(members[MANIFEST]))
        except (ValueError, UnicodeDecodeError) as exc:
            raise _error("manifest.json is not JSON") from exc
        listed = manifest.paths()
        if len(set(listed)) != len(listed):
            raise _error("the manifest lists a path twice")
        for path in listed:
            if not _SAFE_PATH.fullmatch(path) or ".." in path.split("/"):
                raise _error(
                    f"unsafe member path {path!r}", expected="a relative path of [A-Za-z0-9._-] parts"
                )
            if path not in members:
                raise _error(f"the manifest lists {path!r}, which is not in the bundle")
        extra = sorted(set(members) - set(listed))
        if extra:
            raise _error(f"the bundle holds members the manifest does not list: {', '.join(extra[:5])}")
        return cls(manifest, dict(members))

    @classmethod
    def from_bytes(cls, data: bytes) -> Bundle:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                infos = archive.infolist()
                if len(infos) > MAX_MEMBERS:
                    raise _error(f"the bundle has {len(infos)} members", expected=f"at most {MAX_MEMBERS}")
                names = [info.filename for info in infos]
                if len(set(names)) != len(names):
                    raise _error("the zip holds two members with the same name")
                members = {info.filename: archive.read(info) for info in infos if not info.is_dir()}
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
            raise BundleError(f"not a readable zip bundle: {exc}", expected=MEDIA_TYPE, step=1) from exc
        return cls.from_members(members)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(self.members):
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, self.members[name])
        return buffer.getvalue()

    def replace(self, path: str, data: bytes) -> Bundle:
        """The same bundle with one member's bytes replaced (for tamper tests and repair tools)."""
        if path not in self.members:
            raise KeyError(path)
        return Bundle.from_members({**self.members, path: data})


@dataclass(frozen=True, slots=True)
class Logged:
    """An envelope, its verified statement and its index in the log."""

    envelope: Envelope
    statement: Statement
    index: int


def assemble(
    *,
    files: Mapping[str, bytes],
    attestations: Sequence[Logged],
    log: TransparencyLog,
    checkpoint: bytes,
    certificates: Sequence[Envelope],
    status: Envelope,
    created_at: str,
) -> Bundle:
    """Put a bundle together from a log: one inclusion proof per attestation against ``checkpoint``."""
    members: dict[str, bytes] = {CHECKPOINT: checkpoint, STATUS: status.to_json()}
    file_refs = []
    for name, data in sorted(files.items()):
        digest = sha256_hex(data)
        members[f"files/{digest}"] = data
        file_refs.append(FileRef(name, f"files/{digest}", digest))
    refs = []
    for item in attestations:
        stem = item.statement.digest
        envelope_path, proof_path = f"attestations/{stem}.dsse.json", f"proofs/{stem}.tlog-proof"
        members[envelope_path] = item.envelope.to_json()
        members[proof_path] = log.tlog_proof(item.index, checkpoint).to_text().encode("utf-8")
        refs.append(AttestationRef(envelope_path, proof_path))
    cert_paths = []
    for cert in certificates:
        path = f"keys/{sha256_hex(cert.to_json())[:32]}.cert.dsse.json"
        members[path] = cert.to_json()
        cert_paths.append(path)
    manifest = Manifest(created_at, tuple(file_refs), tuple(refs), tuple(cert_paths))
    members[MANIFEST] = canonical_json(manifest.to_dict())
    return Bundle.from_members(members)
