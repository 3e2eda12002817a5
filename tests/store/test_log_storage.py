"""The SQL log storage behaves as trust.log's storage protocol says, on SQLite and PostgreSQL.

Each behaviour runs against the in-memory reference storage and the SQL one, so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import delete, event

from qualbridge.errors import LogIntegrityError
from qualbridge.store.models import LogEntry, LogNode
from qualbridge.store.repos.transparency import SqlLogStorage
from qualbridge.trust import merkle, tiles
from qualbridge.trust.checkpoint import open_checkpoint
from qualbridge.trust.keys import SigningKey
from qualbridge.trust.log import Batch, LogStorage, MemoryStorage, TransparencyLog
from qualbridge.trust.note import NoteSigner
from tests.store.databases import DATABASES, open_database

ORIGIN = "example.com/log"
SIGNER = NoteSigner(ORIGIN, SigningKey.from_seed(bytes(range(32))))


@dataclass
class Harness:
    """A storage and a way to run one transaction on it (a no-op for memory)."""

    storage: LogStorage
    transaction: Callable[[], AbstractContextManager[None]]

    def log(self) -> TransparencyLog:
        return TransparencyLog(self.storage, origin=ORIGIN, signer=SIGNER)


@pytest.fixture(params=["memory", *DATABASES])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    if request.param == "memory":
        yield Harness(MemoryStorage(), nullcontext)
        return
    yield from _sql_harness(request, tmp_path)


@pytest.fixture(params=DATABASES)
def sql_harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    yield from _sql_harness(request, tmp_path)


def _sql_harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    with open_database(request.param, request, tmp_path) as database, database.session() as session:

        @contextmanager
        def transaction() -> Iterator[None]:
            try:
                yield
                session.commit()
            except BaseException:
                session.rollback()
                raise

        yield Harness(SqlLogStorage(session), transaction)


def _entries(batch: int, size: int) -> list[bytes]:
    return [batch.to_bytes(4, "big") + i.to_bytes(2, "big") for i in range(size)]


def test_batched_appends_match_the_reference_tree(harness: Harness) -> None:
    log, leaves = harness.log(), list[bytes]()
    for n, size in enumerate([0, 1, 3, 70, 256, 1, 300, 2]):
        entries = _entries(n, size)
        with harness.transaction():
            assert log.append(entries) == range(len(leaves), len(leaves) + size)
        leaves += [merkle.leaf_hash(e) for e in entries]
        assert log.root() == merkle.root_of(leaves)
    for index in range(0, len(leaves), 37):
        merkle.verify_inclusion(index, len(leaves), leaves[index], log.inclusion_proof(index), log.root())
    for old in range(1, len(leaves), 53):
        merkle.verify_consistency(old, len(leaves), log.root(old), log.root(), log.consistency_proof(old))
    assert harness.storage.entries(3, 5) == _entries(2, 3)[-1:] + _entries(3, 70)[:1]


def test_tiles_read_from_storage_match_the_reference(harness: Harness) -> None:
    log, reference = harness.log(), TransparencyLog(MemoryStorage(), origin=ORIGIN)
    entries = _entries(7, 600)
    with harness.transaction():
        log.append(entries)
    reference.append(entries)
    for ref in tiles.tiles_for_size(600):
        assert tiles.read_tile(harness.storage, ref) == tiles.read_tile(reference.storage, ref)
    for ref in tiles.entry_bundles_for_size(600):
        got = tiles.read_entry_bundle(harness.storage, ref)
        assert got == tiles.read_entry_bundle(reference.storage, ref)
    with pytest.raises(IndexError):
        harness.storage.nodes(8, 0, 3)  # only two level-8 nodes are complete


def test_checkpoints_are_signed_from_storage_and_repeat_when_nothing_changed(harness: Harness) -> None:
    log = harness.log()
    with harness.transaction():
        log.append([b"a", b"b", b"c"])
        note = log.sign_checkpoint()
    checkpoint, _ = open_checkpoint(note, SIGNER.verifier)
    assert (checkpoint.size, checkpoint.root_hash) == (
        3,
        merkle.root_of([merkle.leaf_hash(x) for x in (b"a", b"b", b"c")]),
    )
    with harness.transaction():
        assert log.sign_checkpoint() == note
        log.append([b"d"])
        assert open_checkpoint(log.sign_checkpoint(), SIGNER.verifier)[0].size == 4
    assert open_checkpoint(harness.log().storage.latest_checkpoint() or b"", SIGNER.verifier)[0].size == 4


def test_storage_refuses_a_batch_that_does_not_continue_the_tree(harness: Harness) -> None:
    log = harness.log()
    with harness.transaction():
        log.append([b"a"])
    with pytest.raises(LogIntegrityError, match="cannot follow"), harness.transaction():
        harness.storage.write(Batch(0, [b"b"], [[merkle.leaf_hash(b"b")]]))
    with pytest.raises(LogIntegrityError, match="do not continue"), harness.transaction():
        harness.storage.write(Batch(1, [b"b"], [[merkle.leaf_hash(b"b")], []]))
    with pytest.raises(LogIntegrityError, match="exceeds"), harness.transaction():
        harness.storage.write_checkpoint(5, b"note")
    assert harness.storage.tree_size() == 1


def test_a_transaction_that_fails_leaves_no_part_of_its_batch(sql_harness: Harness) -> None:
    harness = sql_harness
    log = harness.log()
    with harness.transaction():
        log.append([b"a", b"b"])
        first = log.sign_checkpoint()

    def interrupted() -> None:
        with harness.transaction():
            log.append([b"c", b"d"])
            log.sign_checkpoint()
            raise KeyboardInterrupt("killed after writing, before committing")

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    reopened = harness.log()
    assert reopened.size == 2
    assert harness.storage.latest_checkpoint() == first


def test_the_log_refuses_to_open_after_its_entries_were_rolled_back(sql_harness: Harness) -> None:
    harness = sql_harness
    assert isinstance(harness.storage, SqlLogStorage)
    session = harness.storage.session
    log = harness.log()
    with harness.transaction():
        log.append([b"a", b"b", b"c"])
        log.sign_checkpoint()
    with harness.transaction():
        session.execute(delete(LogNode).where((LogNode.idx > 0) | (LogNode.level > 0)))
        session.execute(delete(LogEntry).where(LogEntry.idx > 0))
    with pytest.raises(LogIntegrityError, match="rolled back"):
        harness.log()


def _log_reads(storage: SqlLogStorage) -> list[tuple[str, object]]:
    """Record the statements (with their parameters) that read the log's tables from now on."""
    reads: list[tuple[str, object]] = []

    @event.listens_for(storage.session.get_bind(), "before_cursor_execute")
    def _read(_c: object, _cur: object, statement: str, params: object, _ctx: object, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "log_" in statement:
            reads.append((statement, params))

    return reads


def test_in_a_locked_transaction_each_part_of_the_tree_is_read_once(sql_harness: Harness) -> None:
    storage = sql_harness.storage
    assert isinstance(storage, SqlLogStorage)
    with sql_harness.transaction():
        sql_harness.log().append(_entries(0, 5))
        sql_harness.log().sign_checkpoint()
    reads = _log_reads(storage)
    with sql_harness.transaction():
        storage.lock()
        log = sql_harness.log()
        for batch in (1, 2):
            log.append(_entries(batch, 3))
            note = log.sign_checkpoint()
    assert reads, "the first reads go to the database"
    assert len(reads) == len(set(map(repr, reads))), "no read is repeated"
    # The same answer as a storage that caches nothing.
    reference = MemoryStorage()
    expected = TransparencyLog(reference, origin=ORIGIN, signer=SIGNER)
    for batch, size in ((0, 5), (1, 3), (2, 3)):
        expected.append(_entries(batch, size))
    assert open_checkpoint(note, SIGNER.verifier)[0] == expected.checkpoint()


@pytest.mark.parametrize("size", [1, 45, 63, 64])
def test_an_append_reads_the_tree_in_two_statements(sql_harness: Harness, size: int) -> None:
    """Opening the log under its lock, appending an entry and signing a checkpoint read the tree's size
    and latest checkpoint in one statement, then its frontier and level sizes in another: whatever the
    frontier's length (45 = 0b101101: four nodes; 63: six, and the append completes a node at every
    level up to a new root; 64: one)."""
    storage = sql_harness.storage
    assert isinstance(storage, SqlLogStorage)
    with sql_harness.transaction():
        sql_harness.log().append(_entries(0, size))
        sql_harness.log().sign_checkpoint()
    reads = _log_reads(storage)
    with sql_harness.transaction():
        storage.lock()
        log = sql_harness.log()
        log.append(_entries(1, 1))
        note = log.sign_checkpoint()
    assert len(reads) == 2, [statement for statement, _ in reads]
    reference = MemoryStorage()
    expected = TransparencyLog(reference, origin=ORIGIN, signer=SIGNER)
    expected.append(_entries(0, size))
    expected.append(_entries(1, 1))
    assert open_checkpoint(note, SIGNER.verifier)[0] == expected.checkpoint()


def test_what_a_locked_transaction_read_is_forgotten_when_it_ends(sql_harness: Harness) -> None:
    storage = sql_harness.storage
    assert isinstance(storage, SqlLogStorage)
    with sql_harness.transaction():
        storage.lock()
        log = sql_harness.log()
        log.append(_entries(0, 4))
        assert storage.tree_size() == 4
    with sql_harness.transaction():  # another writer's change, behind the storage's back
        storage.session.execute(delete(LogNode).where((LogNode.idx > 1) | (LogNode.level > 0)))
        storage.session.execute(delete(LogEntry).where(LogEntry.idx > 1))
    with sql_harness.transaction():
        storage.lock()
        assert storage.tree_size() == 2
        with pytest.raises(IndexError):
            storage.node(0, 3)
