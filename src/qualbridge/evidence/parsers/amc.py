"""Airborne molecular contamination (AMC) results as an analytical laboratory exports them.

Header lines (``Laboratory:``, ``Test date:``, ``Location:``, ``Sampling hours:``, ``Method:``) and then
rows ``substance,category,concentration,unit,detection_limit``::

    HF,acid,<DL,pptM,50
    NH3,base,3.2,ng/m³,0.5
    TMAH,MB,<0.8,ng/m³,

A category is one of ISO 14644-8's (acid, base, biotoxic, condensable, corrosive, dopant, organic,
oxidant) or a SEMI F21 code (MA, MB, MC, MD → acid, base, condensable, dopant); it may be empty. "<DL"
and "ND" need the detection limit; "< x" states its bound. Units are a mass concentration (ng/m³…) or a
molar ratio: pptM, ppbM, and pptv/ppbv, which for an ideal gas are the same molar ratio. A bare "ppt" or
"ppb" is refused: in QualBridge those are mass fractions, and a lab's air result in them is ambiguous.
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
from qualbridge.evidence.parsers._report import Columns, Report, Row, common_fields, finish, read_report

_COLUMNS = Columns(
    {
        "substance": ("compound", "analyte", "species"),
        "category": ("class", "group", "amc category"),
        "concentration": ("value", "result", "conc", "concentration value"),
        "unit": ("units",),
        "detection_limit": ("dl", "lod", "mdl", "detection limit", "limit of detection"),
    },
    required=("substance", "concentration", "unit"),
)
_METHOD = (
    "standard",
    "method",
    "test method",
)  # the standard (ISO 14644-8, SEMI F21) before the sampling method
_CATEGORIES = {
    **{
        c: c for c in ("acid", "base", "biotoxic", "condensable", "corrosive", "dopant", "organic", "oxidant")
    },
    "acids": "acid",
    "bases": "base",
    "condensables": "condensable",
    "dopants": "dopant",
    "ma": "acid",
    "mb": "base",
    "mc": "condensable",
    "md": "dopant",
}
# Volume mixing ratios of gases equal molar ratios (ideal gas); spelled out so nothing else is implied.
_MOLAR_SPELLINGS = {
    "pptv": "pptM",
    "ppbv": "ppbM",
    "ppmv": "ppmM",
    "pptm": "pptM",
    "ppbm": "ppbM",
    "ppmm": "ppmM",
}
_AMBIGUOUS = {"ppt", "ppb", "ppm"}


def _unit(report: Report, row: Row) -> str:
    text = row.cells["unit"].strip()
    key = text.casefold().replace("(", "").replace(")", "").replace(" ", "")
    if key in _AMBIGUOUS:
        raise report.error(
            f"unit {text!r} is ambiguous for air",
            row.line,
            "unit",
            expected=f"{key}M or {key}v (molar ratio) or a mass concentration such as ng/m³",
        )
    unit_text = _MOLAR_SPELLINGS.get(key, text)
    try:
        if units.same_dimension(unit_text, "g/m**3") or units.same_dimension(unit_text, "pptM"):
            return unit_text
    except UnitError:
        pass
    raise report.error(
        f"unit {text!r} is neither a mass concentration nor a molar ratio",
        row.line,
        "unit",
        expected="e.g. ng/m³, µg/m³, pptM, ppbv",
    )


def _category(report: Report, row: Row) -> str | None:
    text = row.cells.get("category", "").strip()
    if not text:
        return None
    found = _CATEGORIES.get(text.casefold())
    if found is None:
        raise report.error(
            f"unknown category {text!r}",
            row.line,
            "category",
            expected="acid, base, biotoxic, condensable, corrosive, dopant, organic, oxidant or MA/MB/MC/MD",
        )
    return found


def _result(report: Report, row: Row) -> dict[str, Any]:
    substance = row.cells["substance"].strip()
    if not substance:
        raise report.error("no substance", row.line, "substance", expected="e.g. NH3, HF, TMAH")
    unit = _unit(report, row)
    read = report.reading(row, "concentration")
    dl = report.number(row, "detection_limit") if row.cells.get("detection_limit") else None
    if read.value is None and dl is None:
        raise report.error(
            f"{row.cells['concentration']!r} needs the detection limit",
            row.line,
            "detection_limit",
            expected="the detection limit in the same unit",
        )
    for value, column in ((read.value, "concentration"), (dl, "detection_limit")):
        if value is not None and value < 0:
            raise report.error(f"{value:g} is negative", row.line, column, expected="a value ≥ 0")
    if dl is not None and dl == 0:
        raise report.error("a detection limit of 0", row.line, "detection_limit", expected="> 0")
    # A '< x' result is bounded by the x it states; '<DL' and 'ND' by the detection limit column.
    bound = dl if read.value is None else read.value
    limit = bound if read.censored else dl
    item: dict[str, Any] = {
        "substance": substance,
        "category": _category(report, row),
        "concentration": {"value": bound, "unit": unit},
        "below_detection_limit": read.censored,
    }
    if limit is not None:
        item["detection_limit"] = {"value": limit, "unit": unit}
    return item


def _sampling_hours(report: Report) -> float | None:
    found = report.get("sampling hours", "sampling time", "sampling duration")
    if found is None:
        return None
    text = found.value
    match = re.fullmatch(r"\s*(?P<v>\d+(?:[.,]\d+)?)\s*(?P<u>[a-zA-Z]*)\s*", text)
    try:
        if match is None:
            raise UnitError(text)
        return units.convert(float(match.group("v").replace(",", ".")), match.group("u") or "h", "h")
    except UnitError:
        raise report.error(f"sampling time {text!r} cannot be read", found, expected="e.g. '4 h'") from None


# Air concentrations are per volume of air or molar ratios; an ICP-MS table of the same shape is per mass
# or per litre of liquid, so the units are what tell the two apart.
_AIR_UNIT = re.compile(r"(?i)/\s*(m3|m³)\b|\bpp[mbt][mv]\b")


def _sniff(head: str) -> bool:
    return _AIR_UNIT.search(head) is not None and _COLUMNS.found_in(head)  # the cheaper test first


@parser("airborne_molecular_contamination", name="AMC laboratory results (CSV)", sniff=_sniff)
def parse_amc_results(path: Path, meta: Mapping[str, Any], mapping: Path | None) -> Evidence:
    """An AMC lab result table → :class:`AirborneMolecularContamination`; ``mapping`` is unused."""
    report = read_report(path, columns=_COLUMNS)
    report.require_table("substance,category,concentration,unit,detection_limit")
    results = [_result(report, row) for row in report.rows]
    data: dict[str, Any] = {
        "kind": "airborne_molecular_contamination",
        **common_fields(
            report, meta, method=_METHOD, subject_from=("room", ("location", "sampling location"))
        ),
        "results": results,
    }
    location = report.get("location", "sampling location", "sampling point")
    if location:
        data["location"] = location.value
    hours = None if "sampling_hours" in meta else _sampling_hours(report)
    if hours is not None:
        data["sampling_hours"] = hours
    return finish(report, data, meta)
