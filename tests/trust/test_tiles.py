"""The C2SP tlog-tiles layout computed from the log's stored hashes."""

import pytest

from qualbridge.trust import merkle
from qualbridge.trust.log import MemoryStorage, TransparencyLog
from qualbridge.trust.tiles import (
    TileReader,
    TileRef,
    encode_index,
    entry_bundles_for_size,
    parse_entry_bundle,
    parse_path,
    read_entry_bundle,
    read_tile,
    stored_width,
    tiles_for_size,
)


@pytest.mark.parametrize(
    ("index", "path"), [(0, "000"), (5, "005"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")]
)
def test_index_encoding(index: int, path: str) -> None:
    # c2sp.org/tlog-tiles: "index 1234067 will be encoded as x001/x234/067".
    assert encode_index(index) == path


def test_paths_round_trip_and_refuse_non_canonical_forms() -> None:
    for ref in [TileRef(0, 1234067), TileRef(2, 5, 17), TileRef(None, 273, 112), TileRef(63, 0)]:
        assert parse_path(ref.path) == ref
    assert TileRef(0, 1234067).path == "tile/0/x001/x234/067"
    assert TileRef(None, 273, 112).path == "tile/entries/273.p/112"
    for bad in [
        "tile/00/000",
        "tile/0/5",
        "tile/0/x000/005",
        "tile/0/000.p/256",
        "tile/0/000.p/0",
        "tile/64/000",
    ]:
        with pytest.raises(ValueError, match="tile"):
            parse_path(bad)


def test_the_spec_example_of_a_tree_of_70000_entries() -> None:
    # c2sp.org/tlog-tiles: 273 full level-0 tiles, a level-0 partial of width 112, one full level-1 tile,
    # a level-1 partial of width 17 and a level-2 partial of width 1.
    refs = tiles_for_size(70_000)
    level0 = [r for r in refs if r.level == 0]
    assert sum(not r.is_partial for r in level0) == 273
    assert [r for r in refs if r.is_partial] == [TileRef(0, 273, 112), TileRef(1, 1, 17), TileRef(2, 0, 1)]
    assert [r for r in refs if r.level == 1 and not r.is_partial] == [TileRef(1, 0)]
    # "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1"
    assert tiles_for_size(256) == [TileRef(0, 0), TileRef(1, 0, 1)]


def _log(size: int) -> TransparencyLog:
    log = TransparencyLog(MemoryStorage(), origin="example.com/log")
    entries = [i.to_bytes(3, "big") * (1 + i % 5) for i in range(size)]
    for start in range(0, size, 1000):
        log.append(entries[start : start + 1000])
    return log


def test_tiles_hold_the_right_hashes_and_proofs_can_be_computed_from_them() -> None:
    size = 70_000
    log = _log(size)
    tiles = {ref: read_tile(log.storage, ref) for ref in tiles_for_size(size)}
    assert all(len(data) == ref.width * 32 for ref, data in tiles.items())
    full = tiles[TileRef(1, 0)]
    # Hash i of tile 1/0 is the root of level-0 tile i, i.e. MTH(D[256 i : 256 (i+1)]).
    assert full[32 * 5 : 32 * 6] == merkle.root_of(list(log.storage.nodes(0, 256 * 5, 256 * 6)))
    fetched: list[TileRef] = []

    def fetch(ref: TileRef) -> bytes:
        fetched.append(ref)
        return tiles[ref]

    reader = TileReader(size, fetch)
    assert merkle.tree_root(size, reader) == log.root()
    for index in (0, 255, 256, 65_535, 65_536, 69_999):
        assert merkle.inclusion_path(index, size, reader) == log.inclusion_proof(index)
    assert merkle.consistency_path(1000, size, reader) == log.consistency_proof(1000)
    assert len(set(fetched)) < 20  # a proof needs a few tiles, not the whole log


def test_entry_bundles_round_trip_and_match_the_leaf_tiles() -> None:
    log = _log(600)
    bundles = entry_bundles_for_size(600)
    assert bundles == [TileRef(None, 0), TileRef(None, 1), TileRef(None, 2, 88)]
    for ref in bundles:
        entries = parse_entry_bundle(read_entry_bundle(log.storage, ref))
        tile = read_tile(log.storage, TileRef(0, ref.index, ref.width))
        assert b"".join(merkle.leaf_hash(e) for e in entries) == tile
    with pytest.raises(ValueError, match="inside"):
        parse_entry_bundle(b"\x00\x05abc")


def test_stored_width_says_how_much_of_a_tile_a_tree_holds() -> None:
    size = 256 * 256 + 300  # 257 full level-0 tiles, then 44 entries; 257 level-1 hashes; 1 at level 2
    assert stored_width(TileRef(0, 0), size) == 256
    assert stored_width(TileRef(0, 256), size) == 256
    assert stored_width(TileRef(0, 257), size) == 44
    assert stored_width(TileRef(None, 257), size) == 44
    assert stored_width(TileRef(0, 258), size) == 0
    assert stored_width(TileRef(1, 0), size) == 256
    assert stored_width(TileRef(1, 1), size) == 1
    assert stored_width(TileRef(2, 0), size) == 1
    assert stored_width(TileRef(3, 0), size) == 0
