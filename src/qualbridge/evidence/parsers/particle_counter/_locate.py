"""Finding the first bad row once the aggregates have shown that there is one.

The file is read again as text with a row index; the first row (in file order) that breaks a rule is
described in Python, column by column, so that the error names the 1-based line of the file, the column
and what was expected there. Rows that the instrument flagged invalid are not checked: they are excluded.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator, Mapping
from itertools import pairwise

import polars as pl

from qualbridge.errors import EngineError, ParseError, at
from qualbridge.evidence.parsers.particle_counter._dates import polars_format
from qualbridge.evidence.parsers.particle_counter._layout import Layout, Source
from qualbridge.evidence.parsers.particle_counter._names import BASIS_LABEL, Mode
from qualbridge.evidence.parsers.particle_counter._scan import (
    HMS,
    LOC,
    col,
    cumulative,
    increases,
    location,
    n_fields,
    not_blank,
    number,
    scan,
)

ROW = "__row"


def _valid(invalid_values: Mapping[int, set[str]]) -> pl.Expr:
    if not invalid_values:
        return pl.lit(True)
    return ~pl.any_horizontal(
        *(pl.col(col(i)).is_in(sorted(v)).fill_null(False) for i, v in invalid_values.items())
    )


def _source_checks(layout: Layout, source: Source | None) -> list[pl.Expr]:
    if source is None or source.column is None:
        return []
    c = pl.col(col(source.column))
    value = c.str.contains(HMS) if source.hms else number(layout, source.column, numbers="text")
    if source.hms:
        return [c.is_null(), ~value.fill_null(False), c.str.contains(r"^[\s0:.]*$").fill_null(False)]
    return [value.is_null(), ~value.is_finite().fill_null(False), value <= 0]


def _row_checks(layout: Layout, mode: Mode | None) -> pl.Expr:
    checks: list[pl.Expr] = []
    if layout.location is not None:
        loc = pl.col(col(layout.location)).str.strip_chars()
        checks.append(loc.is_null() | (loc == ""))
        if layout.locations is not None:
            checks.append(~loc.is_in(sorted(layout.locations)).fill_null(True))
    raw = [number(layout, c.column, numbers="text") for c in layout.channels]
    for value in raw:
        checks += [value.is_null(), ~value.is_finite().fill_null(False), value < 0]
    checks += _source_checks(layout, layout.volume) + _source_checks(layout, layout.duration)
    if mode == "cumulative" and len(raw) > 1:
        checks.append(increases(cumulative(raw, "cumulative")))
    return pl.any_horizontal(*(c.fill_null(False) for c in checks))


def _float(text: str | None, decimal_comma: bool) -> float | None:
    """The number as the CSV reader reads it: Python's ``float`` also takes other scripts' digits
    (``١٢``) and ``1_000``, which the reader does not, so a row it refused would have no description."""
    if text is None or not text.strip() or not text.isascii() or "_" in text:
        return None
    try:
        return float(text.strip().replace(",", ".") if decimal_comma else text.strip())
    except ValueError:
        return None


def _describe(
    layout: Layout, row: Mapping[str, str | None], mode: Mode | None
) -> Iterator[tuple[int, str, str]]:
    """(column, message, expected) for each broken rule of one row, in column order."""
    unit = "count" if layout.basis == "counts" else f"concentration ({BASIS_LABEL[layout.basis]})"
    if layout.location is not None:
        name = (row[col(layout.location)] or "").strip()
        if not name:
            yield layout.location, "no location", "the name of the sampling location"
        elif layout.locations is not None and name not in layout.locations:
            yield layout.location, f"unknown location {name!r}", "one of " + ", ".join(layout.locations)
    values: list[float | None] = []
    for ch in layout.channels:
        text = row[col(ch.column)]
        value = _float(text, layout.head.decimal_comma)
        values.append(value)
        if text is None or not text.strip():
            yield ch.column, f"missing {unit} for {ch.size_um:g} µm", f"a {unit} ≥ 0"
        elif value is None:
            yield ch.column, f"{text.strip()!r} is not a number", f"a {unit} ≥ 0"
        elif not math.isfinite(value):
            yield ch.column, f"{text.strip()} is not a {unit}", f"a finite {unit} ≥ 0"
        elif value < 0:
            yield ch.column, f"negative {unit} {text.strip()}", f"a {unit} ≥ 0"
    for source, what, units in ((layout.volume, "sample volume", "L"), (layout.duration, "sample time", "s")):
        if source is None or source.column is None:
            continue
        text = row[col(source.column)]
        value = _float(text, layout.head.decimal_comma) if not source.hms else _hms(text)
        if value is None:
            yield source.column, f"{what} {text!r} is not a number", f"a {what} > 0"
        elif not math.isfinite(value) or value <= 0:
            yield (
                source.column,
                f"{what} {text.strip() if text else text} is not positive",
                f"a {what} > 0 {units}",
            )
    if mode == "cumulative":
        for (a, b), ch in zip(pairwise(values), layout.channels[1:], strict=True):
            if a is not None and b is not None and b > a:
                yield (
                    ch.column,
                    f"cumulative value {b:g} at ≥{ch.size_um:g} µm is above {a:g} at the size below",
                    "cumulative channels that never increase with size, or 'mode: differential' in a "
                    "mapping file",
                )


def _hms(text: str | None) -> float | None:
    m = re.fullmatch(HMS, text or "")
    if m is None:
        return None
    return int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))


def first_bad_row(layout: Layout, invalid_values: Mapping[int, set[str]], mode: Mode | None) -> ParseError:
    """The error for the first row that breaks a rule."""
    found = (
        scan(layout, numbers="text")
        .with_row_index(ROW)
        .filter(not_blank(layout) & _valid(invalid_values) & _row_checks(layout, mode))
        .sort(ROW)
        .head(1)
        .collect(engine="streaming")
    )
    if found.is_empty():
        raise EngineError(f"{layout.src}: the aggregates show a bad row that the row check cannot find")
    row = found.row(0, named=True)
    line = layout.head.data_line + int(row[ROW])
    for column, message, expected in _describe(layout, row, mode):
        return ParseError(message, at(layout.src, row=line, field=layout.name(column)), expected=expected)
    raise EngineError(f"{layout.src}: row {line} fails a check that has no description")


def structural_error(layout: Layout, exc: Exception | None = None) -> ParseError:
    """The error for a row wider than the header, or for a table the CSV reader refuses."""
    width = n_fields(layout)
    with open(layout.src, encoding="utf-8", errors="replace", newline="") as fh:
        for line_number, line in enumerate(fh, start=1):
            if line_number < layout.head.data_line:
                continue
            cells = next(csv.reader([line], delimiter=layout.head.delimiter), [])
            if len(cells) > width:
                return ParseError(
                    f"{len(cells)} fields, but the header has {len(layout.head.header)} "
                    f"(extra value {cells[width].strip()!r})",
                    at(layout.src, row=line_number, field=str(width + 1)),
                    expected=f"at most {width} fields per row",
                )
    if exc is None:
        raise EngineError(f"{layout.src}: a row has an extra field that the row scan cannot find")
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return ParseError(
        f"the data rows cannot be read: {first}", at(layout.src), expected="a well-formed CSV table"
    )


def timestamp_gaps(layout: Layout, invalid_values: Mapping[int, set[str]]) -> dict[str, float]:
    """Per location, the shortest positive interval between consecutive valid samples, in seconds."""
    fmt = polars_format(layout.detect_timestamp_format())
    text = pl.concat_str([pl.col(col(i)).str.strip_chars() for i in layout.timestamp], separator=" ")
    base = (
        scan(layout, numbers="text")
        .with_row_index(ROW)
        .filter(not_blank(layout) & _valid(invalid_values))
        .with_columns(
            location(layout), text.alias("__text"), text.str.to_datetime(fmt, strict=False).alias("__ts")
        )
    )
    bad = base.filter(pl.col("__ts").is_null()).select(ROW, "__text").head(1).collect(engine="streaming")
    if not bad.is_empty():
        line = layout.head.data_line + int(bad[ROW][0])
        raise ParseError(
            f"{bad['__text'][0]!r} is not a timestamp in the format {fmt!r}",
            at(layout.src, row=line, field=layout.name(layout.timestamp[0])),
            expected="timestamps in one format (timestamp.format in a mapping file)",
        )
    gaps = (
        base.select(LOC, "__ts")
        .with_columns(
            (pl.col("__ts").diff().dt.total_milliseconds() / 1000.0).alias("__gap"),
            (pl.col(LOC) == pl.col(LOC).shift()).alias("__same"),
        )
        .filter(pl.col("__same") & (pl.col("__gap") > 0))
        .group_by(LOC)
        .agg(pl.col("__gap").min())
        .collect(engine="streaming")
    )
    found: dict[str, float] = {}
    for name, gap in gaps.iter_rows():
        key = str(name or "").strip()
        found[key] = min(float(gap), found.get(key, math.inf))
    return found
