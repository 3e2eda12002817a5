"""The ISO 8573-1 purity check: verdicts, margins and actions per contaminant (reference notes §3)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from qualbridge.demo.compressed_air import write_compressed_air_report
from qualbridge.evaluation import evaluate
from qualbridge.evaluation.checks import ensure_loaded
from qualbridge.evaluation.engine import evaluate_requirement
from qualbridge.evaluation.registry import Context
from qualbridge.evaluation.result import RequirementResult
from qualbridge.evidence.models import CompressedAirPurityTest
from qualbridge.evidence.parsers import load_evidence
from qualbridge.evidence.parsers.compressed_air import parse_compressed_air_report
from qualbridge.standards.catalog import PROFILES_DIR, load_documents
from qualbridge.standards.requirements import CompressedAirRequirement

AS_OF = dt.date(2025, 6, 1)
PROFILE_FILE = PROFILES_DIR / "iso8573-1-2010.yaml"


def air(test_date: dt.date = dt.date(2025, 3, 14), **fields: Any) -> CompressedAirPurityTest:
    data: dict[str, Any] = {
        "issuer": "Example Air Test Lab",
        "test_date": test_date,
        "subject": {"type": "system", "id": "CDA-TH07"},
        "particles_above_5um_detected": False,
        **fields,
    }
    return CompressedAirPurityTest.model_validate(data)


CLASS_1_COUNTS = {"d_0_1_to_0_5": 15_000, "d_0_5_to_1_0": 300, "d_1_0_to_5_0": 8}


def good(**overrides: Any) -> CompressedAirPurityTest:
    fields: dict[str, Any] = {
        "particles_per_m3": CLASS_1_COUNTS,
        "pressure_dew_point": {"value": -45, "unit": "°C"},
        "total_oil": {"value": 0.005, "unit": "mg/m³"},
        **overrides,
    }
    return air(**fields)


def requirement(purity: tuple[Any, Any, Any] = (1, 2, 1), **fields: Any) -> CompressedAirRequirement:
    p, w, o = purity
    return CompressedAirRequirement.model_validate(
        {
            "id": "cda",
            "title": {"en": "CDA", "zh": "压缩空气"},
            "source": "ISO 8573-1:2010",
            "particle_class": p,
            "water_class": w,
            "oil_class": o,
            **fields,
        }
    )


def judge(req: CompressedAirRequirement, *tests: CompressedAirPurityTest) -> RequirementResult:
    ensure_loaded()
    return evaluate_requirement(req, list(tests), Context(as_of=AS_OF))


def detail(result: RequirementResult, label: str) -> Any:
    return next(d for d in result.details if d.label == label)


def test_reference_example_meets_1_2_1_with_margins() -> None:
    result = judge(requirement(), good())
    assert result.verdict == "pass"
    assert "[1:2:1] meets ISO 8573-1:2010 [1:2:1]" in result.message.en
    # Particles: (10 − 8) / 10 = 0.2 is the tightest margin of the three bands (0.25, 0.25, 0.2).
    assert detail(result, "particles 1–5 µm").margin == pytest.approx(0.2)
    # Dew point on the kelvin scale: (233.15 − 228.15) / 233.15 = 0.021445.
    assert detail(result, "pressure dew point").margin == pytest.approx(5 / 233.15, abs=1e-6)
    # Oil: (0.01 − 0.005) / 0.01 = 0.5. The requirement reports its tightest margin.
    assert detail(result, "total oil").margin == pytest.approx(0.5)
    assert result.margin == pytest.approx(5 / 233.15, abs=1e-6)
    assert result.action is None


def test_dew_point_missing_class_2_fails_with_a_dryer_action() -> None:
    result = judge(requirement(), good(pressure_dew_point={"value": -35, "unit": "°C"}))
    assert result.verdict == "fail"
    assert "[1:3:1]" in result.message.en  # −35 °C is class 3 (≤ −20 °C)
    assert result.action is not None
    assert result.action.en == (
        "pressure dew point -35 °C exceeds class 2 (≤ -40 °C): add or repair the desiccant (adsorption) "
        "dryer and re-test per ISO 8573-3"
    )
    assert "ISO 8573-3" in result.action.zh
    dew = detail(result, "pressure dew point")
    assert dew.verdict == "fail"
    assert dew.margin == pytest.approx((233.15 - 238.15) / 233.15, abs=1e-6)


def test_refrigerant_dryer_for_a_plus_3c_class() -> None:
    result = judge(requirement((None, 4, None)), good(pressure_dew_point={"value": 6, "unit": "°C"}))
    assert result.verdict == "fail"
    assert result.action is not None
    assert "refrigerant dryer" in result.action.en


def test_first_band_over_class_1_fails_with_a_filtration_action() -> None:
    counts = {**CLASS_1_COUNTS, "d_0_1_to_0_5": 25_000}  # class 2 in §3.1
    result = judge(requirement(), good(particles_per_m3=counts))
    assert result.verdict == "fail"
    assert result.action is not None
    assert result.action.en.startswith("particles 0.1–0.5 µm 25000 particles/m³ exceeds class 1 (≤ 20000")
    assert "ISO 8573-4" in result.action.en


def test_particles_above_5um_fail_classes_0_to_5() -> None:
    result = judge(requirement(), good(particles_above_5um_detected=True))
    assert result.verdict == "fail"
    assert result.action is not None
    assert "rules out classes 0–5" in result.action.en


def test_unreported_particles_above_5um_are_inconclusive() -> None:
    result = judge(requirement(), good(particles_above_5um_detected=None))
    assert result.verdict == "inconclusive"
    assert result.action is not None
    assert "> 5 µm" in result.action.en


@pytest.mark.parametrize(
    ("purity", "measured", "part"),
    [
        ((None, None, 1), {"pressure_dew_point": {"value": -45, "unit": "°C"}}, "ISO 8573-2 and ISO 8573-5"),
        ((1, None, None), {"total_oil": {"value": 0.005, "unit": "mg/m³"}}, "ISO 8573-4"),
        ((None, 2, None), {"total_oil": {"value": 0.005, "unit": "mg/m³"}}, "ISO 8573-3"),
    ],
)
def test_an_unmeasured_contaminant_is_missing_and_names_the_test_part(
    purity: tuple[Any, Any, Any], measured: dict[str, Any], part: str
) -> None:
    result = judge(requirement(purity), air(**measured))
    assert result.verdict == "missing"
    assert result.action is not None
    assert part in result.action.en


def test_mass_and_liquid_water_measurements_name_their_parts() -> None:
    # Particle class 6 is a mass class (ISO 8573-8); water class 7 is liquid water (ISO 8573-9).
    test = air(particles_above_5um_detected=True, pressure_dew_point={"value": 15, "unit": "°C"})
    result = judge(requirement((6, 7, None)), test)
    assert result.verdict == "missing"
    assert result.action is not None
    assert "ISO 8573-8" in result.action.en
    assert "ISO 8573-9" in result.action.en


def test_liquid_water_class_met_by_a_dry_dew_point() -> None:
    result = judge(requirement((None, 7, None)), air(pressure_dew_point={"value": 5, "unit": "°C"}))
    assert result.verdict == "pass"
    assert any("better than class 7" in (d.note.en if d.note else "") for d in result.details)


def test_mass_class_met_by_a_count_class_only_without_large_particles() -> None:
    counts = {"particles_per_m3": CLASS_1_COUNTS}
    assert judge(requirement((6, None, None)), air(**counts)).verdict == "pass"
    unknown = air(**counts, particles_above_5um_detected=None)
    assert judge(requirement((6, None, None)), unknown).verdict == "missing"


@pytest.mark.parametrize(("reported", "verdict"), [(0.005, "pass"), (0.01, "pass"), (0.02, "inconclusive")])
def test_below_detection_limit_passes_only_when_the_limit_covers_it(reported: float, verdict: str) -> None:
    test = good(total_oil={"value": reported, "unit": "mg/m³"}, below_detection_limit=["total_oil"])
    result = judge(requirement((None, None, 1)), test)
    assert result.verdict == verdict
    if verdict == "inconclusive":
        assert result.action is not None
        assert "detection limit" in result.action.en


def test_oil_classes_1_and_2_need_the_vapour() -> None:
    aerosol_only = good(oil_vapour_included=False)
    assert judge(requirement((None, None, 1)), aerosol_only).verdict == "inconclusive"
    assert judge(requirement((None, None, 3)), aerosol_only).verdict == "pass"


def test_class_0_is_judged_against_the_stated_limit() -> None:
    req = requirement((None, None, 0), class0={"total_oil_mg_m3": 0.003})
    assert judge(req, good(total_oil={"value": 0.002, "unit": "mg/m³"})).verdict == "pass"
    failed = judge(req, good(total_oil={"value": 0.005, "unit": "mg/m³"}))
    assert failed.verdict == "fail"
    assert failed.action is not None
    assert "exceeds class 0 (≤ 0.003 mg/m³)" in failed.action.en


def test_each_contaminant_uses_its_latest_test() -> None:
    older = air(
        dt.date(2025, 1, 10), particles_per_m3=CLASS_1_COUNTS, total_oil={"value": 0.005, "unit": "mg/m³"}
    )
    wet = air(dt.date(2025, 2, 10), pressure_dew_point={"value": -30, "unit": "°C"})
    dried = air(dt.date(2025, 3, 10), pressure_dew_point={"value": -48, "unit": "°C"})
    result = judge(requirement(), older, wet, dried)
    assert result.verdict == "pass"
    assert sorted(result.evidence) == sorted([older.evidence_id(), dried.evidence_id()])


def test_profile_evaluation_is_deterministic_and_overall_pass() -> None:
    profile = load_documents([PROFILE_FILE]).get("iso8573-1/1-2-1")
    first = evaluate(profile, [good()], as_of=AS_OF)
    second = evaluate(profile, [good()], as_of=AS_OF)
    assert first.overall == "pass"
    assert first.canonical() == second.canonical()
    assert evaluate(profile, [], as_of=AS_OF).results[0].verdict == "missing"


def test_golden_report_with_minus_35c_fails_only_on_water() -> None:
    path = Path(__file__).parents[1] / "assets" / "compressed_air" / "dew_point_-35C_misses_class_2.csv"
    test = parse_compressed_air_report(path, {}, None)
    assert isinstance(test, CompressedAirPurityTest)
    result = judge(requirement(), test)
    assert result.verdict == "fail"
    assert [d.label for d in result.details if d.verdict != "pass"] == ["pressure dew point"]


@pytest.mark.parametrize("miss", [None, "particles", "water", "oil"])
def test_demo_reports_pass_or_miss_as_generated(tmp_path: Path, miss: Any) -> None:
    path = write_compressed_air_report(tmp_path, purity="[1:2:1]", seed=7, miss=miss)
    test = load_evidence(path)  # the sidecar names the kind and the metadata
    assert isinstance(test, CompressedAirPurityTest)
    result = judge(requirement(), test)
    labels = {"particles": "particles 0.1–0.5 µm", "water": "pressure dew point", "oil": "total oil"}
    failing = [d.label for d in result.details if d.verdict == "fail"]
    assert result.verdict == ("pass" if miss is None else "fail")
    assert failing == ([] if miss is None else [labels[miss]])


def test_a_measured_liquid_water_failure_is_not_rescued_by_the_dew_point() -> None:
    # 2 g/m³ liquid water is class 8 (0.5 < C_w ≤ 5): it fails class 7 whatever the dew point says.
    test = air(pressure_dew_point={"value": 5, "unit": "°C"}, liquid_water={"value": 2, "unit": "g/m³"})
    result = judge(requirement((None, 7, None)), test)
    assert result.verdict == "fail"
    assert result.action is not None
    assert "ISO 8573-9" in result.action.en
