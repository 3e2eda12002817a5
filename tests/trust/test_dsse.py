"""DSSE v1: the spec's test vector, PAE byte lengths, both base64 alphabets, thresholds."""

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from qualbridge.errors import SignatureError
from qualbridge.trust import dsse

from .scenario import key

# secure-systems-lab/dsse protocol.md "Test Vectors" (v1.0.2), quoted in the reference notes §1.
SPEC_ENVELOPE = (
    '{"payload": "aGVsbG8gd29ybGQ=", "payloadType": "http://example.com/HelloWorld", "signatures": '
    '[{"sig": "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="}]}'
)
SPEC_X = 46950820868899156662930047687818585632848591499744589407958293238635476079160
SPEC_Y = 5640078356564379163099075877009565129882514886557779369047442380624545832820
SPEC_D = 97358161215184420915383655311931858321456579547487070936769975997791359926199


def test_spec_vector_pae_and_signature() -> None:
    envelope = dsse.Envelope.from_json(SPEC_ENVELOPE)
    assert envelope.pae() == b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    # The vector is ECDSA P-256 with a raw r||s signature: verify it over our PAE with pyca directly.
    sig = envelope.signatures[0].sig
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    public = ec.EllipticCurvePublicNumbers(SPEC_X, SPEC_Y, ec.SECP256R1()).public_key()
    public.verify(der, envelope.pae(), ec.ECDSA(hashes.SHA256()))
    assert envelope.signatures[0].keyid == ""


def test_spec_vector_signature_is_reproduced_byte_for_byte_over_our_pae() -> None:
    # The vector's key signs deterministically (RFC 6979): re-signing our PAE must give the same r||s.
    private = ec.derive_private_key(SPEC_D, ec.SECP256R1())
    der = private.sign(
        dsse.pae("http://example.com/HelloWorld", b"hello world"),
        ec.ECDSA(hashes.SHA256(), deterministic_signing=True),
    )
    r, s = decode_dss_signature(der)
    expected = dsse.Envelope.from_json(SPEC_ENVELOPE).signatures[0].sig
    assert r.to_bytes(32, "big") + s.to_bytes(32, "big") == expected


def test_pae_counts_bytes_not_characters() -> None:
    assert dsse.pae("application/vnd.é", b"\xc3\xa9") == b"DSSEv1 18 application/vnd.\xc3\xa9 2 \xc3\xa9"


def test_sign_verify_and_return_the_verified_bytes() -> None:
    lab = key("lab")
    envelope = dsse.sign("application/vnd.in-toto+json", b'{"x":1}', [lab])
    verified = dsse.verify(dsse.Envelope.from_json(envelope.to_json()), [lab.public])
    assert verified.payload == b'{"x":1}'
    assert verified.keyids == (lab.keyid,)


def test_url_safe_and_unpadded_base64_are_accepted() -> None:
    lab = key("lab")
    payload = bytes(range(250, 256)) * 3  # encodes with '+' and '/' in standard base64
    envelope = dsse.sign("t", payload, [lab])
    doc = envelope.to_dict()
    assert "/" in doc["payload"] or "+" in doc["payload"]
    doc["payload"] = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    doc["signatures"][0]["sig"] = base64.urlsafe_b64encode(envelope.signatures[0].sig).decode().rstrip("=")
    assert dsse.verify(dsse.Envelope.from_dict(doc), [lab.public]).payload == payload


def test_unknown_fields_are_ignored_and_keyid_is_only_a_hint() -> None:
    lab = key("lab")
    doc = dsse.sign("t", b"body", [lab]).to_dict()
    doc["producer"] = "extra"
    doc["signatures"][0]["keyid"] = "not-the-real-id"
    doc["signatures"][0]["extension"] = {"x": 1}
    assert dsse.verify(dsse.Envelope.from_dict(doc), [lab.public]).keyids == (lab.keyid,)


def test_multiple_signatures_and_thresholds() -> None:
    lab, reviewer, other = key("lab"), key("reviewer"), key("other")
    envelope = dsse.add_signature(dsse.sign("t", b"body", [lab]), reviewer)
    assert set(dsse.verify(envelope, [lab.public, reviewer.public], threshold=2).keyids) == {
        lab.keyid,
        reviewer.keyid,
    }
    doubled = dsse.add_signature(envelope, lab)
    with pytest.raises(SignatureError, match="1 of 2"):
        dsse.verify(doubled, [lab.public, other.public], threshold=2)  # one key counts once


def test_failures_raise() -> None:
    lab = key("lab")
    envelope = dsse.sign("t", b"body", [lab])
    with pytest.raises(SignatureError, match="0 of 1"):
        dsse.verify(envelope, [key("other").public])
    tampered = dsse.Envelope("t", b"bodY", envelope.signatures)
    with pytest.raises(SignatureError):
        dsse.verify(tampered, [lab.public])
    with pytest.raises(SignatureError, match="unsupported payloadType"):
        dsse.verify(envelope, [lab.public], payload_types=["application/vnd.in-toto+json"])
    with pytest.raises(SignatureError, match="no 'signatures'"):
        dsse.Envelope.from_json(json.dumps({"payload": "", "payloadType": "t"}))
    with pytest.raises(SignatureError, match="not valid base64"):
        dsse.Envelope.from_dict({"payload": "***", "payloadType": "t", "signatures": []})
