"""Compressed-air purity test reports (ISO 8573-1) as a laboratory exports them.

The file has header lines such as ``Standard: ISO 8573-1:2010``, ``Line pressure: 7 bar(g)``,
``Laboratory: …``, ``Test date: 2024-05-14``, ``Sampling point: …``, then rows
``parameter,value,unit[,method]``::

    Particles 0.1-0.5 µm,12500,particles/m³,ISO 8573-4
    Particles > 5 µm,0,particles/m³,ISO 8573-4
    Pressure dew point,-48.2,°C,ISO 8573-3
    Total oil,<0.003,mg/m³,ISO 8573-2 / ISO 8573-5

Values are converted to the units ISO 8573-1 tabulates (per m³, mg/m³, °C, g/m³); "< x" is kept as an
upper bound. Oil reported as aerosol (ISO 8573-2) and vapour (ISO 8573-5) rows is summed into the total;
aerosol alone is recorded as a total that excludes vapour. Gaseous (ISO 8573-6) and microbiological
(ISO 8573-7) rows have no purity class and go to the notes. An atmospheric dew point is refused: the
classes are defined on the pressure dew point.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualbridge import units
from qualbridge.errors import UnitError
from qualbridge.evidence.models import Evidence
from qualbridge.evidence.parsers import parser
from qualbridge.evidence.parsers._report import Columns, Report, Row, common_fields, finish, read_report

_COLUMNS = Columns(
    {
        "parameter": ("item", "contaminant"),
        "value": ("result", "measured", "measured value"),
        "unit": ("units",),
        "method": ("test method", "standard"),
    },
    required=("parameter", "value", "unit"),
)
# The report's "Standard:" line (ISO 8573-1:2010) is the method the purity is stated by; the per-row
# methods (ISO 8573-2 to -9) are kept per quantity.
_METHOD = ("standard", "method", "test method")
_BANDS = {(0.1, 0.5): "d_0_1_to_0_5", (0.5, 1.0): "d_0_5_to_1_0", (1.0, 5.0): "d_1_0_to_5_0"}
_TARGET_UNIT = {
    "particles": "particle/m**3",
    "particle_mass": "mg/m**3",
    "pressure_dew_point": "degC",
    "liquid_water": "g/m**3",
    "total_oil": "mg/m**3",
    "oil_aerosol": "mg/m**3",
    "oil_vapour": "mg/m**3",
}
_MODEL_UNIT = {
    "particle_mass": "mg/m³",
    "pressure_dew_point": "°C",
    "liquid_water": "g/m³",
    "total_oil": "mg/m³",
}
_NAMES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"^(solid )?particles? ?(count )?(>|above|greater than|larger than) ?5(\.0)? ?um$", "above_5um"),
        (
            r"^(solid )?particles? ?(mass|mass concentration|concentration \(mass\)|\(mass\))$",
            "particle_mass",
        ),
        (r"^particle mass( concentration)?$", "particle_mass"),
        (r"^(pressure dew ?point|pdp)$", "pressure_dew_point"),
        (r"^(atmospheric )?dew ?point( \(atmospheric\))?$", "atmospheric_dew_point"),
        (r"^liquid water( content)?$", "liquid_water"),
        (r"^(total oil|oil,? total|oil \(total\)|total oil content)$", "total_oil"),
        (r"^oil (aerosol|aerosol and liquid|aerosol \+ liquid)$", "oil_aerosol"),
        (r"^oil vapou?r$", "oil_vapour"),
        (
            r"^(co|co2|so2|nox|no2|carbon monoxide|carbon dioxide|sul(f|ph)ur dioxide|nitrogen oxides?|"
            r"hydrocarbons?.*|(viable|microbiological|microbial).*|temperature|relative humidity|flow.*)$",
            "info",
        ),
    )
)
_BAND = re.compile(r"^(solid )?particles? ?(count )?(?P<lo>\d+(\.\d+)?) ?- ?(?P<hi>\d+(\.\d+)?) ?um$")
_PRESSURE = re.compile(
    r"^(?P<v>[-+]?\d+(?:[.,]\d+)?)\s*(?P<u>[A-Za-z]+)\s*(?:\((?P<r>g|a|gauge|abs|absolute)\)|(?P<w>gauge|absolute))?$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Value:
    key: str
    value: float
    censored: bool
    method: str | None
    line: int


def _name_key(text: str) -> str:
    return " ".join(text.casefold().replace("µ", "u").replace("μ", "u").replace("–", "-").split())


def _quantity(report: Report, row: Row) -> str:
    name = _name_key(row.cells["parameter"])
    band = _BAND.match(name)
    if band:
        key = _BANDS.get((float(band.group("lo")), float(band.group("hi"))))
        if key is None:
            raise report.error(
                f"size band {row.cells['parameter']!r} is not an ISO 8573-1 band",
                row.line,
                "parameter",
                expected="0.1-0.5 µm, 0.5-1 µm or 1-5 µm",
            )
        return key
    for pattern, key in _NAMES:
        if pattern.match(name):
            if key == "atmospheric_dew_point":
                raise report.error(
                    "an atmospheric dew point cannot be classified",
                    row.line,
                    "parameter",
                    expected="the pressure dew point (ISO 8573-1 water classes 1–6 are defined on it)",
                )
            return key
    raise report.error(
        f"unknown parameter {row.cells['parameter']!r}",
        row.line,
        "parameter",
        expected="particles by band, particles > 5 µm, particle mass, pressure dew point, liquid water, "
        "total oil (or oil aerosol + oil vapour)",
    )


def _unit_text(text: str) -> str:
    cleaned = text.strip()
    if cleaned.startswith("/"):
        cleaned = "particles" + cleaned
    # Dew points are often written °Ctd ("taupunkt"); the suffix is not part of the unit.
    return re.sub(r"(?i)\s*td$", "", cleaned)


def _convert(report: Report, row: Row, key: str, value: float) -> float:
    target = _TARGET_UNIT["particles" if key.startswith("d_") or key == "above_5um" else key]
    unit_text = row.cells["unit"]
    expected = f"a unit convertible to {units.format_unit(target)}"
    if not unit_text:
        raise report.error("no unit", row.line, "unit", expected=expected)
    try:
        converted = units.convert(value, _unit_text(unit_text), target)
    except UnitError as exc:
        raise report.error(f"unit {unit_text!r}: {exc.message}", row.line, "unit", expected=expected) from exc
    if key != "pressure_dew_point" and converted < 0:
        raise report.error(f"{value:g} is negative", row.line, "value", expected="a value ≥ 0")
    return converted


def _above_5um(report: Report, row: Row) -> bool:
    text = row.cells["value"].strip().casefold()
    if text in {"none", "not detected", "no", "nd", "n.d."}:
        return False
    if text in {"detected", "yes"}:
        return True
    read = report.reading(row, "value")
    if read.value is None or read.censored:
        return False
    return _convert(report, row, "above_5um", read.value) > 0


def _values(report: Report) -> tuple[dict[str, _Value], bool | None, list[str]]:
    values: dict[str, _Value] = {}
    seen: dict[str, int] = {}
    above: bool | None = None
    info: list[str] = []
    for row in report.rows:
        key = _quantity(report, row)
        if key in seen:
            raise report.error(
                f"{row.cells['parameter']!r} is reported twice (first on line {seen[key]})",
                row.line,
                "parameter",
                expected="one row per parameter",
            )
        seen[key] = row.line
        if key == "info":
            info.append(f"{row.cells['parameter']} {row.cells['value']} {row.cells['unit']}".strip())
        elif key == "above_5um":
            above = _above_5um(report, row)
        else:
            read = report.reading(row, "value")
            if read.value is None:
                raise report.error(
                    f"{row.cells['value']!r} has no value",
                    row.line,
                    "value",
                    expected="a number or '< number'",
                )
            value = _convert(report, row, key, read.value)
            values[key] = _Value(key, value, read.censored, row.cells.get("method") or None, row.line)
    return values, above, info


def _oil(values: dict[str, _Value], report: Report) -> tuple[_Value | None, bool | None]:
    """The total oil and whether it includes vapour."""
    total, aerosol, vapour = values.get("total_oil"), values.get("oil_aerosol"), values.get("oil_vapour")
    if total is not None:
        return total, True
    if vapour is not None and aerosol is None:
        raise report.error(
            "oil vapour without oil aerosol: the total cannot be formed",
            vapour.line,
            "parameter",
            expected="an 'Oil aerosol' row (ISO 8573-2) or a 'Total oil' row",
        )
    if aerosol is None:
        return None, None
    if vapour is None:
        return aerosol, False
    methods = "; ".join(m for m in (aerosol.method, vapour.method) if m) or None
    summed = _Value(
        "total_oil", aerosol.value + vapour.value, aerosol.censored or vapour.censored, methods, 0
    )
    return summed, True


def _is_pressure(unit_text: str) -> bool:
    try:
        return units.same_dimension(unit_text, "Pa")
    except UnitError:
        return False


def _line_pressure(report: Report) -> dict[str, Any]:
    found = report.get("line pressure", "pressure", "working pressure")
    if found is None:
        return {}
    text = found.value
    match = _PRESSURE.match(text.strip())
    unit_text = match.group("u") if match else ""
    reference = (match.group("r") or match.group("w")) if match else None
    if match and reference is None and unit_text.casefold() in {"barg", "psig", "bara", "psia"}:
        unit_text, reference = unit_text[:-1], unit_text[-1]
    if not match or not _is_pressure(unit_text):
        raise report.error(f"line pressure {text!r} cannot be read", found, expected="e.g. '7 bar(g)'")
    value = float(match.group("v").replace(",", "."))
    ref = None if reference is None else "gauge" if reference.casefold() in {"g", "gauge"} else "absolute"
    return {"line_pressure": {"value": value, "unit": unit_text}, "line_pressure_reference": ref}


def _measurements(report: Report) -> dict[str, Any]:
    values, above, info = _values(report)
    oil, vapour_included = _oil(values, report)
    chosen = {k: v for k, v in values.items() if k in _MODEL_UNIT or k.startswith("d_")}
    if oil is not None:
        chosen["total_oil"] = oil
    data: dict[str, Any] = {"particles_above_5um_detected": above, "oil_vapour_included": vapour_included}
    bands = {k: v.value for k, v in chosen.items() if k.startswith("d_")}
    if bands:
        data["particles_per_m3"] = bands
    for key, unit in _MODEL_UNIT.items():
        if key in chosen:
            data[key] = {"value": chosen[key].value, "unit": unit}
    data["below_detection_limit"] = sorted(k for k, v in chosen.items() if v.censored)
    data["methods"] = {k: v.method for k, v in sorted(chosen.items()) if v.method}
    if info:
        data["notes"] = "also reported (no ISO 8573-1 class): " + "; ".join(info)
    return data


def _sniff(head: str) -> bool:
    return "8573" in head and _COLUMNS.found_in(head)


@parser("compressed_air_purity", name="Compressed-air purity report (ISO 8573-1 CSV)", sniff=_sniff)
def parse_compressed_air_report(path: Path, meta: Mapping[str, Any], mapping: Path | None) -> Evidence:
    """A lab's ISO 8573 test report export → :class:`CompressedAirPurityTest`; ``mapping`` is unused."""
    report = read_report(path, columns=_COLUMNS)
    report.require_table("parameter,value,unit,method")
    data: dict[str, Any] = {
        "kind": "compressed_air_purity",
        **common_fields(
            report, meta, method=_METHOD, subject_from=("system", ("sampling point", "sample point"))
        ),
    }
    conditions = report.get("reference conditions")
    if conditions:
        data["reference_conditions"] = conditions.value
    data.update(_line_pressure(report))
    measurements = _measurements(report)
    if "notes" in measurements and "notes" in data:
        measurements["notes"] = f"{data['notes']}; {measurements['notes']}"
    data.update(measurements)
    return finish(report, data, meta)
