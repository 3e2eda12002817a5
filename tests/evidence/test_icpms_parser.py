"""ICP-MS results tables (golden files in tests/assets/icpms): element spellings, censoring, bases."""

from pathlib import Path
from typing import Any

import pytest

from qualbridge.errors import ParseError
from qualbridge.evidence.models import TraceMetalAnalysis
from qualbridge.evidence.parsers import icpms, load_evidence

ASSETS = Path(__file__).parent.parent / "assets" / "icpms"
META = {
    "issuer": "Example Analytical Lab",
    "test_date": "2026-03-02",
    "subject": {"type": "material_lot", "id": "L1"},
}


def _load(name: str, **meta: Any) -> TraceMetalAnalysis:
    ev = load_evidence(ASSETS / name, kind="trace_metal_analysis", meta=META | meta)
    assert isinstance(ev, TraceMetalAnalysis)
    return ev


def _error(name: str) -> ParseError:
    with pytest.raises(ParseError) as err:
        _load(name)
    assert err.value.where.file is not None
    assert err.value.where.file.endswith(name)
    return err.value


def test_element_spellings_and_isotopes() -> None:
    ev = load_evidence(ASSETS / "icpms-element-spellings.csv", kind="trace_metal_analysis")
    assert isinstance(ev, TraceMetalAnalysis)
    assert [(r.element, r.isotope) for r in ev.results] == [
        ("Na", None),
        ("Fe", 56),
        ("Cu", 63),
        ("Ni", 60),
        ("Zn", 66),
        ("K", 39),
    ]
    assert (ev.basis, ev.matrix, ev.issuer, ev.subject.id) == (
        "w/w",
        "H2SO4 96 %",
        "Example Analytical Lab",
        "H2SO4-LOT-117",
    )
    assert ev.results[0].value == 0.12
    assert ev.results[0].detection_limit == 0.02


def test_censored_forms_are_kept_with_their_detection_limit() -> None:
    ev = _load("icpms-censored-forms.csv")
    by = {r.element: r for r in ev.results}
    assert all(by[e].below_detection_limit for e in ("Na", "K", "Ca", "Mg", "Fe"))
    assert all(by[e].value is None for e in ("Na", "K", "Ca", "Mg", "Fe"))  # never 0
    assert by["Na"].detection_limit == 0.05  # from "<0.05"
    assert by["K"].detection_limit == 0.03  # "ND" takes the DL column
    assert by["Fe"].detection_limit == 0.08  # "<0.05" with DL 0.08: the larger bounds the result
    assert (by["Al"].value, by["Al"].below_detection_limit) == (0.21, False)


def test_not_detected_needs_a_detection_limit() -> None:
    err = _error("icpms-nd-without-detection-limit.csv")
    assert "'ND' without a detection limit" in err.message
    assert (err.where.row, err.where.field) == (3, "DL")


def test_negative_results_are_refused() -> None:
    err = _error("icpms-negative-result.csv")
    assert err.where.row == 2
    assert err.expected is not None
    assert "'<DL'" in err.expected


def test_two_isotopes_of_one_element_are_refused() -> None:
    err = _error("icpms-two-isotopes-of-one-element.csv")
    assert "Fe is reported twice (lines 2 and 3)" in err.message


def test_mixed_bases_are_refused() -> None:
    assert "mixes bases" in _error("icpms-mixed-bases.csv").message


def test_w_v_basis_reads_ppb_as_micrograms_per_litre() -> None:
    ev = _load("icpms-w-v-aqueous-ppb.csv")
    assert ev.basis == "w/v"
    assert [(r.element, r.unit) for r in ev.results] == [("Na", "ppb"), ("Ca", "ppt"), ("Fe", "µg/L")]


def test_a_volume_unit_under_a_w_w_basis_is_refused() -> None:
    err = _error("icpms-w-w-basis-with-volume-unit.csv")
    assert "'µg/L' is not a unit of basis w/w" in err.message
    assert err.where.row == 3


def test_semicolons_default_unit_and_density() -> None:
    ev = _load("icpms-semicolons-with-density.csv")
    assert [r.unit for r in ev.results] == ["ppt", "ppt", "ppt"]
    assert ev.density is not None
    assert ev.density.unit == "g/mL"
    assert ev.density.value == pytest.approx(1.84)
    assert ev.instrument is not None
    assert ev.instrument.serial == "JP21440118"


def test_unknown_element_names_row_and_column() -> None:
    err = _error("icpms-unknown-element.csv")
    assert (err.where.row, err.where.field) == (3, "Element")
    assert "'Xx' is not an element" in err.message


def test_per_area_basis_is_inferred_from_the_units() -> None:
    ev = _load("icpms-per-area-inferred.csv")
    assert ev.basis == "per_area"
    assert ev.wetted_area is not None
    assert ev.wetted_area.value == pytest.approx(0.42)


@pytest.mark.parametrize(
    ("cell", "element", "isotope"),
    [
        ("Fe", "Fe", None),
        ("56Fe", "Fe", 56),
        ("Fe 56", "Fe", 56),
        ("Fe(56)", "Fe", 56),
        ("56Fe [He]", "Fe", 56),
    ],
)
def test_element_cell_grammar(cell: str, element: str, isotope: int | None) -> None:
    match = icpms._ELEMENT_CELL.match(cell)
    assert match is not None
    assert match["sym"] == element
    masses = [m for m in (match["pre"], match["post"], match["paren"]) if m]
    assert (int(masses[0]) if masses else None) == isotope


def test_sniff_recognises_results_tables_only() -> None:
    assert icpms._sniff((ASSETS / "icpms-censored-forms.csv").read_text(encoding="utf-8"))
    assert icpms._sniff((ASSETS / "icpms-semicolons-with-density.csv").read_text(encoding="utf-8"))
    rga = Path(__file__).parent.parent / "assets" / "vacuum" / "rga-bar-torr.csv"
    assert not icpms._sniff(rga.read_text(encoding="utf-8"))
    assert {"H", "Fe", "Og"} <= icpms.ELEMENTS
    assert len(icpms.ELEMENTS) == 118
