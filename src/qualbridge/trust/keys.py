"""Ed25519 signing keys: generation, key ids, encrypted storage, validity windows.

**Key id convention.** A key's id is the lowercase hex SHA-256 of its SubjectPublicKeyInfo DER encoding
(the form recommended for DSSE ``keyid`` in the reference notes, §8a, and the way Rekor v1 named log
keys). It is derived from the key alone, so anyone holding the public key computes the same id without
a registry, and it does not depend on how the key is written (PEM, raw, base64). A key id is only ever a
*hint* for finding a key: signatures are verified against pinned keys, never against whatever a keyid
claims. Signed notes (checkpoints) use their own 4-byte key ids, defined by the C2SP signed-note spec
(``qualbridge.trust.note``).

Private keys are stored as PKCS#8 PEM encrypted with a passphrase (``BestAvailableEncryption``: in
pyca/cryptography ≥ 38 that is PBES2 with scrypt and AES-256-CBC); an empty passphrase is refused.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from qualbridge.errors import KeyFileError, KeyValidityError, SignatureError

ALGORITHM = "ed25519"
PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{moment.isoformat()} has no time zone; key validity is compared in UTC")
    return moment.astimezone(dt.UTC)


def format_time(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, to the second: the one way times are written in signed payloads."""
    return _utc(moment).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str, *, field: str = "time") -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError) as exc:
        raise ValueError(f"{field}: {text!r} is not an RFC 3339 time") from exc
    if moment.tzinfo is None:
        raise ValueError(f"{field}: {text!r} has no time zone")
    return moment.astimezone(dt.UTC)


@dataclass(frozen=True, slots=True)
class VerifyingKey:
    """An Ed25519 public key."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != PUBLIC_KEY_SIZE:
            raise KeyFileError(
                f"an Ed25519 public key is {PUBLIC_KEY_SIZE} bytes, not {len(self.raw)}",
                expected="32 raw bytes",
            )
        Ed25519PublicKey.from_public_bytes(self.raw)

    @classmethod
    def from_pem(cls, data: bytes) -> VerifyingKey:
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise KeyFileError("not a PEM public key", expected="-----BEGIN PUBLIC KEY-----") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise KeyFileError(f"the PEM public key is {type(key).__name__}", expected="an Ed25519 key")
        return cls(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))

    @classmethod
    def from_base64(cls, text: str) -> VerifyingKey:
        try:
            raw = base64.b64decode(text, validate=True)
        except (ValueError, TypeError) as exc:
            raise KeyFileError(f"{text!r} is not base64", expected="the base64 of 32 raw key bytes") from exc
        return cls(raw)

    @property
    def _key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.raw)

    def to_pem(self) -> bytes:
        return self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def to_base64(self) -> str:
        return base64.b64encode(self.raw).decode("ascii")

    @property
    def keyid(self) -> str:
        """Lowercase hex SHA-256 of the SubjectPublicKeyInfo DER (see the module docstring)."""
        der = self._key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return hashlib.sha256(der).hexdigest()

    def verify(self, signature: bytes, message: bytes) -> None:
        """Raise SignatureError unless ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            self._key.verify(signature, message)
        except InvalidSignature as exc:
            raise SignatureError(f"the signature does not verify under key {self.keyid[:16]}…") from exc

    def is_signature(self, signature: bytes, message: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, slots=True, repr=False)
class SigningKey:
    """An Ed25519 private key. Its repr never shows the secret."""

    _private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        """The key whose RFC 8032 32-byte seed is ``seed`` (deterministic keys for tests and KATs)."""
        if len(seed) != 32:
            raise KeyFileError(f"an Ed25519 seed is 32 bytes, not {len(seed)}")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_pem(cls, data: bytes, passphrase: bytes) -> SigningKey:
        """Load an encrypted PKCS#8 PEM private key; a wrong passphrase is a clear KeyFileError."""
        try:
            key = serialization.load_pem_private_key(data, password=passphrase or None)
        except TypeError as exc:
            raise KeyFileError(
                "the private key is not encrypted", expected="an encrypted PKCS#8 key"
            ) from exc
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise KeyFileError(
                "cannot decrypt the private key: wrong passphrase, or not a PEM private key",
                expected="-----BEGIN ENCRYPTED PRIVATE KEY----- and its passphrase",
            ) from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyFileError(f"the private key is {type(key).__name__}", expected="an Ed25519 key")
        return cls(key)

    def to_pem(self, passphrase: bytes) -> bytes:
        """Encrypted PKCS#8 PEM. Keys are never written in the clear."""
        if not passphrase:
            raise KeyFileError("refusing to store a private key without a passphrase")
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        )

    @property
    def public(self) -> VerifyingKey:
        raw = self._private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return VerifyingKey(raw)

    @property
    def keyid(self) -> str:
        return self.public.keyid

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)

    def __repr__(self) -> str:
        return f"SigningKey(keyid={self.keyid[:16]}…)"


@dataclass(frozen=True, slots=True)
class KeyValidity:
    """When a key may be used: ``[not_before, not_after)``, unless revoked.

    Revocation means compromise: a revoked key is refused for everything, including signatures made
    before ``revoked_at``, because a thief can backdate a signature. Ordinary rotation is expressed with
    ``not_after`` instead, which keeps earlier signatures valid.
    """

    not_before: dt.datetime
    not_after: dt.datetime | None = None
    revoked_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        _utc(self.not_before)
        if self.not_after is not None and _utc(self.not_after) <= _utc(self.not_before):
            raise ValueError("a key's not_after must be later than its not_before")

    def check(self, at: dt.datetime, *, what: str = "the key") -> None:
        """Raise KeyValidityError unless the key may be used at ``at``."""
        moment = _utc(at)
        if self.revoked_at is not None:
            raise KeyValidityError(f"{what} was revoked at {format_time(self.revoked_at)}")
        if moment < _utc(self.not_before):
            raise KeyValidityError(
                f"{what} is not valid before {format_time(self.not_before)} (used at {format_time(moment)})"
            )
        if self.not_after is not None and moment >= _utc(self.not_after):
            raise KeyValidityError(
                f"{what} expired at {format_time(self.not_after)} (used at {format_time(moment)})"
            )
