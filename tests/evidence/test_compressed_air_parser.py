"""Compressed-air test reports → CompressedAirPurityTest; golden files in tests/assets/compressed_air.

The refused files' errors (file, line, column) are checked with every parser's in ``test_report.py``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from qualbridge.errors import EvidenceError, ParseError
from qualbridge.evidence.models import CompressedAirPurityTest
from qualbridge.evidence.parsers import file_digest, load_evidence
from qualbridge.evidence.parsers.compressed_air import _sniff, parse_compressed_air_report
from qualbridge.standards.iso8573_1 import classify

ASSETS = Path(__file__).parents[1] / "assets" / "compressed_air"


def parse(name: str, meta: dict[str, Any] | None = None) -> CompressedAirPurityTest:
    test = parse_compressed_air_report(ASSETS / name, meta or {}, None)
    assert isinstance(test, CompressedAirPurityTest)
    return test


def test_lab_export_with_metadata_header() -> None:
    path = ASSETS / "class_1-2-1_lab_export.csv"
    test = parse(path.name)
    assert test.issuer == "Example Air Test Lab"
    assert test.test_date == dt.date(2025, 3, 14)
    assert test.method == "ISO 8573-1:2010"
    assert (test.subject.type, test.subject.id) == ("system", "CDA-TH07")
    assert test.particles_per_m3 is not None
    assert test.particles_per_m3.model_dump() == {
        "d_0_1_to_0_5": 15000,
        "d_0_5_to_1_0": 300,
        "d_1_0_to_5_0": 8,
    }
    assert test.particles_above_5um_detected is False
    assert test.pressure_dew_point is not None
    assert test.pressure_dew_point.to("degC") == pytest.approx(-45)
    assert test.total_oil is not None
    assert test.total_oil.value == pytest.approx(0.005)
    assert test.below_detection_limit == ["total_oil"]
    assert test.oil_vapour_included is True
    assert test.methods["pressure_dew_point"] == "ISO 8573-3"
    assert test.line_pressure is not None
    assert (test.line_pressure.value, test.line_pressure.unit, test.line_pressure_reference) == (
        7,
        "bar",
        "gauge",
    )
    assert test.instrument is not None
    assert test.instrument.calibration_due == dt.date(2025, 11, 30)
    assert test.raw_digest == file_digest(path)
    assert classify(test).purity().short() == "[1:2:1]"


def test_oil_aerosol_and_vapour_rows_are_summed_into_the_total() -> None:
    test = parse("oil_aerosol_plus_vapour_summed.csv")
    # '< 0.001' aerosol + 0.004 vapour: the total is at most 0.005 mg/m³, an upper bound.
    assert test.total_oil is not None
    assert test.total_oil.value == pytest.approx(0.005)
    assert test.below_detection_limit == ["total_oil"]
    assert test.oil_vapour_included is True
    assert test.methods["total_oil"] == "ISO 8573-2; ISO 8573-5"
    # °Ctd is a dew point written the German way; −72.5 °C is water class 1 (≤ −70 °C).
    assert classify(test).water.symbol == 1
    # Gaseous contaminants (ISO 8573-6) have no purity class: kept in the notes, not dropped silently.
    assert test.notes is not None
    assert "Carbon monoxide 0.4 ppm" in test.notes
    # Only the sampling point names the subject.
    assert (test.subject.type, test.subject.id) == ("system", "CDA-TH07")


def test_oil_aerosol_alone_is_a_total_without_vapour() -> None:
    test = parse("oil_aerosol_only_excludes_vapour.csv")
    assert test.total_oil is not None
    assert test.total_oil.value == pytest.approx(0.004)
    assert test.oil_vapour_included is False
    assert classify(test).oil.caveats[0].en.startswith("oil vapour (ISO 8573-5) not included")


def test_semicolon_export_with_decimal_commas_and_psig() -> None:
    test = parse("semicolon_decimal_comma_psig.csv")
    assert test.pressure_dew_point is not None
    assert test.pressure_dew_point.value == pytest.approx(2.4)
    assert test.total_oil is not None
    assert test.total_oil.value == pytest.approx(0.05)
    assert test.particles_above_5um_detected is False
    assert test.line_pressure is not None
    assert (test.line_pressure.value, test.line_pressure.unit, test.line_pressure_reference) == (
        101.5,
        "psi",
        "gauge",
    )
    # 850 per m³ at 1–5 µm is class 4 (≤ 10 000, the only band class 4 specifies); +2.4 °C is class 4 (≤ +3).
    assert classify(test).purity().short() == "[4:4:2]"


def test_metadata_given_by_the_caller_wins() -> None:
    meta = {
        "issuer": "Other Lab",
        "test_date": "2025-04-01",
        "subject": {"type": "equipment", "id": "TOOL-9"},
    }
    test = parse("class_1-2-1_lab_export.csv", meta)
    assert (test.issuer, test.test_date, test.subject.id) == ("Other Lab", dt.date(2025, 4, 1), "TOOL-9")


def test_sidecar_metadata_through_load_evidence(tmp_path: Path) -> None:
    source = (ASSETS / "class_1-2-1_lab_export.csv").read_text(encoding="utf-8")
    path = tmp_path / "report.csv"
    path.write_text(source.replace("Laboratory: Example Air Test Lab\n", ""), encoding="utf-8")
    (tmp_path / "report.csv.meta.yaml").write_text("issuer: Sidecar Lab\n", encoding="utf-8")
    test = load_evidence(path, kind="compressed_air_purity")
    assert test.kind == "compressed_air_purity"
    assert test.issuer == "Sidecar Lab"


def test_sniff_recognises_iso8573_reports_only() -> None:
    assert _sniff((ASSETS / "class_1-2-1_lab_export.csv").read_text(encoding="utf-8"))
    assert _sniff((ASSETS / "semicolon_decimal_comma_psig.csv").read_text(encoding="utf-8"))
    amc = (ASSETS.parent / "amc" / "litho_bay_mixed_units.csv").read_text(encoding="utf-8")
    assert not _sniff(amc)


def test_a_file_without_a_results_table_is_refused() -> None:
    with pytest.raises(ParseError, match="no results table"):
        parse("no_results_table_refused.csv")


def test_missing_subject_is_named(tmp_path: Path) -> None:
    source = (ASSETS / "oil_aerosol_only_excludes_vapour.csv").read_text(encoding="utf-8")
    path = tmp_path / "no-subject.csv"
    path.write_text(source.replace("Sampling point: CDA-TH07\n", ""), encoding="utf-8")
    with pytest.raises(EvidenceError) as caught:
        parse_compressed_air_report(path, {}, None)
    assert (caught.value.where.file, caught.value.where.field) == (str(path), "subject")
