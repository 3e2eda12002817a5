"""Reading instrument reports: ``Key: value`` metadata lines, then an optional delimited table.

Grammar (the shape of leak-detector reports, RGA and rate-of-rise exports, ICP-MS and ASTM E595 tables)::

    Title line or comment               ignored (a line without "key: value")
    # Key: value                        metadata; a leading '#' is allowed; keys are case-insensitive
    Key: value
    col_a,col_b,...                     the table header: the first line the caller's predicate accepts
    1.0,2.3E-8                          rows: comma, semicolon or tab separated; '#' lines are skipped

A key given twice is an error, and so is every unreadable cell: a report is accepted whole or not at all.
Values that carry units are read with :func:`quantity_text`; the caller converts them with the registry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualbridge import units
from qualbridge.errors import ParseError, UnitError, at

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY = re.compile(rf"^\s*(?P<op><=?|≤|&lt;)?\s*(?P<num>{_NUMBER})\s*(?P<unit>.*?)\s*$")
_DELIMITERS = ("\t", ";", ",")
_SERIAL = re.compile(r"\s+(?:s/?n|serial(?:\s*(?:no|number))?)\b[\s:#.]*(?P<serial>\S.*)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Entry:
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class Report:
    """A report's metadata (keys normalised by :func:`norm_key`) and its table, with line numbers."""

    path: Path
    meta: dict[str, Entry]
    columns: list[str] = field(default_factory=list)
    column_line: int | None = None
    rows: list[Row] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # normalised column → as the file writes it

    @property
    def file(self) -> str:
        return str(self.path)

    def get(self, *keys: str) -> Entry | None:
        """The first metadata entry found under any of ``keys`` (normalised spellings)."""
        found = [self.meta[k] for k in keys if k in self.meta]
        if len(found) > 1:
            raise ParseError(
                f"{keys[0]!r} is given twice (lines {found[0].line} and {found[1].line})",
                at(self.file, found[1].line),
                expected="one value per report",
            )
        return found[0] if found else None

    def error(
        self, message: str, line: int | None = None, column: str | None = None, **kw: Any
    ) -> ParseError:
        """A ParseError at ``line``, naming ``column`` as the file's header spells it."""
        return ParseError(message, at(self.file, line, self.labels.get(column or "", column)), **kw)


def norm_key(text: str) -> str:
    """'Chamber Volume ' → 'chamber volume'; underscores and repeated spaces fold to one space."""
    return " ".join(text.replace("_", " ").strip().lstrip("#").strip().casefold().split())


def read_text(path: Path) -> list[str]:
    """Lines of a text export: UTF-8 (with or without BOM), else Latin-1 (older instrument software)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if "\x00" in text:
        raise ParseError("binary file, not a text export", at(str(path)), expected="a CSV or text report")
    return text.splitlines()


def split_cells(line: str, delimiter: str) -> list[str]:
    return [c.strip().strip('"').strip() for c in line.split(delimiter)]


def read_report(path: Path, *, is_header: Callable[[list[str]], bool] | None = None) -> Report:
    """Read ``path``; ``is_header`` recognises the table's header from its normalised cells."""
    lines = read_text(path)
    meta: dict[str, Entry] = {}
    for index, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if is_header is not None:
            delimiter = next((d for d in _DELIMITERS if d in line), None)
            if delimiter is not None:
                written = split_cells(line, delimiter)
                cells = [norm_key(c) for c in written]
                if is_header(cells):
                    report = _with_table(path, meta, lines, index, cells, delimiter)
                    report.labels.update(zip(cells, written, strict=True))
                    return report
        key, sep, value = line.lstrip("#").partition(":")
        if not sep or not key.strip() or len(key) > 60:
            continue
        name = norm_key(key)
        if name in meta:
            raise ParseError(
                f"{key.strip()!r} is given twice (lines {meta[name].line} and {index})",
                at(str(path), index),
                expected="one value per key",
            )
        meta[name] = Entry(value.strip(), index)
    return Report(path, meta)


def _with_table(
    path: Path, meta: dict[str, Entry], lines: Sequence[str], start: int, columns: list[str], delimiter: str
) -> Report:
    if len(set(columns)) != len(columns):
        raise ParseError("repeated column name in the table header", at(str(path), start))
    rows: list[Row] = []
    for index in range(start + 1, len(lines) + 1):
        line = lines[index - 1].strip()
        if not line or line.startswith("#"):
            continue
        cells = split_cells(line, delimiter)
        while len(cells) > len(columns) and not cells[-1]:
            cells.pop()  # a trailing delimiter, as some instrument software writes
        if len(cells) != len(columns):
            raise ParseError(
                f"{len(cells)} cells, the header has {len(columns)}",
                at(str(path), index),
                expected=f"{len(columns)} {delimiter!r}-separated cells: {', '.join(columns)}",
            )
        rows.append(Row(index, dict(zip(columns, cells, strict=True))))
    return Report(path, meta, columns, start, rows)


# --- values ------------------------------------------------------------------------------------------


def number(
    text: str, report: Report, line: int, column: str | None = None, *, what: str = "a number"
) -> float:
    if re.fullmatch(_NUMBER, text.strip()) is None:
        raise report.error(f"{text!r} is not a number", line, column, expected=what)
    return float(text.strip())


@dataclass(frozen=True, slots=True)
class QuantityText:
    value: float
    unit: str
    censored: bool


def quantity_text(
    text: str,
    report: Report,
    line: int,
    column: str | None = None,
    *,
    what: str,
    default_unit: str | None = None,
) -> QuantityText:
    """'< 5.0E-11 mbar l/s' → (5e-11, 'mbar l/s', censored); the unit is checked against the registry."""
    match = _QUANTITY.match(text)
    if match is None:
        raise report.error(f"cannot read {text!r}", line, column, expected=what)
    unit_text = pressure_spelling(match["unit"]) or default_unit
    if not unit_text:
        raise report.error(f"{text!r} has no unit", line, column, expected=what)
    try:
        units.unit(unit_text)
    except UnitError as exc:
        message = f"cannot read {text.strip()!r}: {exc.message}"
        raise report.error(message, line, column, expected=what) from exc
    value = number(match["num"], report, line, column, what=what)
    return QuantityText(value, unit_text, censored=match["op"] is not None)


def convert(q: QuantityText, to_unit: str, report: Report, line: int, *, what: str) -> float:
    try:
        return units.convert(q.value, q.unit, to_unit)
    except UnitError:
        raise report.error(
            f"{q.unit!r} is not a unit of {what}", line, expected=f"a unit like {to_unit}"
        ) from None


def pressure_spelling(unit_text: str) -> str:
    """Instrument spellings of pressure units that the registry reads in lower case (Torr, mTorr)."""
    return re.sub(r"\b(m?)torr\b", lambda m: f"{m[1]}torr", unit_text.strip(), flags=re.IGNORECASE)


def date(text: str, report: Report, line: int, *, what: str = "a date YYYY-MM-DD") -> dt.date:
    match = re.match(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text)
    if match is None:
        raise report.error(f"{text!r} is not a date", line, expected=what)
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise report.error(f"{text!r}: {exc}", line, expected=what) from None


def instrument(report: Report, *keys: str) -> dict[str, Any]:
    """Instrument model, serial and calibration dates from lines like 'Detector: ASM 340 SN 1234'."""
    found: dict[str, Any] = {}
    entry = report.get(*keys)
    if entry is not None:
        serial = _SERIAL.search(entry.value)
        found["model"] = (entry.value[: serial.start()] if serial else entry.value).strip() or None
        if serial:
            found["serial"] = serial["serial"].strip()
    cal = report.get("calibration", "calibration date", "calibrated", "last calibration")
    if cal is not None:
        found["calibration_date"] = date(cal.value, report, cal.line)
    due = report.get("calibration due", "next calibration", "calibration due date")
    if due is not None:
        found["calibration_due"] = date(due.value, report, due.line)
    return {k: v for k, v in found.items() if v is not None}


def subject(text: str, report: Report, line: int) -> dict[str, str]:
    kind, sep, ident = text.partition(":")
    if not sep or not ident.strip():
        raise report.error(f"subject {text!r} is not TYPE:ID", line, expected="e.g. equipment:VX-200")
    return {"type": kind.strip(), "id": ident.strip()}


def common_fields(report: Report) -> dict[str, Any]:
    """Issuer, test date, method, subject and notes when the report states them."""
    data: dict[str, Any] = {}
    issuer = report.get("issuer", "laboratory", "lab", "company", "tested by")
    if issuer is not None:
        data["issuer"] = issuer.value
    when = report.get("test date", "date", "analysis date", "scan date")
    if when is not None:
        data["test_date"] = date(when.value, report, when.line)
    method = report.get("method", "test method")
    if method is not None:
        data["method"] = method.value
    subj = report.get("subject")
    if subj is not None:
        data["subject"] = subject(subj.value, report, subj.line)
    notes = report.get("notes", "remarks", "comment")
    if notes is not None:
        data["notes"] = notes.value
    return data


def merge(from_file: Mapping[str, Any], meta: Mapping[str, Any], report: Report) -> dict[str, Any]:
    """File values overlaid with the caller's metadata (metadata wins; nested mappings merge one level)."""
    data = dict(from_file)
    for key, value in meta.items():
        if isinstance(value, Mapping) and isinstance(data.get(key), Mapping):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    for required, hint in (("issuer", "--issuer"), ("test_date", "--test-date"), ("subject", "--subject")):
        if required not in data:
            raise ParseError(
                f"the report does not state {required.replace('_', ' ')}",
                at(report.file, field=required),
                expected=f"a '{required.replace('_', ' ').capitalize()}:' line, {report.path.name}.meta.yaml "
                f"or {hint}",
            )
    data["raw_filename"] = report.path.name
    return data
