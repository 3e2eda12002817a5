"""AMC laboratory result tables → AirborneMolecularContamination; golden files in tests/assets/amc.

The refused files' errors (file, line, column) are checked with every parser's in ``test_report.py``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qualbridge.errors import ParseError
from qualbridge.evidence.models import AirborneMolecularContamination, ChemicalResult
from qualbridge.evidence.parsers import load_evidence
from qualbridge.evidence.parsers.amc import _sniff, parse_amc_results

ASSETS = Path(__file__).parents[1] / "assets" / "amc"


def parse(name: str) -> AirborneMolecularContamination:
    report = parse_amc_results(ASSETS / name, {}, None)
    assert isinstance(report, AirborneMolecularContamination)
    return report


def by_substance(report: AirborneMolecularContamination) -> dict[str, ChemicalResult]:
    return {r.substance: r for r in report.results}


def test_mixed_unit_report() -> None:
    report = parse("litho_bay_mixed_units.csv")
    assert report.issuer == "Example AMC Analytics"
    assert report.test_date == dt.date(2025, 3, 18)
    assert report.location == "Litho bay L2"
    assert (report.subject.type, report.subject.id) == ("room", "Litho bay L2")
    assert report.sampling_hours == pytest.approx(4)  # "240 min"
    results = by_substance(report)
    assert len(results) == 8

    hf = results["HF"]  # "<DL" with DL 50 pptM: bounded above by the detection limit
    assert hf.below_detection_limit
    assert hf.detection_limit is not None
    assert (hf.detection_limit.value, hf.detection_limit.unit) == (50, "pptM")
    assert hf.upper_bound("pptM") == 50
    assert hf.lower_bound("pptM") == 0

    assert results["HCl"].category == "acid"  # F21 code MA → acid
    hno3 = results["HNO3"]  # "<40" pptv: the stated bound; a volume ratio of a gas is a molar ratio
    assert hno3.below_detection_limit
    assert hno3.concentration.unit == "pptM"
    assert hno3.upper_bound("pptM") == 40
    assert results["SO2"].concentration.to("pptM") == pytest.approx(120)  # 0.12 ppbv
    nh3 = results["NH3"]
    assert (nh3.concentration.value, nh3.concentration.unit, nh3.category) == (3.2, "ng/m³", "base")
    assert results["TMAH"].below_detection_limit  # "ND" with its detection limit
    assert results["Toluene"].category is None  # an empty category stays unknown, not guessed


def test_nothing_is_accepted_from_a_file_with_one_bad_row(tmp_path: Path) -> None:
    good = (ASSETS / "litho_bay_mixed_units.csv").read_text(encoding="utf-8")
    path = tmp_path / "one-bad-row.csv"
    path.write_text(good + "HBr,acid,-5,pptM,10\n", encoding="utf-8")
    with pytest.raises(ParseError, match="negative") as caught:
        parse_amc_results(path, {}, None)
    assert (caught.value.where.row, caught.value.where.field) == (len(good.splitlines()) + 1, "concentration")


def test_unknown_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "extra-column.csv"
    path.write_text("Laboratory: L\nsubstance,concentration,unit,colour\nHF,1,pptM,red\n", encoding="utf-8")
    with pytest.raises(ParseError, match="unknown column 'colour'") as caught:
        parse_amc_results(path, {}, None)
    assert (caught.value.where.row, caught.value.where.field) == (2, "colour")


def test_sniff_and_load_evidence_with_sidecar(tmp_path: Path) -> None:
    source = (ASSETS / "litho_bay_mixed_units.csv").read_text(encoding="utf-8")
    assert _sniff(source)
    assert not _sniff(
        (ASSETS.parent / "compressed_air" / "class_1-2-1_lab_export.csv").read_text(encoding="utf-8")
    )
    path = tmp_path / "amc.csv"
    path.write_text(source, encoding="utf-8")
    (tmp_path / "amc.csv.meta.yaml").write_text("subject: {type: room, id: FAB1-L2}\n", encoding="utf-8")
    report = load_evidence(path, kind="airborne_molecular_contamination")
    assert isinstance(report, AirborneMolecularContamination)
    assert report.subject.id == "FAB1-L2"
