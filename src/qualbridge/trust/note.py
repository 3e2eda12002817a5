"""C2SP signed notes (c2sp.org/signed-note v1.0.0) with Ed25519 signatures and cosignatures.

A note is UTF-8 text ending in a newline, a blank line, then signature lines
``— <key name> <base64(4-byte key id || signature)>``. The signed bytes are the text *including* its final
newline and *excluding* the blank line; the text ends at the *last* blank line of the note.

Two signature types are implemented:

- ``0x01`` Ed25519 over the note text (logs sign checkpoints with it);
- ``0x04`` timestamped Ed25519 cosignature (c2sp.org/tlog-cosignature v1): the signature is
  ``u64 big-endian timestamp || ed25519 signature`` over ``"cosignature/v1\\ntime <ts>\\n" || text``.

Key id = ``SHA-256(name || 0x0A || type || public key)[:4]``. Verifier keys are written as *vkeys*,
``<name>+<hex key id>+<base64(type || public key)>``. Verification follows the spec's rules: signatures
from unknown ``(name, key id)`` pairs are ignored; a known key's bad signature rejects the note; a note
with no verified known signature is rejected.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qualbridge.errors import NoteError
from qualbridge.trust.keys import SIGNATURE_SIZE, SigningKey, VerifyingKey

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
MAX_SIGNATURES = 100  # the spec requires accepting at least 16
_DASH = "\u2014 "
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


def key_id(name: str, sig_type: int, public_key: bytes) -> int:
    """``SHA-256(name || 0x0A || type || public key)[:4]`` as a big-endian uint32."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def check_key_name(name: str) -> None:
    if not name or any(ch.isspace() for ch in name) or "+" in name:
        raise NoteError(f"key name {name!r} is not valid", expected="a non-empty name without spaces or '+'")


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    """The bytes a cosignature/v1 signs: header line, time line, then the checkpoint's note text."""
    return b"cosignature/v1\ntime %d\n" % timestamp + text


@dataclass(frozen=True, slots=True)
class NoteVerifier:
    """A trusted note key: name, signature type and Ed25519 public key."""

    name: str
    key: VerifyingKey
    sig_type: int = ED25519

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if self.sig_type not in (ED25519, COSIGNATURE_V1):
            raise NoteError(f"signature type 0x{self.sig_type:02x} is not supported", expected="0x01 or 0x04")

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.sig_type, self.key.raw)

    @property
    def vkey(self) -> str:
        material = base64.b64encode(bytes([self.sig_type]) + self.key.raw).decode("ascii")
        return f"{self.name}+{self.key_id:08x}+{material}"

    @classmethod
    def from_vkey(cls, text: str) -> NoteVerifier:
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
            raise NoteError(f"{text!r} is not a verifier key", expected="<name>+<8 hex digits>+<base64 key>")
        try:
            material = base64.b64decode(parts[2], validate=True)
        except binascii.Error as exc:
            raise NoteError(f"verifier key {parts[0]!r}: the key is not base64") from exc
        if len(material) != 33:
            raise NoteError(
                f"verifier key {parts[0]!r}: {len(material)} bytes", expected="type byte + 32-byte key"
            )
        verifier = cls(parts[0], VerifyingKey(material[1:]), material[0])
        if f"{verifier.key_id:08x}" != parts[1]:
            raise NoteError(f"verifier key {parts[0]!r}: the key id {parts[1]} does not match its key")
        return verifier

    def check(self, text: bytes, signature: bytes) -> int | None:
        """Verify one signature over ``text``; the cosignature's timestamp, or None for type 0x01."""
        if self.sig_type == COSIGNATURE_V1:
            if len(signature) != 8 + SIGNATURE_SIZE:
                raise NoteError(
                    f"the cosignature by {self.name} is {len(signature)} bytes", expected="72 bytes"
                )
            (timestamp,) = struct.unpack(">Q", signature[:8])
            if timestamp >= 2**63 or not self.key.is_signature(
                signature[8:], cosigned_message(text, timestamp)
            ):
                raise NoteError(f"the cosignature by {self.name} does not verify")
            return int(timestamp)
        if not self.key.is_signature(signature, text):
            raise NoteError(f"the signature by {self.name} does not verify")
        return None


@dataclass(frozen=True, slots=True, repr=False)
class NoteSigner:
    """A note signing key (type 0x01) or cosigning key (type 0x04) under a key name."""

    name: str
    key: SigningKey
    sig_type: int = ED25519

    @property
    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self.name, self.key.public, self.sig_type)

    def signature_line(self, text: bytes, *, timestamp: int | None = None) -> str:
        if self.sig_type == COSIGNATURE_V1:
            if timestamp is None or not 0 <= timestamp < 2**63:
                raise ValueError("a cosignature needs a POSIX timestamp below 2^63")
            sig = struct.pack(">Q", timestamp) + self.key.sign(cosigned_message(text, timestamp))
        else:
            sig = self.key.sign(text)
        blob = self.verifier.key_id.to_bytes(4, "big") + sig
        return f"{_DASH}{self.name} {base64.b64encode(blob).decode('ascii')}\n"

    def __repr__(self) -> str:
        return f"NoteSigner(name={self.name!r}, type=0x{self.sig_type:02x})"


@dataclass(frozen=True, slots=True)
class NoteSignature:
    name: str
    key_id: int
    signature: bytes
    line: str


@dataclass(frozen=True, slots=True)
class Note:
    """A parsed signed note. Its text must be ignored until :meth:`verify` has passed."""

    text: str
    signatures: tuple[NoteSignature, ...]

    @classmethod
    def parse(cls, data: bytes) -> Note:
        try:
            whole = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError("the note is not UTF-8") from exc
        if _CONTROL.search(whole):
            raise NoteError("the note contains a control character other than newline")
        split = whole.rfind("\n\n")
        if split < 0 or not whole.endswith("\n"):
            raise NoteError(
                "the note has no blank line before its signatures", expected="text, blank line, sigs"
            )
        text, sig_block = whole[: split + 1], whole[split + 2 :]
        lines = sig_block.splitlines(keepends=True)
        if not lines:
            raise NoteError("the note has no signature lines")
        if len(lines) > MAX_SIGNATURES:
            raise NoteError(f"the note has {len(lines)} signatures", expected=f"at most {MAX_SIGNATURES}")
        return cls(text, tuple(_parse_signature(line) for line in lines))

    def to_bytes(self) -> bytes:
        return (self.text + "\n" + "".join(s.line for s in self.signatures)).encode("utf-8")

    def verify(self, verifiers: Iterable[NoteVerifier], *, require: bool = True) -> dict[str, int | None]:
        """Verify every signature by a known key; ``{key name: cosignature timestamp or None}``.

        Raises NoteError if a known key's signature fails, or (``require``) if no known key signed.
        """
        known = {(v.name, v.key_id): v for v in verifiers}
        text = self.text.encode("utf-8")
        verified: dict[str, int | None] = {}
        for sig in self.signatures:
            verifier = known.get((sig.name, sig.key_id))
            if verifier is not None:
                verified[sig.name] = verifier.check(text, sig.signature)
        if require and not verified:
            names = ", ".join(sorted({name for name, _ in known})) or "none"
            raise NoteError(f"the note carries no signature by a trusted key (trusted: {names})")
        return verified

    def with_signature_lines(self, lines: Sequence[str]) -> Note:
        """The note with extra signature lines appended (a witness adding its cosignature)."""
        return Note(self.text, (*self.signatures, *(_parse_signature(line) for line in lines)))


def _parse_signature(line: str) -> NoteSignature:
    if not line.startswith(_DASH) or not line.endswith("\n"):
        raise NoteError(f"{line.rstrip()!r} is not a signature line", expected="— <key name> <base64>")
    parts = line[len(_DASH) : -1].split(" ")
    if len(parts) != 2:
        raise NoteError(f"{line.rstrip()!r} is not a signature line", expected="— <key name> <base64>")
    name, blob_text = parts
    check_key_name(name)
    try:
        blob = base64.b64decode(blob_text, validate=True)
    except binascii.Error as exc:
        raise NoteError(f"the signature by {name} is not base64") from exc
    if len(blob) < 5:
        raise NoteError(f"the signature by {name} is too short", expected="a 4-byte key id and a signature")
    return NoteSignature(name, int.from_bytes(blob[:4], "big"), blob[4:], line)


def sign_note(text: str, signers: Sequence[NoteSigner], *, timestamp: int | None = None) -> bytes:
    """A signed note of ``text`` (which must end in a newline) by each signer."""
    if not text.endswith("\n") or _CONTROL.search(text):
        raise ValueError("note text must end in a newline and contain no control characters but newlines")
    if not signers:
        raise ValueError("a note needs at least one signer")
    body = text.encode("utf-8")
    return (text + "\n" + "".join(s.signature_line(body, timestamp=timestamp) for s in signers)).encode(
        "utf-8"
    )
