"""Vacuum checks: helium leak, rate of rise, base pressure, RGA, outgassing rate (reference notes §4)."""

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualbridge.demo import vacuum as demo
from qualbridge.evaluation import evaluate
from qualbridge.evaluation.result import VERDICT_RANK, RequirementResult
from qualbridge.evidence.models import evidence_adapter
from qualbridge.evidence.parsers import load_evidence
from qualbridge.standards.catalog import builtin
from qualbridge.standards.profile import documents_from_data, resolve
from qualbridge.units import convert

AS_OF = dt.date(2026, 6, 1)
CHAMBER = {"type": "equipment", "id": "VX-200-SN0042"}


def _req(kind: str, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "id": "r", "title": {"en": kind, "zh": kind}, "source": "fab-defined", **fields}


def _ev(kind: str, **fields: Any) -> Any:
    base = {"kind": kind, "issuer": "Vendor", "test_date": "2026-02-03", "subject": CHAMBER}
    return evidence_adapter.validate_python(base | fields)


def _check(req: dict[str, Any], *evidence: Any) -> RequirementResult:
    doc = {
        "id": "t/vac",
        "version": 1,
        "title": {"en": "t", "zh": "t"},
        "publisher": "T",
        "requirements": [req],
    }
    profile = resolve(documents_from_data(doc, source="test")[0])
    (result,) = evaluate(profile, list(evidence), as_of=AS_OF).results
    return result


# --- helium leak rate --------------------------------------------------------------------------------

LEAK_REQ = _req(
    "helium_leak_rate", max_leak_rate={"value": 1e-9, "unit": "mbar·L/s"}, accepted_modes=["spray", "hood"]
)


def _leak(value: float, unit: str = "mbar·L/s", **fields: Any) -> Any:
    return _ev("helium_leak_test", leak_rate={"value": value, "unit": unit}, **fields)


def test_measured_leak_passes_and_fails_with_margin() -> None:
    ok = _check(LEAK_REQ, _leak(2.5e-10))
    assert ok.verdict == "pass"
    assert ok.margin == pytest.approx(0.75)
    bad = _check(LEAK_REQ, _leak(3.4e-9))
    assert bad.verdict == "fail"
    assert bad.margin == pytest.approx(-2.4)
    assert bad.action is not None
    assert "helium spraying" in bad.action.en
    assert bad.action.zh


def test_leak_stated_in_another_unit_is_converted() -> None:
    # 1e-9 atm·cc/s = 1.01325e-9 mbar·L/s (§4.1): just over a 1e-9 mbar·L/s limit
    result = _check(LEAK_REQ, _leak(1e-9, "atm·cc/s"))
    assert result.verdict == "fail"
    assert result.measured is not None
    assert result.measured.value == pytest.approx(1.01325e-9)
    assert "≈ 3.79e-10 mbar·L/s air" in result.message.en  # × 0.374, molecular flow


def test_nothing_detected_below_the_limit_passes() -> None:
    result = _check(LEAK_REQ, _leak(5e-11, below_detection_limit=True))
    assert result.verdict == "pass"
    assert "< 5e-11" in result.message.en


def test_nothing_detected_above_the_limit_is_inconclusive() -> None:
    result = _check(LEAK_REQ, _leak(5e-9, below_detection_limit=True, mode="hood"))
    assert result.verdict == "inconclusive"
    assert "sensitivity" in result.message.en
    assert result.action is not None
    assert "re-test with a detector/mode reaching ≤ 1e-09 mbar·L/s" in result.action.en
    assert "检漏仪" in result.action.zh


def test_unaccepted_mode_is_inconclusive() -> None:
    result = _check(LEAK_REQ, _leak(1e-10, mode="sniffer"))
    assert result.verdict == "inconclusive"
    assert "sniffer" in result.message.en
    assert result.action is not None
    assert "spray, hood" in result.action.en


def test_accepted_mode_wins_over_a_later_unaccepted_one() -> None:
    result = _check(LEAK_REQ, _leak(1e-10, mode="spray"), _leak(1e-7, mode="sniffer", test_date="2026-03-01"))
    assert result.verdict == "pass"


def test_background_above_the_limit_is_inconclusive() -> None:
    result = _check(LEAK_REQ, _leak(3e-10, background={"value": 2e-9, "unit": "mbar·L/s"}))
    assert result.verdict == "inconclusive"
    assert "background" in result.message.en


def test_test_state_must_match_when_the_profile_names_one() -> None:
    req = LEAK_REQ | {"test_state": "baked"}
    assert _check(req, _leak(1e-10, test_state="Baked")).verdict == "pass"
    other = _check(req, _leak(1e-10, test_state="unbaked"))
    assert other.verdict == "inconclusive"
    assert _check(req, _leak(1e-10)).verdict == "inconclusive"


UNITS = ["mbar·L/s", "Pa·m³/s", "atm·cc/s", "Torr·L/s", "sccm"]


@given(
    rate=st.floats(min_value=1e-13, max_value=1e-6),
    factor=st.floats(min_value=1.0, max_value=1e3),
    censored=st.booleans(),
)
def test_a_larger_leak_never_improves_the_verdict(rate: float, factor: float, censored: bool) -> None:
    small = _check(LEAK_REQ, _leak(rate, below_detection_limit=censored))
    large = _check(LEAK_REQ, _leak(rate * factor, below_detection_limit=censored))
    assert VERDICT_RANK[large.verdict] >= VERDICT_RANK[small.verdict]


@given(rate=st.floats(min_value=1e-13, max_value=1e-6), unit=st.sampled_from(UNITS), censored=st.booleans())
def test_the_same_leak_in_any_unit_gives_the_same_verdict(rate: float, unit: str, censored: bool) -> None:
    reference = _check(LEAK_REQ, _leak(rate, below_detection_limit=censored))
    restated = _check(LEAK_REQ, _leak(convert(rate, "mbar·L/s", unit), unit, below_detection_limit=censored))
    assert restated.verdict == reference.verdict


# --- rate of rise ------------------------------------------------------------------------------------

RISE_REQ = _req("rate_of_rise", max_gas_load={"value": 2e-4, "unit": "mbar·L/s"})


def _rise(p_end: float, *, curve: Sequence[tuple[float, float]] = (), **fields: Any) -> Any:
    return _ev(
        "rate_of_rise_test",
        volume={"value": 50, "unit": "L"},
        p_start={"value": 1e-5, "unit": "mbar"},
        p_end={"value": p_end, "unit": "mbar"},
        duration={"value": 100, "unit": "s"},
        curve=[{"t_s": t, "pressure": p} for t, p in curve],
        **fields,
    )


def test_gas_load_known_answer() -> None:
    # §4.2: V = 50 L, Δp = 2e-4 mbar in 100 s → q = 1e-4 mbar·L/s
    result = _check(RISE_REQ, _rise(1e-5 + 2e-4))
    assert result.verdict == "pass"
    assert result.measured is not None
    assert result.measured.value == pytest.approx(50 * 2e-4 / 100)
    assert result.margin == pytest.approx(0.5)
    assert result.details == []  # no curve, no shape judgement


def test_linear_rise_fails_with_helium_advice() -> None:
    curve = [(t, 1e-5 + 6e-6 * t) for t in range(0, 101, 10)]
    result = _check(RISE_REQ, _rise(1e-5 + 6e-4, curve=curve))
    assert result.verdict == "fail"
    (shape,) = result.details
    assert shape.label.startswith("curve shape: linear")
    assert shape.note is not None
    assert "helium leak-test the chamber" in shape.note.en
    assert result.action is not None
    assert "helium leak-test the chamber" in result.action.en


def test_saturating_rise_passes_with_outgassing_advice() -> None:
    curve = [(t, 1e-5 + 1.5e-4 * (1 - math.exp(-t / 20))) for t in range(0, 101, 5)]
    result = _check(RISE_REQ, _rise(curve[-1][1], curve=curve))
    assert result.verdict == "pass"
    (shape,) = result.details
    assert shape.label.startswith("curve shape: saturating")
    assert shape.note is not None
    assert "outgassing" in shape.note.en
    assert "a real leak contributes at most" in shape.note.en


def test_a_pressure_that_did_not_rise_is_inconclusive() -> None:
    result = _check(RISE_REQ, _rise(1e-5))
    assert result.verdict == "inconclusive"
    assert result.action is not None
    assert "isolation valve" in result.action.en


# --- base pressure -----------------------------------------------------------------------------------

BASE_REQ = _req(
    "base_pressure", max_pressure={"value": 5e-8, "unit": "mbar"}, min_pumpdown_hours=24, baked=False
)


def _base(value: float, unit: str = "mbar", **fields: Any) -> Any:
    return _ev("base_pressure_test", pressure={"value": value, "unit": unit}, **fields)


def test_base_pressure_pass_and_fail_across_units() -> None:
    assert _check(BASE_REQ, _base(3.2e-8, pumpdown_hours=48, baked=False)).verdict == "pass"
    # 1e-5 Pa = 1e-7 mbar
    assert _check(BASE_REQ, _base(1e-5, "Pa", pumpdown_hours=48, baked=False)).verdict == "fail"


def test_short_or_unstated_pump_down_is_inconclusive() -> None:
    short = _check(BASE_REQ, _base(3.2e-8, pumpdown_hours=12, baked=False))
    assert short.verdict == "inconclusive"
    assert short.action is not None
    assert "≥ 24 h" in short.action.en
    assert _check(BASE_REQ, _base(3.2e-8, baked=False)).verdict == "inconclusive"


def test_bake_state_must_match() -> None:
    result = _check(BASE_REQ, _base(3.2e-8, pumpdown_hours=48, baked=True))
    assert result.verdict == "inconclusive"
    assert "unbaked" in result.message.en


# --- RGA ---------------------------------------------------------------------------------------------

CLEAN = {2: 3e-9, 18: 1.1e-8, 28: 2.5e-9, 32: 4e-11, 40: 2e-12, 44: 3e-10, 45: 3e-12, 57: 5e-13}
AIR = CLEAN | {28: 1.25e-8, 32: 3.0e-9, 40: 1.3e-10}
OIL = CLEAN | {39: 4e-11, 41: 1.1e-10, 43: 1.3e-10, 55: 9e-11, 57: 1e-10, 69: 3e-11, 71: 4e-11}


def _scan(peaks: dict[int, float], total: float | None = None, **fields: Any) -> Any:
    return _ev(
        "rga_scan",
        total_pressure=total or sum(peaks.values()),
        peaks=[{"amu": a, "partial_pressure": p} for a, p in sorted(peaks.items())],
        **fields,
    )


HEAVY = _req("rga_mass_range", amu_min=45, amu_max=100, max_fraction_of_total=1e-3)
OIL_PEAKS = _req(
    "rga_peaks",
    peaks=[{"amu": a, "max_fraction_of_total": 1e-4} for a in (39, 41, 43, 55, 57)],
)
AIR_REQ = _req("rga_air_leak")


def test_heavy_mass_fraction() -> None:
    clean = _check(HEAVY, _scan(CLEAN, total=2e-8))
    assert clean.verdict == "pass"
    assert clean.measured is not None
    assert clean.measured.value == pytest.approx(3.5e-12 / 2e-8)
    oily = _check(HEAVY, _scan(OIL, total=2e-8))
    assert oily.verdict == "fail"
    assert oily.action is not None
    assert "pump-oil signature" in oily.action.en


def test_heavy_mass_absolute_limit_in_another_unit() -> None:
    req = _req("rga_mass_range", amu_min=45, amu_max=100, max_partial_pressure={"value": 1e-9, "unit": "Pa"})
    # Σ 45–100 = 3.5e-12 mbar = 3.5e-10 Pa
    result = _check(req, _scan(CLEAN, total=2e-8))
    assert result.verdict == "pass"
    assert result.measured is not None
    assert result.measured.value == pytest.approx(3.5e-10)


def test_a_scan_that_does_not_cover_the_range_is_inconclusive() -> None:
    req = _req("rga_mass_range", amu_min=45, amu_max=200, max_fraction_of_total=1e-3)
    result = _check(req, _scan(CLEAN, total=2e-8, amu_range=[1, 100]))
    assert result.verdict == "inconclusive"
    assert result.action is not None
    assert "m/z 45–200" in result.action.en


def test_named_peaks_have_one_detail_each() -> None:
    clean = _check(OIL_PEAKS, _scan(CLEAN, total=2e-8))
    assert clean.verdict == "pass"
    assert [d.label.split()[1] for d in clean.details] == ["39", "41", "43", "55", "57"]
    not_seen = clean.details[0]
    assert not_seen.note is not None
    assert not_seen.note.en == "not detected"
    oily = _check(OIL_PEAKS, _scan(OIL, total=2e-8))
    assert oily.verdict == "fail"
    assert {d.verdict for d in oily.details} == {"fail"}
    assert oily.details[2].measured is not None
    assert oily.details[2].measured.value == pytest.approx(1.3e-10 / 2e-8)


def test_air_leak_signature_fails_with_the_helium_action() -> None:
    result = _check(AIR_REQ, _scan(AIR))
    assert result.verdict == "fail"
    assert result.action is not None
    assert "helium leak-test the seals" in result.action.en
    assert "re-scan" in result.action.en
    assert "Ar 40 confirms" in result.message.en
    assert _check(AIR_REQ, _scan(CLEAN)).verdict == "pass"


# --- outgassing rate ---------------------------------------------------------------------------------

RATE_REQ = _req("outgassing_rate", max_rate_per_area={"value": 1e-9, "unit": "mbar·L/(s·cm²)"})


def test_outgassing_rate_across_units() -> None:
    # 1e-9 mbar·L/(s·cm²) = 1e-6 Pa·m³/(s·m²) (§4.1)
    ok = _ev("outgassing_test", rate_per_area={"value": 3.1e-7, "unit": "Pa·m³/(s·m²)"})
    bad = _ev("outgassing_test", rate_per_area={"value": 2.6e-6, "unit": "Pa·m³/(s·m²)"})
    result = _check(RATE_REQ, ok)
    assert result.verdict == "pass"
    assert result.measured is not None
    assert result.measured.value == pytest.approx(3.1e-10)
    assert _check(RATE_REQ, bad).verdict == "fail"


def test_outgassing_evidence_without_a_rate_is_missing() -> None:
    e595_only = _ev("outgassing_test", material="FKM", tml_pct=0.3, cvcm_pct=0.02)
    result = _check(RATE_REQ, e595_only)
    assert result.verdict == "missing"
    assert result.action is not None


# --- the demo chamber package against the example profile --------------------------------------------


def _load_dir(folder: Path) -> list[Any]:
    return [
        load_evidence(p)
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.endswith(".meta.yaml")
    ]


def test_demo_chamber_package_passes_the_example_profile(tmp_path: Path) -> None:
    demo.generate(tmp_path, seed=3)
    evaluation = evaluate(builtin().get("example/vacuum-chamber-incoming"), _load_dir(tmp_path), as_of=AS_OF)
    assert {r.requirement_id: r.verdict for r in evaluation.results} == {
        r.requirement_id: "pass" for r in evaluation.results
    }
    assert evaluation.overall == "pass"


@pytest.mark.parametrize(
    ("file", "requirement", "verdict"),
    [
        ("helium-leak-over-limit.txt", "he-leak", "fail"),
        ("helium-leak-insensitive.txt", "he-leak", "inconclusive"),
        ("helium-leak-sniffer-mode.txt", "he-leak", "inconclusive"),
        ("rate-of-rise-linear-leak.csv", "rate-of-rise", "fail"),
        ("rga-scan-air-leak.csv", "rga-air-leak", "fail"),
        ("rga-scan-pump-oil.csv", "rga-pump-oil", "fail"),
        ("rga-scan-pump-oil.csv", "rga-heavy-hydrocarbons", "fail"),
        ("base-pressure.json", "base-pressure", "fail"),
        ("chamber-outgassing-rate.txt", "outgassing-rate", "fail"),
        ("e595-door-oring.csv", "elastomer-e595", "fail"),
        ("icpms-wetted-parts.csv", "trace-metals-wetted", "fail"),
        ("declaration.json", "no-silicone-lubricants", "fail"),
    ],
)
def test_each_failing_demo_file_is_caught(tmp_path: Path, file: str, requirement: str, verdict: str) -> None:
    demo.generate(tmp_path, seed=3)
    profile = builtin().get("example/vacuum-chamber-incoming")
    evaluation = evaluate(profile, [load_evidence(tmp_path / "failing" / file)], as_of=AS_OF)
    by_id = {r.requirement_id: r for r in evaluation.results}
    assert by_id[requirement].verdict == verdict
    assert by_id[requirement].action is not None
