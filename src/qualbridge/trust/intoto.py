"""in-toto Statement v1 with QualBridge's own versioned predicate types.

A statement says *something about some files*: its subjects are the files' SHA-256 digests, matched by
digest only (in-toto spec/v1/statement.md); the predicate says what. It travels as the payload of a
DSSE envelope with ``payloadType`` :data:`PAYLOAD_TYPE`, serialised as RFC 8785 canonical JSON so that
the same statement always has the same bytes and digest.

Predicate types (the URI's last path element is the major version; a breaking change is a new URI):

=========================================================  ==================================================
``https://qualbridge.dev/attestations/evidence/v1``         a lab attests a piece of test evidence: subjects
                                                            are the raw files, the predicate the parsed record
``https://qualbridge.dev/attestations/evaluation/v1``       an evaluation of evidence against a profile:
                                                            subjects are the evidence files and the profile
                                                            file, the predicate the canonical result
``https://qualbridge.dev/attestations/status/v1``           a status change (valid, suspended, withdrawn,
                                                            superseded) of earlier statements, named by
                                                            their statement digests
``https://qualbridge.dev/attestations/share-grant/v1``      an ODRL-shaped grant to use a package
``https://qualbridge.dev/attestations/status-snapshot/v1``  the center's account of the status of each
                                                            subject as of one checkpoint (bundles)
=========================================================  ==================================================

A *statement digest* is the SHA-256 of a statement's canonical payload bytes: it names a statement
independently of who signed it and how the envelope is formatted.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from qualbridge.canonical import Canonical, canonical_json
from qualbridge.errors import SignatureError

STATEMENT_TYPE: Final = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE: Final = "application/vnd.in-toto+json"

_BASE = "https://qualbridge.dev/attestations"
EVIDENCE: Final = f"{_BASE}/evidence/v1"
EVALUATION: Final = f"{_BASE}/evaluation/v1"
STATUS: Final = f"{_BASE}/status/v1"
SHARE_GRANT: Final = f"{_BASE}/share-grant/v1"
STATUS_SNAPSHOT: Final = f"{_BASE}/status-snapshot/v1"
PREDICATE_TYPES: Final = (EVIDENCE, EVALUATION, STATUS, SHARE_GRANT, STATUS_SNAPSHOT)

StatusValue = Literal["valid", "suspended", "withdrawn", "superseded"]
STATUS_VALUES: Final = ("valid", "suspended", "withdrawn", "superseded")

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Subject:
    """An in-toto ResourceDescriptor reduced to what we use: a name and a SHA-256 digest."""

    name: str
    sha256: str

    def __post_init__(self) -> None:
        if not _SHA256_HEX.fullmatch(self.sha256):
            raise ValueError(f"subject {self.name!r}: {self.sha256!r} is not a lowercase hex SHA-256 digest")

    @classmethod
    def of(cls, name: str, data: bytes) -> Subject:
        return cls(name, sha256_hex(data))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "digest": {"sha256": self.sha256}}


@dataclass(frozen=True, slots=True)
class Statement:
    """An in-toto Statement v1. Build with the constructor; read with :meth:`from_payload`."""

    subjects: tuple[Subject, ...]
    predicate_type: str
    predicate: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.subjects:
            raise ValueError("an in-toto statement needs at least one subject")
        if not self.predicate_type:
            raise ValueError("an in-toto statement needs a predicateType")

    def to_dict(self) -> dict[str, Any]:
        return {
            "_type": STATEMENT_TYPE,
            "subject": [s.to_dict() for s in self.subjects],
            "predicateType": self.predicate_type,
            "predicate": dict(self.predicate),
        }

    def to_payload(self) -> bytes:
        """RFC 8785 canonical JSON: the DSSE payload bytes."""
        return canonical_json(self.to_dict())

    @property
    def digest(self) -> str:
        """The statement digest: SHA-256 of the canonical payload."""
        return sha256_hex(self.to_payload())

    def subject_digests(self) -> frozenset[str]:
        return frozenset(s.sha256 for s in self.subjects)

    @classmethod
    def from_payload(cls, payload: bytes, *, predicate_types: Sequence[str] | None = None) -> Statement:
        """Parse verified payload bytes. Unknown fields are ignored (in-toto parsing rules)."""
        try:
            doc = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SignatureError("the signed payload is not JSON", expected="an in-toto Statement") from exc
        if not isinstance(doc, dict) or doc.get("_type") != STATEMENT_TYPE:
            raise SignatureError("the signed payload is not an in-toto Statement", expected=STATEMENT_TYPE)
        ptype = doc.get("predicateType")
        if not isinstance(ptype, str) or not ptype:
            raise SignatureError("the statement has no predicateType")
        if predicate_types is not None and ptype not in predicate_types:
            raise SignatureError(f"unexpected predicateType {ptype!r}", expected=" or ".join(predicate_types))
        predicate = doc.get("predicate", {})
        if not isinstance(predicate, dict):
            raise SignatureError("the statement's predicate is not an object")
        return cls(_parse_subjects(doc.get("subject")), ptype, predicate)


def _parse_subjects(raw: Any) -> tuple[Subject, ...]:
    if not isinstance(raw, list) or not raw:
        raise SignatureError("the statement has no subjects", expected="at least one subject with a digest")
    subjects = []
    for i, item in enumerate(raw):
        digest = item.get("digest") if isinstance(item, dict) else None
        value = digest.get("sha256") if isinstance(digest, dict) else None
        if not isinstance(value, str) or not _SHA256_HEX.fullmatch(value):
            raise SignatureError(f"subject {i} has no lowercase hex sha256 digest")
        name = item.get("name", "_")
        subjects.append(Subject(name if isinstance(name, str) else "_", value))
    return tuple(subjects)


# --- predicates --------------------------------------------------------------------------------------
# Each builder returns a Statement whose predicate is plain JSON data. Every predicate names its
# ``issuer`` (the organisation whose certified key must sign it) and ``issuedAt``, an RFC 3339 UTC time
# written by ``keys.format_time`` at which that key must be valid. The readers on the verifying side
# (``verify.py``) read only the fields named here and ignore the rest, so adding a field is not a
# breaking change.


def evidence_statement(
    files: Sequence[Subject],
    *,
    kind: str,
    issuer: str,
    record: Mapping[str, Any] | Canonical,
    issued_at: str,
    meta: Mapping[str, Any] | None = None,
) -> Statement:
    """A lab attests a piece of evidence: the raw files and the record parsed from them (as data, or
    as its canonical JSON when the caller has it).

    ``meta`` is the intake metadata the files were parsed with (``{}`` when none), so that a verifier can
    parse the files again exactly as the service did.
    """
    return Statement(
        tuple(files),
        EVIDENCE,
        {
            "kind": kind,
            "issuer": issuer,
            "record": record if isinstance(record, Canonical) else dict(record),
            "meta": dict(meta or {}),
            "issuedAt": issued_at,
        },
    )


def evaluation_statement(
    evidence: Sequence[Subject],
    profile: Subject,
    *,
    profile_id: str,
    profile_version: str,
    engine_version: str,
    result: Mapping[str, Any],
    issuer: str,
    issued_at: str,
) -> Statement:
    """An evaluation: evidence files + profile file → the canonical result.

    ``resultSha256`` is the digest of the result's canonical JSON, the bytes a verifier's re-run must
    reproduce exactly.
    """
    return Statement(
        (*evidence, profile),
        EVALUATION,
        {
            "profile": {"id": profile_id, "version": profile_version, "sha256": profile.sha256},
            "engine": {"version": engine_version},
            "evidence": sorted(s.sha256 for s in evidence),
            "result": dict(result),
            "resultSha256": sha256_hex(canonical_json(result)),
            "issuer": issuer,
            "issuedAt": issued_at,
        },
    )


def status_statement(
    statements: Sequence[str],
    *,
    status: StatusValue,
    reason: str,
    issuer: str,
    effective_at: str,
    issued_at: str,
    superseded_by: str | None = None,
) -> Statement:
    """A status change of earlier statements, named by their statement digests.

    Withdrawals are new statements appended to the log, never edits: the latest status change of a
    statement in log order is its status.
    """
    if status not in STATUS_VALUES:
        raise ValueError(f"status {status!r} is not one of {', '.join(STATUS_VALUES)}")
    if (status == "superseded") != (superseded_by is not None):
        raise ValueError("superseded_by is given exactly when the status is 'superseded'")
    predicate: dict[str, Any] = {
        "status": status,
        "reason": reason,
        "issuer": issuer,
        "effectiveAt": effective_at,
        "issuedAt": issued_at,
    }
    if superseded_by is not None:
        predicate["supersededBy"] = superseded_by
    return Statement(tuple(Subject("_", d) for d in statements), STATUS, predicate)


def share_grant_statement(
    package: Subject,
    *,
    assigner: str,
    assignee: str,
    purpose: str,
    expires_at: str,
    issued_at: str,
) -> Statement:
    """An ODRL-shaped agreement: ``assigner`` lets ``assignee`` use ``package`` for ``purpose`` until
    ``expires_at``, with onward transfer prohibited (Catena-X usage-policy shape, reference notes §6)."""
    return Statement(
        (package,),
        SHARE_GRANT,
        {
            "@type": "Agreement",
            "assigner": assigner,
            "assignee": assignee,
            "target": package.sha256,
            "permission": [
                {
                    "action": "use",
                    "constraint": [
                        {"leftOperand": "purpose", "operator": "eq", "rightOperand": purpose},
                        {"leftOperand": "dateTime", "operator": "lteq", "rightOperand": expires_at},
                    ],
                }
            ],
            "prohibition": [{"action": "distribute"}],
            "issuer": assigner,
            "issuedAt": issued_at,
        },
    )


def status_snapshot_statement(
    statuses: Mapping[str, StatusValue],
    *,
    origin: str,
    tree_size: int,
    root_hash: str,
    issuer: str,
    issued_at: str,
) -> Statement:
    """The center's account of each statement's status as of one checkpoint ``(origin, tree_size, root)``.

    Signed, not logged: it is bound to the bundle's checkpoint, and a snapshot that hides a withdrawal
    logged before that checkpoint is signed evidence of the center's misbehaviour.
    """
    for digest, value in statuses.items():
        if value not in STATUS_VALUES:
            raise ValueError(f"status {value!r} of {digest} is not one of {', '.join(STATUS_VALUES)}")
    return Statement(
        tuple(Subject("_", d) for d in sorted(statuses)),
        STATUS_SNAPSHOT,
        {
            "checkpoint": {"origin": origin, "treeSize": tree_size, "rootHash": root_hash},
            "statuses": {d: statuses[d] for d in sorted(statuses)},
            "issuer": issuer,
            "issuedAt": issued_at,
        },
    )


def statuses_as_of(changes: Iterable[tuple[int, Statement]]) -> dict[str, StatusValue]:
    """The status of each statement digest after applying status changes in log order.

    ``changes`` are ``(log index, statement)`` pairs; statements other than status changes are skipped.
    A statement no status change names is not in the result (its status is ``valid`` from issuance).
    """
    current: dict[str, StatusValue] = {}
    for _, statement in sorted(changes, key=lambda change: change[0]):
        if statement.predicate_type != STATUS:
            continue
        value = statement.predicate.get("status")
        if value not in STATUS_VALUES:
            raise ValueError(f"status change {statement.digest[:16]}… has status {value!r}")
        for digest in statement.subject_digests():
            current[digest] = value
    return current
