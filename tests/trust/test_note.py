"""C2SP signed notes, checkpoints, cosignatures, witness policies and tlog-proofs."""

import base64

import pytest

from qualbridge.errors import NoteError, ProofError, WitnessPolicyError
from qualbridge.trust.checkpoint import Checkpoint, TlogProof, WitnessPolicy, cosign, open_checkpoint
from qualbridge.trust.merkle import EMPTY_ROOT
from qualbridge.trust.note import COSIGNATURE_V1, Note, NoteSigner, NoteVerifier, key_id, sign_note

from .scenario import key

# c2sp.org/signed-note test vector, quoted in the reference notes §3.4 (verified there with pyca).
VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SIGNED = (
    "This is an example message.\n\n"
    "— example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
).encode()


def test_c2sp_signed_note_vector() -> None:
    verifier = NoteVerifier.from_vkey(VKEY)
    assert verifier.key_id == 0x530D903A
    assert verifier.vkey == VKEY
    note = Note.parse(SIGNED)
    assert note.text == "This is an example message.\n"
    assert note.verify([verifier]) == {"example.com/foo": None}
    assert note.to_bytes() == SIGNED


def test_unknown_signatures_are_ignored_but_a_bad_known_one_rejects() -> None:
    verifier = NoteVerifier.from_vkey(VKEY)
    other = NoteSigner("other.example/key", key("other"))
    extra = Note.parse(SIGNED).with_signature_lines([other.signature_line(b"This is an example message.\n")])
    assert extra.verify([verifier]) == {"example.com/foo": None}
    # Same name, different key id: still unknown, still ignored.
    impostor = NoteSigner("example.com/foo", key("impostor"))
    line = impostor.signature_line(b"This is an example message.\n")
    assert Note.parse(SIGNED).with_signature_lines([line]).verify([verifier]) == {"example.com/foo": None}
    tampered = SIGNED.replace(b"example message", b"exemple message")
    with pytest.raises(NoteError, match="does not verify"):
        Note.parse(tampered).verify([verifier])
    with pytest.raises(NoteError, match="no signature by a trusted key"):
        Note.parse(SIGNED).verify([other.verifier])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"no blank line\n\xe2\x80\x94 a b\n", "no blank line"),
        (b"text\n\nnot a signature\n", "not a signature line"),
        (b"text\x07\n\n\xe2\x80\x94 a AAAAAAA=\n", "control character"),
        (b"\xff\n\n", "not UTF-8"),
        (b"text\n\n\xe2\x80\x94 a+b AAAAAAAA\n", "key name"),
    ],
)
def test_malformed_notes_are_named(data: bytes, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        Note.parse(data)


def test_the_note_text_ends_at_the_last_blank_line() -> None:
    signer = NoteSigner("example.com/k", key("k"))
    note = Note.parse(sign_note("para one\n\npara two\n", [signer]))
    assert note.text == "para one\n\npara two\n"
    note.verify([signer.verifier])


def test_cosignature_format() -> None:
    witness = NoteSigner("witness.example/w1", key("w1"), COSIGNATURE_V1)
    text = Checkpoint("example.com/log", 5, bytes(32)).to_text()
    line = witness.signature_line(text.encode(), timestamp=1679315147)
    blob = base64.b64decode(line.split(" ")[2])
    assert len(blob) == 76  # 4-byte key id, u64 timestamp, 64-byte Ed25519 signature
    assert int.from_bytes(blob[:4], "big") == key_id("witness.example/w1", 0x04, witness.key.public.raw)
    assert int.from_bytes(blob[4:12], "big") == 1679315147
    witness.key.public.verify(blob[12:], b"cosignature/v1\ntime 1679315147\n" + text.encode())


def test_checkpoint_text_round_trip_and_errors() -> None:
    checkpoint = Checkpoint("example.com/log", 0, EMPTY_ROOT, ("ext one",))
    assert (
        checkpoint.to_text() == "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\n"
    )
    assert Checkpoint.from_text(checkpoint.to_text()) == checkpoint
    with pytest.raises(NoteError, match="leading zeros"):
        Checkpoint.from_text("example.com/log\n007\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
    with pytest.raises(NoteError, match="32-byte"):
        Checkpoint.from_text("example.com/log\n7\nAAAA\n")


def test_open_checkpoint_checks_the_log_key_and_origin() -> None:
    log = NoteSigner("example.com/log", key("log"))
    note = Checkpoint("example.com/log", 3, bytes(32)).sign(log)
    assert open_checkpoint(note, log.verifier)[0].size == 3
    with pytest.raises(NoteError, match="expected other"):
        open_checkpoint(note, log.verifier, origin="other")
    with pytest.raises(NoteError, match="no signature by a trusted key"):
        open_checkpoint(note, NoteSigner("example.com/log", key("not-log")).verifier)


def test_witness_policy_k_of_n() -> None:
    log = NoteSigner("example.com/log", key("log"))
    witnesses = [NoteSigner(f"w{i}.example", key(f"w{i}"), COSIGNATURE_V1) for i in range(3)]
    policy = WitnessPolicy(tuple(w.verifier for w in witnesses), 2)
    note = Checkpoint("example.com/log", 3, bytes(32)).sign(log)
    once = cosign(note, witnesses[0], timestamp=100)
    with pytest.raises(WitnessPolicyError, match="1 of 2"):
        policy.check(Note.parse(once))
    twice = cosign(once, witnesses[2], timestamp=101)
    assert policy.check(Note.parse(twice)) == {"w0.example": 100, "w2.example": 101}
    forged = twice.replace(b"\n3\n", b"\n4\n")
    with pytest.raises(WitnessPolicyError, match="invalid"):
        policy.check(Note.parse(forged))
    with pytest.raises(ValueError, match="between 1 and 3"):
        WitnessPolicy(policy.witnesses, 0)


def test_tlog_proof_round_trip() -> None:
    log = NoteSigner("example.com/log", key("log"))
    note = Checkpoint("example.com/log", 3, bytes(32)).sign(log)
    proof = TlogProof(2, (bytes(32), bytes([1]) * 32), note, extra=b"ctx")
    text = proof.to_text()
    assert text.startswith("c2sp.org/tlog-proof@v1\nextra Y3R4\nindex 2\n")
    assert TlogProof.from_text(text) == proof
    with pytest.raises(ProofError, match="index"):
        TlogProof.from_text(text.replace("index 2", "index 02"))
    with pytest.raises(ProofError, match="32-byte"):
        TlogProof.from_text(text.replace("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "AAAA"))
