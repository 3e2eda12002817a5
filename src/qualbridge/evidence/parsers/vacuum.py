"""Parsers for vacuum test exports: helium leak detector reports, rate-of-rise logs, RGA scans.

Each reads the ``Key: value`` report grammar of :mod:`._report`. The formats, by example:

Helium leak detector report::

    Helium leak test report
    Detector: ASM 340 SN 1234          (model and serial)
    Calibration: 2026-01-10            (also 'Calibration due:')
    Mode: spray                        (spray, hood, bombing, sniffer, accumulation)
    Background: 5E-12 mbar l/s
    Leak rate: < 5.0E-11 mbar l/s      ('<' = nothing detected down to that rate)

Rate-of-rise log: metadata with ``Chamber volume: 52 L``, then ``time_s,pressure`` rows; the pressure
unit comes from the column (``pressure [Pa]``, ``pressure_mbar``) or a ``Pressure unit:`` line.

RGA scan export: ``Total pressure:``, ``Units:`` (mbar, Pa, Torr), optionally ``Scan mode:`` and
``Mass range:``, then ``mass,pressure`` rows. An analog scan (fractional masses) is reduced to unit-mass
peaks: the maximum of the samples in [m − 0.5, m + 0.5); a bar/histogram scan is read as it is. Negative
readings are baseline noise around zero and read as 0; samples below m/z 0.5 (the zero-mass blast) are
not peaks and are left out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qualbridge import units
from qualbridge.errors import UnitError
from qualbridge.evidence.models import Evidence
from qualbridge.evidence.parsers import _report, parser
from qualbridge.evidence.parsers._report import Entry, Report, common_fields, finish, header_in, read_report

_LEAK_RATE = "a leak rate like '2.3E-10 mbar l/s' or '< 5.0E-11 mbar l/s'"
_MODES = ("spray", "hood", "bombing", "sniffer", "accumulation")


# --- helium leak detector report ---------------------------------------------------------------------


def _is_leak_report(head: str) -> bool:
    low = head.casefold()
    return "leak rate" in low and any(word in low for word in ("helium", "detector", "mode"))


def _leak_rate(report: Report, entry: Entry, default_unit: str | None) -> tuple[dict[str, Any], bool]:
    q = report.quantity(entry, what=_LEAK_RATE, default_unit=default_unit)
    if not units.same_dimension(q.unit, "mbar·L/s"):
        raise report.error(f"{q.unit!r} is not a unit of leak rate", entry, expected=_LEAK_RATE)
    if q.value < 0 or (q.value == 0 and q.censored):
        raise report.error(
            f"leak rate {entry.value!r} is not positive", entry, expected="a rate ≥ 0, or '< detection limit'"
        )
    return {"value": q.value, "unit": q.unit}, q.censored


def _mode(report: Report, meta: Mapping[str, Any]) -> str | None:
    entry = report.get("mode", "test mode", "operating mode")
    if entry is None:
        if "mode" in meta:
            return None
        raise report.error(
            "the report does not state the test mode",
            expected=f"a 'Mode:' line with one of {', '.join(_MODES)}",
        )
    found = [m for m in _MODES if m in entry.value.casefold()]
    if len(found) != 1:
        raise report.error(f"mode {entry.value!r} is not one of {', '.join(_MODES)}", entry)
    return found[0]


@parser(
    "helium_leak_test",
    name="helium leak detector report",
    sniff=_is_leak_report,
    suffixes=(".txt", ".log", ".csv"),
)
def parse_leak_report(path: Path, meta: Mapping[str, Any], mapping: Path | None) -> Evidence:
    report = read_report(path)
    entry = report.get("leak rate", "measured leak rate", "helium leak rate", "result")
    if entry is None:
        raise report.error(
            "the report states no leak rate", expected=f"a 'Leak rate:' line with {_LEAK_RATE}"
        )
    unit_entry = report.get("unit", "units", "leak rate unit")
    rate, censored = _leak_rate(report, entry, unit_entry.value if unit_entry else None)
    data: dict[str, Any] = {
        "kind": "helium_leak_test",
        **common_fields(report, meta, instrument=("detector", "leak detector", "instrument")),
        "leak_rate": rate,
        "below_detection_limit": censored,
    }
    for key, names in (
        ("background", ("background", "helium background", "background signal")),
        ("detection_limit", ("detection limit", "minimum detectable leak rate", "mdl")),
    ):
        found = report.get(*names)
        if found is not None:
            data[key] = _leak_rate(report, found, rate["unit"])[0]
    if censored and "detection_limit" not in data:
        data["detection_limit"] = rate
    mode = _mode(report, meta)
    if mode is not None:
        data["mode"] = mode
    state = report.get("test state", "state")
    if state is not None:
        data["test_state"] = state.value
    return finish(report, data, meta)


# --- rate-of-rise log --------------------------------------------------------------------------------


def _column_pattern(names: str, unit: str) -> re.Pattern[str]:
    """A column name, optionally with a unit: 'pressure', 'pressure [mbar]', 'p (pa)', 'pressure mbar'."""
    return re.compile(rf"^(?:{names})(?:\s*[\[(]\s*(?P<unit>{unit})\s*[\])]|\s+(?P<bare>{unit}))?$")


def _pair(cells: list[str], first: re.Pattern[str], second: re.Pattern[str]) -> tuple[str, str] | None:
    """The one column matching ``first`` and the one matching ``second``; None unless both are unique."""
    a, b = [c for c in cells if first.match(c)], [c for c in cells if second.match(c)]
    return (a[0], b[0]) if len(a) == 1 and len(b) == 1 else None


_TIME_COLUMN = _column_pattern(r"time|t|elapsed(?: time)?", r"s|sec|seconds|min|minutes|h")
_PRESSURE_COLUMN = _column_pattern(r"pressure|p", r"[a-zµ]+")


def _rise_columns(cells: list[str]) -> tuple[str, str] | None:
    return _pair(cells, _TIME_COLUMN, _PRESSURE_COLUMN)


def _is_rise_log(head: str) -> bool:
    return "volume" in head.casefold() and header_in(head, lambda cells: _rise_columns(cells) is not None)


#: Unit spellings as they appear in (case-folded) column names, in the registry's spelling.
_COLUMN_UNITS = {
    "pa": "Pa",
    "kpa": "kPa",
    "hpa": "hPa",
    "a": "A",
    "amps": "A",
    "sec": "s",
    "seconds": "s",
    "minutes": "min",
}


def _registry_unit(report: Report, text: str, line: int | None, column: str | None) -> Any:
    try:
        return units.unit(text)
    except UnitError as exc:
        raise report.error(exc.message, line, column, expected="mbar, Pa or Torr") from exc


def _column_unit(report: Report, column: str, pattern: re.Pattern[str], keys: tuple[str, ...]) -> str | None:
    """The unit named in a column header ('pressure [Pa]') or on a metadata line; they must agree."""
    match = pattern.match(column)
    named = (match["unit"] or match["bare"]) if match else None
    from_column = _COLUMN_UNITS.get(named, named) if named else None
    entry = report.get(*keys)
    from_line = _report.pressure_spelling(entry.value) if entry else None
    if entry is not None and from_line and from_column:
        in_line = _registry_unit(report, from_line, entry.line, entry.key)
        if in_line != _registry_unit(
            report, _report.pressure_spelling(from_column), report.column_line, column
        ):
            raise report.error(f"column {column!r} and line '{from_line}' disagree on the unit", entry)
    chosen = from_column or from_line
    return _report.pressure_spelling(chosen) if chosen else None


def _pressure_unit(report: Report, text: str | None, column: str) -> str:
    if text is None:
        raise report.error(
            "the pressure unit is not stated",
            report.column_line,
            column,
            expected="a column like 'pressure [mbar]' or a 'Pressure unit:' line",
        )
    if (
        _registry_unit(report, text, report.column_line, column).dimensionality
        != units.unit("mbar").dimensionality
    ):
        raise report.error(
            f"{text!r} is not a pressure unit", report.column_line, column, expected="mbar, Pa, Torr"
        )
    return text


@parser("rate_of_rise_test", name="rate-of-rise log", sniff=_is_rise_log)
def parse_rise_log(path: Path, meta: Mapping[str, Any], mapping: Path | None) -> Evidence:
    report = read_report(path, is_header=lambda cells: _rise_columns(cells) is not None)
    report.require_table("time_s,pressure", min_rows=2, rows="readings")
    columns = _rise_columns(list(report.columns))
    assert columns is not None  # the header was recognised by them
    t_col, p_col = columns
    t_unit = _column_unit(report, t_col, _TIME_COLUMN, ("time unit",)) or "s"
    p_unit = _pressure_unit(
        report, _column_unit(report, p_col, _PRESSURE_COLUMN, ("pressure unit", "unit", "units")), p_col
    )
    points: list[dict[str, float]] = []
    for row in report.rows:
        t = units.convert(report.number(row, t_col, what="a time"), t_unit, "s")
        p = report.number(row, p_col, what="a pressure")
        if t < 0 or (points and t <= points[-1]["t_s"]):
            raise report.error(
                f"time {row.cells[t_col]} does not increase", row.line, t_col, expected="increasing times ≥ 0"
            )
        if p <= 0:
            raise report.error(
                f"pressure {row.cells[p_col]} is not positive", row.line, p_col, expected="p > 0"
            )
        points.append({"t_s": t, "pressure": p})
    volume_entry = report.get("chamber volume", "volume", "test volume")
    data: dict[str, Any] = {
        "kind": "rate_of_rise_test",
        **common_fields(report, meta, instrument=("gauge", "instrument")),
    }
    if volume_entry is not None:
        data["volume"] = {
            "value": report.measure(volume_entry, "L", what="a volume like '52 L'"),
            "unit": "L",
        }
    elif "volume" not in meta:
        raise report.error("the chamber volume is not stated", expected="a 'Chamber volume: 52 L' line")
    data |= {
        "p_start": {"value": points[0]["pressure"], "unit": p_unit},
        "p_end": {"value": points[-1]["pressure"], "unit": p_unit},
        "duration": {"value": points[-1]["t_s"] - points[0]["t_s"], "unit": "s"},
        "curve_unit": p_unit,
        "curve": points,
    }
    return finish(report, data, meta)


# --- RGA scan ----------------------------------------------------------------------------------------

_MASS_COLUMN = re.compile(r"^(?:mass|amu|m/z|mass number)\s*(?:[\[(]\s*(?:amu|u|m/z)\s*[\])])?$")
_PP_COLUMN = _column_pattern(r"partial pressure|pressure|pp|ion current|current|intensity", r"[a-zµ]+")


def _rga_columns(cells: list[str]) -> tuple[str, str] | None:
    return _pair(cells, _MASS_COLUMN, _PP_COLUMN)


def _is_rga_scan(head: str) -> bool:
    return "total pressure" in head.casefold() and header_in(
        head, lambda cells: _rga_columns(cells) is not None
    )


def _mass_range(report: Report, masses: list[int]) -> tuple[int, int]:
    entry = report.get("mass range", "scan range", "amu range")
    if entry is None:
        return min(masses), max(masses)
    match = re.match(r"^\s*(\d+)\s*(?:-|–|to|\.\.)\s*(\d+)", entry.value)
    if match is None:
        raise report.error(f"mass range {entry.value!r} is not 'FIRST-LAST'", entry, expected="e.g. 1-100")
    lo, hi = int(match[1]), int(match[2])
    if not 1 <= lo <= min(masses) or not max(masses) <= hi <= 300:
        raise report.error(
            f"mass range {lo}-{hi} does not contain the scanned masses {min(masses)}-{max(masses)}",
            entry,
            expected=f"a range from 1 to 300 that contains {min(masses)}-{max(masses)}",
        )
    return lo, hi


def _unit_peaks(
    report: Report, rows: list[tuple[int, float, float]], analog: bool, m_col: str
) -> dict[int, float]:
    peaks: dict[int, float] = {}
    for line, mass, pp in rows:
        if analog:
            amu = math.floor(mass + 0.5)
            if amu < 1:
                continue
            peaks[amu] = max(peaks.get(amu, 0.0), max(pp, 0.0))
            continue
        if abs(mass - round(mass)) > 1e-6:
            raise report.error(
                f"mass {mass:g} is not a whole number in a bar scan",
                line,
                m_col,
                expected="unit masses, or 'Scan mode: analog'",
            )
        if round(mass) in peaks:
            raise report.error(f"mass {round(mass)} appears twice", line, m_col, expected="one row per mass")
        peaks[round(mass)] = max(pp, 0.0)
    if not peaks or max(peaks) > 300:
        raise report.error("masses must lie within m/z 1-300", report.column_line, m_col)
    return peaks


@parser("rga_scan", name="RGA scan export", sniff=_is_rga_scan)
def parse_rga_scan(path: Path, meta: Mapping[str, Any], mapping: Path | None) -> Evidence:
    report = read_report(path, is_header=lambda cells: _rga_columns(cells) is not None)
    report.require_table("mass,pressure", rows="readings")
    columns = _rga_columns(list(report.columns))
    assert columns is not None  # the header was recognised by them
    m_col, p_col = columns
    p_unit = _column_unit(report, p_col, _PP_COLUMN, ("units", "unit", "pressure unit", "pressure units"))
    amperes = units.unit("A").dimensionality
    if (
        p_unit is not None
        and _registry_unit(report, p_unit, report.column_line, p_col).dimensionality == amperes
    ):
        raise report.error(
            "the scan is in ion current",
            report.column_line,
            p_col,
            expected="partial pressures (the RGA converts currents with its sensitivity)",
        )
    p_unit = _pressure_unit(report, p_unit, p_col)
    rows = [
        (
            row.line,
            report.number(row, m_col, what="a mass"),
            report.number(row, p_col, what="a partial pressure"),
        )
        for row in report.rows
    ]
    mode = report.get("scan mode", "mode", "scan type")
    analog = (
        ("analog" in mode.value.casefold()) if mode else any(abs(m - round(m)) > 1e-6 for _, m, _ in rows)
    )
    peaks = _unit_peaks(report, rows, analog, m_col)
    data: dict[str, Any] = {
        "kind": "rga_scan",
        **common_fields(report, meta, instrument=("instrument", "rga", "sensor")),
        "pressure_unit": p_unit,
    }
    data["amu_range"] = list(_mass_range(report, sorted(peaks)))
    data["peaks"] = [{"amu": m, "partial_pressure": peaks[m]} for m in sorted(peaks)]
    total = report.get("total pressure")
    if total is not None:
        data["total_pressure"] = report.measure(total, p_unit, what="a total pressure", default_unit=p_unit)
    elif "total_pressure" not in meta:
        raise report.error(
            "the total pressure is not stated", expected="a 'Total pressure: 2.1E-8 mbar' line"
        )
    state = report.get("test state", "state", "conditions")
    if state is not None:
        data["test_state"] = state.value
    return finish(report, data, meta)
