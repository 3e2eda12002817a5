"""The pure half of --online: a later withdrawal and a later fork are both caught."""

import pytest

from qualbridge.errors import ProofError, StatusError
from qualbridge.trust.checkpoint import Checkpoint
from qualbridge.trust.freshness import check_freshness
from qualbridge.trust.verify import verify_bundle

from .scenario import LAB, World, rerun


def test_a_withdrawal_after_export_is_reported() -> None:
    world = World()
    evidence, evaluation = world.issue_report()
    exported = world.witnessed_checkpoint()
    bundle = world.bundle([evidence, evaluation], exported)
    report = verify_bundle(bundle, world.trust_root, rerun=rerun)
    withdrawal = world.change_status(evidence, "withdrawn", world.lab, LAB)
    newer = world.witnessed_checkpoint()
    fresh = check_freshness(
        bundle,
        report,
        world.trust_root,
        newer=newer,
        consistency=world.log.consistency_proof(report.checkpoint.size),
        changes=[(withdrawal.envelope, world.log.tlog_proof(withdrawal.index, newer))],
    )
    assert fresh.checkpoint.size == 3
    assert fresh.changed == {evidence.statement.digest: "withdrawn"}
    with pytest.raises(StatusError, match="withdrawn"):
        fresh.require_unchanged()


def test_nothing_changed_passes() -> None:
    world = World()
    evidence, evaluation = world.issue_report()
    bundle = world.bundle([evidence, evaluation], world.witnessed_checkpoint())
    report = verify_bundle(bundle, world.trust_root)
    newer = world.witnessed_checkpoint()
    fresh = check_freshness(bundle, report, world.trust_root, newer=newer, consistency=[], changes=[])
    fresh.require_unchanged()
    assert fresh.changed == {}


def test_a_newer_checkpoint_from_a_fork_is_refused() -> None:
    world = World()
    evidence, evaluation = world.issue_report()
    bundle = world.bundle([evidence, evaluation], world.witnessed_checkpoint())
    report = verify_bundle(bundle, world.trust_root)
    # The log operator shows this fab a different history of the same size + 1, signed with the real key
    # and cosigned by witnesses that were shown only the fork.
    fork = World()
    fork.log.append([b"rewritten history", b"x", b"y"])
    forged = Checkpoint(fork.log.origin, 3, fork.log.root()).sign(world.log_signer)
    for witness in fork.witnesses:
        forged = witness.add_checkpoint(0, [], forged, timestamp=fork.time)
    with pytest.raises(ProofError, match="forked"):
        check_freshness(
            bundle,
            report,
            world.trust_root,
            newer=forged,
            consistency=fork.log.consistency_proof(2),
            changes=[],
        )
