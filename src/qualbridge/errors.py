"""The one error family of QualBridge.

    QualBridgeError
    ├── InputError            the caller's input is wrong (exit code 2, HTTP 4xx)
    │   ├── ParseError        a raw file cannot be read: names file, row, column
    │   ├── UnitError         a value has no unit, an unknown unit or the wrong dimension
    │   ├── ProfileError      a requirement profile is invalid or cannot be found
    │   ├── EvidenceError     an evidence document is invalid
    │   ├── NotFoundError     no such object, or not one the caller may see (HTTP 404)
    │   ├── ConflictError     the request contradicts what is stored (HTTP 409)
    │   │   └── IdempotencyKeyReusedError  a key already answered another request (HTTP 422)
    │   ├── WithheldEvidenceError  a package's evaluation read evidence the package leaves out (HTTP 422)
    │   ├── TooLargeError     an upload over the size limit (HTTP 413)
    │   ├── KeyFileError      a key file cannot be read or decrypted
    │   └── WitnessConflictError  a checkpoint submitted against a size the witness no longer holds
    ├── RemoteError           a QualBridge server (or log) refused the CLI's request (4xx: exit code 2),
    │                         failed (5xx: exit code 1) or could not be reached (exit code 3)
    ├── AccessError           the caller may not do this
    │   ├── AuthError         no valid credentials (HTTP 401)
    │   └── PermissionDeniedError  authenticated, but not allowed (HTTP 403)
    ├── VerificationError     a signature, proof or bundle does not verify; carries the failed step
    │   ├── BundleError, DigestError, SignatureError, KeyValidityError
    │   └── NoteError, WitnessPolicyError, ProofError, StatusError, ReproducibilityError
    ├── LogUnavailableError   a transparency log cannot be reached over HTTP, or answers outside its
    │                         contract (CLI exit 3: nothing was proven either way)
    └── EngineError           a malfunction of QualBridge itself (a bug, never the caller's fault)
        ├── LogIntegrityError an append or checkpoint would break the log's append-only promise
        └── RenderError       a report could not be rendered (no Chromium, the browser failed)

A verdict is data, never an exception: a failing measurement is a ``fail`` verdict, not an error.
Every error carries structured fields so that the CLI and the API can say exactly where the problem is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Location:
    """Where in an input a problem is: all parts optional, most specific last."""

    file: str | None = None
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field {self.field!r}")
        return ", ".join(parts)


@dataclass(eq=False)
class QualBridgeError(Exception):
    """Base of every QualBridge error."""

    message: str
    where: Location = field(default_factory=Location)
    expected: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        text = self.message
        where = str(self.where)
        if where:
            text = f"{where}: {text}"
        if self.expected:
            text = f"{text} (expected {self.expected})"
        return text

    def to_dict(self) -> dict[str, str | int | None]:
        return {
            "error": type(self).__name__,
            "message": self.message,
            "file": self.where.file,
            "row": self.where.row,
            "field": self.where.field,
            "expected": self.expected,
        }

    def details(self) -> dict[str, Any]:
        """What the error knows beyond where and what was expected (extra members of an API problem)."""
        return {}


class InputError(QualBridgeError, ValueError):
    """The caller's input is wrong; fixing the input fixes the problem."""


class ParseError(InputError):
    """A raw evidence file cannot be read."""


class UnitError(InputError):
    """A quantity has no unit, an unknown unit, or a unit of the wrong dimension."""


class ProfileError(InputError):
    """A requirement profile is invalid, inconsistent or not found."""


class EvidenceError(InputError):
    """An evidence document is invalid."""


class EngineError(QualBridgeError, RuntimeError):
    """QualBridge itself malfunctioned."""


class RenderError(EngineError):
    """A report could not be rendered: the browser that prints PDFs is missing or failed."""


# --- the service: who may do what, and the state it keeps ---------------------------------------------


class NotFoundError(InputError):
    """No such object, or one the caller may not see: another organization's ids are indistinguishable
    from ids that do not exist, so that ids reveal nothing (HTTP 404)."""


class ConflictError(InputError):
    """The request contradicts what is stored: a duplicate, a cycle of subsystems, an Idempotency-Key
    reused for a different request (HTTP 409)."""


class IdempotencyKeyReusedError(ConflictError):
    """An Idempotency-Key already answered a different request (HTTP 422, as the IETF Idempotency-Key
    draft asks): a retry must repeat the request exactly, a new request needs a new key."""


@dataclass(eq=False)
class WithheldEvidenceError(InputError):
    """An evaluation chosen for a package considered evidence the package leaves out (HTTP 422).

    An evaluation names every evidence it read (content id, kind, issuer, date), so sharing it would
    show the fab what the vendor chose not to share. ``missing`` lists that evidence: add it to the
    package, or include an evaluation run on the package's evidence only.
    """

    evaluation_id: str = ""
    missing: tuple[str, ...] = ()

    def details(self) -> dict[str, Any]:
        return {"evaluation_id": self.evaluation_id, "missing_evidence": list(self.missing)}


class TooLargeError(InputError):
    """An upload is larger than the configured limit (HTTP 413)."""


@dataclass(eq=False)
class RemoteError(QualBridgeError):
    """A QualBridge server answered the CLI's client mode with a problem (``status``: its HTTP status),
    or could not be reached (``status`` None). Only a 4xx is the caller's mistake."""

    status: int | None = None

    @property
    def caller_mistake(self) -> bool:
        return self.status is not None and 400 <= self.status < 500


class AccessError(QualBridgeError):
    """The caller may not do this; fixing the credentials or the grant fixes it."""


class AuthError(AccessError):
    """No valid credentials: a missing, malformed, unknown, expired or revoked token, or a wrong
    password (HTTP 401)."""


class PermissionDeniedError(AccessError):
    """Authenticated, but the user's role, the token's scope or the organization's kind does not allow
    this (HTTP 403)."""


def at(file: str | None = None, row: int | None = None, field: str | None = None) -> Location:
    """Shorthand for building a :class:`Location`."""
    return Location(file=file, row=row, field=field)


# --- trust: keys, signatures, the transparency log and bundles -------------------------------------------


class KeyFileError(InputError):
    """A key file, key certificate or trust-root file cannot be read (wrong passphrase, bad format)."""


class LogIntegrityError(EngineError):
    """The transparency log refused an operation that would break its append-only promise.

    Raised when the stored tree no longer matches the last signed checkpoint (storage rolled back or
    altered) or when a batch would not start at the stored tree size: signing then would produce two
    inconsistent checkpoints.
    """


@dataclass(eq=False)
class VerificationError(QualBridgeError):
    """Something that was supposed to be proven by signatures, digests or Merkle proofs is not.

    A failed verification is never a ``False`` return value: it raises, so that nobody forgets to check.
    ``step`` is the number of the offline-verification step that failed (see ``qualbridge.trust.verify``),
    or None when raised outside a numbered verification.

        VerificationError
        ├── BundleError          a bundle's container or manifest is malformed
        ├── DigestError          a file does not have the digest it is listed or attested with
        ├── SignatureError       a signature does not verify under any trusted key
        ├── KeyValidityError     a key is unknown, uncertified, outside its validity window or revoked
        ├── NoteError            a signed note or checkpoint is malformed or not signed by a trusted key
        ├── WitnessPolicyError   too few trusted witnesses cosigned the checkpoint
        ├── ProofError           a Merkle inclusion or consistency proof does not verify
        ├── StatusError          a subject is not valid as of the checkpoint
        └── ReproducibilityError re-running the evaluation does not give the signed result
    """

    step: int | None = None

    def __str__(self) -> str:
        text = QualBridgeError.__str__(self)
        return f"step {self.step}: {text}" if self.step is not None else text

    def to_dict(self) -> dict[str, str | int | None]:
        return {**QualBridgeError.to_dict(self), "step": self.step}


class BundleError(VerificationError):
    """A bundle's container or manifest is malformed or inconsistent."""


class DigestError(VerificationError):
    """A file's bytes do not have the digest they are listed or attested with."""


class SignatureError(VerificationError):
    """A signature does not verify under any trusted key."""


class KeyValidityError(VerificationError):
    """A key is unknown, not certified by the center, outside its validity window, or revoked."""


class NoteError(VerificationError):
    """A signed note (checkpoint, cosignature) is malformed or carries no valid trusted signature."""


class WitnessPolicyError(VerificationError):
    """Fewer trusted witnesses cosigned a checkpoint than the policy requires."""


class ProofError(VerificationError):
    """A Merkle inclusion or consistency proof does not verify."""


class StatusError(VerificationError):
    """A subject is withdrawn, suspended or superseded as of the checkpoint, or its status is unproven."""


class ReproducibilityError(VerificationError):
    """Re-running an evaluation does not reproduce the signed result byte for byte."""


class LogUnavailableError(QualBridgeError):
    """A transparency log read over HTTP cannot be reached or answers outside its contract: nothing was
    proven either way, so it is neither a failed check nor the caller's input.
    Signed or proven data that a log serves and that does not verify is a VerificationError instead."""


@dataclass(eq=False)
class WitnessConflictError(InputError):
    """A checkpoint was submitted to a witness against an old size that is not the witness's latest.

    ``latest_size`` is the size the witness has cosigned last for that log: resubmit with a consistency
    proof from it (c2sp.org/tlog-witness answers 409 with this size).
    """

    latest_size: int = 0
