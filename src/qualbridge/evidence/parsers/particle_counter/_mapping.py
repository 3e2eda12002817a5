"""The mapping file: what detection cannot decide, stated once per export format.

See the grammar in the package docstring and in docs/evidence-formats.md. Every key is optional; a key
that is present overrides what detection found. Unknown keys are refused, so a misspelt key never goes
unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qualbridge.errors import ParseError, at
from qualbridge.evidence.parsers.particle_counter._names import (
    Basis,
    Mode,
    flow_lpm_of,
    fold,
    time_factor,
    volume_factor,
)

_KEYS = {
    "header_line",
    "delimiter",
    "decimal",
    "channels",
    "mode",
    "values",
    "location",
    "location_name",
    "locations",
    "volume",
    "sample_time",
    "flow_rate",
    "timestamp",
    "status",
    "ignore",
}
_DELIMITERS = {",": ",", ";": ";", "\t": "\t", "\\t": "\t", "tab": "\t"}
_VALUES: dict[str, Basis] = {"counts": "counts", "per_m3": "per_m3", "per_ft3": "per_ft3", "per_l": "per_l"}


@dataclass(frozen=True, slots=True)
class Amount:
    """A per-row column or one value for the whole file, with the factor to litres or seconds."""

    column: str | None
    value: float | None
    factor: float | None
    unit: str | None


@dataclass(frozen=True, slots=True)
class TimestampSpec:
    column: str | None = None
    date: str | None = None
    time: str | None = None
    format: str | None = None


@dataclass(frozen=True, slots=True)
class StatusSpec:
    columns: tuple[str, ...] | None = None
    invalid: tuple[str, ...] | None = None
    alarm: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    header_line: int | None = None
    delimiter: str | None = None
    decimal_comma: bool | None = None
    channels: dict[str, float] | None = None
    mode: Mode | None = None
    values: Basis | None = None
    location: str | None = None
    location_name: str | None = None
    locations: dict[str, str] | None = None
    volume: Amount | None = None
    sample_time: Amount | None = None
    flow_lpm: float | None = None
    timestamp: TimestampSpec | None = None
    status: StatusSpec = field(default_factory=StatusSpec)
    ignore: frozenset[str] = frozenset()


def load_mapping(path: Path | None) -> ColumnMapping:
    """The mapping in ``path`` (an empty mapping when there is none)."""
    if path is None:
        return ColumnMapping()
    src = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ParseError(f"cannot read the mapping file: {exc.strerror}", at(src)) from exc
    except yaml.YAMLError as exc:
        raise ParseError(f"the mapping file is not valid YAML: {exc}", at(src)) from exc
    if data is None:
        return ColumnMapping()
    if not isinstance(data, dict):
        raise ParseError(
            "a mapping file is a mapping of key: value", at(src), expected="e.g. 'location: Probe'"
        )
    unknown = sorted(set(map(str, data)) - _KEYS)
    if unknown:
        raise ParseError(
            f"unknown mapping key {unknown[0]!r}",
            at(src, field=unknown[0]),
            expected=", ".join(sorted(_KEYS)),
        )
    return _Reader(src, data).mapping()


class _Reader:
    def __init__(self, src: str, data: Mapping[str, Any]) -> None:
        self.src = src
        self.data = data

    def fail(self, key: str, message: str, expected: str) -> ParseError:
        return ParseError(message, at(self.src, field=key), expected=expected)

    def text(self, key: str, value: Any = None) -> str | None:
        value = self.data.get(key) if value is None else value
        if value is None:
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value).strip():
            raise self.fail(key, f"{key} must be a non-empty text", "a column name or a value")
        return str(value)

    def mapping(self) -> ColumnMapping:
        d = self.data
        header_line = d.get("header_line")
        if header_line is not None and (not isinstance(header_line, int) or header_line < 1):
            raise self.fail("header_line", "header_line must be a line number", "an integer ≥ 1")
        delimiter = None
        if d.get("delimiter") is not None:
            delimiter = _DELIMITERS.get(str(d["delimiter"]).lower())
            if delimiter is None:
                raise self.fail("delimiter", f"unknown delimiter {d['delimiter']!r}", "',', ';' or 'tab'")
        decimal = d.get("decimal")
        if decimal not in (None, ".", ","):
            raise self.fail("decimal", f"unknown decimal separator {decimal!r}", "'.' or ','")
        mode = d.get("mode")
        if mode not in (None, "cumulative", "differential"):
            raise self.fail("mode", f"unknown mode {mode!r}", "cumulative or differential")
        values = d.get("values")
        if values is not None and values not in _VALUES:
            raise self.fail("values", f"unknown values {values!r}", ", ".join(_VALUES))
        if d.get("location") is not None and d.get("location_name") is not None:
            raise self.fail("location", "give either location or location_name", "one of them")
        return ColumnMapping(
            header_line=header_line,
            delimiter=delimiter,
            decimal_comma=None if decimal is None else decimal == ",",
            channels=self.channels(),
            mode=mode,
            values=None if values is None else _VALUES[values],
            location=self.text("location"),
            location_name=self.text("location_name"),
            locations=self.locations(),
            volume=self.amount("volume", volume_factor, "L, ft3 or m3"),
            sample_time=self.amount("sample_time", time_factor, "s or min"),
            flow_lpm=self.flow(),
            timestamp=self.timestamp(),
            status=self.status(),
            ignore=frozenset(self.names("ignore", d.get("ignore")) or ()),
        )

    def flow(self) -> float | None:
        text = self.text("flow_rate")
        if text is None:
            return None
        flow = flow_lpm_of(text)
        if flow is None:
            raise self.fail(
                "flow_rate", f"cannot read the flow rate {text!r}", "e.g. '1.0 CFM' or '28.3 L/min'"
            )
        return flow

    def channels(self) -> dict[str, float] | None:
        raw = self.data.get("channels")
        if raw is None:
            return None
        if not isinstance(raw, dict) or not raw:
            raise self.fail("channels", "channels must map column names to sizes", "e.g. {'Bin A': 0.3}")
        out: dict[str, float] = {}
        for name, size in raw.items():
            if isinstance(size, bool) or not isinstance(size, int | float) or not 0 < size <= 1000:
                raise self.fail(f"channels.{name}", f"size {size!r} is not a particle size", "µm, e.g. 0.5")
            out[str(name)] = float(size)
        if len(set(out.values())) != len(out):
            raise self.fail("channels", "two columns map to the same size", "one column per size")
        return out

    def locations(self) -> dict[str, str] | None:
        raw = self.data.get("locations")
        if raw is None:
            return None
        if isinstance(raw, list) and raw:
            return {name: name for name in self.names("locations", raw) or ()}
        if isinstance(raw, dict) and raw:
            return {str(k): str(self.text(f"locations.{k}", v)) for k, v in raw.items()}
        raise self.fail("locations", "locations must be a list or a mapping", "[L01, L02] or {'1': L01}")

    def names(self, key: str, raw: Any) -> list[str] | None:
        if raw is None:
            return None
        if not isinstance(raw, list) or not all(isinstance(x, str | int) for x in raw):
            raise self.fail(key, f"{key} must be a list of names", "e.g. [A, B]")
        return [str(x) for x in raw]

    def amount(self, key: str, factor_of: Callable[[str | None], float | None], units: str) -> Amount | None:
        raw = self.data.get(key)
        if raw is None:
            return None
        if (
            not isinstance(raw, dict)
            or ("column" in raw) == ("value" in raw)
            or set(raw) - {"column", "value", "unit"}
        ):
            raise self.fail(
                key, f"{key} needs a column or a value", "{column: NAME, unit: U} or {value: X, unit: U}"
            )
        unit = self.text(f"{key}.unit", raw.get("unit"))
        factor = factor_of(unit) if unit else None
        if unit and factor is None:
            raise self.fail(f"{key}.unit", f"unknown unit {unit!r}", units)
        if "value" in raw:
            value = raw["value"]
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not value > 0
                or factor is None
            ):
                raise self.fail(key, f"{key}.value must be a positive number with a unit", units)
            return Amount(column=None, value=float(value), factor=factor, unit=unit)
        return Amount(column=self.text(f"{key}.column", raw["column"]), value=None, factor=factor, unit=unit)

    def timestamp(self) -> TimestampSpec | None:
        raw = self.data.get("timestamp")
        if raw is None:
            return None
        if not isinstance(raw, dict) or set(raw) - {"column", "date", "time", "format"}:
            raise self.fail(
                "timestamp", "timestamp must be a mapping", "{column: NAME, format: '%Y-%m-%d %H:%M'}"
            )
        pair = raw.get("date") is not None and raw.get("time") is not None
        if raw.get("column") is None and not pair and raw.get("format") is None:
            raise self.fail("timestamp", "timestamp needs a column (or date and time)", "column: NAME")
        return TimestampSpec(
            column=self.text("timestamp.column", raw.get("column")),
            date=self.text("timestamp.date", raw.get("date")),
            time=self.text("timestamp.time", raw.get("time")),
            format=self.text("timestamp.format", raw.get("format")),
        )

    def status(self) -> StatusSpec:
        raw = self.data.get("status")
        if raw is None:
            return StatusSpec()
        if not isinstance(raw, dict) or set(raw) - {"columns", "invalid", "alarm"}:
            raise self.fail(
                "status", "status must be a mapping", "{columns: [...], invalid: [...], alarm: [...]}"
            )

        def words(key: str) -> tuple[str, ...] | None:
            found = self.names(f"status.{key}", raw.get(key))
            return None if found is None else tuple(fold(w) for w in found)

        columns = self.names("status.columns", raw.get("columns"))
        return StatusSpec(
            columns=None if columns is None else tuple(columns),
            invalid=words("invalid"),
            alarm=words("alarm"),
        )
