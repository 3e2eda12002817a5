"""Parser for ICP-MS trace-metal result tables.

Format, by example (comma, semicolon or tab separated; column names are case-insensitive)::

    ICP-MS trace metals report
    Laboratory: Example Analytical Lab
    Matrix: H2SO4 96 %
    Basis: w/w                          (w/w, w/v or per area; else inferred from the units)
    Density: 1.84 g/mL                  (optional: relates w/v results to w/w limits)
    Element,Result,Unit,DL
    Na,0.12,ppb,0.02
    56Fe,<0.05,ppb,0.05                 ('<x': below the detection limit x)
    K,ND,ppb,0.03                       ('ND', '<DL', 'BDL': below the DL of the DL column)

The element cell may be 'Fe', '56Fe', 'Fe 56', 'Fe56' or 'Fe(56)', optionally followed by a cell-gas mode
in brackets ('56Fe [He]'). A censored result is kept as censored with its detection limit, never as 0;
when both '<x' and a DL are given, the larger bounds the result. Units: ppb, ppt, ppm, µg/kg, ng/g (w/w);
µg/L, ng/L (w/v, where ppb/ppt are read as µg/L and ng/L, the dilute-aqueous convention); µg/m², ng/cm²
(per wetted area).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qualbridge import units
from qualbridge.errors import UnitError
from qualbridge.evidence.models import Evidence
from qualbridge.evidence.parsers import parser
from qualbridge.evidence.parsers._report import Report, Row, common_fields, finish, header_in, read_report

#: The 118 element symbols, Z = 1 to 118.
_SYMBOLS = """
H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr Rb
Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf
Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh
Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og
"""
ELEMENTS = frozenset(_SYMBOLS.split())

_ELEMENT_CELL = re.compile(
    r"^(?P<pre>\d{1,3})?\s*(?P<sym>[A-Z][a-z]?)\s*(?:(?P<post>\d{1,3})|\(\s*(?P<paren>\d{1,3})\s*\))?"
    r"\s*(?:[\[(][A-Za-z][^\])]*[\])])?$"
)
_COLUMNS: dict[str, tuple[str, ...]] = {
    "element": ("element", "analyte", "isotope", "element/isotope", "mass/element"),
    "result": ("result", "value", "conc", "conc.", "concentration", "amount"),
    "unit": ("unit", "units"),
    "dl": ("dl", "mdl", "lod", "detection limit", "method detection limit"),
    "basis": ("basis",),
}
_BASES = {
    "w/w": "w/w",
    "m/m": "w/w",
    "ww": "w/w",
    "w/v": "w/v",
    "m/v": "w/v",
    "wv": "w/v",
    "per area": "per_area",
    "per_area": "per_area",
    "per wetted area": "per_area",
    "area": "per_area",
}
_BASIS_UNIT = {"w/w": "ppb", "w/v": "µg/L", "per_area": "µg/m²"}
_AQUEOUS = {"ppm", "ppb", "ppt"}


def _column(cells: list[str], role: str) -> str | None:
    found = [c for c in cells if c in _COLUMNS[role]]
    return found[0] if len(found) == 1 else None


def _is_header(cells: list[str]) -> bool:
    return _column(cells, "element") is not None and _column(cells, "result") is not None


def _sniff(head: str) -> bool:
    return header_in(head, _is_header)


def _element(report: Report, row: Row, column: str) -> tuple[str, int | None]:
    text = row.cells[column]
    match = _ELEMENT_CELL.match(text)
    if match is None or match["sym"] not in ELEMENTS:
        raise report.error(
            f"{text!r} is not an element", row.line, column, expected="e.g. Fe, 56Fe, Fe 56, Fe(56)"
        )
    masses = [m for m in (match["pre"], match["post"], match["paren"]) if m]
    if len(masses) > 1:
        raise report.error(
            f"{text!r} names two masses", row.line, column, expected="one isotope mass at most"
        )
    return match["sym"], int(masses[0]) if masses else None


def _unit_basis(unit_text: str) -> str | None:
    for basis, reference in _BASIS_UNIT.items():
        if units.same_dimension(unit_text, reference):
            return basis
    return None


def _result(report: Report, row: Row, cols: Mapping[str, str | None], unit: str) -> dict[str, Any]:
    res_col, dl_col = cols["result"], cols["dl"]
    assert res_col is not None
    text = row.cells[res_col].strip()
    dl = report.number(row, dl_col, what="a detection limit") if dl_col and row.cells[dl_col] else None
    if dl is not None and dl <= 0:
        raise report.error(f"detection limit {row.cells[str(dl_col)]} is not positive", row.line, dl_col)
    read = report.reading(row, res_col, what="a concentration, '<DL' or 'ND'")
    out: dict[str, Any] = {"unit": unit}
    if read.censored and read.value is None:
        if dl is None:
            raise report.error(
                f"{text!r} without a detection limit",
                row.line,
                dl_col or res_col,
                expected="the DL in a DL column, or '<value'",
            )
        return out | {"below_detection_limit": True, "detection_limit": dl}
    assert read.value is not None
    if read.censored:
        if read.value <= 0:
            raise report.error(f"{text!r} is not a positive bound", row.line, res_col)
        return out | {"below_detection_limit": True, "detection_limit": max(read.value, dl or 0.0)}
    if read.value < 0:
        raise report.error(
            f"negative result {text}",
            row.line,
            res_col,
            expected="a value ≥ 0; report a result below the detection limit as '<DL'",
        )
    return out | {"value": read.value} | ({"detection_limit": dl} if dl is not None else {})


def _basis(report: Report, column: str | None, units_basis: set[str | None]) -> str:
    entry = report.get("basis", "reporting basis")
    stated = [(r.cells[column], r.line, column) for r in report.rows if column and r.cells[column]]
    if entry is not None:
        stated.append((entry.value, entry.line, entry.key))
    normalised = set()
    for text, line, where in stated:
        key = " ".join(text.casefold().replace("_", " ").split())
        if key not in _BASES:
            raise report.error(
                f"basis {text!r} is not w/w, w/v or per area", line, where, expected="w/w, w/v or per area"
            )
        normalised.add(_BASES[key])
    if len(normalised) > 1:
        raise report.error(
            f"the table mixes bases ({', '.join(sorted(normalised))})",
            expected="one basis per analysis; split the report",
        )
    if normalised:
        return normalised.pop()
    if len(units_basis) == 1 and None not in units_basis:
        return str(next(iter(units_basis)))
    raise report.error("the units mix bases", expected="one basis per analysis (w/w, w/v or per area)")


def _check_unit(report: Report, row: Row, column: str | None, unit: str, basis: str) -> None:
    read_as = _unit_basis(unit)
    if read_as == basis or (basis == "w/v" and unit.casefold() in _AQUEOUS):
        return
    raise report.error(
        f"{unit!r} is not a unit of basis {basis}",
        row.line,
        column,
        expected=f"a unit like {_BASIS_UNIT[basis]}",
    )


@parser("trace_metal_analysis", name="ICP-MS results table", sniff=_sniff)
def parse_icpms(path: Path, meta: Mapping[str, Any], mapping: Path | None) -> Evidence:
    report = read_report(path, is_header=_is_header)
    report.require_table("Element,Result,Unit,DL", rows="results")
    cols = {role: _column(list(report.columns), role) for role in _COLUMNS}
    default_unit = report.get("unit", "units")
    results: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row in report.rows:
        element, isotope = _element(report, row, str(cols["element"]))
        if element in seen:
            raise report.error(
                f"{element} is reported twice (lines {seen[element]} and {row.line})",
                row.line,
                cols["element"],
                expected="one isotope per element",
            )
        seen[element] = row.line
        unit = row.cells[cols["unit"]] if cols["unit"] and row.cells[cols["unit"]] else None
        unit = unit or (default_unit.value if default_unit else None)
        if unit is None:
            raise report.error("no unit", row.line, cols["unit"], expected="a Unit column or a 'Unit:' line")
        try:
            units.unit(unit)
        except UnitError as exc:
            raise report.error(
                exc.message, row.line, cols["unit"], expected="ppb, ppt, µg/L, µg/m²…"
            ) from exc
        results.append({"element": element, "isotope": isotope, **_result(report, row, cols, unit)})
    basis = _basis(report, cols["basis"], {_unit_basis(r["unit"]) for r in results})
    for row, r in zip(report.rows, results, strict=True):
        _check_unit(report, row, cols["unit"], r["unit"], basis)
    data: dict[str, Any] = {
        "kind": "trace_metal_analysis",
        **common_fields(report, meta, instrument=("instrument", "icp ms")),
        "basis": basis,
        "results": results,
        **_sample_fields(report),
    }
    return finish(report, data, meta)


def _sample_fields(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = {}
    matrix = report.get("matrix", "sample matrix")
    if matrix is not None:
        data["matrix"] = matrix.value
    for key, names, target, what in (
        ("density", ("density", "sample density"), "g/mL", "a density with its unit, like '1.84 g/mL'"),
        ("wetted_area", ("wetted area", "extracted area", "surface area"), "m²", "an area like '0.42 m²'"),
    ):
        entry = report.get(*names)
        if entry is not None:
            data[key] = {"value": report.measure(entry, target, what=what), "unit": target}
    return data
