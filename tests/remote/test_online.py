"""fetch_freshness over a log that grew past tile boundaries since the bundle was exported."""

import pytest

from qualbridge.errors import KeyValidityError, ProofError, SignatureError
from qualbridge.remote import LogClient
from qualbridge.remote.online import fetch_freshness
from qualbridge.trust.bundle import Bundle, Logged
from qualbridge.trust.certificates import KeyCertificate
from qualbridge.trust.verify import VerificationReport, verify_bundle
from tests.trust.scenario import LAB, World, key, rerun

from .fakelog import BASE, FakeLog


def _exported() -> tuple[World, Logged, Bundle, VerificationReport]:
    """A toy bundle at tree size 2, verified offline."""
    world = World()
    evidence, evaluation = world.issue_report()
    bundle = world.bundle([evidence, evaluation], world.witnessed_checkpoint())
    return world, evidence, bundle, verify_bundle(bundle, world.trust_root, rerun=rerun)


def _grown(world: World, evidence: Logged, entries: int) -> FakeLog:
    """``entries`` unrelated entries, then a withdrawal of the report, served by a fake log."""
    world.log.append([f"other kind {i}".encode() for i in range(entries)])
    withdrawal = world.change_status(evidence, "withdrawn", world.lab, LAB)
    fake = FakeLog(world.log, world.witnessed_checkpoint(), world.trust_root.to_bytes())
    fake.publish([withdrawal])
    return fake


def test_a_withdrawal_hundreds_of_entries_later_is_found() -> None:
    world, evidence, bundle, report = _exported()
    fake = _grown(world, evidence, 600)
    fresh = fetch_freshness(LogClient(BASE, transport=fake.transport), bundle, report, world.trust_root)
    assert fresh.checkpoint.size == 603
    assert fresh.changed == {evidence.statement.digest: "withdrawn"}
    assert [r for r in fake.requests if "/envelopes/" in r] == [
        f"GET /log/envelopes/{next(iter(fake.envelopes))}"
    ]


def test_an_altered_entry_anywhere_after_the_bundle_is_caught() -> None:
    world, evidence, bundle, report = _exported()
    fake = _grown(world, evidence, 600)
    fake.rewrite_entries = lambda data: data.replace(b"other kind 417", b"other kind 999")
    with pytest.raises(ProofError, match="do not rebuild its checkpoint's root"):
        fetch_freshness(LogClient(BASE, transport=fake.transport), bundle, report, world.trust_root)


def test_a_log_that_has_not_grown_changes_nothing() -> None:
    world, _, bundle, report = _exported()
    fake = FakeLog(world.log, bundle.members["checkpoint"], world.trust_root.to_bytes())
    fresh = fetch_freshness(LogClient(BASE, transport=fake.transport), bundle, report, world.trust_root)
    assert (fresh.checkpoint.size, fresh.changed) == (2, {})
    assert fake.requests == ["GET /log/checkpoint"]  # nothing to prove, nothing fetched


def test_a_withdrawal_signed_with_a_key_rotated_in_after_the_export_is_checked_with_its_certificate() -> None:
    """The lab rotated its key after the bundle was made: the bundle carries no certificate of the key
    that signed the withdrawal. The log serves it; the client believes it only under the pinned center."""
    world, evidence, bundle, report = _exported()
    rotated = key("lab, rotated")
    withdrawal = world.change_status(evidence, "withdrawn", rotated, LAB)
    fake = FakeLog(world.log, world.witnessed_checkpoint(), world.trust_root.to_bytes())
    fake.publish([withdrawal])
    client = LogClient(BASE, transport=fake.transport)
    with pytest.raises(SignatureError):  # no certificate anywhere: an uncertified signer
        fetch_freshness(client, bundle, report, world.trust_root)
    forged = KeyCertificate(LAB, rotated.public, world.lab_validity).issue(key("not the center"))
    fake.certificates[rotated.keyid] = forged.to_json()
    with pytest.raises(KeyValidityError, match="not signed by the pinned center key"):
        fetch_freshness(client, bundle, report, world.trust_root)
    fake.certificates[rotated.keyid] = (
        KeyCertificate(LAB, rotated.public, world.lab_validity).issue(world.center).to_json()
    )
    fresh = fetch_freshness(client, bundle, report, world.trust_root)
    assert fresh.changed == {evidence.statement.digest: "withdrawn"}
    assert f"GET /log/certificates/{rotated.keyid}" in fake.requests
