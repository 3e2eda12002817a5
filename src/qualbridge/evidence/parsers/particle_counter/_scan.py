"""The data rows, read columnar and streaming with Polars.

1. One streaming pass groups the rows by (location, status values) and aggregates per group: sample
   count, per-channel sums and maxima of the cumulative concentration, minima and null counts of the raw
   values, volume and duration statistics, and how many rows have counts that increase with size. Numbers
   are parsed by the CSV reader itself (counts as integers first); if that fails (``35.0`` where an
   integer was tried, a word in a numeric column, padded values), the pass is repeated with floats, then
   reading text and converting leniently, so that the problem shows in the aggregates.
2. The few groups are checked in Python. A status that the instrument uses to invalidate samples
   excludes its group; every other group must be clean.
3. Only when a check fails is the file read again (:mod:`._locate`) to find the first bad row, so that
   the error names its line and column. Nothing is accepted from a file with a bad row.

Memory stays bounded by the number of groups, not the number of rows.

Step 1 has a fast path for plain exports, :mod:`._fast` (a compiled scan giving the same groups); this
module's Polars query is the general path, for every file the fast path declines.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal

import polars as pl

from qualbridge.evidence.parsers.particle_counter._layout import Layout, Source
from qualbridge.evidence.parsers.particle_counter._mapping import StatusSpec
from qualbridge.evidence.parsers.particle_counter._names import BASIS_TO_PER_M3, Mode
from qualbridge.evidence.parsers.particle_counter._status import Outcome, classify, combine

# How the reader parses numbers: counts as integers (fastest), as floats, or everything as text that is
# converted leniently afterwards (so that a bad value shows as a null instead of stopping the read).
Numbers = Literal["integer", "float", "text"]
LOC = "__loc"
OVERFLOW = "__overflow"
VOLUME, DURATION = "__volume", "__duration"
HMS = r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*$"

# One group's aggregates by name: the keys (LOC and the status columns), "n", "overflow", and per
# channel k "null{k}", "min{k}", "sum{k}", "max{k}"; "vnull", "vmin", "vsum" and "dnull", "dmin", "dsum"
# when the volume and the duration are known; "inc" for cumulative channels.
GroupRow = dict[str, Any]


def col(i: int) -> str:
    return f"c{i}"


def n_fields(layout: Layout) -> int:
    return max([len(layout.head.header), *(len(r) for r in layout.head.rows)])


def numeric_columns(layout: Layout) -> set[int]:
    cols = {c.column for c in layout.channels}
    for source in (layout.volume, layout.duration):
        if source is not None and source.column is not None and not source.hms:
            cols.add(source.column)
    return cols


def scan(layout: Layout, *, numbers: Numbers) -> pl.LazyFrame:
    """The data rows, numbers parsed by the reader (counts as integers or floats) or read as text.

    One column more than the header has, :data:`OVERFLOW`, catches rows with an extra field: the CSV
    reader does not check the width of rows when it reads only some columns, and a row shifted by an
    unquoted delimiter would otherwise give numbers from the wrong columns.
    """
    numeric = numeric_columns(layout) if numbers != "text" else set()
    counts = {c.column for c in layout.channels} if numbers == "integer" else set()
    schema = {
        col(i): (pl.Int64 if i in counts else pl.Float64 if i in numeric else pl.String)
        for i in range(n_fields(layout))
    }
    schema[OVERFLOW] = pl.String
    return pl.scan_csv(
        layout.src,
        has_header=False,
        skip_lines=layout.head.data_line - 1,
        separator=layout.head.delimiter,
        schema=schema,
        encoding="utf8-lossy" if layout.head.encoding != "utf8" else "utf8",
        decimal_comma=layout.head.decimal_comma and numbers != "text",
        quote_char='"',
        missing_columns="insert",  # a short first row is reported as missing values, not as a schema error
    )


def number(layout: Layout, i: int, *, numbers: Numbers) -> pl.Expr:
    if numbers != "text":
        return pl.col(col(i))
    text = pl.col(col(i)).str.strip_chars()
    if layout.head.decimal_comma:
        text = text.str.replace(",", ".", literal=True)
    return text.cast(pl.Float64, strict=False)


def hms_seconds(i: int) -> pl.Expr:
    parts = pl.col(col(i)).str.extract_groups(HMS)
    h, m, s = (parts.struct.field(str(k)).cast(pl.Float64) for k in (1, 2, 3))
    return h.fill_null(0.0) * 3600.0 + m * 60.0 + s


def amount(layout: Layout, source: Source | None, *, numbers: Numbers) -> pl.Expr | None:
    if source is None:
        return None
    if source.value is not None:
        return pl.lit(source.value, dtype=pl.Float64)
    assert source.column is not None
    base = hms_seconds(source.column) if source.hms else number(layout, source.column, numbers=numbers)
    return base * source.factor


def location(layout: Layout) -> pl.Expr:
    if layout.location is None:
        return pl.lit(layout.location_name, dtype=pl.String).alias(LOC)
    # Not stripped here: padding is removed from the few group names, not from every row.
    return pl.col(col(layout.location)).alias(LOC)


def used_columns(layout: Layout) -> list[int]:
    used = [c.column for c in layout.channels] + list(layout.status)
    for i in (
        layout.location,
        getattr(layout.volume, "column", None),
        getattr(layout.duration, "column", None),
    ):
        if i is not None:
            used.append(i)
    return used


def not_blank(layout: Layout) -> pl.Expr:
    """Empty lines (and lines of delimiters only) are no samples."""
    return ~pl.all_horizontal(*(pl.col(col(i)).is_null() for i in used_columns(layout)))


def cumulative(raw: list[pl.Expr], mode: Mode) -> list[pl.Expr]:
    """Cumulative values (≥ size) from raw channel values, smallest size first."""
    if mode == "cumulative":
        return raw
    return [pl.sum_horizontal(raw[i:]) for i in range(len(raw))]


def increases(raw: list[pl.Expr]) -> pl.Expr:
    """A row whose values increase with size: impossible for cumulative channels."""
    return pl.any_horizontal(*(b > a for a, b in pairwise(raw)))


def aggregate(layout: Layout, mode: Mode, *, numbers: Numbers) -> list[GroupRow]:
    raw = [number(layout, c.column, numbers=numbers) for c in layout.channels]
    cum = cumulative(raw, mode)
    # Volume and duration become columns before the grouping: a constant (a volume from the metadata)
    # is then one value per row, and sums to the group's total, not to one sample's value.
    amounts = {
        name: expr
        for name, source in ((VOLUME, layout.volume), (DURATION, layout.duration))
        if (expr := amount(layout, source, numbers=numbers)) is not None
    }
    volume = pl.col(VOLUME) if VOLUME in amounts else None
    duration = pl.col(DURATION) if DURATION in amounts else None
    if layout.basis == "counts":
        assert volume is not None  # the layout refuses counts without a volume
        scale = pl.lit(1000.0) / volume
    else:
        scale = pl.lit(BASIS_TO_PER_M3[layout.basis])
    aggs: list[pl.Expr] = [pl.len().alias("n"), pl.col(OVERFLOW).count().alias("overflow")]
    for k, (r, c) in enumerate(zip(raw, cum, strict=True)):
        conc = c * scale
        aggs += [
            r.null_count().alias(f"null{k}"),
            r.min().alias(f"min{k}"),
            conc.sum().alias(f"sum{k}"),
            conc.max().alias(f"max{k}"),
        ]
    if volume is not None:
        aggs += [volume.null_count().alias("vnull"), volume.min().alias("vmin"), volume.sum().alias("vsum")]
    if duration is not None:
        aggs += [
            duration.null_count().alias("dnull"),
            duration.min().alias("dmin"),
            duration.sum().alias("dsum"),
        ]
    if mode == "cumulative" and len(raw) > 1:
        aggs.append(increases(raw).sum().alias("inc"))
    keys = [LOC, *(col(i) for i in layout.status)]
    query = (
        scan(layout, numbers=numbers)
        .filter(not_blank(layout))
        .with_columns(location(layout), *(expr.alias(name) for name, expr in amounts.items()))
        .group_by(keys)
        .agg(aggs)
    )
    return query.collect(engine="streaming").to_dicts()


# --- the groups, checked and combined --------------------------------------------------------------


Problem = Literal["structure", "location", "value", "volume", "duration", "increase"]


@dataclass(slots=True)
class Totals:
    """One location's statistics, accumulated over its groups."""

    samples: int = 0
    sums: list[float] = field(default_factory=list)
    maxima: list[float] = field(default_factory=list)
    volume_min: float | None = None
    volume_sum: float = 0.0
    duration_min: float | None = None
    alarms: int = 0

    def add(self, g: dict[str, Any], size_count: int, alarm: bool) -> None:
        if not self.sums:
            self.sums, self.maxima = [0.0] * size_count, [0.0] * size_count
        self.samples += g["n"]
        self.alarms += g["n"] if alarm else 0
        for k in range(size_count):
            self.sums[k] += g[f"sum{k}"]
            self.maxima[k] = max(self.maxima[k], g[f"max{k}"])
        if "vmin" in g:
            self.volume_min = g["vmin"] if self.volume_min is None else min(self.volume_min, g["vmin"])
            self.volume_sum += g["vsum"]
        if "dmin" in g:
            self.duration_min = g["dmin"] if self.duration_min is None else min(self.duration_min, g["dmin"])


@dataclass(slots=True)
class Outcomes:
    """The checked result of one aggregation."""

    mode: Mode
    locations: dict[str, Totals] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)
    excluded_statuses: set[str] = field(default_factory=set)
    unknown_statuses: set[str] = field(default_factory=set)
    invalid_values: dict[int, set[str]] = field(default_factory=dict)
    problems: set[Problem] = field(default_factory=set)
    increasing_rows: int = 0


def _finite(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


def _problems(g: dict[str, Any], layout: Layout, mode: Mode) -> Iterator[Problem]:
    if g["overflow"]:
        yield "structure"
    name = g[LOC]  # already stripped by check_groups
    if not name or (layout.locations is not None and name not in layout.locations):
        yield "location"
    for k in range(len(layout.channels)):
        if g[f"null{k}"] or not _finite(g[f"sum{k}"], g[f"max{k}"], g[f"min{k}"]) or g[f"min{k}"] < 0:
            yield "value"
    if "vmin" in g and (g["vnull"] or not _finite(g["vsum"], g["vmin"]) or g["vmin"] <= 0):
        yield "volume"
    if "dmin" in g and (g["dnull"] or not _finite(g["dsum"], g["dmin"]) or g["dmin"] <= 0):
        yield "duration"
    if g.get("inc") and layout.mode == "cumulative":
        yield "increase"


def check_groups(layout: Layout, groups: list[GroupRow], mode: Mode, spec: StatusSpec) -> Outcomes:
    out = Outcomes(mode=mode)
    for g in groups:
        g[LOC] = (g[LOC] or "").strip()
        statuses = [(i, g[col(i)]) for i in layout.status]
        outcome: Outcome = combine([classify(layout.name(i), v, spec) for i, v in statuses])
        if g["overflow"]:
            out.problems.add("structure")  # even in an excluded row: the table itself is broken
        if outcome == "invalid":
            out.excluded[g[LOC]] = out.excluded.get(g[LOC], 0) + g["n"]
            shown = ", ".join(str(v) for _, v in statuses if v)
            out.excluded_statuses.add(shown)
            for i, v in statuses:
                if v is not None and classify(layout.name(i), v, spec) == "invalid":
                    out.invalid_values.setdefault(i, set()).add(v)
            continue
        if outcome == "unknown":
            out.unknown_statuses.update(str(v) for _, v in statuses if v)
        found = set(_problems(g, layout, mode))
        out.problems |= found
        out.increasing_rows += g.get("inc") or 0
        if found:
            continue
        name = layout.locations[g[LOC]] if layout.locations is not None else g[LOC]
        out.locations.setdefault(name, Totals()).add(g, len(layout.channels), outcome == "alarm")
    return out
