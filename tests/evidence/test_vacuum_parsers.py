"""Vacuum parsers: helium leak reports, rate-of-rise logs, RGA scans (golden files in tests/assets/vacuum)."""

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest

from qualbridge.demo import vacuum as demo
from qualbridge.errors import EvidenceError, ParseError
from qualbridge.evidence.models import HeliumLeakTest, RateOfRiseTest, RgaScan
from qualbridge.evidence.parsers import load_evidence
from qualbridge.evidence.parsers import vacuum as parsers

ASSETS = Path(__file__).parent.parent / "assets" / "vacuum"
META = {
    "issuer": "Example Test Lab",
    "test_date": "2026-02-03",
    "subject": {"type": "equipment", "id": "VX-1"},
}


def _load(name: str, kind: str, **meta: Any) -> Any:
    return load_evidence(ASSETS / name, kind=kind, meta=META | meta)


# --- helium leak reports -----------------------------------------------------------------------------


def test_censored_spray_report() -> None:
    ev = load_evidence(ASSETS / "helium-leak-censored-spray.txt", kind="helium_leak_test")
    assert isinstance(ev, HeliumLeakTest)
    assert (ev.leak_rate.value, ev.leak_rate.unit) == (5.0e-11, "mbar l/s")
    assert ev.below_detection_limit
    assert ev.detection_limit == ev.leak_rate
    assert ev.background is not None
    assert ev.background.value == 5e-12
    assert ev.mode == "spray"
    assert ev.test_state == "unbaked, 24 h pump-down"
    assert ev.instrument is not None
    assert (ev.instrument.model, ev.instrument.serial) == ("ASM 340", "1234")
    assert ev.instrument.calibration_date == dt.date(2026, 1, 10)
    assert ev.instrument.calibration_due == dt.date(2027, 1, 10)
    # issuer, date and subject from the report's own lines
    assert (ev.issuer, ev.test_date, ev.subject.id) == (
        "Example Vacuum Systems Co.",
        dt.date(2026, 2, 3),
        "VX-200-SN0042",
    )
    digest = hashlib.sha256((ASSETS / "helium-leak-censored-spray.txt").read_bytes()).hexdigest()
    assert ev.raw_digest == f"sha256:{digest}"


def test_measured_report_with_unit_line_and_hood_mode() -> None:
    ev = _load("helium-leak-measured-atm-cc.txt", "helium_leak_test")
    assert isinstance(ev, HeliumLeakTest)
    assert (ev.leak_rate.value, ev.leak_rate.unit, ev.below_detection_limit) == (2.3e-10, "atm cc/s", False)
    assert ev.leak_rate.to("mbar·L/s") == pytest.approx(2.3e-10 * 1.01325)
    assert ev.mode == "hood"
    assert ev.instrument is not None
    assert (ev.instrument.model, ev.instrument.serial) == ("Leybold Phoenix Quadro", "55-2031")


def test_metadata_wins_over_the_report() -> None:
    ev = load_evidence(
        ASSETS / "helium-leak-censored-spray.txt",
        kind="helium_leak_test",
        meta={"issuer": "Independent Lab", "instrument": {"calibration_due": "2026-12-31"}},
    )
    assert ev.issuer == "Independent Lab"
    assert ev.instrument is not None
    assert ev.instrument.calibration_due == dt.date(2026, 12, 31)
    assert ev.instrument.model == "ASM 340"  # nested fields merge, the rest of the report stays


def test_a_report_without_mode_is_refused() -> None:
    with pytest.raises(ParseError, match="does not state the test mode") as err:
        _load("helium-leak-without-mode.txt", "helium_leak_test")
    assert err.value.where.file is not None
    assert err.value.where.file.endswith("helium-leak-without-mode.txt")
    assert err.value.expected is not None
    assert "spray" in err.value.expected
    # ... unless the metadata states it
    assert _load("helium-leak-without-mode.txt", "helium_leak_test", mode="hood").mode == "hood"


def test_an_unreadable_leak_rate_names_the_line() -> None:
    with pytest.raises(ParseError) as err:
        _load("helium-leak-unreadable-rate.txt", "helium_leak_test")
    assert err.value.where.row == 3
    assert "2.3E-1O" in str(err.value)


def test_a_pressure_is_not_a_leak_rate() -> None:
    with pytest.raises(ParseError, match="'mbar' is not a unit of leak rate") as err:
        _load("helium-leak-rate-in-pressure-units.txt", "helium_leak_test")
    assert err.value.where.row == 3


def test_missing_issuer_is_named() -> None:
    with pytest.raises(ParseError, match="does not state issuer") as err:
        load_evidence(ASSETS / "helium-leak-measured-atm-cc.txt", kind="helium_leak_test")
    assert err.value.where.field == "issuer"


# --- rate-of-rise logs -------------------------------------------------------------------------------


def test_rise_log_in_pascal_and_minutes() -> None:
    ev = _load("rate-of-rise-pa-minutes.csv", "rate_of_rise_test")
    assert isinstance(ev, RateOfRiseTest)
    assert ev.volume.unit == "L"
    assert ev.volume.value == pytest.approx(12.5)
    assert (ev.p_start.value, ev.p_end.value, ev.p_end.unit) == (1.0e-3, 6.5e-3, "Pa")
    assert (ev.duration.value, ev.duration.unit) == (300.0, "s")
    assert [pt.t_s for pt in ev.curve] == [0, 60, 120, 180, 240, 300]
    assert ev.curve_unit == "Pa"


def test_rise_log_with_torr_column_and_semicolons() -> None:
    ev = _load("rate-of-rise-torr-column.csv", "rate_of_rise_test")
    assert isinstance(ev, RateOfRiseTest)
    assert ev.p_end.unit == "torr"
    assert ev.p_end.to("mbar") == pytest.approx(3.0e-6 * 1.333224, rel=1e-6)


def test_times_must_increase() -> None:
    with pytest.raises(ParseError, match="does not increase") as err:
        _load("rate-of-rise-time-not-increasing.csv", "rate_of_rise_test")
    assert (err.value.where.row, err.value.where.field) == (6, "time_s")


def test_column_and_line_must_agree_on_the_unit() -> None:
    with pytest.raises(ParseError, match="disagree on the unit") as err:
        _load("rate-of-rise-unit-conflict.csv", "rate_of_rise_test")
    assert err.value.where.row == 2


# --- RGA scans ---------------------------------------------------------------------------------------


def test_analog_scan_is_reduced_to_unit_mass_maxima() -> None:
    ev = _load("rga-analog-fractional-masses.csv", "rga_scan")
    assert isinstance(ev, RgaScan)
    peaks = {p.amu: p.partial_pressure for p in ev.peaks}
    assert sorted(peaks) == list(range(1, 51))
    # the sample at the integer mass is the maximum of its ±0.5 amu window (+1e-14 baseline there)
    assert peaks[18] == pytest.approx(1.1e-8 + 1e-14, rel=1e-4)
    assert peaks[44] == pytest.approx(3.0e-10 + 1e-14, rel=1e-3)
    assert peaks[2] == pytest.approx(3.0e-9, rel=1e-3)
    # between peaks only baseline remains; negative baseline readings are never kept
    assert peaks[10] == pytest.approx(1e-14)
    assert min(peaks.values()) >= 0
    assert (ev.total_pressure, ev.pressure_unit, ev.amu_range) == (2.0e-8, "mbar", (1, 50))


def test_histogram_scan_in_torr() -> None:
    ev = _load("rga-bar-torr.csv", "rga_scan")
    assert isinstance(ev, RgaScan)
    assert ev.pressure_unit == "torr"
    assert {p.amu: p.partial_pressure for p in ev.peaks} == {
        2: 2.2e-9,
        18: 8.0e-9,
        28: 1.9e-9,
        32: 3.0e-11,
        40: 1.5e-12,
        44: 2.2e-10,
    }
    assert ev.amu_range == (1, 100)
    assert ev.total_pressure == pytest.approx(1.5e-8)


@pytest.mark.parametrize(
    ("name", "message", "row"),
    [
        ("rga-bar-scan-with-fractional-mass.csv", "not a whole number in a bar scan", 6),
        ("rga-ion-current.csv", "ion current", 2),
        ("rga-without-total-pressure.csv", "total pressure is not stated", None),
    ],
)
def test_rga_errors(name: str, message: str, row: int | None) -> None:
    with pytest.raises(ParseError, match=message) as err:
        _load(name, "rga_scan")
    assert err.value.where.row == row
    assert err.value.where.file is not None
    assert err.value.where.file.endswith(name)


def test_total_pressure_may_come_from_metadata() -> None:
    ev = _load("rga-without-total-pressure.csv", "rga_scan", total_pressure=1.4e-8)
    assert isinstance(ev, RgaScan)
    assert ev.total_pressure == 1.4e-8


def test_evidence_level_errors_name_the_field() -> None:
    with pytest.raises(EvidenceError) as err:
        _load("rga-bar-torr.csv", "rga_scan", amu_range=[20, 40])
    assert "amu_range" in str(err.value)


# --- recognising the formats, and the demo files -----------------------------------------------------

OWN = {
    "helium_leak_test": (parsers._is_leak_report, "helium-leak-censored-spray.txt"),
    "rate_of_rise_test": (parsers._is_rise_log, "rate-of-rise-pa-minutes.csv"),
    "rga_scan": (parsers._is_rga_scan, "rga-bar-torr.csv"),
}


@pytest.mark.parametrize("kind", sorted(OWN))
def test_each_sniff_recognises_its_own_format_only(kind: str) -> None:
    for other, (_, name) in OWN.items():
        head = (ASSETS / name).read_text(encoding="utf-8")
        assert OWN[kind][0](head) is (other == kind), (kind, name)


def test_demo_files_parse_and_are_reproducible(tmp_path: Path) -> None:
    first = demo.generate(tmp_path / "a", seed=5)
    second = demo.generate(tmp_path / "b", seed=5)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    other = demo.generate(tmp_path / "c", seed=6)
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other]
    raw = [p for p in first if not p.name.endswith(".meta.yaml")]
    kinds = {p.name: load_evidence(p).kind for p in raw}
    assert kinds["helium-leak.txt"] == "helium_leak_test"
    assert kinds["rate-of-rise-saturating.csv"] == "rate_of_rise_test"
    assert kinds["rga-scan.csv"] == "rga_scan"
    assert kinds["chamber-outgassing-rate.txt"] == "outgassing_test"
    for name, (sniff, _) in (("helium-leak.txt", OWN["helium_leak_test"]), ("rga-scan.csv", OWN["rga_scan"])):
        assert sniff((tmp_path / "a" / name).read_text(encoding="utf-8"))
