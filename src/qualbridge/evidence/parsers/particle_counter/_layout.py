"""The column plan of one export: which column is what, and how volume and duration are known.

Decided from the header names, the metadata lines and the first data rows; the mapping file overrides any
of it. Every assumption that detection had to make becomes a note in the evidence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from qualbridge.errors import ParseError, at
from qualbridge.evidence.parsers.particle_counter._dates import (
    AmbiguousDateError,
    DateFormatError,
    detect_format,
    parse_datetime,
)
from qualbridge.evidence.parsers.particle_counter._header import Head
from qualbridge.evidence.parsers.particle_counter._mapping import Amount, ColumnMapping
from qualbridge.evidence.parsers.particle_counter._metadata import HeaderInfo
from qualbridge.evidence.parsers.particle_counter._names import (
    BASIS_LABEL,
    Basis,
    ChannelName,
    Mode,
    Role,
    channel_of,
    role_of,
    seconds_of,
    split_unit,
    time_factor,
    to_float,
    volume_factor,
)
from qualbridge.text import Text

DurationOrigin = Literal["column", "header", "volume_flow", "timestamps"]


@dataclass(frozen=True, slots=True)
class Channel:
    column: int
    name: str
    size_um: float


@dataclass(frozen=True, slots=True)
class Source:
    """A per-sample quantity: a column × ``factor`` (``hms``: ``hh:mm:ss`` text), or one ``value``."""

    column: int | None = None
    factor: float = 1.0
    value: float | None = None
    hms: bool = False


@dataclass(frozen=True, slots=True)
class Layout:
    src: str
    head: Head
    channels: tuple[Channel, ...]
    mode: Mode | None  # None: stated nowhere, and the first rows do not show it
    basis: Basis
    location: int | None
    location_name: str | None
    locations: dict[str, str] | None
    status: tuple[int, ...]
    volume: Source | None
    duration: Source | None
    duration_from: DurationOrigin | None
    timestamp: tuple[int, ...]
    timestamp_format: str | None
    flow_lpm: float | None
    notes: tuple[Text, ...] = ()

    def duration_of_volume(self, litres: float) -> float:
        """The sample duration of ``litres`` at the nominal flow rate.

        Exports round the volume (1 ft³ is written 28.3 L): the duration is known to the same three
        figures, and 28.3 L at 1 CFM is 60.0 s, not 59.96 s.
        """
        assert self.flow_lpm is not None
        return float(f"{litres / self.flow_lpm * 60.0:.3g}")

    @property
    def sizes(self) -> list[float]:
        return [c.size_um for c in self.channels]

    def name(self, column: int) -> str:
        return self.head.header[column]

    def detect_timestamp_format(self) -> str:
        """The format of the timestamp column(s), from the first rows; an error when it is ambiguous."""
        if self.timestamp_format:
            return self.timestamp_format
        try:
            return detect_format([self.joined_timestamp(r) for r in self.head.rows])
        except DateFormatError as exc:
            raise ParseError(
                str(exc),
                at(self.src, row=self.head.data_line, field=self.name(self.timestamp[0])),
                expected="timestamp.format in the mapping file, e.g. '%d/%m/%Y %H:%M:%S'",
            ) from exc

    def joined_timestamp(self, row: Sequence[str]) -> str:
        return " ".join(row[c].strip() for c in self.timestamp if c < len(row))

    def first_date(self) -> dt.date | None:
        if not self.timestamp or not self.head.rows:
            return None
        return parse_datetime(self.joined_timestamp(self.head.rows[0]), self.detect_timestamp_format()).date()


# Where an export has several sets of channel columns, the set read: cumulative before differential,
# counts before concentrations when the volume is known (counts ÷ volume is exact; concentrations are
# rounded by the instrument), concentrations first otherwise.
_MODE_RANK: dict[Mode | None, int] = {"cumulative": 0, None: 1, "differential": 2}


def _basis_rank(basis: Basis | None, volume_known: bool) -> int:
    if basis is None:
        return 1
    return (0 if basis == "counts" else 2) if volume_known else (2 if basis == "counts" else 0)


def _values(head: Head, column: int) -> list[str]:
    return [r[column].strip() for r in head.rows if column < len(r) and r[column].strip()]


def _has_dates(values: Sequence[str]) -> bool:
    try:
        detect_format(values)
    except AmbiguousDateError:
        return True  # dates all the same; the order of day and month is decided when it matters
    except DateFormatError:
        return False
    return True


def _clock_times(values: Sequence[str]) -> bool:
    """Times of day rise from sample to sample; sample durations repeat."""
    seconds = [seconds_of(v, None) for v in values if ":" in v]
    if len(seconds) < 2 or len(seconds) != len(values):
        return False
    return all(a is not None and b is not None and b > a for a, b in pairwise(seconds))


def _roles(head: Head, mapping: ColumnMapping) -> dict[Role, list[tuple[int, int]]]:
    """Role → [(priority, column)]; a time column's content decides between timestamp and duration."""
    roles: dict[Role, list[tuple[int, int]]] = {}
    for i, name in enumerate(head.header):
        if name in mapping.ignore or channel_of(name) is not None or (found := role_of(name)) is None:
            continue
        role, priority = found
        if role in ("sample_time", "time"):
            values = _values(head, i)
            unit = split_unit(name)[1]
            if values and _has_dates(values):
                role = "timestamp"
            elif _clock_times(values):
                role = "time"  # "Sample Time" holding the time of day of each sample
            elif role == "sample_time" or time_factor(unit) is not None:
                role = "duration"
        roles.setdefault(role, []).append((priority, i))
    return roles


class _Planner:
    def __init__(self, src: str, head: Head, info: HeaderInfo, mapping: ColumnMapping) -> None:
        self.src, self.head, self.info, self.mapping = src, head, info, mapping
        self.roles = _roles(head, mapping)
        self.notes: list[Text] = []

    def fail(self, column: int | None, message: str, expected: str) -> ParseError:
        name = self.head.header[column] if column is not None else None
        return ParseError(message, at(self.src, row=self.head.header_line, field=name), expected=expected)

    def first(self, role: Role) -> list[int]:
        found = sorted(self.roles.get(role, []))
        return [c for p, c in found if p == found[0][0]] if found else []

    def column(self, name: str, key: str) -> int:
        names = [h.strip() for h in self.head.header]
        if name not in names:
            raise ParseError(
                f"mapping {key}: no column {name!r}",
                at(self.src, row=self.head.header_line, field=name),
                expected="one of " + ", ".join(repr(n) for n in names),
            )
        return names.index(name)

    # --- volume and duration ---------------------------------------------------------------------

    def amount(self, spec: Amount, key: Literal["volume", "sample_time"]) -> Source:
        if spec.value is not None:
            return Source(value=spec.value * (spec.factor or 1.0))
        assert spec.column is not None  # the mapping reader guarantees a column or a value
        return self.column_source(self.column(spec.column, key), key, spec.factor)

    def column_source(
        self, column: int, key: Literal["volume", "sample_time"], factor: float | None
    ) -> Source:
        values = _values(self.head, column)
        if key == "sample_time" and values and all(":" in v for v in values):
            return Source(column=column, hms=True)
        unit = split_unit(self.head.header[column])[1]
        if factor is None:
            factor = volume_factor(unit) if key == "volume" else time_factor(unit)
        if factor is None and key == "volume":
            factor = self.info.volume_unit_factor()
        if factor is None:
            units = "L, ft3 or m3" if key == "volume" else "s or min"
            raise self.fail(
                column,
                f"the {key.replace('_', ' ')} column gives no unit",
                f"a unit in its name, e.g. '{self.head.header[column]} ({units[0]})', or mapping "
                f"{key}: {{column: ..., unit: ...}} with one of {units}",
            )
        return Source(column=column, factor=factor)

    def duration(self) -> tuple[Source | None, DurationOrigin | None]:
        if self.mapping.sample_time is not None:
            return self.amount(self.mapping.sample_time, "sample_time"), "column"
        columns = self.first("duration")
        if columns:
            return self.column_source(columns[0], "sample_time", None), "column"
        seconds = self.info.sample_time_s()
        return (Source(value=seconds), "header") if seconds is not None else (None, None)

    def volume(self, flow: float | None, duration: Source | None) -> Source | None:
        if self.mapping.volume is not None:
            return self.amount(self.mapping.volume, "volume")
        columns = self.first("volume")
        if len(columns) > 1:
            raise self.fail(columns[1], "two sample-volume columns", "mapping volume.column naming one")
        if columns:
            return self.column_source(columns[0], "volume", None)
        litres = self.info.volume_l()
        if litres is not None:
            return Source(value=litres)
        if flow is None or duration is None:
            return None
        self.notes.append(Text.of("sample volume = flow rate × sample time", "采样体积 = 流量 × 采样时间"))
        if duration.value is not None:
            return Source(value=duration.value * flow / 60.0)
        return Source(column=duration.column, factor=duration.factor * flow / 60.0, hms=duration.hms)

    def derived_duration(
        self, flow: float | None, volume: Source | None
    ) -> tuple[Source | None, DurationOrigin | None]:
        if volume is not None and flow is not None and not volume.hms:
            self.notes.append(
                Text.of(
                    "sample duration = sample volume ÷ nominal flow rate", "采样时长 = 采样体积 ÷ 额定流量"
                )
            )
            return None, "volume_flow"  # from each location's smallest volume: see duration_of_volume
        if self.timestamps():
            self.notes.append(
                Text.of(
                    "sample duration taken as the shortest interval between consecutive samples at a "
                    "location (includes any hold time)",
                    "采样时长取同一位置相邻样本的最短时间间隔（含间隔等待时间）",
                )
            )
            return None, "timestamps"
        return None, None

    # --- channels ----------------------------------------------------------------------------------

    def channels(self, volume_known: bool) -> tuple[list[Channel], Mode | None, Basis | None]:
        if self.mapping.channels:
            mapped = [Channel(self.column(n, "channels"), n, s) for n, s in self.mapping.channels.items()]
            names = [channel_of(c.name) for c in mapped]
            modes = {n.mode for n in names if n is not None}
            bases = {n.basis for n in names if n is not None}
            mode = modes.pop() if len(modes) == 1 else None
            return sorted(mapped, key=lambda c: c.size_um), mode, bases.pop() if len(bases) == 1 else None
        found = [
            (i, ch)
            for i, n in enumerate(self.head.header)
            if n not in self.mapping.ignore and (ch := channel_of(n))
        ]
        sets: dict[tuple[Mode | None, Basis | None], list[tuple[int, ChannelName]]] = {}
        for i, ch in found:
            sets.setdefault((ch.mode, ch.basis), []).append((i, ch))
        key = min(sets, key=lambda k: (_MODE_RANK[k[0]], _basis_rank(k[1], volume_known), -len(sets[k])))
        unused = [self.head.header[i] for k, members in sets.items() if k != key for i, _ in members]
        if unused:
            self.notes.append(
                Text.of(
                    "other channel columns not used: " + ", ".join(unused),
                    "未使用的其他通道列：" + "、".join(unused),
                )
            )
        chosen: list[Channel] = []
        for i, ch in sorted(sets[key], key=lambda m: m[1].size_um):
            if chosen and chosen[-1].size_um == ch.size_um:
                raise self.fail(
                    i,
                    f"duplicate channel {ch.size_um:g} µm (also column {chosen[-1].name!r})",
                    "one column per particle size, or mapping channels naming the columns to use",
                )
            chosen.append(Channel(i, self.head.header[i], ch.size_um))
        return chosen, key[0], key[1]

    def mode(self, named: Mode | None, channels: list[Channel]) -> Mode | None:
        stated = self.mapping.mode or named or self.info.mode
        if stated is not None:
            return stated
        for row in self.head.rows:
            try:
                values = [to_float(row[c.column]) for c in channels]
            except (IndexError, ValueError):
                continue
            if any(b > a for a, b in pairwise(values)):
                self.notes.append(
                    Text.of(
                        "channels read as differential: counts increase with size in a row",
                        "通道按差分计数读取：某行计数随粒径增大而增加",
                    )
                )
                return "differential"
        return None

    def basis(self, named: Basis | None) -> Basis:
        basis = self.mapping.values or named or self.info.basis
        if basis is None:
            self.notes.append(
                Text.of(
                    "channel values read as raw counts (no unit stated in the export)",
                    "通道数值按原始计数读取（导出文件未注明单位）",
                )
            )
        return basis or "counts"

    # --- location, status, timestamps -------------------------------------------------------------

    def location(self) -> tuple[int | None, str | None]:
        if self.mapping.location is not None:
            return self.column(self.mapping.location, "location"), None
        if self.mapping.location_name is not None:
            return None, self.mapping.location_name
        columns = self.first("location")
        if len(columns) > 1:
            first, second = (self.head.header[c] for c in columns[:2])
            raise self.fail(columns[1], f"two location columns: {first!r} and {second!r}", "mapping location")
        if columns:
            return columns[0], None
        name = self.info.text("location") or self.info.text("room")
        if name is None:
            raise self.fail(
                None,
                "no location column and no location in the header lines",
                "a 'Location' column, a 'Location:' line above the table, or mapping location_name",
            )
        return None, name

    def status(self) -> tuple[int, ...]:
        if self.mapping.status.columns is not None:
            return tuple(self.column(n, "status.columns") for n in self.mapping.status.columns)
        return tuple(sorted(c for _, c in self.roles.get("status", [])))

    def timestamps(self) -> tuple[int, ...]:
        spec = self.mapping.timestamp
        if spec is not None and spec.column is not None:
            return (self.column(spec.column, "timestamp.column"),)
        if spec is not None and spec.date is not None and spec.time is not None:
            return self.column(spec.date, "timestamp.date"), self.column(spec.time, "timestamp.time")
        if columns := self.first("timestamp"):
            return (columns[0],)
        dates, times = self.first("date"), self.first("time")
        return (dates[0], times[0]) if dates and times else ()


def plan(src: str, head: Head, info: HeaderInfo, mapping: ColumnMapping) -> Layout:
    """The column plan, or a :class:`ParseError` naming the header line and what is missing."""
    p = _Planner(src, head, info, mapping)
    flow = mapping.flow_lpm or info.flow_lpm()
    duration, duration_from = p.duration()
    volume = p.volume(flow, duration)
    if duration is None:
        duration, duration_from = p.derived_duration(flow, volume)
    channels, named_mode, named_basis = p.channels(volume is not None)
    basis = p.basis(named_basis)
    if volume is None and basis == "counts":
        raise p.fail(
            None,
            "the export gives counts but not the sampled volume",
            "a volume column such as 'Volume (L)', a 'Sample Volume:' line, or the flow rate and the "
            "sample time",
        )
    if volume is None:
        p.notes.append(
            Text.of(
                f"the export gives {BASIS_LABEL[basis]} without the sampled volume: sample volumes unknown",
                f"导出文件给出 {BASIS_LABEL[basis]}，但没有采样体积：采样体积未知",
            )
        )
    location, location_name = p.location()
    timestamp = p.timestamps()
    return Layout(
        src=src,
        head=head,
        channels=tuple(channels),
        mode=p.mode(named_mode, channels),
        basis=basis,
        location=location,
        location_name=location_name,
        locations=mapping.locations,
        status=p.status(),
        volume=volume,
        duration=duration,
        duration_from=duration_from,
        timestamp=timestamp,
        timestamp_format=mapping.timestamp.format if mapping.timestamp else None,
        flow_lpm=flow,
        notes=tuple(p.notes),
    )
