"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification: pure functions.

Vocabulary. ``D[0:n]`` is the list of log entries; the *leaf hash* of an entry is ``SHA-256(0x00 || d)``
and an interior node is ``SHA-256(0x01 || left || right)`` (RFC 6962 §2.1; the two prefixes keep a leaf
from ever being taken for a node). ``MTH(D[a:b])`` is the Merkle Tree Hash of a range, with the split
at the largest power of two smaller than its length.

A *node* ``(level, index)`` is the hash of the complete subtree over ``D[index·2^level : (index+1)·2^level]``.
Those are the only hashes a log has to store: every root, every inclusion proof and every consistency
proof is made of O(log n) of them. The functions that build proofs therefore take a ``NodeReader`` — a
callable ``(level, index) -> hash`` — so that they work the same over a list in a test, an in-memory
log or a database.

Verification follows the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2 literally and *raises*
:class:`~qualbridge.errors.ProofError`; it never returns ``False``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from qualbridge.errors import ProofError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeReader = Callable[[int, int], bytes]
"""``(level, index) -> MTH(D[index·2^level : (index+1)·2^level])`` for a complete, stored subtree."""

_sha256 = hashlib.sha256


def leaf_hash(entry: bytes) -> bytes:
    """``SHA-256(0x00 || entry)`` (RFC 6962 §2.1)."""
    return _sha256(b"\x00" + entry).digest()


_LEAF_PREFIX = _sha256(b"\x00")


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """:func:`leaf_hash` of each entry. The hash state after the 0x00 prefix is copied instead of
    concatenating the prefix to every entry (a copy of the entry): the same digests, a few percent
    faster on the log's append path."""
    copy = _LEAF_PREFIX.copy
    found = []
    for entry in entries:
        h = copy()
        h.update(entry)
        found.append(h.digest())
    return found


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)`` (RFC 6962 §2.1)."""
    return _sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n ≥ 2): where RFC 6962 splits ``D[0:n]``."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a whole list of leaf hashes, straight from the RFC 6962 definition.

    Invariant: equals ``range_root(0, len(leaf_hashes), nodes_of(leaf_hashes))``. O(n); the reference
    the incremental log is tested against.
    """
    if not leaf_hashes:
        return EMPTY_ROOT
    # Hash complete pairs level by level; an odd last node is carried up unchanged. This builds exactly
    # the RFC's left-balanced tree, because the RFC's split always leaves complete subtrees on the left.
    level = list(leaf_hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def nodes_of(leaf_hashes: Sequence[bytes]) -> NodeReader:
    """A :data:`NodeReader` over every complete subtree of ``leaf_hashes`` (O(n) to build; for tests)."""
    levels = [list(leaf_hashes)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])

    def read(level: int, index: int) -> bytes:
        return levels[level][index]

    return read


def complete_subtrees(size: int) -> list[tuple[int, int]]:
    """The ``(level, index)`` nodes that tile ``D[0:size]``, left to right, largest first.

    Invariant: their ranges are disjoint, contiguous and cover ``[0, size)``; there is one per set bit
    of ``size``.
    """
    return [(b, (size >> b) - 1) for b in range(size.bit_length() - 1, -1, -1) if size >> b & 1]


def range_root(start: int, end: int, node: NodeReader) -> bytes:
    """``MTH(D[start:end])`` from stored complete subtrees.

    Invariant: equals ``root_of(leaves[start:end])``. When ``start`` is a multiple of the range's split
    point — always the case for the ranges a proof needs — this reads O(log(end - start)) nodes.
    """
    if end <= start:
        if end == start:
            return EMPTY_ROOT
        raise ValueError(f"empty or inverted range [{start}, {end})")
    n = end - start
    if n & (n - 1) == 0 and start % n == 0:
        return node(n.bit_length() - 1, start // n)
    k = split_point(n)
    return node_hash(range_root(start, start + k, node), range_root(start + k, end, node))


def tree_root(size: int, node: NodeReader) -> bytes:
    """``MTH(D[0:size])``: the complete subtrees of ``size`` merged right to left. O(log size) reads."""
    if size == 0:
        return EMPTY_ROOT
    parts = complete_subtrees(size)
    root = node(*parts[-1])
    for level, index in reversed(parts[:-1]):
        root = node_hash(node(level, index), root)
    return root


def inclusion_path(index: int, size: int, node: NodeReader) -> list[bytes]:
    """The RFC 6962 §2.1.1 audit path ``PATH(index, D[0:size])``, leaf's sibling first.

    Invariant: ``verify_inclusion(index, size, leaf, inclusion_path(...), tree_root(size))`` passes for
    the leaf hash at ``index``. Walks the RFC recursion top-down: every sibling on the way is a complete
    subtree except at most one right-hand border range, so this is O(log size) reads.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            path.append(range_root(start + k, end, node))
            end = start + k
        else:
            path.append(range_root(start, start + k, node))
            start += k
    path.reverse()
    return path


def consistency_path(old_size: int, new_size: int, node: NodeReader) -> list[bytes]:
    """The RFC 6962 §2.1.2 consistency proof ``PROOF(old_size, D[0:new_size])``.

    Invariant: ``verify_consistency(old_size, new_size, tree_root(old_size), tree_root(new_size), path)``
    passes. Empty when the sizes are equal. O(log new_size) reads.
    """
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    path: list[bytes] = []
    start, end, m, complete = 0, new_size, old_size, True
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            path.append(range_root(start + k, end, node))
            end = start + k
        else:
            path.append(range_root(start, start + k, node))
            start, m, complete = start + k, m - k, False
    if not complete:
        path.append(range_root(start, end, node))
    path.reverse()
    return path


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes long", expected=f"a {HASH_SIZE}-byte SHA-256 hash")


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """The root that ``path`` proves ``leaf`` at ``index`` to be under (RFC 9162 §2.1.3.2, steps 1–4).

    Invariant: for a genuine proof, equals ``tree_root(size)``; raises ProofError when the path has the
    wrong length for ``(index, size)`` or a hash has the wrong size.
    """
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    _check_hash(leaf, "the leaf hash")
    fn, sn, r = index, size - 1, leaf
    for i, p in enumerate(path):
        _check_hash(p, f"proof hash {i}")
        if sn == 0:
            raise ProofError(f"the proof is too long: {len(path)} hashes for leaf {index} of {size}")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"the proof is too short: {len(path)} hashes for leaf {index} of {size}")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> None:
    """Raise ProofError unless ``path`` proves ``leaf`` is entry ``index`` of the tree ``(size, root)``."""
    _check_hash(root, "the root hash")
    if root_from_inclusion(index, size, leaf, path) != root:
        raise ProofError(f"the inclusion proof of leaf {index} does not lead to the root of tree size {size}")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, path: Sequence[bytes]
) -> None:
    """Raise ProofError unless ``path`` proves tree ``(new_size, new_root)`` extends ``(old_size, old_root)``.

    RFC 9162 §2.1.4.2, with the edge cases of the transparency-dev/merkle probes: equal sizes need an
    empty proof and equal roots; a proof *from* the empty tree is refused here (it proves nothing; the
    witness protocol, which accepts it, handles size 0 itself — see ``qualbridge.trust.witness``).
    """
    if old_size > new_size:
        raise ProofError(f"the old tree size {old_size} is larger than the new tree size {new_size}")
    if old_size == new_size:
        if path:
            raise ProofError("a consistency proof between equal tree sizes must be empty")
        if old_root != new_root:
            raise ProofError(f"two different root hashes for the same tree size {old_size}: the log forked")
        return
    if old_size == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless", expected="old size > 0")
    if not path:
        raise ProofError(f"an empty consistency proof from size {old_size} to {new_size}")
    _check_hash(old_root, "the old root hash")
    _check_hash(new_root, "the new root hash")
    for i, p in enumerate(path):
        _check_hash(p, f"proof hash {i}")
    # Step 2: an old tree that is a complete subtree is its own first proof node.
    nodes = [old_root, *path] if old_size & (old_size - 1) == 0 else list(path)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            raise ProofError(f"the consistency proof from {old_size} to {new_size} is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"the consistency proof from {old_size} to {new_size} is too short")
    if fr != old_root:
        raise ProofError(f"the consistency proof does not lead to the old root at size {old_size}")
    if sr != new_root:
        raise ProofError(f"the consistency proof does not lead to the new root at size {new_size}")
