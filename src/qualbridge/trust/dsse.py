"""DSSE v1 envelopes (secure-systems-lab/dsse v1.0.2): PAE, signing, verification.

    {"payload": "<base64 body>", "payloadType": "<type>", "signatures": [{"keyid": "…", "sig": "<base64>"}]}

Rules kept here, each from the DSSE spec (envelope.md, protocol.md):

- the signature is over ``PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body``, where
  LEN is the ASCII decimal length in **bytes** (a non-ASCII payloadType is measured after UTF-8);
- verifiers accept standard and URL-safe base64, padded or not; producers here write standard base64;
- unknown fields are ignored, an absent ``keyid`` is the empty one, several signatures are allowed;
- ``keyid`` is an unauthenticated hint: it may narrow the keys tried first, but a signature whose keyid
  names no trusted key is still tried against every trusted key;
- :func:`verify` returns the payload bytes that were verified. Callers parse *those* bytes and never go
  back to the envelope for the payload.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qualbridge.errors import SignatureError
from qualbridge.trust.keys import SigningKey, VerifyingKey


def pae(payload_type: str, payload: bytes) -> bytes:
    """Pre-Authentication Encoding, DSSE v1: what is actually signed."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(t), t, len(payload), payload)


def b64decode_any(text: str, *, what: str) -> bytes:
    """Decode standard or URL-safe base64, with or without padding; anything else is an error."""
    if not isinstance(text, str):
        raise SignatureError(f"{what} is not a base64 string")
    cleaned = text.replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError(f"{what} is not valid base64") from exc


@dataclass(frozen=True, slots=True)
class Signature:
    sig: bytes
    keyid: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"sig": base64.b64encode(self.sig).decode("ascii")}
        if self.keyid:
            out["keyid"] = self.keyid
        return out


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed DSSE envelope. Holding one proves nothing: call :func:`verify`."""

    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...]

    @classmethod
    def from_json(cls, data: bytes | str) -> Envelope:
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SignatureError("the envelope is not JSON", expected="a DSSE envelope") from exc
        return cls.from_dict(doc)

    @classmethod
    def from_dict(cls, doc: Any) -> Envelope:
        if not isinstance(doc, Mapping):
            raise SignatureError("the envelope is not a JSON object", expected="a DSSE envelope")
        for name in ("payload", "payloadType", "signatures"):
            if name not in doc:
                raise SignatureError(f"the envelope has no {name!r} field", expected="a DSSE envelope")
        if not isinstance(doc["payloadType"], str):
            raise SignatureError("the envelope's payloadType is not a string")
        raw_sigs = doc["signatures"]
        if not isinstance(raw_sigs, list):
            raise SignatureError("the envelope's signatures are not a list")
        sigs = []
        for i, item in enumerate(raw_sigs):
            if not isinstance(item, Mapping) or "sig" not in item:
                raise SignatureError(f"signature {i} of the envelope has no 'sig' field")
            keyid = item.get("keyid") or ""
            if not isinstance(keyid, str):
                raise SignatureError(f"signature {i} of the envelope has a keyid that is not a string")
            sigs.append(Signature(b64decode_any(item["sig"], what=f"signature {i}"), keyid))
        payload = b64decode_any(doc["payload"], what="the envelope's payload")
        return cls(doc["payloadType"], payload, tuple(sigs))

    def to_dict(self) -> dict[str, Any]:
        return {
            "payload": base64.b64encode(self.payload).decode("ascii"),
            "payloadType": self.payload_type,
            "signatures": [s.to_dict() for s in self.signatures],
        }

    def to_json(self) -> bytes:
        """Sorted keys, no whitespace: one envelope always serialises to the same bytes."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":")).encode("ascii")

    def pae(self) -> bytes:
        return pae(self.payload_type, self.payload)


def sign(payload_type: str, payload: bytes, keys: Iterable[SigningKey]) -> Envelope:
    """An envelope over ``payload`` with one signature per key (keyid = the key's id)."""
    message = pae(payload_type, payload)
    sigs = tuple(Signature(key.sign(message), key.keyid) for key in keys)
    if not sigs:
        raise ValueError("an envelope needs at least one signing key")
    return Envelope(payload_type, payload, sigs)


def add_signature(envelope: Envelope, key: SigningKey) -> Envelope:
    """The same envelope with one more signature (a reviewer countersigning a lab's statement)."""
    sig = Signature(key.sign(envelope.pae()), key.keyid)
    return Envelope(envelope.payload_type, envelope.payload, (*envelope.signatures, sig))


@dataclass(frozen=True, slots=True)
class Verified:
    """What a successful verification established: these payload bytes, signed by these keys."""

    payload_type: str
    payload: bytes
    keyids: tuple[str, ...]


def verify(
    envelope: Envelope,
    keys: Sequence[VerifyingKey],
    *,
    threshold: int = 1,
    payload_types: Iterable[str] | None = None,
) -> Verified:
    """Raise SignatureError unless at least ``threshold`` distinct trusted keys signed the envelope.

    Order per the DSSE protocol: signatures first, then the payloadType is checked against the accepted
    ones. Each trusted key counts once however many signatures it made.
    """
    if threshold < 1:
        raise ValueError("a signature threshold below 1 would accept unsigned envelopes")
    message = envelope.pae()
    by_id = {key.keyid: key for key in keys}
    signers: list[str] = []
    for sig in envelope.signatures:
        hinted = by_id.get(sig.keyid)
        candidates = [hinted] if hinted is not None else []
        candidates += [k for k in keys if k is not hinted]
        for key in candidates:
            if key.keyid not in signers and key.is_signature(sig.sig, message):
                signers.append(key.keyid)
                break
    if len(signers) < threshold:
        names = ", ".join(s.keyid[:16] or "(no keyid)" for s in envelope.signatures) or "none"
        raise SignatureError(
            f"{len(signers)} of {threshold} required trusted signatures verify (signatures: {names})",
            expected="a signature by a trusted key over the DSSE PAE",
        )
    if payload_types is not None and envelope.payload_type not in set(payload_types):
        raise SignatureError(f"unsupported payloadType {envelope.payload_type!r}")
    return Verified(envelope.payload_type, envelope.payload, tuple(signers))
