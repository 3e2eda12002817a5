"""The incremental log: batches against the reference, checkpoint discipline, crash safety, witnesses."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualbridge.errors import LogIntegrityError, NoteError, ProofError, WitnessConflictError
from qualbridge.trust import merkle
from qualbridge.trust.checkpoint import Checkpoint, open_checkpoint
from qualbridge.trust.log import Batch, MemoryStorage, TransparencyLog
from qualbridge.trust.note import COSIGNATURE_V1, NoteSigner
from qualbridge.trust.witness import TreeHead, Witness, verify_extension

from .scenario import key

ORIGIN = "example.com/log"
SIGNER = NoteSigner(ORIGIN, key("log"))


def _log(storage: MemoryStorage | None = None) -> TransparencyLog:
    return TransparencyLog(storage or MemoryStorage(), origin=ORIGIN, signer=SIGNER)


@settings(max_examples=50)
@given(batches=st.lists(st.integers(0, 70), max_size=12))
def test_batched_appends_match_the_reference_tree(batches: list[int]) -> None:
    log, leaves = _log(), []
    for n, size in enumerate(batches):
        entries = [n.to_bytes(4, "big") + bytes([i]) for i in range(size)]
        assert log.append(entries) == range(len(leaves), len(leaves) + size)
        leaves += [merkle.leaf_hash(e) for e in entries]
        assert log.root() == merkle.root_of(leaves)
    for index in range(0, len(leaves), 7):
        merkle.verify_inclusion(index, len(leaves), leaves[index], log.inclusion_proof(index), log.root())
    for old in range(1, len(leaves), 5):
        merkle.verify_consistency(old, len(leaves), log.root(old), log.root(), log.consistency_proof(old))


def test_checkpoints_are_signed_from_storage_and_repeat_when_nothing_changed() -> None:
    log = _log()
    log.append([b"a", b"b", b"c"])
    note = log.sign_checkpoint()
    checkpoint, _ = open_checkpoint(note, SIGNER.verifier)
    assert (checkpoint.size, checkpoint.root_hash) == (
        3,
        merkle.root_of([merkle.leaf_hash(x) for x in (b"a", b"b", b"c")]),
    )
    assert log.sign_checkpoint() == note
    log.append([b"d"])
    assert open_checkpoint(log.sign_checkpoint(), SIGNER.verifier)[0].size == 4


def test_the_log_refuses_to_sign_after_its_storage_was_rolled_back() -> None:
    storage = MemoryStorage()
    log = _log(storage)
    log.append([b"a", b"b", b"c"])
    log.sign_checkpoint()
    rolled_back = MemoryStorage()
    rolled_back.write(Batch(0, [b"a"], [[merkle.leaf_hash(b"a")]]))
    latest = storage.latest_checkpoint()
    assert latest is not None
    rolled_back._checkpoints = [(3, latest)]  # the entries were lost, the signed size-3 checkpoint survived
    with pytest.raises(LogIntegrityError, match="rolled back"):
        _log(rolled_back)


def test_the_log_refuses_to_sign_a_checkpoint_inconsistent_with_the_last() -> None:
    storage = MemoryStorage()
    log = _log(storage)
    log.append([b"a", b"b"])
    log.sign_checkpoint()
    storage._levels[1][0] = merkle.node_hash(
        merkle.leaf_hash(b"a"), merkle.leaf_hash(b"X")
    )  # altered history
    storage._levels[0][1] = merkle.leaf_hash(b"X")
    log.append([b"c"])
    with pytest.raises(LogIntegrityError, match="inconsistent checkpoint"):
        log.sign_checkpoint()


class _CrashingStorage(MemoryStorage):
    """Storage whose process dies while writing a batch: nothing of the batch is committed."""

    def write(self, batch: Batch) -> None:
        if batch.start > 0:
            raise KeyboardInterrupt("killed while appending")
        super().write(batch)


def test_a_crash_while_appending_leaves_checkpoints_matching_the_leaves() -> None:
    storage = _CrashingStorage()
    log = _log(storage)
    log.append([b"a", b"b"])
    first = log.sign_checkpoint()
    with pytest.raises(KeyboardInterrupt):
        log.append([b"c"])
    reopened = _log(storage)  # opening re-checks the last checkpoint against the stored tree
    assert reopened.size == 2
    assert reopened.sign_checkpoint() == first


def test_storage_refuses_a_batch_that_does_not_continue_the_tree() -> None:
    storage = MemoryStorage()
    log = _log(storage)
    log.append([b"a"])
    with pytest.raises(LogIntegrityError, match="cannot follow"):
        storage.write(Batch(0, [b"b"], [[merkle.leaf_hash(b"b")]]))
    with pytest.raises(LogIntegrityError, match="exceeds"):
        storage.write_checkpoint(5, b"note")


def _witness(index: int = 0) -> Witness:
    return Witness(NoteSigner(f"w{index}.example", key(f"w{index}"), COSIGNATURE_V1), [SIGNER.verifier])


def test_a_witness_cosigns_consistent_checkpoints() -> None:
    log, witness = _log(), _witness()
    log.append([b"a", b"b", b"c"])
    witness.add_checkpoint(0, [], log.sign_checkpoint(), timestamp=1)
    log.append([b"d", b"e"])
    cosigned = witness.add_checkpoint(3, log.consistency_proof(3), log.sign_checkpoint(), timestamp=2)
    assert b"\xe2\x80\x94 w0.example " in cosigned
    assert witness.latest(ORIGIN) == TreeHead(5, log.root())


def test_a_forked_log_is_detected_by_the_witness() -> None:
    honest, fork, witness = _log(), _log(), _witness()
    honest.append([b"a", b"b", b"c"])
    fork.append([b"a", b"b", b"X"])  # same origin, same key, different history
    witness.add_checkpoint(0, [], honest.sign_checkpoint(), timestamp=1)
    with pytest.raises(ProofError, match="forked"):
        witness.add_checkpoint(3, [], fork.sign_checkpoint(), timestamp=2)
    fork.append([b"d"])
    with pytest.raises(ProofError):
        witness.add_checkpoint(3, fork.consistency_proof(3), fork.sign_checkpoint(), timestamp=3)
    assert witness.latest(ORIGIN).root_hash == honest.root()


def test_witness_protocol_errors() -> None:
    log, witness = _log(), _witness()
    log.append([b"a", b"b"])
    note = log.sign_checkpoint()
    with pytest.raises(WitnessConflictError) as conflict:
        witness.add_checkpoint(1, log.consistency_proof(1), note, timestamp=1)
    assert conflict.value.latest_size == 0
    with pytest.raises(ProofError, match="must be empty"):
        witness.add_checkpoint(0, [merkle.EMPTY_ROOT], note, timestamp=1)
    with pytest.raises(ProofError, match="larger"):
        witness.add_checkpoint(5, [], note, timestamp=1)
    stranger = NoteSigner(ORIGIN, key("stranger"))
    with pytest.raises(NoteError):
        witness.add_checkpoint(0, [], Checkpoint(ORIGIN, 2, log.root()).sign(stranger), timestamp=1)


def test_verify_extension_accepts_growth_from_the_empty_tree_only_with_an_empty_proof() -> None:
    new = Checkpoint(ORIGIN, 1, merkle.leaf_hash(b"a"))
    verify_extension(TreeHead(0, merkle.EMPTY_ROOT), new, [])
    with pytest.raises(ProofError):
        verify_extension(TreeHead(0, merkle.EMPTY_ROOT), new, [merkle.EMPTY_ROOT])
