"""The C2SP tlog-tiles layout (c2sp.org/tlog-tiles) of a log: paths, tiles and entry bundles.

A tile at tile-level ``L`` and index ``N`` is up to 256 consecutive hashes of Merkle level ``8·L``: hash
``i`` is ``MTH(D[(N·256 + i)·256^L : (N·256 + i + 1)·256^L])``, which is exactly the log's stored node
``(8·L, N·256 + i)``. A full tile is 256 hashes (8,192 bytes); the rightmost tile of a level is *partial*,
``floor(size / 256^L) mod 256`` hashes wide, and served under ``.p/<W>``. Entry bundles hold the entries
of a level-0 tile, each prefixed with its length as a big-endian uint16.

Paths: ``tile/<L>/<N>[.p/<W>]`` and ``tile/entries/<N>[.p/<W>]``, with ``N`` written in 3-digit groups,
all but the last prefixed with ``x`` (1234067 → ``x001/x234/067``).

:class:`TileReader` goes the other way, as a monitor or witness would: given a tree size and a way to
fetch tiles, it is a ``NodeReader`` from which any root or proof can be computed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from qualbridge.trust.log import LogStorage
from qualbridge.trust.merkle import HASH_SIZE, node_hash

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_ENTRY_SIZE = 0xFFFF
_INDEX_GROUPS = re.compile(r"(?:x\d{3}/)*\d{3}")


@dataclass(frozen=True, slots=True, order=True)
class TileRef:
    """A tile (``level`` ≥ 0) or an entry bundle (``level`` None) and its width (256 when full)."""

    level: int | None
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if self.level is not None and not 0 <= self.level <= 63:
            raise ValueError(f"tile level {self.level} is not between 0 and 63")
        if self.index < 0 or not 1 <= self.width <= TILE_WIDTH:
            raise ValueError(f"tile index {self.index} / width {self.width} out of range")

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH

    @property
    def path(self) -> str:
        kind = "entries" if self.level is None else str(self.level)
        suffix = f".p/{self.width}" if self.is_partial else ""
        return f"tile/{kind}/{encode_index(self.index)}{suffix}"


def encode_index(n: int) -> str:
    """A tile index as 3-digit path elements, all but the last prefixed with ``x``."""
    if n < 0:
        raise ValueError("a tile index is not negative")
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join([f"x{g}" for g in groups[:-1]] + [groups[-1]])


def parse_path(path: str) -> TileRef:
    """The tile or entry bundle a request path names; ValueError for anything not in canonical form."""
    head, _, rest = path.partition("tile/")
    if head or not rest:
        raise ValueError(f"{path!r} is not a tile path")
    kind, _, rest = rest.partition("/")
    index_text, partial, width_text = rest.partition(".p/")
    if not _INDEX_GROUPS.fullmatch(index_text):
        raise ValueError(f"{path!r}: the tile index is not in 3-digit x-prefixed groups")
    index = int(index_text.replace("x", "").replace("/", ""))
    if encode_index(index) != index_text:
        raise ValueError(f"{path!r}: the tile index has superfluous leading groups")
    width = TILE_WIDTH
    if partial:
        if not re.fullmatch(r"[1-9]\d{0,2}", width_text) or int(width_text) >= TILE_WIDTH:
            raise ValueError(f"{path!r}: a partial tile width is between 1 and 255")
        width = int(width_text)
    if kind == "entries":
        return TileRef(None, index, width)
    if not re.fullmatch(r"0|[1-9]\d?", kind) or int(kind) > 63:
        raise ValueError(f"{path!r}: the tile level is a decimal between 0 and 63")
    return TileRef(int(kind), index, width)


def tiles_for_size(size: int) -> list[TileRef]:
    """Every tile of a tree of ``size`` entries: the full ones, then each level's partial one, by level."""
    refs: list[TileRef] = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        hashes = size >> (TILE_HEIGHT * level)
        refs += [TileRef(level, n) for n in range(hashes // TILE_WIDTH)]
        if hashes % TILE_WIDTH:
            refs.append(TileRef(level, hashes // TILE_WIDTH, hashes % TILE_WIDTH))
        level += 1
    return refs


def stored_width(ref: TileRef, size: int) -> int:
    """How many hashes (or entries) of ``ref``'s tile a tree of ``size`` entries holds: 0 to 256. A log
    serves ``ref`` only if its width is at most this (what a server and a test log both decide)."""
    level = 0 if ref.level is None else ref.level
    return max(0, min((size >> (TILE_HEIGHT * level)) - ref.index * TILE_WIDTH, TILE_WIDTH))


def entry_bundles_for_size(size: int) -> list[TileRef]:
    return [TileRef(None, ref.index, ref.width) for ref in tiles_for_size(size) if ref.level == 0]


def read_tile(storage: LogStorage, ref: TileRef) -> bytes:
    """The tile's bytes: its hashes, concatenated, from the log's stored level-``8·L`` nodes."""
    if ref.level is None:
        raise ValueError("an entry bundle is read with read_entry_bundle")
    first = ref.index * TILE_WIDTH
    return b"".join(storage.nodes(TILE_HEIGHT * ref.level, first, first + ref.width))


def read_entry_bundle(storage: LogStorage, ref: TileRef) -> bytes:
    """The entries of a level-0 tile, each prefixed by its length as a big-endian uint16."""
    first = ref.index * TILE_WIDTH
    out = bytearray()
    for i, entry in enumerate(storage.entries(first, first + ref.width)):
        if len(entry) > MAX_ENTRY_SIZE:
            raise ValueError(f"entry {first + i} is {len(entry)} bytes; an entry bundle holds at most 65535")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def parse_entry_bundle(data: bytes) -> list[bytes]:
    entries, pos = [], 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise ValueError("the entry bundle ends inside a length prefix")
        length = int.from_bytes(data[pos : pos + 2], "big")
        if pos + 2 + length > len(data):
            raise ValueError("the entry bundle ends inside an entry")
        entries.append(data[pos + 2 : pos + 2 + length])
        pos += 2 + length
    return entries


class TileReader:
    """A ``NodeReader`` over the tiles of a tree of ``size`` entries, fetched on demand and cached.

    ``fetch`` returns a tile's bytes; a tile of the wrong length is refused. Node ``(level, index)`` for a
    level between two tile levels is rebuilt by hashing the tile hashes it covers.
    """

    def __init__(self, size: int, fetch: Callable[[TileRef], bytes]) -> None:
        self._size = size
        self._fetch = fetch
        self._widths = {(r.level, r.index): r.width for r in tiles_for_size(size)}
        self._cache: dict[tuple[int, int], list[bytes]] = {}

    def _tile(self, level: int, index: int) -> list[bytes]:
        key = (level, index)
        if key not in self._cache:
            width = self._widths.get(key)
            if width is None:
                raise IndexError(f"a tree of size {self._size} has no tile {level}/{index}")
            data = self._fetch(TileRef(level, index, width))
            if len(data) != width * HASH_SIZE:
                raise ValueError(f"tile {level}/{index} is {len(data)} bytes, expected {width * HASH_SIZE}")
            self._cache[key] = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
        return self._cache[key]

    def __call__(self, level: int, index: int) -> bytes:
        tile_level, height = divmod(level, TILE_HEIGHT)
        first = index << height
        tile = self._tile(tile_level, first // TILE_WIDTH)
        offset = first % TILE_WIDTH
        hashes = tile[offset : offset + (1 << height)]
        if len(hashes) != 1 << height:
            raise IndexError(f"node ({level}, {index}) is not complete in a tree of size {self._size}")
        while len(hashes) > 1:
            hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        return hashes[0]
