"""The top of an export: metadata lines, the column header row, its delimiter, and a sample of rows.

Only the head of the file is read here (a few hundred kilobytes), in Python; the data rows are read by
Polars. The header is the first line that has at least two particle-channel columns with one of the
delimiters ``,`` ``;`` or tab. A line right below the header whose channel cells are words (``µm``,
``counts``, ``/ft³``) is a units row: it is merged into the header names and skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from qualbridge.errors import ParseError, at
from qualbridge.evidence.parsers._cells import split_cells
from qualbridge.evidence.parsers.particle_counter._mapping import ColumnMapping
from qualbridge.evidence.parsers.particle_counter._names import channel_of, fold, role_of

HEAD_BYTES = 256 * 1024
HEADER_SEARCH_LINES = 200
SAMPLE_ROWS = 200
_DELIMITERS = (",", ";", "\t")
# A metadata line listing the sizes ("Channel sizes, 0.3, 0.5, 1.0") is not the column header.
_SIZE_LIST_KEY = re.compile(
    r"(?:particle\s*|channel\s*)?(?:sizes?|channels?|thresholds?|bins?)(?:\s*\(.*\))?:?"
)
_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?|nan|NaN|inf|-inf")


@dataclass(frozen=True, slots=True)
class MetaLine:
    line: int
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class Head:
    """What the head of the file says about its layout."""

    encoding: str  # "utf8", or "utf8-lossy" for a legacy 8-bit export
    delimiter: str
    decimal_comma: bool
    header_line: int  # 1-based
    header: tuple[str, ...]
    data_line: int  # 1-based line of the first data row
    rows: tuple[tuple[str, ...], ...]  # the first data rows, for content checks
    meta: tuple[MetaLine, ...]


def split_line(line: str, delimiter: str) -> list[str]:
    return split_cells(line, delimiter)


def _head_lines(path: Path, limit: int) -> tuple[list[str], str]:
    """The first lines of the file (at most ``limit``, within ``HEAD_BYTES``), and its encoding."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(HEAD_BYTES)
            at_end = not fh.read(1)
    except OSError as exc:
        raise ParseError(f"cannot read the file: {exc.strerror}", at(str(path))) from exc
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseError(
            "the export is UTF-16 text", at(str(path)), expected="UTF-8 (save it again as UTF-8)"
        )
    try:
        text, encoding = raw.decode("utf-8-sig"), "utf8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 4 and not at_end:
            text, encoding = raw[: exc.start].decode("utf-8-sig"), "utf8"  # a character cut by the chunk
        else:
            # Older Windows exports write µ and ³ in cp1252; the values themselves are ASCII.
            text, encoding = raw.decode("cp1252", errors="replace").lstrip("\ufeff"), "utf8-lossy"
    lines = text.split("\n", limit)
    if len(lines) > limit or not at_end:
        lines.pop()  # the rest of the text, or a line the chunk may have cut
    return [line.rstrip("\r") for line in lines], encoding


def count_channels(cells: list[str]) -> int:
    """How many cells of a candidate header row name particle channels.

    Bare numbers (``0.3``, ``0.5``) are sizes only in a row that reads as a header: ascending, next to
    named columns (``Location``, ``Date``...) or alone. That keeps a data row (``L1,28.3,10``) or a
    metadata line listing the sizes from being taken for the header.
    """
    found = [ch for c in cells if (ch := channel_of(c)) is not None]
    others = [c for c in cells if c.strip() and channel_of(c) is None]
    if len(others) == 1 and cells and cells[0] == others[0] and _SIZE_LIST_KEY.fullmatch(fold(others[0])):
        return 0
    if found and all(ch.bare for ch in found):
        sizes = [ch.size_um for ch in found]
        ascending = all(a < b for a, b in pairwise(sizes))
        if not ascending or not all(role_of(c) is not None for c in others):
            return 0
    return len(found)


def _find_header(lines: list[str], mapping: ColumnMapping, src: str) -> tuple[int, str]:
    delimiters = (mapping.delimiter,) if mapping.delimiter else _DELIMITERS
    if mapping.header_line is not None:
        index = mapping.header_line - 1
        if index >= len(lines):
            raise ParseError(
                f"header_line {mapping.header_line} is beyond the start of the file",
                at(src, row=mapping.header_line),
                expected="the line number of the column header row",
            )
        counts = {d: len(split_line(lines[index], d)) for d in delimiters}
        return index, max(delimiters, key=lambda d: counts[d])
    for index, line in enumerate(lines[:HEADER_SEARCH_LINES]):
        best, best_count = ",", 0
        for d in delimiters:
            cells = split_line(line, d)
            if mapping.channels:
                count = len(set(mapping.channels) & {c.strip() for c in cells})
                count = count if count == len(mapping.channels) else 0
            else:
                count = count_channels(cells)
            if count > best_count:
                best, best_count = d, count
        if best_count >= (1 if mapping.channels else 2):
            return index, best
    raise ParseError(
        f"no particle channel columns in the first {HEADER_SEARCH_LINES} lines",
        at(src),
        expected="a header row with at least two columns named by particle size, such as '0.3 µm' and "
        "'0.5 µm', or a mapping file with header_line and channels",
    )


def _meta_pair(line: str, delimiter: str) -> tuple[str, str] | None:
    cells = [c.strip() for c in split_line(line, delimiter)]
    cells = [c for c in cells if c]
    if not cells:
        return None
    first = cells[0]
    if len(cells) >= 2 and not (":" in first and not first.endswith(":")):
        return first.rstrip(":=").strip(), " ".join(cells[1:])
    joined = delimiter.join(cells) if len(cells) > 1 else first
    for sep in (":", "：", "=", "\t"):
        key, found, value = joined.partition(sep)
        if found and key.strip() and value.strip():
            return key.strip(), value.strip(" " + delimiter)
    return None


def read_head(path: Path, mapping: ColumnMapping) -> Head:
    src = str(path)
    header_at = mapping.header_line or HEADER_SEARCH_LINES
    lines, encoding = _head_lines(path, limit=header_at + 2 + SAMPLE_ROWS)  # a units row, the sample
    index, delimiter = _find_header(lines, mapping, src)
    header = [c.strip() for c in split_line(lines[index], delimiter)]
    data_index = index + 1
    channel_cols = [
        i for i, c in enumerate(header) if channel_of(c) is not None or c in (mapping.channels or {})
    ]
    if data_index < len(lines):
        below = split_line(lines[data_index], delimiter)
        cells = [below[i].strip() if i < len(below) else "" for i in channel_cols]
        if cells and all(c and not _NUMBER.fullmatch(c) for c in cells):
            header = [
                f"{h} {below[i].strip()}".strip() if i < len(below) else h for i, h in enumerate(header)
            ]
            data_index += 1
    rows: list[tuple[str, ...]] = []
    for number, line in enumerate(lines[data_index : data_index + SAMPLE_ROWS], start=data_index + 1):
        if not line.strip(" " + delimiter):
            continue
        row = tuple(split_line(line, delimiter))
        if any(c.strip() for c in row[len(header) :]):
            raise ParseError(
                f"{len(row)} fields, but the header has {len(header)} "
                f"(extra value {row[len(header)].strip()!r})",
                at(src, row=number, field=str(len(header) + 1)),
                expected=f"{len(header)} fields per row, as in the header on line {index + 1}",
            )
        rows.append(row)
    if mapping.decimal_comma is not None:
        decimal_comma = mapping.decimal_comma
    else:
        decimal_comma = delimiter != "," and any(_DECIMAL_COMMA.fullmatch(c.strip()) for r in rows for c in r)
    meta = tuple(
        MetaLine(line=i + 1, key=pair[0], value=pair[1])
        for i, line in enumerate(lines[:index])
        if (pair := _meta_pair(line, delimiter)) is not None
    )
    return Head(
        encoding=encoding,
        delimiter=delimiter,
        decimal_comma=decimal_comma,
        header_line=index + 1,
        header=tuple(header),
        data_line=data_index + 1,
        rows=tuple(rows),
        meta=meta,
    )


def is_number(text: str) -> bool:
    return bool(_NUMBER.fullmatch(text.strip()))


def check_last_row(path: Path, head: Head) -> None:
    """A last row with fewer fields than the header is a cut-off export: refuse it, naming the line."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - 65536))
        pieces = fh.read().split(b"\n")
    kept = list(pieces)
    while kept and not kept[-1].strip(b"\r \t" + head.delimiter.encode()):
        kept.pop()
    if not kept:
        return
    last = kept[-1].decode("utf-8", errors="replace").rstrip("\r")
    fields = len(split_line(last, head.delimiter))
    named = len(head.header)
    while named and not head.header[named - 1]:
        named -= 1  # a header ending with a delimiter has an empty last name, which no row must fill
    if fields >= named:
        return
    # Only now is the line number worth a pass over the file.
    with path.open("rb") as fh:
        newlines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b""))
    line = newlines - (len(pieces) - len(kept)) + 1
    if line < head.data_line:
        return  # no data rows at all: said later, with a clearer message
    raise ParseError(
        f"the last row is truncated: {fields} of {named} fields",
        at(str(path), row=line, field=head.header[fields]),
        expected="a complete last row (was the export cut off?)",
    )
