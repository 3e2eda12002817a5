"""Dates and times as counters write them, read without guessing the day/month order.

A format is accepted when it reads every sample value; when two formats read them all but disagree
(``03/05/2024`` is 3 May or 5 March), the date is ambiguous and the mapping file must say which
(``timestamp.format``). Formats are Python ``strptime`` formats; :func:`polars_format` translates one for
Polars.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

_DATES = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d-%b-%Y",
    "%d %b %Y",
    "%b %d %Y",
    "%b %d, %Y",
    "%d/%m/%y",
    "%m/%d/%y",
)
_TIMES = (
    "",
    " %H:%M:%S",
    " %H:%M",
    "T%H:%M:%S",
    "T%H:%M",
    " %H:%M:%S.%f",
    "T%H:%M:%S.%f",
    " %I:%M:%S %p",
    " %I:%M %p",
)
FORMATS: tuple[str, ...] = tuple(d + t for d in _DATES for t in _TIMES)


class DateFormatError(ValueError):
    """No format reads the values, or more than one does with different meanings."""


class AmbiguousDateError(DateFormatError):
    """The values are dates, but two formats read them differently (day/month order)."""


def _parse(value: str, fmt: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(value, fmt)
    except ValueError:
        return None


def detect_format(samples: Sequence[str], *, formats: Sequence[str] = FORMATS) -> str:
    """The one format that reads every sample; a :class:`DateFormatError` when none or several do."""
    values = [s.strip() for s in samples if s and s.strip()]
    if not values:
        raise DateFormatError("no date values")
    readings: dict[str, list[dt.datetime]] = {}
    for fmt in formats:
        parsed = [_parse(v, fmt) for v in values]
        if all(p is not None for p in parsed):
            readings[fmt] = [p for p in parsed if p is not None]
    if not readings:
        raise DateFormatError(f"{values[0]!r} is not a date and time this parser knows")
    first_fmt, first = next(iter(readings.items()))
    for fmt, other in readings.items():
        if other != first:
            raise AmbiguousDateError(
                f"{values[0]!r} reads as {first[0]:%Y-%m-%d} ({first_fmt}) or {other[0]:%Y-%m-%d} ({fmt})"
            )
    return first_fmt


def parse_datetime(value: str, fmt: str | None = None) -> dt.datetime:
    """One date (and time), in ``fmt`` or in the one known format that reads it unambiguously."""
    fmt = fmt or detect_format([value])
    parsed = _parse(value.strip(), fmt)
    if parsed is None:
        raise DateFormatError(f"{value!r} does not match {fmt!r}")
    return parsed


def polars_format(fmt: str) -> str:
    """The same format in the notation of Polars' ``str.to_datetime`` (fractions of a second differ)."""
    return fmt.replace(".%f", "%.f")
