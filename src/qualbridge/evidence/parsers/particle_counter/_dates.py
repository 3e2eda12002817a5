"""Dates and times as counters write them, read without guessing the day/month order.

A format is accepted when it reads every sample value; when two formats read them all but disagree
(``03/05/2024`` is 3 May or 5 March), the date is ambiguous and the mapping file must say which
(``timestamp.format``). Formats are Python ``strptime`` formats; :func:`polars_format` translates one for
Polars.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import lru_cache

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


@lru_cache(maxsize=1024)
def _literals(fmt: str) -> frozenset[str]:
    """The characters a format writes as they are (whitespace aside: it matches any run of it)."""
    return frozenset(c for c in re.sub(r"%.", "", fmt) if not c.isspace())


def _could_read(value: str, fmt: str) -> bool:
    """A quick necessary condition for ``strptime(value, fmt)``: the same punctuation on both sides.

    Every directive of :data:`FORMATS` reads letters, digits or spaces only, so a value's other
    characters must be the format's literals, and the format's literals must be in the value. This
    spares most of the ~120 ``strptime`` attempts per value (whose own cache holds only a few formats).
    """
    return bool(_candidates(_shape(value, (fmt,)), (fmt,)))


def _shape(value: str, formats: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """What :func:`_could_read` asks of a value, for ``formats``: its punctuation, and which of their
    literals it holds (in lower case: strptime reads a format's T in any case). Values written alike
    (the dates of one export) have the same shape."""
    lowered = value.lower()
    marks = frozenset(c for c in value if not c.isalnum() and not c.isspace())
    return marks, frozenset(c for c in _alphabet(formats) if c in lowered)


@lru_cache(maxsize=64)
def _alphabet(formats: tuple[str, ...]) -> frozenset[str]:
    """Every literal of the formats, in lower case."""
    return frozenset(c.lower() for fmt in formats for c in _literals(fmt))


@lru_cache(maxsize=256)
def _candidates(shape: tuple[frozenset[str], frozenset[str]], formats: tuple[str, ...]) -> tuple[str, ...]:
    """The formats, in order, that could read a value of this shape (worked out once per shape)."""
    marks, held = shape
    return tuple(
        fmt
        for fmt in formats
        if marks <= (literals := _literals(fmt)) and {c.lower() for c in literals} <= held
    )


def _parse(value: str, fmt: str) -> dt.datetime | None:
    if not _could_read(value, fmt):
        return None
    return _strptime(value, fmt)


def _strptime(value: str, fmt: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(value, fmt)
    except ValueError:
        return None


def _read_all(values: Sequence[str], fmt: str) -> list[dt.datetime] | None:
    """Every value read in ``fmt`` (each known to be of a shape it could read), or ``None`` at the
    first it does not read."""
    out = []
    for value in values:
        if (parsed := _strptime(value, fmt)) is None:
            return None
        out.append(parsed)
    return out


def detect_format(samples: Sequence[str], *, formats: Sequence[str] = FORMATS) -> str:
    """The one format that reads every sample; a :class:`DateFormatError` when none or several do."""
    values = [s.strip() for s in samples if s and s.strip()]
    if not values:
        raise DateFormatError("no date values")
    # Only the formats that could read every value's shape are tried (strptime is slow to fail).
    known = tuple(formats)
    possible = set(known).intersection(*(_candidates(_shape(v, known), known) for v in values))
    tried = [fmt for fmt in known if fmt in possible]
    readings = {fmt: parsed for fmt in tried if (parsed := _read_all(values, fmt)) is not None}
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
