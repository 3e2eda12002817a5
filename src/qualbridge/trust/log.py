"""An append-only RFC 6962 transparency log over a storage interface.

The log stores, for every complete subtree, its hash: node ``(level, index)`` covers entries
``[index·2^level, (index+1)·2^level)`` (level 0 holds the leaf hashes). A batch of *b* entries adds *b* leaf
hashes and fewer than *b* + log₂ n interior hashes, computed from the batch and at most one stored left
sibling per level; a root, an inclusion proof or a consistency proof reads O(log n) stored hashes. The
levels that are multiples of 8 are exactly the C2SP tlog-tiles (``qualbridge.trust.tiles``).

Storage is a :class:`LogStorage` protocol, shaped so a SQL implementation can follow the in-memory one:
one table of entries, one of ``(level, index, hash)`` nodes, one of signed checkpoints, each batch
written in one transaction.

Promises kept here rather than trusted to storage:

- a batch is written whole or not at all, and only at the stored tree size (two writers cannot fork);
- a checkpoint is signed only from stored hashes, so it always matches the stored leaves, and only after
  proving (RFC 9162 consistency proof) that it extends the last signed checkpoint — the log never signs
  two inconsistent checkpoints, even if its storage was rolled back or altered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from qualbridge.errors import LogIntegrityError, ProofError
from qualbridge.trust import merkle
from qualbridge.trust.checkpoint import Checkpoint, TlogProof
from qualbridge.trust.note import Note, NoteSigner

_sha256 = hashlib.sha256


@dataclass(frozen=True, slots=True)
class Batch:
    """Entries appended at ``start`` and the node hashes they complete.

    ``nodes[level]`` are the new complete-subtree hashes at ``level``, indices ``start >> level`` to
    ``end >> level`` (exclusive); ``nodes[0]`` are the leaf hashes.
    """

    start: int
    entries: Sequence[bytes]
    nodes: Sequence[Sequence[bytes]]

    @property
    def end(self) -> int:
        return self.start + len(self.entries)


class LogStorage(Protocol):
    """Where a log keeps its entries, node hashes and checkpoints."""

    def tree_size(self) -> int:
        """How many entries are stored."""
        ...

    def write(self, batch: Batch) -> None:
        """Store the batch atomically. Raise LogIntegrityError if ``batch.start != tree_size()``."""
        ...

    def node(self, level: int, index: int) -> bytes:
        """The stored hash of complete subtree ``(level, index)``; IndexError if it is not complete."""
        ...

    def nodes(self, level: int, start: int, end: int) -> Sequence[bytes]:
        """Stored hashes ``(level, start)`` … ``(level, end - 1)``."""
        ...

    def entries(self, start: int, end: int) -> Sequence[bytes]:
        """Stored entries ``start`` … ``end - 1``."""
        ...

    def latest_checkpoint(self) -> bytes | None:
        """The last signed checkpoint note written, if any."""
        ...

    def write_checkpoint(self, size: int, note: bytes) -> None:
        """Store a signed checkpoint of tree size ``size`` as the latest."""
        ...


class MemoryStorage:
    """:class:`LogStorage` in memory: one list of hashes per level. For tests, benchmarks and tools."""

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = [[]]
        self._entries: list[bytes] = []
        self._checkpoints: list[tuple[int, bytes]] = []

    def tree_size(self) -> int:
        return len(self._levels[0])

    def write(self, batch: Batch) -> None:
        if batch.start != self.tree_size():
            raise LogIntegrityError(
                f"a batch starting at {batch.start} cannot follow {self.tree_size()} entries"
            )
        for level, hashes in enumerate(batch.nodes):
            stored = len(self._levels[level]) if level < len(self._levels) else 0
            if stored != batch.start >> level or len(hashes) != (batch.end >> level) - (batch.start >> level):
                raise LogIntegrityError(f"the batch's level-{level} hashes do not continue the stored tree")
        # Everything is checked before anything changes, so a refused batch leaves no trace.
        for level, hashes in enumerate(batch.nodes):
            if level == len(self._levels):
                self._levels.append([])
            self._levels[level].extend(hashes)
        self._entries.extend(batch.entries)

    def node(self, level: int, index: int) -> bytes:
        return self._levels[level][index]

    def nodes(self, level: int, start: int, end: int) -> Sequence[bytes]:
        hashes = self._levels[level] if level < len(self._levels) else []
        if not 0 <= start <= end <= len(hashes):
            raise IndexError(f"level {level} has {len(hashes)} complete nodes, not [{start}, {end})")
        return hashes[start:end]

    def entries(self, start: int, end: int) -> Sequence[bytes]:
        if not 0 <= start <= end <= len(self._entries):
            raise IndexError(f"the log has {len(self._entries)} entries, not [{start}, {end})")
        return self._entries[start:end]

    def latest_checkpoint(self) -> bytes | None:
        return self._checkpoints[-1][1] if self._checkpoints else None

    def write_checkpoint(self, size: int, note: bytes) -> None:
        if size > self.tree_size():
            raise LogIntegrityError(
                f"a checkpoint of size {size} exceeds the {self.tree_size()} stored entries"
            )
        self._checkpoints.append((size, note))


def hash_batch(start: int, entries: Sequence[bytes], stored: LogStorage) -> Batch:
    """The leaf hashes of ``entries`` appended at ``start`` and every subtree hash they complete."""
    end = start + len(entries)
    current = merkle.leaf_hashes(entries)
    nodes: list[Sequence[bytes]] = [current]
    first, level = start, 0
    while (end >> (level + 1)) > (start >> (level + 1)):
        if first & 1:
            # The first new node is a right child: pair it with its stored left sibling.
            current = [stored.node(level, first - 1), *current]
        pairs = iter(current)
        current = [
            _sha256(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=False)
        ]
        nodes.append(current)
        first, level = start >> (level + 1), level + 1
    return Batch(start, entries, nodes)


class TransparencyLog:
    """An append-only Merkle log that signs C2SP checkpoints under ``origin``."""

    def __init__(self, storage: LogStorage, *, origin: str, signer: NoteSigner | None = None) -> None:
        self._storage = storage
        self.origin = origin
        self._signer = signer
        latest = storage.latest_checkpoint()
        if latest is not None:
            self._check_extends(self._read_checkpoint(latest), storage.tree_size())

    @property
    def storage(self) -> LogStorage:
        return self._storage

    @property
    def size(self) -> int:
        return self._storage.tree_size()

    def append(self, entries: Sequence[bytes]) -> range:
        """Append a batch of entries; the range of their indices."""
        start = self._storage.tree_size()
        if entries:
            self._storage.write(hash_batch(start, entries, self._storage))
        return range(start, start + len(entries))

    def leaf_hash(self, index: int) -> bytes:
        return self._storage.node(0, index)

    def root(self, size: int | None = None) -> bytes:
        return merkle.tree_root(self._size_or_current(size), self._storage.node)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return merkle.inclusion_path(index, self._size_or_current(size), self._storage.node)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return merkle.consistency_path(old_size, self._size_or_current(new_size), self._storage.node)

    def checkpoint(self) -> Checkpoint:
        """The current tree head, unsigned."""
        size = self._storage.tree_size()
        return Checkpoint(self.origin, size, self.root(size))

    def sign_checkpoint(self) -> bytes:
        """Sign and store a checkpoint of the stored tree, after proving it extends the last one.

        Returns the last checkpoint unchanged when nothing was appended since.
        """
        if self._signer is None:
            raise LogIntegrityError(f"log {self.origin!r} was opened without its signing key")
        checkpoint = self.checkpoint()
        latest = self._storage.latest_checkpoint()
        if latest is not None:
            previous = self._read_checkpoint(latest)
            self._check_extends(previous, checkpoint.size)
            if previous.size == checkpoint.size:
                return latest
        note = checkpoint.sign(self._signer)
        self._storage.write_checkpoint(checkpoint.size, note)
        return note

    def tlog_proof(self, index: int, checkpoint_note: bytes) -> TlogProof:
        """A c2sp tlog-proof of entry ``index`` against a checkpoint this log signed."""
        checkpoint = self._read_checkpoint(checkpoint_note)
        return TlogProof(index, tuple(self.inclusion_proof(index, checkpoint.size)), checkpoint_note)

    def _size_or_current(self, size: int | None) -> int:
        current = self._storage.tree_size()
        if size is None:
            return current
        if not 0 <= size <= current:
            raise ValueError(f"tree size {size} is not between 0 and the log's {current} entries")
        return size

    def _read_checkpoint(self, note: bytes) -> Checkpoint:
        return Checkpoint.from_text(Note.parse(note).text)

    def _check_extends(self, previous: Checkpoint, size: int) -> None:
        """Raise LogIntegrityError unless the stored tree at ``size`` extends ``previous``."""
        if previous.origin != self.origin:
            raise LogIntegrityError(
                f"the stored checkpoint is for log {previous.origin!r}, not {self.origin!r}"
            )
        if previous.size > size:
            raise LogIntegrityError(
                f"the last signed checkpoint has {previous.size} entries but only {size} are stored: "
                "storage was rolled back"
            )
        if previous.size == 0:
            if previous.root_hash != merkle.EMPTY_ROOT:
                raise LogIntegrityError("the stored checkpoint of the empty tree has a wrong root hash")
            return
        try:
            new_root = self.root(size)
            path = self.consistency_proof(previous.size, size)
            merkle.verify_consistency(previous.size, size, previous.root_hash, new_root, path)
        except (ProofError, IndexError) as exc:
            raise LogIntegrityError(
                f"the stored tree no longer extends the checkpoint of size {previous.size}: "
                "refusing to sign an inconsistent checkpoint"
            ) from exc
