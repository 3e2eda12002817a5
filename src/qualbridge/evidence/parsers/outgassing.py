"""Parser for ASTM E595 outgassing results (TML, CVCM, WVR) and outgassing-rate reports.

Format, by example::

    ASTM E595 outgassing test results
    Laboratory: Example Space Materials Lab
    Method: ASTM E595-15
    Material: FKM O-ring compound V-747          (or a Material column)
    Sample temperature: 125 °C
    Collector temperature: 25 °C
    Duration: 24 h
    Specimen,TML %,CVCM %,WVR %
    1,0.52,0.04,0.21
    2,0.49,0.03,0.20
    3,0.55,0.04,0.22

E595 tests replicate specimens of one material and reports their mean; so does this parser. A file with
several materials is refused (one evidence document per material). WVR is optional, but then for every
specimen. An ``Outgassing rate: 3E-9 mbar·L/(s·cm²)`` line (throughput or rate-of-rise method) may come
with the table or alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from statistics import fmean
from typing import Any

from qualbridge import units
from qualbridge.evidence.models import Evidence
from qualbridge.evidence.parsers import parser
from qualbridge.evidence.parsers._report import Report, common_fields, finish, read_report

_QUANTITIES = ("tml", "cvcm", "wvr")


def _role(cell: str) -> str | None:
    """'TML %', 'TML (%)', 'cvcm [%]' → tml/cvcm/wvr; 'material', 'specimen' as they are."""
    bare = re.sub(r"[\s%()\[\]]+", " ", cell).strip()
    if bare in _QUANTITIES or bare in ("material", "specimen", "sample"):
        return bare
    return None


def _is_header(cells: list[str]) -> bool:
    roles = [_role(c) for c in cells]
    return "tml" in roles and "cvcm" in roles


def _sniff(head: str) -> bool:
    low = head.casefold()
    return ("tml" in low and "cvcm" in low) or "outgassing rate:" in low


def _specimens(report: Report) -> tuple[str | None, dict[str, float | None]]:
    by_role = {_role(c): c for c in report.columns if _role(c) is not None}
    material_col = by_role.get("material")
    materials = {row.cells[material_col].strip() for row in report.rows} if material_col else set()
    materials.discard("")
    if len(materials) > 1:
        raise report.error(
            f"the table holds several materials ({', '.join(sorted(materials))})",
            report.column_line,
            material_col,
            expected="one material per file (replicate specimens of it)",
        )
    means: dict[str, float | None] = {}
    for quantity in _QUANTITIES:
        column = by_role.get(quantity)
        empty = [row for row in report.rows if not column or not row.cells[column]]
        if column is None or len(empty) == len(report.rows):
            means[quantity] = None
            continue
        if empty:
            raise report.error(
                f"{quantity.upper()} missing for one specimen",
                empty[0].line,
                column,
                expected=f"{quantity.upper()} for every specimen, or for none",
            )
        values = [report.number(row, column, what=f"{quantity.upper()} in %") for row in report.rows]
        for row, value in zip(report.rows, values, strict=True):
            if quantity != "tml" and value < 0:
                raise report.error(
                    f"negative {quantity.upper()} {row.cells[column]}",
                    row.line,
                    column,
                    expected=f"{quantity.upper()} ≥ 0 (a reading below the balance resolution is 0.00)",
                )
        means[quantity] = round(fmean(values), 6)
    if means["tml"] is None or means["cvcm"] is None:
        raise report.error("the table has no TML or CVCM values", report.column_line)
    return (materials.pop() if materials else None), means


def _conditions(report: Report) -> dict[str, float]:
    data: dict[str, float] = {}
    for key, names, target, what in (
        (
            "sample_temperature_c",
            ("sample temperature", "specimen temperature", "test temperature"),
            "degC",
            "a temperature like '125 °C'",
        ),
        (
            "collector_temperature_c",
            ("collector temperature", "collector plate temperature"),
            "degC",
            "a temperature like '25 °C'",
        ),
        (
            "duration_h",
            ("duration", "test duration", "exposure time", "exposure duration"),
            "h",
            "a duration like '24 h'",
        ),
    ):
        entry = report.get(*names)
        if entry is not None:
            data[key] = round(report.measure(entry, target, what=what), 6)
    return data


@parser("outgassing_test", name="ASTM E595 outgassing results", sniff=_sniff)
def parse_outgassing(path: Path, meta: Mapping[str, Any], mapping: Path | None) -> Evidence:
    report = read_report(path, is_header=_is_header)
    data: dict[str, Any] = {
        "kind": "outgassing_test",
        **common_fields(report, meta, instrument=("instrument", "apparatus")),
        **_conditions(report),
    }
    header_material = report.get("material", "material name", "specimen material")
    if header_material is not None:
        data["material"] = header_material.value
    if report.columns:
        report.require_table("Specimen,TML %,CVCM %,WVR %", rows="specimens")
        material, means = _specimens(report)
        if material and header_material and material != header_material.value:
            raise report.error(
                f"material {material!r} differs from the header's {header_material.value!r}",
                header_material,
                expected="one material per file",
            )
        if material:
            data["material"] = material
        data |= {f"{q}_pct": v for q, v in means.items() if v is not None}
    rate = report.get("outgassing rate", "specific outgassing rate")
    if rate is not None:
        q = report.quantity(rate, what="a rate like '3E-9 mbar·L/(s·cm²)'")
        if not units.same_dimension(q.unit, "Pa·m³/(s·m²)"):
            raise report.error(
                f"{q.unit!r} is not an outgassing rate per area",
                rate,
                expected="e.g. Pa·m³/(s·m²) or mbar·L/(s·cm²)",
            )
        data["rate_per_area"] = {"value": q.value, "unit": q.unit}
    if not report.columns and rate is None:
        raise report.error(
            "neither a TML/CVCM table nor an outgassing rate",
            expected="a header row such as Specimen,TML %,CVCM %,WVR %",
        )
    return finish(report, data, meta)
