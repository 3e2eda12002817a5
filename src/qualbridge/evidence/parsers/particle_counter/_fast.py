"""The fast path of :func:`._scan.aggregate`: the same groups, from a compiled scan of the file's bytes.

Most exports are plain: UTF-8, no quotes, digits for numbers. For those the compiled module
:mod:`._rows` reads the data rows in one pass per chunk, on every core, and gives the aggregates the
Polars query gives (sums may differ in the last bits: they are added in another order). Whatever it
cannot read with certainty it declines, and :func:`aggregate` returns ``None``: the Polars reader then
takes the file, with its fallbacks and its error reports. Both paths are tested to agree.

Chunks have a fixed size and are merged in file order, so a file gives the same figures on any
machine, whatever its number of cores.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualbridge.evidence.parsers.particle_counter._layout import Layout, Source
from qualbridge.evidence.parsers.particle_counter._names import BASIS_TO_PER_M3, Mode
from qualbridge.evidence.parsers.particle_counter._scan import LOC, GroupRow, col, n_fields

if TYPE_CHECKING:
    from qualbridge.evidence.parsers.particle_counter._rows import Group, Quantity

try:
    from qualbridge.evidence.parsers.particle_counter import _rows
except ImportError:  # run from a source tree that was never built: the Polars path reads every file
    _rows = None  # type: ignore[assignment]

__all__ = ["aggregate", "available", "eligible"]

CHUNK_BYTES = 16 << 20  # fixed, not derived from the cores: the chunks decide the order of the sums
MAX_CHANNELS, MAX_KEYS, MAX_FIELDS = 32, 16, 512  # the compiled module's limits


def available() -> bool:
    return _rows is not None


def eligible(layout: Layout) -> bool:
    """Whether the layout is one the compiled scan reads (the file's content may still send it back)."""
    head = layout.head
    return (
        _rows is not None
        and head.encoding == "utf8"
        and len(head.delimiter) == 1
        and head.delimiter != ("," if head.decimal_comma else ".")
        and n_fields(layout) <= MAX_FIELDS
        and 0 < len(layout.channels) <= MAX_CHANNELS
        and len(_keys(layout)) <= MAX_KEYS
        and not any(s is not None and s.hms for s in (layout.volume, layout.duration))
    )


def aggregate(layout: Layout, mode: Mode) -> list[GroupRow] | None:
    """The groups of :func:`._scan.aggregate`, or ``None`` when the file needs the Polars reader."""
    if not eligible(layout):
        return None
    path = Path(layout.src)
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            return None
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            start = _line_offset(data, layout.head.data_line)
            if start is None:
                return None
            chunks = list(pairwise(_boundaries(data, start, size)))
            scan = _scanner(layout, mode, data)
            if len(chunks) == 1:
                results = [scan(chunks[0])]
            else:
                with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
                    results = list(pool.map(scan, chunks))
    if any(r is None for r in results):
        return None
    return _rows_of(layout, mode, _merge(g for r in results if r is not None for g in r))


def _keys(layout: Layout) -> list[int]:
    """The columns a group is keyed by: the location's (unless one name is given) and the statuses'."""
    return ([layout.location] if layout.location is not None else []) + list(layout.status)


def _line_offset(data: mmap.mmap, line: int) -> int | None:
    """The byte offset of the 1-based ``line``, counting line feeds as the Polars reader does."""
    at = 0
    for _ in range(line - 1):
        nl = data.find(b"\n", at)
        if nl < 0:
            return None
        at = nl + 1
    return at


def _boundaries(data: mmap.mmap, start: int, size: int) -> list[int]:
    """Chunk limits at the first line start after every ``CHUNK_BYTES``: the same on every machine."""
    limits = [start]
    while size - limits[-1] > CHUNK_BYTES:
        nl = data.find(b"\n", limits[-1] + CHUNK_BYTES)
        if nl < 0 or nl + 1 >= size:
            break
        limits.append(nl + 1)
    limits.append(size)
    return limits


def _quantity(source: Source | None) -> Quantity | None:
    if source is None:
        return None
    return (source.column, source.value or 0.0, source.factor)


def _scanner(layout: Layout, mode: Mode, data: mmap.mmap) -> Callable[[tuple[int, int]], list[Group] | None]:
    assert _rows is not None
    args = (
        layout.head.delimiter,
        "," if layout.head.decimal_comma else ".",
        n_fields(layout),
        _keys(layout),
        [c.column for c in layout.channels],
        mode == "differential",
        mode == "cumulative" and len(layout.channels) > 1,
        _quantity(layout.volume),
        _quantity(layout.duration),
        0.0 if layout.basis == "counts" else BASIS_TO_PER_M3[layout.basis],
    )

    def scan(chunk: tuple[int, int]) -> list[Group] | None:
        return _rows.aggregate(data, chunk[0], chunk[1], *args)

    return scan


def _min(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b)


def _max(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else max(a, b)


def _merge(groups: Iterable[Group]) -> dict[tuple[str | None, ...], list[Any]]:
    """The chunks' groups summed per key, in file order (so that the float sums are reproducible)."""
    merged: dict[tuple[str | None, ...], list[Any]] = {}
    for key, n, channels, volume, duration, inc in groups:
        seen = merged.get(key)
        if seen is None:
            merged[key] = [n, [list(c) for c in channels], list(volume), list(duration), inc]
            continue
        seen[0] += n
        for acc, (nulls, low, total, high) in zip(seen[1], channels, strict=True):
            acc[0] += nulls
            acc[1] = _min(acc[1], low)
            acc[2] += total
            acc[3] = _max(acc[3], high)
        for acc, (nulls, low, total) in ((seen[2], volume), (seen[3], duration)):
            acc[0] += nulls
            acc[1] = _min(acc[1], low)
            acc[2] += total
        seen[4] += inc
    return merged


def _rows_of(layout: Layout, mode: Mode, merged: dict[tuple[str | None, ...], list[Any]]) -> list[GroupRow]:
    """The merged groups as the Polars query gives them: the same names and meanings."""
    keyed = layout.location is not None
    inc = mode == "cumulative" and len(layout.channels) > 1
    out = []
    for key, (n, channels, volume, duration, increasing) in merged.items():
        row: GroupRow = {LOC: key[0] if keyed else layout.location_name, "n": n, "overflow": 0}
        row.update(zip((col(i) for i in layout.status), key[1:] if keyed else key, strict=True))
        for k, (nulls, low, total, high) in enumerate(channels):
            row.update({f"null{k}": nulls, f"min{k}": low, f"sum{k}": total, f"max{k}": high})
        if layout.volume is not None:
            row.update(zip(("vnull", "vmin", "vsum"), volume, strict=True))
        if layout.duration is not None:
            row.update(zip(("dnull", "dmin", "dsum"), duration, strict=True))
        if inc:
            row["inc"] = increasing
        out.append(row)
    return out
