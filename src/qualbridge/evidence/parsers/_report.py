"""Reading laboratory and instrument reports: ``Key: value`` metadata lines, then a delimited table.

One grammar serves leak-detector reports, rate-of-rise logs and RGA scans, compressed-air and AMC
results, and ICP-MS and ASTM E595 tables::

    Helium leak test report          a title, or any line that is neither metadata nor the header: ignored
    # Chamber volume: 52.3 L         metadata "Key: value"; a leading '#' is allowed; keys are compared
    Test date: 2025-03-14            without case, '_', '-' or extra spaces; a key holds no delimiter,
                                     and a key without a value is not stated
    parameter;value;unit             the table header: the first line the parser recognises; its
                                     delimiter is the first tab, ';' or ',' on that line
    Total oil;<0,005;mg/m³           one row per line ('"' quotes a cell); '#' lines and blank lines are
                                     skipped; a short row is padded with empty cells, a long one refused

With ';' as the delimiter, ',' is the decimal separator (``2,4`` is 2.4) in the table and in the metadata
values; spaces may group thousands (``15 000``). A reading can be censored: ``< 0.005`` or ``≤ 0.005`` (at
most that), ``<DL`` or ``ND`` (below a detection limit the report states elsewhere).

A key the parser reads must be stated once; of the several spellings of one field, the first the report
states is read. Every problem is a :class:`ParseError` naming the file, the 1-based line and the column
(for a metadata value: its key) and saying what was expected. Parsers build their evidence only after every
value has been read, so a report is accepted whole or not at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from qualbridge import units
from qualbridge.errors import EvidenceError, ParseError, UnitError, at
from qualbridge.evidence.models import Evidence
from qualbridge.evidence.parsers import build_evidence, file_digest
from qualbridge.evidence.parsers._cells import split_cells

HeaderTest = Callable[[list[str]], bool]

_DELIMITERS = ("\t", ";", ",")
_DELIMITER_NAMES = {"\t": "tab", ";": "';'", ",": "','"}
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# A space, no-break space or narrow no-break space between digit groups of three (ISO 80000-1 grouping).
_THOUSANDS = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))")
_CENSORED = re.compile(r"^(?:<=?|≤|&lt;)\s*(?P<bound>.+)$")
_QUANTITY = re.compile(
    r"^\s*(?P<op><=?|≤|&lt;)?\s*(?P<num>[-+\u2212]?(?:\d+[.,]?\d*|[.,]\d+)(?:[eE][-+]?\d+)?)\s*(?P<unit>.*?)\s*$"
)
#: Words for "below the detection limit", compared without case or spaces.
_NOT_DETECTED = frozenset({"nd", "n.d.", "bdl", "notdetected", "<dl", "<lod", "<mdl"})
_SERIAL = re.compile(r"\s+(?:s/?n|serial(?:\s*(?:no|number))?)\b[\s:#.]*(?P<serial>\S.*)$", re.IGNORECASE)
_DATE = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_KEY_LENGTH = 60  # a longer text before ':' is a sentence, not a key

# Spellings of the fields most reports state, in order of preference.
_ISSUER = ("laboratory", "lab", "issuer", "issued by", "test laboratory", "company", "tested by")
_TEST_DATE = ("test date", "date of test", "sampling date", "analysis date", "scan date", "date")
_METHOD = ("method", "test method")
_NOTES = ("notes", "remarks", "comment")
_CALIBRATED = ("calibration date", "calibration", "calibrated", "last calibration")
_CALIBRATION_DUE = ("calibration due", "calibration due date", "next calibration")
_INSTRUMENT_FIELDS = frozenset({"model", "serial", "calibration_date", "calibration_due"})


@dataclass(frozen=True, slots=True)
class Entry:
    """A metadata line: its key as the file writes it, its value and its 1-based line."""

    key: str
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class Reading:
    """A cell read as a number: ``value`` is an upper bound when ``censored``; None for a bare 'ND'."""

    value: float | None
    censored: bool


@dataclass(frozen=True, slots=True)
class Quantity:
    """A metadata value with its unit (checked against the registry); ``censored`` for '< x'."""

    value: float
    unit: str
    censored: bool


@dataclass(frozen=True, slots=True)
class Columns:
    """The columns of a results table: each name with its other spellings; the header is the line whose
    first cell spells the first name. ``required`` columns must be there and any other cell is refused."""

    spellings: Mapping[str, Sequence[str]]
    required: Sequence[str]
    _names: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = {norm_key(s): name for name, other in self.spellings.items() for s in (name, *other)}
        object.__setattr__(self, "_names", names)

    def names(self) -> dict[str, str]:
        """Normalised spelling → column name."""
        return self._names

    def is_header(self, cells: list[str]) -> bool:
        return self.names().get(cells[0]) == next(iter(self.spellings))

    def found_in(self, head: str) -> bool:
        """Whether the first lines of a file hold this table's header (see :func:`header_in`)."""
        return header_in(head, self.is_header)


@dataclass(frozen=True, slots=True)
class Report:
    """A report's metadata (keys normalised by :func:`norm_key`) and its table, with line numbers."""

    path: Path
    meta: Mapping[str, Sequence[Entry]]
    columns: Sequence[str] = ()
    column_line: int | None = None
    rows: Sequence[Row] = ()
    labels: Mapping[str, str] = field(default_factory=dict)  # column → as the file's header writes it
    decimal_comma: bool = False

    @property
    def file(self) -> str:
        return str(self.path)

    def get(self, *keys: str) -> Entry | None:
        """The entry under the first of ``keys`` (normalised, in order of preference) the report states."""
        for key in keys:
            entries = self.meta.get(key, ())
            if len(entries) > 1:
                first, second = entries[0], entries[1]
                raise self.error(
                    f"{second.key!r} is given twice (lines {first.line} and {second.line})",
                    second,
                    expected="one value per key",
                )
            if entries:
                return entries[0]
        return None

    def error(
        self,
        message: str,
        line: int | Entry | None = None,
        column: str | None = None,
        *,
        expected: str | None = None,
    ) -> ParseError:
        """A ParseError at ``line`` naming ``column`` as the file writes it, or at a metadata entry."""
        if isinstance(line, Entry):
            return ParseError(message, at(self.file, line.line, column or line.key), expected=expected)
        label = self.labels.get(column, column) if column is not None else None
        return ParseError(message, at(self.file, line, label), expected=expected)

    def require_table(self, example: str, *, min_rows: int = 1, rows: str = "rows") -> None:
        """Refuse a report without a table (headed like ``example``) or with fewer than ``min_rows``."""
        if self.column_line is None:
            raise self.error("no results table found", expected=f"a header row such as {example}")
        if len(self.rows) < min_rows:
            found = f"no {rows}" if not self.rows else f"too few {rows}: {len(self.rows)}"
            raise self.error(
                f"the table has {found}", self.column_line, expected=f"at least {min_rows} {rows}"
            )

    # --- values --------------------------------------------------------------------------------------

    def number(self, row: Row, column: str, *, what: str = "a number") -> float:
        """The cell ``column`` of ``row`` as a finite number."""
        return self._number(row.cells[column], row.line, column, what)

    def reading(self, row: Row, column: str, *, what: str = "a number, '< number' or 'ND'") -> Reading:
        """'12.5' → 12.5; '< 0.003', '≤ 0.003' → 0.003 censored; '<DL', 'ND' → censored without a value."""
        text = row.cells[column].strip()
        if text.casefold().replace(" ", "") in _NOT_DETECTED:
            return Reading(None, censored=True)
        match = _CENSORED.match(text)
        if match is not None:
            return Reading(self._number(match["bound"], row.line, column, what), censored=True)
        return Reading(self._number(text, row.line, column, what), censored=False)

    def quantity(self, entry: Entry, *, what: str, default_unit: str | None = None) -> Quantity:
        """'< 5.0E-11 mbar l/s' → 5e-11 'mbar l/s', censored; ``default_unit`` for a bare number."""
        match = _QUANTITY.match(entry.value)
        if match is None:
            raise self.error(f"cannot read {entry.value!r}", entry, expected=what)
        unit_text = pressure_spelling(match["unit"]) or default_unit
        if not unit_text:
            raise self.error(f"{entry.value!r} has no unit", entry, expected=what)
        try:
            units.unit(unit_text)
        except UnitError as exc:
            raise self.error(f"cannot read {entry.value!r}: {exc.message}", entry, expected=what) from exc
        value = self._number(match["num"], entry, None, what)
        return Quantity(value, unit_text, censored=match["op"] is not None)

    def measure(self, entry: Entry, unit: str, *, what: str, default_unit: str | None = None) -> float:
        """The value of ``entry`` in ``unit``; ``what`` says what was expected ("a volume like '52 L'")."""
        q = self.quantity(entry, what=what, default_unit=default_unit)
        try:
            return units.convert(q.value, q.unit, unit)
        except UnitError:
            raise self.error(f"{q.unit!r} cannot be converted to {unit}", entry, expected=what) from None

    def date(self, entry: Entry) -> dt.date:
        """'2026-02-03', '2026/02/11 14:32' → the date (year first: 03/02/2026 is ambiguous)."""
        match = _DATE.match(entry.value)
        expected = "a date YYYY-MM-DD"
        if match is None:
            raise self.error(f"{entry.value!r} is not a date", entry, expected=expected)
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError as exc:
            raise self.error(f"{entry.value!r}: {exc}", entry, expected=expected) from None

    def _number(self, text: str, line: int | Entry, column: str | None, what: str) -> float:
        stripped = text.strip()
        if not stripped:
            raise self.error("no value", line, column, expected=what)
        cleaned = _THOUSANDS.sub("", stripped.replace("\u2212", "-"))
        if self.decimal_comma:
            cleaned = cleaned.replace(",", ".")
        value = float(cleaned) if _NUMBER.fullmatch(cleaned) else math.nan
        if not math.isfinite(value):
            raise self.error(f"{stripped!r} is not a number", line, column, expected=what)
        return value


@lru_cache(maxsize=16384)  # sniffing normalises every cell of a file's first lines; most cells repeat
def norm_key(text: str) -> str:
    """'# Chamber_Volume ' → 'chamber volume': case, '_', '-', a leading '#' and extra spaces aside."""
    return " ".join(text.strip().lstrip("#").replace("_", " ").replace("-", " ").casefold().split())


def pressure_spelling(unit_text: str) -> str:
    """Instrument spellings of pressure units that the registry reads in lower case (Torr, mTorr)."""
    return re.sub(r"\b(m?)torr\b", lambda m: f"{m[1]}torr", unit_text.strip(), flags=re.IGNORECASE)


# --- the file ----------------------------------------------------------------------------------------


def read_report(path: Path, *, is_header: HeaderTest | None = None, columns: Columns | None = None) -> Report:
    """Read ``path``. ``is_header`` recognises the table's header from its normalised cells; with
    ``columns`` the header is recognised and named by them, and rows are keyed by column name. Without
    either, the report is metadata only."""
    lines = _read_lines(path)
    test = columns.is_header if columns is not None else is_header
    meta: dict[str, list[Entry]] = {}
    for index, raw in enumerate(lines, start=1):
        line = raw.strip().lstrip("#").strip()
        delimiter = _delimiter(line)
        if test is not None and delimiter is not None:
            written = _split(line, delimiter)
            if test([norm_key(c) for c in written]):
                report = _with_table(Report(path, meta), lines, index, written, delimiter)
                return report if columns is None else _named(report, columns)
        key, sep, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if sep and key and value and len(key) <= _KEY_LENGTH and _delimiter(key) is None:
            meta.setdefault(norm_key(key), []).append(Entry(key, value, index))
    return Report(path, meta)


def header_in(head: str, is_header: HeaderTest) -> bool:
    """Whether a line of ``head`` (a file's first lines) is a header ``is_header`` accepts, the cells
    split and normalised as :func:`read_report` does: what a parser's sniff and its reader agree on."""
    return any(is_header(list(cells)) for cells in _delimited_lines(head))


@lru_cache(maxsize=8)
def _delimited_lines(head: str) -> tuple[tuple[str, ...], ...]:
    """The normalised cells of each delimited line of ``head``: split once for all the parsers that
    sniff the same file."""
    found = []
    for raw in head.splitlines():
        line = raw.strip().lstrip("#").strip()
        delimiter = _delimiter(line)
        if delimiter is not None:
            found.append(tuple(norm_key(c) for c in _split(line, delimiter)))
    return tuple(found)


def _read_lines(path: Path) -> list[str]:
    """Lines of a text export: UTF-8 (BOM or not), UTF-16 with its BOM (spreadsheets' "Unicode text"),
    else Windows-1252 (older instrument software writes µ, ³ and – in it)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read the file: {exc.strerror}", at(str(path))) from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise ParseError("binary file, not a text export", at(str(path)), expected="a CSV or text report")
    return text.splitlines()


def _delimiter(line: str) -> str | None:
    found = [(i, d) for d in _DELIMITERS if (i := line.find(d)) >= 0]
    return min(found)[1] if found else None


def _split(line: str, delimiter: str) -> list[str]:
    return [c.strip() for c in split_cells(line, delimiter, skip_initial_space=True)]


def _with_table(
    report: Report, lines: Sequence[str], start: int, written: list[str], delimiter: str
) -> Report:
    columns = [norm_key(c) for c in written]
    labels = dict(zip(columns, written, strict=True))
    repeated = next((c for i, c in enumerate(columns) if c in columns[:i]), None)
    if repeated is not None:
        raise report.error(
            "a column appears twice in the header", start, labels[repeated], expected="each column once"
        )
    rows: list[Row] = []
    for index in range(start + 1, len(lines) + 1):
        line = lines[index - 1].strip()
        if not line or line.startswith("#"):
            continue
        cells = _split(line, delimiter)
        while len(cells) > len(columns) and not cells[-1]:
            cells.pop()  # trailing delimiters, as spreadsheets write them
        if len(cells) > len(columns):
            raise report.error(
                f"{len(cells)} cells, the header has {len(columns)} (extra value {cells[len(columns)]!r})",
                index,
                str(len(columns) + 1),
                expected=f"{len(columns)} {_DELIMITER_NAMES[delimiter]}-separated cells, as in the header "
                f"on line {start}",
            )
        cells += [""] * (len(columns) - len(cells))
        rows.append(Row(index, dict(zip(columns, cells, strict=True))))
    return dataclasses.replace(
        report, columns=columns, column_line=start, rows=rows, labels=labels, decimal_comma=delimiter == ";"
    )


def _named(report: Report, columns: Columns) -> Report:
    spelled = columns.names()
    names: list[str] = []
    for cell in report.columns:
        name = spelled.get(cell)
        if name is None:
            raise report.error(
                f"unknown column {report.labels[cell]!r}",
                report.column_line,
                cell,
                expected=f"columns {', '.join(columns.spellings)}",
            )
        if name in names:
            raise report.error(
                f"a second {name!r} column", report.column_line, cell, expected="each column once"
            )
        names.append(name)
    missing = [c for c in columns.required if c not in names]
    if missing:
        raise report.error(
            f"missing column(s) {', '.join(missing)}",
            report.column_line,
            missing[0],
            expected=f"columns {', '.join(columns.required)}",
        )
    rows = [
        Row(r.line, {n: r.cells[c] for c, n in zip(report.columns, names, strict=True)}) for r in report.rows
    ]
    labels = {n: report.labels[c] for c, n in zip(report.columns, names, strict=True)}
    return dataclasses.replace(report, columns=names, rows=rows, labels=labels)


# --- what a report says about itself -----------------------------------------------------------------


def common_fields(
    report: Report,
    meta: Mapping[str, Any],
    *,
    method: Sequence[str] = _METHOD,
    instrument: Sequence[str] = ("instrument",),
    subject_from: tuple[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """Issuer, test date, method, subject, instrument and notes, as far as the report states them.

    ``method`` and ``instrument`` are the keys that name those (in order of preference); ``subject_from``
    is (subject type, keys) for a line that names the subject when no ``Subject: TYPE:ID`` line does.
    What ``meta`` gives is not read: the caller's word wins, so a line it replaces cannot refuse the file.
    """
    data: dict[str, Any] = {}
    for name, keys in (("issuer", _ISSUER), ("method", method), ("notes", _NOTES)):
        entry = None if name in meta else report.get(*keys)
        if entry is not None:
            data[name] = entry.value
    when = None if "test_date" in meta else report.get(*_TEST_DATE)
    if when is not None:
        data["test_date"] = report.date(when)
    subject = None if "subject" in meta else _subject(report, subject_from)
    if subject is not None:
        data["subject"] = subject
    given = meta.get("instrument", {})
    found = _instrument(
        report, instrument, given.keys() if isinstance(given, Mapping) else _INSTRUMENT_FIELDS
    )
    if found:
        data["instrument"] = found
    return data


def _subject(report: Report, fallback: tuple[str, Sequence[str]] | None) -> dict[str, str] | None:
    entry = report.get("subject")
    if entry is not None:
        kind, sep, ident = entry.value.partition(":")
        if not sep or not kind.strip() or not ident.strip():
            raise report.error(
                f"subject {entry.value!r} is not TYPE:ID",
                entry,
                expected="e.g. equipment:VX-200, system:CDA-1",
            )
        return {"type": kind.strip(), "id": ident.strip()}
    named = report.get(*fallback[1]) if fallback is not None else None
    return None if fallback is None or named is None else {"type": fallback[0], "id": named.value}


def _instrument(report: Report, keys: Sequence[str], given: Collection[str]) -> dict[str, Any]:
    """Model and serial from a line like 'Detector: ASM 340 SN 1234' (or a '<key> serial' line) and the
    calibration dates, except the fields the caller ``given``."""
    found: dict[str, Any] = {}
    entry = report.get(*keys)
    if entry is not None:
        serial = _SERIAL.search(entry.value)
        found["model"] = (entry.value[: serial.start()] if serial else entry.value).strip() or None
        if serial is not None:
            found["serial"] = serial["serial"].strip()
    serial_line = None if "serial" in given else report.get(*(f"{key} serial" for key in keys))
    if serial_line is not None:
        if entry is not None and found.get("serial", serial_line.value) != serial_line.value:
            raise report.error(
                f"serial number {serial_line.value!r} differs from {found['serial']!r} on line {entry.line}",
                serial_line,
                expected="one serial number",
            )
        found["serial"] = serial_line.value
    for name, spellings in (("calibration_date", _CALIBRATED), ("calibration_due", _CALIBRATION_DUE)):
        dated = None if name in given else report.get(*spellings)
        if dated is not None:
            found[name] = report.date(dated)
    return {k: v for k, v in found.items() if v is not None and k not in given}


def finish(report: Report, data: Mapping[str, Any], meta: Mapping[str, Any]) -> Evidence:
    """The evidence: what the report states overlaid with the caller's ``meta`` (which wins; nested
    mappings such as the instrument merge one level), with the raw file's digest and name."""
    merged = dict(data)
    for key, value in meta.items():
        stated = merged.get(key)
        merged[key] = (
            {**stated, **value} if isinstance(stated, Mapping) and isinstance(value, Mapping) else value
        )
    for name, option in (("issuer", "--issuer"), ("test_date", "--test-date")):
        if name not in merged:
            words = name.replace("_", " ")
            raise ParseError(
                f"the report does not state {words}",
                at(report.file, field=name),
                expected=f"a line '{words.capitalize()}: …', {report.path.name}.meta.yaml or {option}",
            )
    if "subject" not in merged:
        # What was tested is the caller's to name: without it the evidence is incomplete, not the file.
        raise EvidenceError(
            "no subject: the report names none and the metadata gives none",
            at(report.file, field="subject"),
            expected=f"a line 'Subject: TYPE:ID', {report.path.name}.meta.yaml or --subject",
        )
    merged["raw_digest"] = file_digest(report.path)
    merged["raw_filename"] = report.path.name
    return build_evidence(merged, source=report.file)
