"""Ed25519 keys: key ids, encrypted storage, validity windows, center-signed certificates."""

import datetime as dt
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization

from qualbridge.errors import KeyFileError, KeyValidityError
from qualbridge.trust import dsse
from qualbridge.trust.certificates import KeyCertificate, KeyRevocation
from qualbridge.trust.keys import KeyValidity, SigningKey, VerifyingKey

from .scenario import key

T = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_rfc8032_test_vector_1() -> None:
    # RFC 8032 §7.1, TEST 1: secret key 9d61b19d…, public key d75a9801…, empty message.
    sk = SigningKey.from_seed(
        bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    )
    assert sk.public.raw.hex() == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert (
        sk.sign(b"")
        .hex()
        .startswith("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb88215")
    )


def test_keyid_is_the_sha256_of_the_spki_der() -> None:
    sk = key("a")
    der = sk._private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert sk.keyid == hashlib.sha256(der).hexdigest()
    assert len(sk.keyid) == 64
    assert VerifyingKey.from_pem(sk.public.to_pem()).keyid == sk.keyid
    assert VerifyingKey.from_base64(sk.public.to_base64()) == sk.public


def test_private_keys_are_stored_encrypted() -> None:
    sk = key("b")
    pem = sk.to_pem(b"correct horse")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert SigningKey.from_pem(pem, b"correct horse").keyid == sk.keyid
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        SigningKey.from_pem(pem, b"wrong")
    with pytest.raises(KeyFileError, match="without a passphrase"):
        sk.to_pem(b"")
    assert "correct" not in repr(sk)
    assert sk.keyid[:16] in repr(sk)


def test_validity_window_and_revocation() -> None:
    window = KeyValidity(T, T + dt.timedelta(days=365))
    window.check(T)
    with pytest.raises(KeyValidityError, match="not valid before"):
        window.check(T - dt.timedelta(seconds=1))
    with pytest.raises(KeyValidityError, match="expired"):
        window.check(T + dt.timedelta(days=365))
    with pytest.raises(KeyValidityError, match="revoked"):
        KeyValidity(T, revoked_at=T + dt.timedelta(days=2)).check(T + dt.timedelta(days=1))
    with pytest.raises(ValueError, match="time zone"):
        window.check(dt.datetime(2026, 2, 1))


def test_certificate_round_trip_and_tamper() -> None:
    center, lab = key("center"), key("lab")
    cert = KeyCertificate("lab.example", lab.public, KeyValidity(T, T + dt.timedelta(days=90)))
    envelope = cert.issue(center)
    assert KeyCertificate.open(envelope, center.public) == cert
    with pytest.raises(KeyValidityError, match="not signed by the pinned center key"):
        KeyCertificate.open(envelope, lab.public)
    forged = dsse.Envelope(
        envelope.payload_type, envelope.payload.replace(b"lab.example", b"bad.example"), envelope.signatures
    )
    with pytest.raises(KeyValidityError):
        KeyCertificate.open(forged, center.public)


def test_revocation_round_trip() -> None:
    center = key("center")
    revocation = KeyRevocation(key("lab").keyid, "2026-02-01T00:00:00Z", "key compromise")
    assert KeyRevocation.open(revocation.issue(center), center.public) == revocation
