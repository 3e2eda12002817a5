"""Laboratory result exports: a few ``Key: value`` header lines, then a CSV table of results.

Grammar (one file)::

    # comment                         ignored, anywhere
    Title line without a colon        ignored, before the table
    Key: value                        header metadata, before the table (keys compared case-insensitively)
    col_a,col_b,col_c                 the table's header row: its first cell is the expected first column
    a,b,c                             one result per row; ',' or ';' separated (with ';', 3,5 is 3.5)

Every problem is a :class:`ParseError` naming the file, the line and the column. The parsers build their
evidence only after every row has been read, so a file is accepted whole or not at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualbridge.errors import Location, ParseError, at

_CENSORED = re.compile(r"^<\s*(?P<v>.+)$")
_NOT_DETECTED = {"<dl", "< dl", "nd", "n.d.", "not detected", "<lod", "< lod", "bdl"}


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    cells: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class LabReport:
    path: Path
    meta: Mapping[str, tuple[int, str]]
    rows: tuple[Row, ...]
    decimal_comma: bool

    def where(self, line: int, column: str | None = None) -> Location:
        return at(str(self.path), row=line, field=column)

    def header(self, *keys: str) -> tuple[int, str] | None:
        """The first header line among ``keys`` (lower case), as (line, value)."""
        return next((self.meta[k] for k in keys if k in self.meta), None)


@dataclass(frozen=True, slots=True)
class Reading:
    """A cell read as a number: ``value`` is an upper bound when ``censored`` ('< 0.003')."""

    value: float | None
    censored: bool


def _column_key(text: str) -> str:
    return "_".join(text.strip().casefold().replace("-", " ").split())


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise ParseError("not UTF-8 text", at(str(path)), expected="a UTF-8 CSV export") from exc
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror}", at(str(path))) from exc


def read_lab_report(
    path: Path, *, first_column: str, columns: Mapping[str, Sequence[str]], required: Sequence[str]
) -> LabReport:
    """Read ``path``; ``columns`` maps each column's name to the spellings accepted for it."""
    lines = _read_lines(path)
    meta: dict[str, tuple[int, str]] = {}
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        delimiter = ";" if ";" in line and "," not in line.split(";")[0] else ","
        first = _column_key(line.split(delimiter)[0])
        if first == first_column:
            names = _header(path, index + 1, line, delimiter, columns, required)
            rows = _rows(path, lines, index + 1, names, delimiter)
            return LabReport(path, meta, rows, decimal_comma=delimiter == ";")
        key, sep, value = line.partition(":")
        if sep and "," not in key and ";" not in key:
            meta.setdefault(key.strip().casefold(), (index + 1, value.strip()))
    raise ParseError(
        f"no results table: no line starts with the column {first_column!r}",
        at(str(path)),
        expected=f"a header row such as {','.join(required)}",
    )


def _header(
    path: Path,
    line_no: int,
    line: str,
    delimiter: str,
    columns: Mapping[str, Sequence[str]],
    required: Sequence[str],
) -> list[str]:
    spelled = {_column_key(alias): name for name, aliases in columns.items() for alias in (name, *aliases)}
    names: list[str] = []
    for cell in next(csv.reader([line], delimiter=delimiter)):
        key = _column_key(cell)
        if key not in spelled:
            raise ParseError(
                f"unknown column {cell.strip()!r}",
                at(str(path), row=line_no, field=cell.strip()),
                expected=f"columns {', '.join(columns)}",
            )
        if spelled[key] in names:
            raise ParseError("column appears twice", at(str(path), row=line_no, field=cell.strip()))
        names.append(spelled[key])
    missing = [c for c in required if c not in names]
    if missing:
        raise ParseError(
            f"missing column(s) {', '.join(missing)}",
            at(str(path), row=line_no),
            expected=f"columns {', '.join(required)}",
        )
    return names


def _rows(path: Path, lines: list[str], start: int, names: list[str], delimiter: str) -> tuple[Row, ...]:
    rows: list[Row] = []
    for offset, raw in enumerate(lines[start:]):
        line_no = start + offset + 1
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        cells = next(csv.reader([raw], delimiter=delimiter))
        while len(cells) > len(names) and not cells[-1].strip():
            cells.pop()  # trailing separators that spreadsheets add
        if len(cells) > len(names):
            raise ParseError(
                f"{len(cells)} cells, the header has {len(names)}",
                at(str(path), row=line_no),
                expected=", ".join(names),
            )
        padded = [c.strip() for c in cells] + [""] * (len(names) - len(cells))
        rows.append(Row(line_no, dict(zip(names, padded, strict=True))))
    if not rows:
        raise ParseError("the results table has no rows", at(str(path), row=start))
    return tuple(rows)


def number(report: LabReport, text: str, where: Location, *, what: str = "a number") -> float:
    cleaned = text.strip().replace("\u2212", "-").replace(" ", "").replace("\u202f", "")
    if report.decimal_comma:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise ParseError(f"{text!r} is not a number", where, expected=what) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ParseError(f"{text!r} is not a finite number", where, expected=what)
    return value


def reading(report: LabReport, text: str, where: Location) -> Reading:
    """'12.5' → 12.5; '< 0.003' → 0.003 censored; '<DL', 'ND' → censored without a value."""
    stripped = text.strip()
    if not stripped:
        raise ParseError("empty value", where, expected="a number, '< number' or '<DL'")
    if stripped.casefold() in _NOT_DETECTED:
        return Reading(None, censored=True)
    match = _CENSORED.match(stripped)
    if match:
        return Reading(number(report, match.group("v"), where, what="'< number'"), censored=True)
    return Reading(number(report, stripped, where), censored=False)


def date(report: LabReport, keys: Sequence[str]) -> str | None:
    """An ISO date from the first header among ``keys``; a clear error for any other spelling."""
    found = report.header(*keys)
    if found is None:
        return None
    line, value = found
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ParseError(
            f"date {value!r} is not YYYY-MM-DD", report.where(line, keys[0]), expected="YYYY-MM-DD"
        ) from None


def subject(report: LabReport, fallback_type: str, fallback_keys: Sequence[str]) -> dict[str, str] | None:
    """``Subject: TYPE:ID`` from the header, else ``fallback_type`` with the first of ``fallback_keys``."""
    found = report.header("subject")
    if found is not None:
        line, value = found
        kind, sep, ident = value.partition(":")
        if not sep or not ident.strip():
            raise ParseError(
                f"subject {value!r} is not TYPE:ID",
                report.where(line, "subject"),
                expected="e.g. system:CDA-1",
            )
        return {"type": kind.strip(), "id": ident.strip()}
    fallback = report.header(*fallback_keys)
    return None if fallback is None else {"type": fallback_type, "id": fallback[1]}


def _instrument(report: LabReport) -> dict[str, str]:
    instrument: dict[str, str] = {}
    for key, field in (("instrument", "model"), ("instrument serial", "serial")):
        found = report.header(key)
        if found:
            instrument[field] = found[1]
    for key, field in (("calibration date", "calibration_date"), ("calibration due", "calibration_due")):
        value = date(report, (key,))
        if value:
            instrument[field] = value
    return instrument


def common_meta(report: LabReport, given: Collection[str]) -> dict[str, object]:
    """Header fields every lab report may carry (issuer, test date, method, instrument, notes), except
    those the caller has ``given``: the caller's metadata wins, so the header's is not even read."""
    data: dict[str, object] = {}
    issuer = report.header("laboratory", "lab", "issuer", "issued by", "test laboratory")
    if issuer:
        data["issuer"] = issuer[1]
    if "test_date" not in given:
        when = date(report, ("test date", "date of test", "sampling date", "date"))
        if when:
            data["test_date"] = when
    method = report.header("standard", "method")
    if method:
        data["method"] = method[1]
    instrument = {} if "instrument" in given else _instrument(report)
    if instrument:
        data["instrument"] = instrument
    notes = report.header("notes", "remarks")
    if notes:
        data["notes"] = notes[1]
    return data
