"""Offline bundle verification: the happy path, one flipped byte in each part, withdrawals, re-runs."""

import datetime as dt
import json
from pathlib import Path

import pytest

from qualbridge.errors import (
    BundleError,
    DigestError,
    KeyFileError,
    KeyValidityError,
    NoteError,
    ProofError,
    ReproducibilityError,
    SignatureError,
    StatusError,
    VerificationError,
    WitnessPolicyError,
)
from qualbridge.trust import intoto
from qualbridge.trust.bundle import Bundle
from qualbridge.trust.certificates import KeyCertificate
from qualbridge.trust.dsse import Envelope
from qualbridge.trust.keys import KeyValidity
from qualbridge.trust.verify import EvaluationInput, TrustRoot, verify_bundle

from .scenario import CENTER, LAB, PROFILE, REPORT, T0, World, rerun


def _issued() -> tuple[World, Bundle]:
    world = World()
    evidence, evaluation = world.issue_report()
    checkpoint = world.witnessed_checkpoint()
    return world, world.bundle([evidence, evaluation], checkpoint)


def _flip_char(data: bytes, at: int) -> bytes:
    """Replace one character by another of the same base64/text alphabet, so only the value changes."""
    new = b"B" if data[at : at + 1] != b"B" else b"C"
    return data[:at] + new + data[at + 1 :]


def _inside(data: bytes, marker: bytes, skip: int = 12) -> int:
    """An offset well inside the value that follows ``marker`` (away from base64 padding bits)."""
    return data.index(marker) + len(marker) + skip


def test_a_genuine_bundle_passes_every_step() -> None:
    world, bundle = _issued()
    report = verify_bundle(Bundle.from_bytes(bundle.to_bytes()), world.trust_root, rerun=rerun)
    assert [(s.number, s.status) for s in report.steps] == [(n, "passed") for n in range(1, 7)]
    assert report.checkpoint.size == 2
    assert set(report.cosignatures) == {"witness0.example", "witness1.example", "witness2.example"}
    assert {s.issuer for s in report.statements} == {LAB, CENTER}
    assert set(report.statuses.values()) == {"valid"}
    assert json.dumps(report.to_dict())


def test_without_an_engine_the_rerun_is_skipped_not_passed() -> None:
    world, bundle = _issued()
    report = verify_bundle(bundle, world.trust_root)
    assert report.steps[-1].number == 6
    assert report.steps[-1].status == "skipped"


def test_bundles_are_deterministic() -> None:
    assert _issued()[1].to_bytes() == _issued()[1].to_bytes()


def _member(bundle: Bundle, prefix: str, index: int = 0) -> str:
    return sorted(p for p in bundle.members if p.startswith(prefix))[index]


def _evidence_envelope(bundle: Bundle) -> str:
    for path in bundle.members:
        if path.startswith("attestations/"):
            payload = Envelope.from_json(bundle.members[path]).payload
            if json.loads(payload)["predicateType"] == intoto.EVIDENCE:
                return path
    raise AssertionError("no evidence envelope")


TAMPERS = {
    "raw file": (
        lambda b: (_member(b, "files/"), lambda d: d[:5] + bytes([d[5] ^ 1]) + d[6:]),
        1,
        DigestError,
    ),
    "payload": (
        lambda b: (_evidence_envelope(b), lambda d: _flip_char(d, _inside(d, b'"payload":"', 40))),
        2,
        SignatureError,
    ),
    "signature": (
        lambda b: (_evidence_envelope(b), lambda d: _flip_char(d, _inside(d, b'"sig":"'))),
        2,
        SignatureError,
    ),
    "checkpoint": (lambda b: ("checkpoint", lambda d: _flip_char(d, _inside(d, b"\n2\n", 0))), 3, NoteError),
    "proof node": (
        lambda b: (_member(b, "proofs/"), lambda d: _flip_char(d, d.index(b"\n", d.index(b"index ")) + 6)),
        4,
        ProofError,
    ),
    "status": (
        lambda b: ("status.dsse.json", lambda d: _flip_char(d, _inside(d, b'"payload":"', 60))),
        5,
        SignatureError,
    ),
}


@pytest.mark.parametrize("part", TAMPERS)
def test_one_flipped_byte_is_caught_at_the_right_step(part: str) -> None:
    world, bundle = _issued()
    locate, step, error = TAMPERS[part]
    path, mutate = locate(bundle)
    tampered = Bundle.from_bytes(bundle.replace(path, mutate(bundle.members[path])).to_bytes())
    with pytest.raises(error) as caught:
        verify_bundle(tampered, world.trust_root, rerun=rerun)
    assert caught.value.step == step, str(caught.value)
    assert str(caught.value).startswith(f"step {step}: ")


def test_a_tampered_manifest_is_refused_when_read() -> None:
    _, bundle = _issued()
    manifest = json.loads(bundle.members["manifest.json"])
    manifest["files"][0]["path"] = "../../etc/passwd"
    with pytest.raises(BundleError, match="unsafe member path") as caught:
        Bundle.from_members({**bundle.members, "manifest.json": json.dumps(manifest).encode()})
    assert caught.value.step == 1


def test_an_unlisted_member_is_refused() -> None:
    _, bundle = _issued()
    with pytest.raises(BundleError, match="does not list"):
        Bundle.from_members({**bundle.members, "files/extra": b"smuggled"})


def test_a_withdrawal_before_the_checkpoint_fails_at_the_status_step() -> None:
    world = World()
    evidence, evaluation = world.issue_report()
    withdrawal = world.change_status(evidence, "withdrawn", world.lab, LAB)
    checkpoint = world.witnessed_checkpoint()
    bundle = world.bundle([evidence, evaluation, withdrawal], checkpoint)
    with pytest.raises(StatusError, match="withdrawn") as caught:
        verify_bundle(bundle, world.trust_root, rerun=rerun)
    assert caught.value.step == 5


def test_a_snapshot_hiding_a_logged_withdrawal_is_caught() -> None:
    world = World()
    evidence, evaluation = world.issue_report()
    withdrawal = world.change_status(evidence, "withdrawn", world.lab, LAB)
    checkpoint = world.witnessed_checkpoint()
    lying = {evidence.statement.digest: "valid", evaluation.statement.digest: "valid"}
    bundle = world.bundle([evidence, evaluation, withdrawal], checkpoint, statuses=lying)
    with pytest.raises(StatusError, match="status change logged before the checkpoint"):
        verify_bundle(bundle, world.trust_root, rerun=rerun)


def test_a_withdrawal_after_the_checkpoint_does_not_affect_that_bundle() -> None:
    world = World()
    evidence, evaluation = world.issue_report()
    before = world.witnessed_checkpoint()
    bundle = world.bundle([evidence, evaluation], before)
    world.change_status(evidence, "withdrawn", world.lab, LAB)
    after = world.witnessed_checkpoint()
    # Status as of the bundle's checkpoint: still valid offline. The later checkpoint extends it, and a
    # bundle exported against it says withdrawn.
    verify_bundle(bundle, world.trust_root, rerun=rerun)
    with pytest.raises(StatusError, match="withdrawn"):
        verify_bundle(world.bundle([evidence, evaluation], after), world.trust_root, rerun=rerun)


def test_a_snapshot_for_another_checkpoint_is_refused() -> None:
    world = World()
    evidence, evaluation = world.issue_report()
    old = world.witnessed_checkpoint()
    world.share_grant()
    new = world.witnessed_checkpoint()
    stale = world.bundle([evidence, evaluation], old)
    fresh = world.bundle([evidence, evaluation], new)
    mixed = fresh.replace("status.dsse.json", stale.members["status.dsse.json"])
    with pytest.raises(StatusError, match="another checkpoint"):
        verify_bundle(mixed, world.trust_root, rerun=rerun)


def test_a_different_evaluation_result_fails_the_rerun() -> None:
    world, bundle = _issued()

    def stricter_engine(job: EvaluationInput) -> bytes:
        return rerun(
            EvaluationInput(
                job.statement_digest, job.predicate, job.evidence, PROFILE.replace(b"3520", b"1000")
            )
        )

    with pytest.raises(ReproducibilityError, match="differ from the signed result") as caught:
        verify_bundle(bundle, world.trust_root, rerun=stricter_engine)
    assert caught.value.step == 6


def test_an_expired_lab_key_is_refused() -> None:
    world = World(lab_validity=KeyValidity(T0 - dt.timedelta(days=30), T0 - dt.timedelta(days=1)))
    evidence, evaluation = world.issue_report()
    bundle = world.bundle([evidence, evaluation], world.witnessed_checkpoint())
    with pytest.raises(KeyValidityError, match="expired") as caught:
        verify_bundle(bundle, world.trust_root)
    assert caught.value.step == 2


def test_a_key_revoked_by_the_trust_root_is_refused() -> None:
    world, bundle = _issued()
    root = world.trust_root
    revoked = TrustRoot(root.center_name, root.center, root.log, root.witnesses, frozenset({world.lab.keyid}))
    with pytest.raises(KeyValidityError, match="revoked"):
        verify_bundle(bundle, revoked)


def test_a_statement_signed_by_another_org_than_its_issuer_is_refused() -> None:
    world = World()
    forged = world.attest(
        intoto.evidence_statement(
            [intoto.Subject.of("report.csv", REPORT)],
            kind="x",
            issuer="other-lab.example",
            record={},
            issued_at="2026-03-01T09:00:00Z",
        ),
        world.lab,
    )
    _, evaluation = world.issue_report()
    bundle = world.bundle([forged, evaluation], world.witnessed_checkpoint())
    with pytest.raises(SignatureError, match=r"names issuer 'other-lab\.example'"):
        verify_bundle(bundle, world.trust_root)


def test_an_uncertified_key_is_not_trusted() -> None:
    _, bundle = _issued()
    other = World(center=World().lab)  # a different center certified the lab
    with pytest.raises(VerificationError) as caught:
        verify_bundle(bundle, other.trust_root)
    assert caught.value.step == 2


def test_too_few_witnesses_fail_the_checkpoint_step() -> None:
    world = World(threshold=3)
    evidence, evaluation = world.issue_report()
    note = world.log.sign_checkpoint()
    for witness in world.witnesses[:2]:
        note = witness.add_checkpoint(0, [], note, timestamp=world.time)
    with pytest.raises(WitnessPolicyError, match="2 of 3") as caught:
        verify_bundle(world.bundle([evidence, evaluation], note), world.trust_root)
    assert caught.value.step == 3


def test_trust_root_round_trip_and_errors(tmp_path: Path) -> None:
    root = World().trust_root
    path = tmp_path / "trust-root.json"
    path.write_bytes(root.to_bytes())
    assert TrustRoot.from_file(path) == root
    with pytest.raises(KeyFileError, match="not a QualBridge trust root"):
        TrustRoot.from_bytes(b'{"mediaType": "x"}')
    doc = json.loads(root.to_bytes())
    doc["witnesses"]["threshold"] = 0
    with pytest.raises(KeyFileError, match="threshold"):
        TrustRoot.from_bytes(json.dumps(doc).encode(), source="root.json")
    with pytest.raises(KeyFileError, match="cannot read"):
        TrustRoot.from_file(tmp_path / "missing.json")


def test_a_file_that_is_not_a_zip_is_refused_at_step_one() -> None:
    with pytest.raises(BundleError, match="not a readable zip") as caught:
        Bundle.from_bytes(b"PK\x03\x04 truncated")
    assert caught.value.step == 1


def test_a_key_certified_for_another_purpose_is_not_used() -> None:
    world = World()
    world.certificate = KeyCertificate(LAB, world.lab.public, world.lab_validity, "tls").issue(world.center)
    evidence, evaluation = world.issue_report()
    bundle = world.bundle([evidence, evaluation], world.witnessed_checkpoint())
    with pytest.raises(KeyValidityError, match="certified for 'tls'"):
        verify_bundle(bundle, world.trust_root)
