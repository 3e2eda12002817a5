"""Center-signed key certificates and revocations.

An organisation's signing key is trusted because the center certified it: a certificate is the RFC 8785
canonical JSON below, signed by the center key in a DSSE envelope (so it reuses the one signature format
and its test vectors instead of adding a home-made one)::

    {"algorithm": "ed25519", "keyid": "<sha256 of SPKI>", "notAfter": "…Z", "notBefore": "…Z",
     "org": "lab.example", "publicKey": "<base64 raw>", "purpose": "attestation",
     "type": "https://qualbridge.dev/key-certificate/v1"}

A revocation is the same idea: ``{"keyid", "revokedAt", "reason", "type": …/key-revocation/v1}`` signed
by the center. Rotation needs no revocation: the old certificate's ``notAfter`` ends its use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from qualbridge.canonical import canonical_json
from qualbridge.errors import KeyValidityError, SignatureError
from qualbridge.trust import dsse
from qualbridge.trust.keys import ALGORITHM, KeyValidity, SigningKey, VerifyingKey, format_time, parse_time

CERTIFICATE_PAYLOAD_TYPE: Final = "application/vnd.qualbridge.key-certificate+json"
REVOCATION_PAYLOAD_TYPE: Final = "application/vnd.qualbridge.key-revocation+json"
CERTIFICATE_TYPE: Final = "https://qualbridge.dev/key-certificate/v1"
REVOCATION_TYPE: Final = "https://qualbridge.dev/key-revocation/v1"


def _field(doc: dict[str, Any], name: str, what: str) -> str:
    value = doc.get(name)
    if not isinstance(value, str) or not value:
        raise KeyValidityError(f"the {what} has no {name!r}", expected="a non-empty string")
    return value


def _open_center_signed(
    envelope: dsse.Envelope, center: VerifyingKey, payload_type: str, what: str, doc_type: str
) -> dict[str, Any]:
    """The document inside ``envelope``, read only from the bytes the center's signature covers."""
    try:
        verified = dsse.verify(envelope, [center], payload_types=[payload_type])
    except SignatureError as exc:
        raise KeyValidityError(f"a {what} is not signed by the pinned center key: {exc.message}") from exc
    return _load(verified.payload, what, doc_type)


def _load(payload: bytes, what: str, type_uri: str) -> dict[str, Any]:
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeyValidityError(f"the {what} is not JSON") from exc
    if not isinstance(doc, dict) or doc.get("type") != type_uri:
        raise KeyValidityError(f"the payload is not a {what}", expected=type_uri)
    return doc


@dataclass(frozen=True, slots=True)
class KeyCertificate:
    """The center's statement that ``key`` belongs to ``org`` and may sign within ``validity``."""

    org: str
    key: VerifyingKey
    validity: KeyValidity
    purpose: str = "attestation"

    def to_payload(self) -> bytes:
        doc: dict[str, Any] = {
            "type": CERTIFICATE_TYPE,
            "org": self.org,
            "algorithm": ALGORITHM,
            "keyid": self.key.keyid,
            "publicKey": self.key.to_base64(),
            "purpose": self.purpose,
            "notBefore": format_time(self.validity.not_before),
        }
        if self.validity.not_after is not None:
            doc["notAfter"] = format_time(self.validity.not_after)
        return canonical_json(doc)

    def issue(self, center: SigningKey) -> dsse.Envelope:
        return dsse.sign(CERTIFICATE_PAYLOAD_TYPE, self.to_payload(), [center])

    @classmethod
    def open(cls, envelope: dsse.Envelope, center: VerifyingKey) -> KeyCertificate:
        """Verify the center's signature, then read the certificate from the verified bytes."""
        doc = _open_center_signed(
            envelope, center, CERTIFICATE_PAYLOAD_TYPE, "key certificate", CERTIFICATE_TYPE
        )
        if doc.get("algorithm") != ALGORITHM:
            raise KeyValidityError(f"certified key algorithm {doc.get('algorithm')!r}", expected=ALGORITHM)
        key = VerifyingKey.from_base64(_field(doc, "publicKey", "key certificate"))
        if key.keyid != doc.get("keyid"):
            raise KeyValidityError("the key certificate's keyid is not the id of its public key")
        try:
            validity = KeyValidity(
                not_before=parse_time(_field(doc, "notBefore", "key certificate"), field="notBefore"),
                not_after=parse_time(doc["notAfter"], field="notAfter") if "notAfter" in doc else None,
            )
        except ValueError as exc:
            raise KeyValidityError(f"key certificate: {exc}") from exc
        return cls(
            _field(doc, "org", "key certificate"), key, validity, _field(doc, "purpose", "key certificate")
        )


@dataclass(frozen=True, slots=True)
class KeyRevocation:
    """The center's statement that a key is compromised: refuse everything it signed."""

    keyid: str
    revoked_at: str
    reason: str

    def to_payload(self) -> bytes:
        return canonical_json(
            {
                "type": REVOCATION_TYPE,
                "keyid": self.keyid,
                "revokedAt": self.revoked_at,
                "reason": self.reason,
            }
        )

    def issue(self, center: SigningKey) -> dsse.Envelope:
        return dsse.sign(REVOCATION_PAYLOAD_TYPE, self.to_payload(), [center])

    @classmethod
    def open(cls, envelope: dsse.Envelope, center: VerifyingKey) -> KeyRevocation:
        doc = _open_center_signed(
            envelope, center, REVOCATION_PAYLOAD_TYPE, "key revocation", REVOCATION_TYPE
        )
        return cls(
            _field(doc, "keyid", "key revocation"),
            _field(doc, "revokedAt", "key revocation"),
            _field(doc, "reason", "key revocation"),
        )
