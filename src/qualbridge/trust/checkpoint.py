"""C2SP checkpoints (c2sp.org/tlog-checkpoint v1.0.0), witness policies and tlog-proof files.

A checkpoint is a signed note whose text is::

    <origin>                 e.g. qualbridge.example/log/2026 — no spaces, no '+'
    <tree size>              ASCII decimal, no leading zeros ("0" for the empty tree)
    <base64 root hash>       the RFC 6962 root at that size
    [extension lines]        optional, non-empty, opaque

The log signs it with Ed25519 under a key named like its origin; witnesses add cosignature/v1 lines
(c2sp.org/tlog-cosignature). A verifier pins the log's key and a :class:`WitnessPolicy` — *k* of a set of
named witness keys — and accepts a checkpoint only if both hold.

A *tlog-proof* (c2sp.org/tlog-proof v1) packs an entry's index, its inclusion proof and the checkpoint in
one offline-verifiable text file::

    c2sp.org/tlog-proof@v1
    [extra <base64>]
    index <n>
    <base64 hash>…           the inclusion path, leaf's sibling first
    <blank line>
    <the checkpoint, verbatim, with its signature lines>
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qualbridge.errors import NoteError, ProofError, WitnessPolicyError
from qualbridge.trust.merkle import HASH_SIZE, verify_inclusion
from qualbridge.trust.note import COSIGNATURE_V1, ED25519, Note, NoteSigner, NoteVerifier, sign_note

_DECIMAL = re.compile(r"0|[1-9][0-9]*")
TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"


def _b64_hash(text: str, what: str, error: type[NoteError] | type[ProofError]) -> bytes:
    try:
        value = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise error(f"{what} is not base64", expected="a base64 SHA-256 hash") from exc
    if len(value) != HASH_SIZE:
        raise error(f"{what} is {len(value)} bytes", expected="a 32-byte SHA-256 hash")
    return value


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's tree head: origin, size and root hash."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin or any(ch.isspace() for ch in self.origin):
            raise NoteError(f"checkpoint origin {self.origin!r} is not valid", expected="a non-empty origin")
        if self.size < 0 or len(self.root_hash) != HASH_SIZE:
            raise NoteError("a checkpoint needs a size ≥ 0 and a 32-byte root hash")
        if any(not line or "\n" in line for line in self.extensions):
            raise NoteError("checkpoint extension lines must be non-empty single lines")

    def to_text(self) -> str:
        lines = [
            self.origin,
            str(self.size),
            base64.b64encode(self.root_hash).decode("ascii"),
            *self.extensions,
        ]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint has at least three lines, each ending in a newline")
        origin, size, root, *extensions = lines[:-1]
        if not _DECIMAL.fullmatch(size):
            raise NoteError(
                f"checkpoint tree size {size!r} is not valid", expected="decimal, no leading zeros"
            )
        return cls(
            origin, int(size), _b64_hash(root, "the checkpoint root hash", NoteError), tuple(extensions)
        )

    def sign(self, log: NoteSigner) -> bytes:
        if log.sig_type != ED25519:
            raise ValueError("a log signs its checkpoints with an Ed25519 (type 0x01) note key")
        return sign_note(self.to_text(), [log])


def open_checkpoint(data: bytes, log: NoteVerifier, *, origin: str | None = None) -> tuple[Checkpoint, Note]:
    """Parse a checkpoint note and verify the log's signature; other signatures are left for witnesses.

    ``origin`` defaults to the log key's name (tlog-checkpoint: the key name SHOULD be the origin).
    """
    note = Note.parse(data)
    note.verify([log])
    checkpoint = Checkpoint.from_text(note.text)
    expected = origin if origin is not None else log.name
    if checkpoint.origin != expected:
        raise NoteError(f"the checkpoint is for log {checkpoint.origin!r}", expected=expected)
    return checkpoint, note


def cosign(data: bytes, witness: NoteSigner, *, timestamp: int) -> bytes:
    """Add ``witness``'s cosignature/v1 line to a checkpoint note.

    Only a witness that has checked consistency should call this: see ``qualbridge.trust.witness``.
    """
    if witness.sig_type != COSIGNATURE_V1:
        raise ValueError("a witness cosigns with a type 0x04 (cosignature/v1) key")
    note = Note.parse(data)
    line = witness.signature_line(note.text.encode("utf-8"), timestamp=timestamp)
    return note.with_signature_lines([line]).to_bytes()


@dataclass(frozen=True, slots=True)
class WitnessPolicy:
    """Accept a checkpoint only if at least ``threshold`` of ``witnesses`` cosigned it.

    A threshold of zero is refused: a policy that nothing can fail protects nobody.
    """

    witnesses: tuple[NoteVerifier, ...]
    threshold: int

    def __post_init__(self) -> None:
        if any(w.sig_type != COSIGNATURE_V1 for w in self.witnesses):
            raise ValueError("witness keys are cosignature/v1 (type 0x04) keys")
        if len({w.name for w in self.witnesses}) != len(self.witnesses):
            raise ValueError("two witness keys share a name")
        if not 1 <= self.threshold <= len(self.witnesses):
            raise ValueError(f"a witness threshold must be between 1 and {len(self.witnesses)}")

    def check(self, note: Note) -> dict[str, int]:
        """The verified cosignatures ``{witness name: timestamp}``; raises WitnessPolicyError if too few."""
        try:
            verified = note.verify(self.witnesses, require=False)
        except NoteError as exc:
            raise WitnessPolicyError(f"a witness cosignature is invalid: {exc.message}") from exc
        times = {name: ts for name, ts in verified.items() if ts is not None}
        if len(times) < self.threshold:
            names = ", ".join(sorted(times)) or "none"
            raise WitnessPolicyError(
                f"{len(times)} of {self.threshold} required witnesses cosigned the checkpoint "
                f"(valid cosignatures: {names})",
                expected=f"{self.threshold} of {', '.join(w.name for w in self.witnesses)}",
            )
        return times


# --- tlog-proof ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TlogProof:
    """An entry's index and inclusion path, with the checkpoint (bytes, verbatim) they lead to."""

    index: int
    path: tuple[bytes, ...]
    checkpoint: bytes
    extra: bytes | None = None

    def to_text(self) -> str:
        lines = [TLOG_PROOF_HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode("ascii"))
        lines.append(f"index {self.index}")
        lines += [base64.b64encode(h).decode("ascii") for h in self.path]
        return "\n".join(lines) + "\n\n" + self.checkpoint.decode("utf-8")

    @classmethod
    def from_text(cls, text: str) -> TlogProof:
        head, sep, checkpoint = text.partition("\n\n")
        lines = head.split("\n")
        if not sep or lines[0] != TLOG_PROOF_HEADER:
            raise ProofError(
                "not a tlog-proof", expected=f"{TLOG_PROOF_HEADER}, index, hashes, blank line, checkpoint"
            )
        rest = lines[1:]
        extra = None
        if rest and rest[0].startswith("extra "):
            try:
                extra = base64.b64decode(rest.pop(0)[6:], validate=True)
            except binascii.Error as exc:
                raise ProofError("the tlog-proof's extra data is not base64") from exc
        if not rest or not rest[0].startswith("index ") or not _DECIMAL.fullmatch(rest[0][6:]):
            raise ProofError("the tlog-proof has no valid index line", expected="index <decimal>")
        path = tuple(
            _b64_hash(line, f"inclusion proof hash {i}", ProofError) for i, line in enumerate(rest[1:])
        )
        return cls(int(rest[0][6:]), path, checkpoint.encode("utf-8"), extra)

    def verify(self, leaf: bytes, checkpoint: Checkpoint) -> None:
        """Raise ProofError unless ``leaf`` (a leaf hash) is at ``index`` in ``checkpoint``'s tree.

        ``checkpoint`` must already be verified (log signature and witnesses) by the caller.
        """
        verify_inclusion(self.index, checkpoint.size, leaf, list(self.path), checkpoint.root_hash)


def format_tlog_proof(index: int, path: Sequence[bytes], checkpoint: bytes) -> str:
    return TlogProof(index, tuple(path), checkpoint).to_text()
