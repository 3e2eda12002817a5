"""AMC checks: ISO 14644-8 levels in g/m³ and SEMI F21 category totals in pptM (reference notes §2)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from qualbridge.demo.chemical import write_amc_report
from qualbridge.evaluation.checks import ensure_loaded
from qualbridge.evaluation.checks.chemical import substance_key
from qualbridge.evaluation.engine import evaluate_requirement
from qualbridge.evaluation.registry import Context
from qualbridge.evaluation.result import RequirementResult
from qualbridge.evidence.models import AirborneMolecularContamination
from qualbridge.evidence.parsers import load_evidence
from qualbridge.standards.catalog import PROFILES_DIR, load_documents
from qualbridge.standards.requirements import (
    AirChemicalRequirement,
    MolecularCategoryRequirement,
    Requirement,
)

AS_OF = dt.date(2025, 6, 1)


def result_row(substance: str, value: float, unit: str, category: str | None = None) -> Any:
    return {"substance": substance, "category": category, "concentration": {"value": value, "unit": unit}}


def below_dl(substance: str, dl: float, unit: str, category: str | None = None) -> Any:
    return {
        "substance": substance,
        "category": category,
        "concentration": {"value": dl, "unit": unit},
        "detection_limit": {"value": dl, "unit": unit},
        "below_detection_limit": True,
    }


def amc(*results: Any, location: str | None = None, day: int = 18) -> AirborneMolecularContamination:
    return AirborneMolecularContamination.model_validate(
        {
            "issuer": "Example AMC Analytics",
            "test_date": dt.date(2025, 3, day),
            "subject": {"type": "room", "id": "FAB1-L2"},
            "location": location,
            "results": list(results),
        }
    )


def acc(substance: str = "NH3", level: float = -8, **fields: Any) -> AirChemicalRequirement:
    return AirChemicalRequirement.model_validate(
        {
            "id": "amc-nh3",
            "title": {"en": "NH3", "zh": "氨"},
            "source": "ISO 14644-8:2022",
            "substance": substance,
            "acc_class": level,
            **fields,
        }
    )


def f21(category: str = "MA", level: float = 1000) -> MolecularCategoryRequirement:
    return MolecularCategoryRequirement.model_validate(
        {
            "id": "amc-acids",
            "title": {"en": "acids", "zh": "酸"},
            "source": "SEMI F21",
            "category": category,
            "level_pptM": level,
        }
    )


def judge(req: Requirement, *reports: AirborneMolecularContamination) -> RequirementResult:
    ensure_loaded()
    return evaluate_requirement(req, list(reports), Context(as_of=AS_OF))


# --- ISO 14644-8 -------------------------------------------------------------------------------------


def test_nh3_within_level_minus_8_passes_with_margin() -> None:
    # Level −8 is 10⁻⁸ g/m³ = 10 ng/m³ (§2.1); 5 ng/m³ leaves (10 − 5) / 10 = 0.5.
    result = judge(acc(), amc(result_row("NH₃", 5, "ng/m³", "base")))
    assert result.verdict == "pass"
    assert result.limit is not None
    assert (result.limit.value, result.limit.unit) == (10, "ng/m³")
    assert result.margin == pytest.approx(0.5)
    assert "grading level -8" in result.message.en  # the 2022 edition's wording


def test_2013_edition_speaks_of_classes() -> None:
    result = judge(acc(standard="ISO 14644-8:2013"), amc(result_row("NH3", 5, "ng/m³")))
    assert "ISO-ACC class -8 (NH3)" in result.message.en


def test_nh3_above_level_fails_with_an_action() -> None:
    # 0.025 µg/m³ = 25 ng/m³ > 10 ng/m³: units converted within mass concentration only.
    result = judge(acc(), amc(result_row("NH3", 0.025, "µg/m³", "base")))
    assert result.verdict == "fail"
    assert result.margin == pytest.approx(-1.5)
    assert result.action is not None
    assert "NH3 25 ng/m³ exceeds ISO-ACC grading level -8 (NH3) (≤ 10 ng/m³)" in result.action.en


@pytest.mark.parametrize(("dl", "verdict"), [(8.0, "pass"), (10.0, "pass"), (20.0, "inconclusive")])
def test_below_detection_limit_passes_only_when_dl_meets_the_limit(dl: float, verdict: str) -> None:
    result = judge(acc(), amc(below_dl("NH3", dl, "ng/m³", "base")))
    assert result.verdict == verdict


def test_molar_result_is_never_converted_for_iso_14644_8() -> None:
    # 14 pptM NH3 is about 10 ng/m³ at 20 °C — but only given the molar mass, T and P. Never implied.
    result = judge(acc(), amc(result_row("NH3", 14, "pptM", "base")))
    assert result.verdict == "inconclusive"
    assert result.measured is None
    assert result.action is not None
    assert "molar mass" in result.action.en
    assert "report NH3 in ng/m³" in result.action.en


def test_category_requirement_sums_its_substances() -> None:
    # ISO 14644-8 grades a category too: bases = NH3 + TMAH = 6 + 3 = 9 ng/m³ ≤ 10 ng/m³.
    report = amc(result_row("NH3", 6, "ng/m³", "base"), result_row("TMAH", 3, "ng/m³", "base"))
    result = judge(acc("base"), report)
    assert result.verdict == "pass"
    assert result.measured is not None
    assert result.measured.value == pytest.approx(9)
    more = amc(result_row("NH3", 6, "ng/m³", "base"), result_row("TMAH", 5, "ng/m³", "base"))
    assert judge(acc("base"), more).verdict == "fail"


def test_absent_substance_is_missing() -> None:
    result = judge(acc(), amc(result_row("HF", 100, "pptM", "acid")))
    assert result.verdict == "missing"
    assert result.action is not None
    assert "analyse NH3" in result.action.en


def test_worst_location_decides_and_newer_reports_supersede() -> None:
    old_bad = amc(result_row("NH3", 30, "ng/m³"), location="bay 1", day=1)
    new_good = amc(result_row("NH3", 4, "ng/m³"), location="bay 1", day=20)
    other = amc(result_row("NH3", 12, "ng/m³"), location="bay 2", day=5)
    assert judge(acc(), old_bad, new_good).verdict == "pass"
    result = judge(acc(), old_bad, new_good, other)
    assert result.verdict == "fail"
    assert "at bay 2" in result.message.en


# --- SEMI F21 ----------------------------------------------------------------------------------------


def test_f21_sums_the_category_in_pptm() -> None:
    # MA total = HF 300 + HCl 400 + HNO3 (< 50) ≤ 750 pptM ≤ MA-1000.
    report = amc(
        result_row("HF", 300, "pptM", "acid"),
        result_row("HCl", 0.4, "ppbM", "acid"),
        below_dl("HNO3", 50, "pptM", "acid"),
        result_row("NH3", 5000, "pptM", "base"),
    )
    result = judge(f21(), report)
    assert result.verdict == "pass"
    assert result.measured is not None
    assert (result.measured.value, result.measured.unit) == (pytest.approx(750), "pptM")
    assert result.margin == pytest.approx(0.25)


def test_f21_detection_limits_that_could_exceed_are_inconclusive() -> None:
    # 700 detected + up to 400 below DL = up to 1100 > 1000; at least 700 ≤ 1000: cannot decide.
    report = amc(
        result_row("HF", 300, "pptM", "acid"),
        result_row("HCl", 400, "pptM", "acid"),
        below_dl("HNO3", 400, "pptM", "acid"),
    )
    result = judge(f21(), report)
    assert result.verdict == "inconclusive"
    assert result.action is not None
    assert "detection limits" in result.action.en


def test_f21_total_over_the_level_fails() -> None:
    report = amc(result_row("HF", 600, "pptM", "acid"), result_row("HCl", 500, "pptM", "acid"))
    result = judge(f21(), report)
    assert result.verdict == "fail"
    assert result.action is not None
    assert "MA total 1100 pptM exceeds MA-1000 (≤ 1000 pptM)" in result.action.en


def test_f21_mass_unit_result_is_inconclusive_with_the_reason() -> None:
    report = amc(result_row("HF", 300, "pptM", "acid"), result_row("HCl", 0.5, "µg/m³", "acid"))
    result = judge(f21(), report)
    assert result.verdict == "inconclusive"
    assert result.measured is None
    assert result.action is not None
    assert "molar mass and the sampling temperature and pressure" in result.action.en


def test_f21_mass_unit_result_cannot_rescue_a_molar_total_already_over() -> None:
    report = amc(result_row("HF", 1200, "pptM", "acid"), result_row("HCl", 0.5, "µg/m³", "acid"))
    assert judge(f21(), report).verdict == "fail"


def test_f21_uncategorised_results_block_a_pass() -> None:
    report = amc(result_row("HF", 100, "pptM", "acid"), result_row("Acetic acid", 200, "pptM"))
    result = judge(f21(), report)
    assert result.verdict == "inconclusive"
    assert result.action is not None
    assert "Acetic acid" in result.action.en


def test_f21_category_not_analysed_is_missing() -> None:
    assert judge(f21("MD", 100), amc(result_row("HF", 100, "pptM", "acid"))).verdict == "missing"


def test_substance_names_compare_without_case_spaces_or_subscripts() -> None:
    assert substance_key("NH₃") == substance_key("nh3") == substance_key(" N H3 ")


# --- with the example fab profile and the demo generator --------------------------------------------


@pytest.mark.parametrize(
    ("miss", "nh3", "acids"), [(None, "pass", "pass"), ("nh3", "fail", "pass"), ("acids", "pass", "fail")]
)
def test_demo_report_against_the_example_fab_profile(tmp_path: Path, miss: Any, nh3: str, acids: str) -> None:
    profile = load_documents([PROFILES_DIR / "example-fab-tool-hookup.yaml"]).get("example/tool-hookup")
    assert profile.example
    path = write_amc_report(tmp_path, seed=11, miss=miss)
    report = load_evidence(path)  # the sidecar names the kind and the metadata
    assert isinstance(report, AirborneMolecularContamination)
    assert judge(profile.requirement("amc-nh3"), report).verdict == nh3
    assert judge(profile.requirement("amc-acids"), report).verdict == acids
