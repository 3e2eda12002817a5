"""RFC 6962 hashing and proofs against the transparency-dev/merkle vectors and probes.

Known answers are in tests/assets/trust/merkle/ (sources named in each file). The corrupted-proof probes
follow the recipe of transparency-dev/merkle proof/verify_test.go (``corruptInclusionProof`` and
``corruptConsistencyProof``), regenerated here from the known-good proofs.
"""

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualbridge.errors import ProofError
from qualbridge.trust import merkle
from qualbridge.trust.log import MemoryStorage, TransparencyLog

ASSETS = Path(__file__).parents[1] / "assets" / "trust" / "merkle"
REF = json.loads((ASSETS / "reference-tree.json").read_text())
LEAVES = [bytes.fromhex(x) for x in REF["leaves"]]
ROOTS = [bytes.fromhex(x) for x in REF["roots"]]  # ROOTS[n] = root of the first n leaves
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _log() -> TransparencyLog:
    log = TransparencyLog(MemoryStorage(), origin="example.com/reference")
    log.append(LEAVES[:3])
    log.append(LEAVES[3:])
    return log


def _fails(verify: Callable[..., None], *args: object) -> bool:
    try:
        verify(*args)
    except ProofError:
        return True
    return False


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def test_hasher_known_answers() -> None:
    h = REF["hasher"]
    assert merkle.EMPTY_ROOT.hex() == h["empty_root"]
    assert merkle.leaf_hash(b"").hex() == h["empty_leaf"]
    assert merkle.leaf_hash(b"L123456").hex() == h["leaf_L123456"]
    assert merkle.node_hash(b"N123", b"N456").hex() == h["node_N123_N456"]


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    left, right = merkle.leaf_hash(b"Hello"), merkle.leaf_hash(b"World")
    assert merkle.node_hash(left, right) != merkle.leaf_hash(left + right)
    assert merkle.node_hash(left, right) != merkle.node_hash(right, left)


@pytest.mark.parametrize("size", range(9))
def test_roots_of_the_reference_tree(size: int) -> None:
    log = _log()
    assert log.root(size) == ROOTS[size]
    assert merkle.root_of([merkle.leaf_hash(x) for x in LEAVES[:size]]) == ROOTS[size]


def test_every_stored_node_is_the_reference_node() -> None:
    log = _log()
    for level, nodes in enumerate(REF["nodes"]):
        assert [log.storage.node(level, i).hex() for i in range(len(nodes))] == nodes


@pytest.mark.parametrize("vector", REF["inclusion"], ids=lambda v: f"{v['leaf'] - 1}-of-{v['size']}")
def test_inclusion_vectors(vector: dict) -> None:
    index, size = vector["leaf"] - 1, vector["size"]
    proof = [bytes.fromhex(x) for x in vector["proof"]]
    assert _log().inclusion_proof(index, size) == proof
    leaf = merkle.leaf_hash(LEAVES[index])
    assert merkle.root_from_inclusion(index, size, leaf, proof) == ROOTS[size]
    merkle.verify_inclusion(index, size, leaf, proof, ROOTS[size])
    for desc, probe in _corrupt_inclusion(index, size, leaf, proof, ROOTS[size]):
        assert _fails(merkle.verify_inclusion, *probe), f"accepted a corrupted proof: {desc}"


def _corrupt_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> list:
    probes = [
        ("index - 1", (index - 1, size, leaf, proof, root)),
        ("index + 1", (index + 1, size, leaf, proof, root)),
        ("index ^ 2", (index ^ 2, size, leaf, proof, root)),
        ("size * 2", (index, size * 2, leaf, proof, root)),
        ("size / 2", (index, size // 2, leaf, proof, root)),
        ("wrong leaf", (index, size, b"WrongLeaf", proof, root)),
        ("empty root", (index, size, leaf, proof, merkle.EMPTY_ROOT)),
        ("random root", (index, size, leaf, proof, SOME_HASH)),
        ("trailing garbage", (index, size, leaf, [*proof, b""], root)),
        ("trailing root", (index, size, leaf, [*proof, root], root)),
        ("preceding garbage", (index, size, leaf, [b"", *proof], root)),
        ("preceding root", (index, size, leaf, [root, *proof], root)),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((f"modified proof[{i}] bit 3", (index, size, leaf, flipped, root)))
    if proof:
        probes.append(("removed component", (index, size, leaf, proof[:-1], root)))
    if len(proof) > 1:
        probes.append(("inserted component", (index, size, leaf, [proof[0], SOME_HASH, *proof[1:]], root)))
    return probes


@pytest.mark.parametrize("vector", REF["consistency"], ids=lambda v: f"{v['size1']}-to-{v['size2']}")
def test_consistency_vectors(vector: dict) -> None:
    m, n = vector["size1"], vector["size2"]
    proof = [bytes.fromhex(x) for x in vector["proof"]]
    assert _log().consistency_proof(m, n) == proof
    merkle.verify_consistency(m, n, ROOTS[m], ROOTS[n], proof)
    r1, r2 = ROOTS[m], ROOTS[n]
    probes = [
        ("size1 - 1", (m - 1, n, r1, r2, proof)),
        ("size1 + 1", (m + 1, n, r1, r2, proof)),
        ("size1 ^ 2", (m ^ 2, n, r1, r2, proof)),
        ("size2 * 2", (m, n * 2, r1, r2, proof)),
        ("size2 / 2", (m, n // 2, r1, r2, proof)),
        ("wrong root1", (m, n, b"WrongRoot", r2, proof)),
        ("wrong root2", (m, n, r1, b"WrongRoot", proof)),
        ("swapped roots", (m, n, r2, r1, proof)),
        ("empty proof", (m, n, r1, r2, [])),
        ("trailing garbage", (m, n, r1, r2, [*proof, b""])),
        ("trailing root1", (m, n, r1, r2, [*proof, r1])),
        ("trailing root2", (m, n, r1, r2, [*proof, r2])),
        ("preceding garbage", (m, n, r1, r2, [b"", *proof])),
        ("preceding root1", (m, n, r1, r2, [r1, *proof])),
        ("preceding root2", (m, n, r1, r2, [r2, *proof])),
        ("preceding proof[0]", (m, n, r1, r2, [proof[0], *proof])),
        ("truncated proof", (m, n, r1, r2, proof[:-1])),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((f"modified proof[{i}] bit 4", (m, n, r1, r2, flipped)))
    for desc, probe in probes:
        assert _fails(merkle.verify_consistency, *probe), f"accepted a corrupted consistency proof: {desc}"


@pytest.mark.parametrize(
    "probe",
    json.loads((ASSETS / "consistency-edge-probes.json").read_text())["probes"],
    ids=lambda p: p["desc"],
)
def test_consistency_edge_probes(probe: dict) -> None:
    args = (
        probe["size1"],
        probe["size2"],
        _b64(probe["root1"]),
        _b64(probe["root2"]),
        [_b64(p) for p in probe["proof"]],
    )
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


def test_consistency_happy_path_probe_file() -> None:
    probe = json.loads((ASSETS / "consistency-happy-path-1-8.json").read_text())
    proof = [_b64(p) for p in probe["proof"]]
    merkle.verify_consistency(
        probe["size1"], probe["size2"], _b64(probe["root1"]), _b64(probe["root2"]), proof
    )
    assert _log().consistency_proof(1, 8) == proof


@pytest.mark.parametrize(
    "probe", json.loads((ASSETS / "inclusion-happy-paths.json").read_text())["probes"], ids=lambda p: str(p)
)
def test_inclusion_happy_path_probe_files(probe: dict) -> None:
    proof = [_b64(p) for p in probe["proof"] or []]
    index, size = probe["leafIdx"], probe["treeSize"]
    merkle.verify_inclusion(index, size, _b64(probe["leafHash"]), proof, _b64(probe["root"]))
    assert _log().inclusion_proof(index, size) == proof


@pytest.mark.parametrize(("index", "size"), [(0, 0), (0, 1), (1, 0), (2, 1)])
def test_inclusion_with_missing_or_wrong_sized_hashes_fails(index: int, size: int) -> None:
    # transparency-dev/merkle TestVerifyInclusion: each of these must fail.
    for leaf, root in [(SOME_HASH, b""), (b"", merkle.EMPTY_ROOT), (SOME_HASH, merkle.EMPTY_ROOT)]:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(index, size, leaf, [], root)


def test_single_entry_tree() -> None:
    # transparency-dev/merkle TestVerifyInclusionSingleEntry: root and leaf of a 1-entry tree coincide.
    leaf = merkle.leaf_hash(b"data")
    merkle.verify_inclusion(0, 1, leaf, [], leaf)
    for leaf_, root in [(leaf, b""), (b"", leaf), (b"", b"")]:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(0, 1, leaf_, [], root)


def _reference_mth(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 6962 §2.1, recursive: an independent reference for the properties."""
    if not leaves:
        return merkle.EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(_reference_mth(leaves[:k]), _reference_mth(leaves[k:]))


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


@given(size=st.integers(1, 300), data=st.data())
def test_every_inclusion_proof_of_a_random_tree_verifies(size: int, data: st.DataObject) -> None:
    leaves = _leaves(size)
    nodes = merkle.nodes_of(leaves)
    root = merkle.tree_root(size, nodes)
    assert root == _reference_mth(leaves) == merkle.root_of(leaves)
    index = data.draw(st.integers(0, size - 1))
    merkle.verify_inclusion(index, size, leaves[index], merkle.inclusion_path(index, size, nodes), root)


@given(size=st.integers(2, 300), data=st.data())
def test_an_inclusion_proof_with_one_node_changed_fails(size: int, data: st.DataObject) -> None:
    leaves = _leaves(size)
    nodes = merkle.nodes_of(leaves)
    index = data.draw(st.integers(0, size - 1))
    path = merkle.inclusion_path(index, size, nodes)
    which = data.draw(st.integers(0, len(path) - 1))
    bit = data.draw(st.integers(0, 255))
    path[which] = bytes(b ^ (1 << (bit % 8)) if i == bit // 8 else b for i, b in enumerate(path[which]))
    with pytest.raises(ProofError):
        merkle.verify_inclusion(index, size, leaves[index], path, merkle.tree_root(size, nodes))


@given(sizes=st.lists(st.integers(1, 300), min_size=2, max_size=2))
def test_consistency_between_any_two_sizes(sizes: list[int]) -> None:
    old, new = sorted(sizes)
    leaves = _leaves(new)
    nodes = merkle.nodes_of(leaves)
    old_root, new_root = _reference_mth(leaves[:old]), _reference_mth(leaves)
    path = merkle.consistency_path(old, new, nodes)
    merkle.verify_consistency(old, new, old_root, new_root, path)
    if old < new:
        with pytest.raises(ProofError):
            merkle.verify_consistency(old, new, merkle.leaf_hash(b"other"), new_root, path)


def test_complete_subtrees_tile_the_tree() -> None:
    # 11 = 8 + 2 + 1: [0, 8) at level 3, [8, 10) at level 1, [10, 11) at level 0.
    assert merkle.complete_subtrees(11) == [(3, 0), (1, 4), (0, 10)]
    assert merkle.complete_subtrees(0) == []
